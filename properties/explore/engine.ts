// The exhaustive explorer: breadth-first from the initial state over an area's own step
// function (no second model), every new state canonicalised and fingerprinted, every
// invariant evaluated on every transition, reachability goals counted as witnesses, and the
// first violation reported with its breadth-first (so shortest) trace as a corpus record.
// Configuration spaces (routing) are enumerated instead, every configuration checked by the
// registered properties themselves.
import type { Variant } from '../../model/variants.ts';
import { type CounterexampleRecord, recordOf } from '../harness.ts';
import { propertyById } from '../registry.ts';
import type { AnyScenario } from '../registry-types.ts';
import { Encoder } from './encoder.ts';
import { collisionProbability, FingerprintSet } from './fingerprint.ts';
import { outdegreeOf } from './summary.ts';
import type {
  ConfigSpace,
  ExploreOptions,
  ExploreRun,
  ExploreStats,
  KindCoverage,
  Reads,
  Scope,
  Shard,
  StepModel,
  Witness,
} from './types.ts';

/** How often (in expanded states) the budget, the signal and the heap are looked at. */
const POLL_EVERY = 512;
/** Sharding splits the frontier once it holds this many states per shard. */
const SPLIT_PER_SHARD = 8;

/** Parent links and the event that led to each distinct state, by discovery order. */
class Links {
  parent = new Int32Array(256);
  event = new Uint16Array(256);
  size = 0;

  add(parent: number, event: number): number {
    if (this.size === this.parent.length) {
      const p = new Int32Array(this.parent.length * 2);
      p.set(this.parent);
      this.parent = p;
      const e = new Uint16Array(this.event.length * 2);
      e.set(this.event);
      this.event = e;
    }
    this.parent[this.size] = parent;
    this.event[this.size] = event;
    return this.size++;
  }

  get bytes(): number {
    return this.parent.byteLength + this.event.byteLength;
  }

  /** The event indices from the initial state to state `id`. */
  path(id: number): number[] {
    const out: number[] = [];
    for (let i = id; i > 0; i = this.parent[i] as number) out.push(this.event[i] as number);
    return out.reverse();
  }
}

interface Entry<X> {
  readonly x: X;
  readonly id: number;
  readonly hi: number;
  readonly lo: number;
}

export class ExploreError extends Error {
  override readonly name = 'ExploreError';
}

/** The record of a trace the explorer found, its violation as the property itself reports it. */
export function traceRecord(
  area: string,
  scope: string,
  property: string,
  variant: Variant,
  scenario: AnyScenario,
): CounterexampleRecord {
  const def = propertyById(property);
  if (!def?.check) throw new ExploreError(`explore: no registered safety property ${property}`);
  const violation = def.check(scenario, variant);
  if (!violation || violation.step !== scenario.events.length) {
    throw new ExploreError(
      `explore: the ${area} explorer found ${property} violated after ${scenario.events.length} event(s) of scope ${scope}, but the property's own check ${violation ? `fails after step ${violation.step}` : 'passes'} on that trace: the explorer's view of the transition and the property's fold disagree`,
    );
  }
  return recordOf(def, variant, scenario, violation, 0, `explore:${scope}`);
}

const heapMiB = () => process.memoryUsage().heapUsed / 2 ** 20;

/**
 * When the search gives control back: a generator yields at its next poll after `end`, so a
 * driver can let signals in between slices of a long search.
 */
export interface Slice {
  end: number;
}

/** The checks and goals (indices) asked on self-loops, on steps, and on first reaching a state. */
interface Asked {
  readonly checks: readonly number[];
  readonly goals: readonly number[];
}

function askedOn<X, E, V>(
  model: StepModel<X, E, V>,
  every: boolean,
): { loop: Asked; step: Asked; fresh: Asked } {
  const which = (xs: readonly { reads?: Reads }[], pick: (r: Reads) => boolean) =>
    xs.flatMap((x, i) => (pick(every ? 'any' : (x.reads ?? 'any')) ? [i] : []));
  const of = (pick: (r: Reads) => boolean): Asked => ({
    checks: which(model.checks, pick),
    goals: which(model.goals, pick),
  });
  return {
    loop: of((r) => r === 'any'),
    step: of((r) => r !== 'state'),
    fresh: of((r) => r === 'state'),
  };
}

/** Breadth-first search of one scope's state space, run to the end. */
export function exploreStepped<X, E, V>(
  area: string,
  scope: Scope<unknown>,
  model: StepModel<X, E, V>,
  opts: ExploreOptions,
): ExploreRun {
  return drain(searchStepped(area, scope, model, opts, { end: Number.POSITIVE_INFINITY }));
}

function drain(g: Generator<void, ExploreRun>): ExploreRun {
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
  }
}

/** Runs a search in slices of `sliceMs`, letting the event loop (signals) in between. */
export async function inSlices(
  make: (slice: Slice) => Generator<void, ExploreRun>,
  sliceMs: number,
): Promise<ExploreRun> {
  const slice: Slice = { end: performance.now() + sliceMs };
  const g = make(slice);
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
    slice.end = performance.now() + sliceMs;
  }
}

/** The breadth-first search, yielding at a poll once its slice is over. */
export function* searchStepped<X, E, V>(
  area: string,
  scope: Scope<unknown>,
  given: StepModel<X, E, V>,
  opts: ExploreOptions,
  slice: Slice,
): Generator<void, ExploreRun> {
  // A run that only wants the verdict (a zoo hunt) asks no goal of any state, as
  // searchEnumerated's does not: it then lists no witnesses.
  const model: StepModel<X, E, V> = opts.witnesses === false ? { ...given, goals: [] } : given;
  const started = performance.now();
  const deadline = opts.budgetMs !== undefined ? started + opts.budgetMs : Number.POSITIVE_INFINITY;
  const maxStates = opts.maxStates ?? Number.POSITIVE_INFINITY;
  const shard = opts.shard ?? null;
  const enc = new Encoder();
  const seen = new FingerprintSet(256);
  const links = new Links();
  const goalSets = model.goals.map(() => new FingerprintSet(64));
  const kindIndex = new Map(model.kinds.map((k, i) => [k, i]));
  const cov = model.kinds.map(() => ({ generated: 0, enabled: 0, distinct: 0 }));
  const hist: number[] = [];
  let generated = 0;
  let distinct = 0;
  let constrained = 0;
  let orbitSum = 0;
  let depth = 0;
  let heapPeak = heapMiB();
  let bound: ExploreRun['bound'] = null;
  let found: { id: number; event: number; check: number; depth: number } | null = null;

  const x0 = model.init();
  enc.reset();
  orbitSum += model.encode(x0, enc);
  const f0 = enc.fingerprint();
  seen.add(f0.hi, f0.lo);
  links.add(-1, 0);
  distinct = 1;
  let level: Entry<X>[] = [{ x: x0, id: 0, hi: f0.hi, lo: f0.lo }];
  const v0 = model.initView?.(x0);
  if (v0 !== undefined) {
    const c = model.checks.findIndex((ch) => ch.test(v0) !== null);
    if (c >= 0) found = { id: 0, event: -1, check: c, depth: 0 };
    model.goals.forEach((g, i) => {
      if (g.holds(v0)) goalSets[i]?.add(f0.hi, f0.lo);
    });
  }
  /** What a shard other than the first does not report: the states every shard visits alike. */
  const forgetCounts = () => {
    generated = 0;
    distinct = 0;
    constrained = 0;
    orbitSum = 0;
    hist.length = 0;
    for (const c of cov) Object.assign(c, { generated: 0, enabled: 0, distinct: 0 });
    for (let i = 0; i < goalSets.length; i++) goalSets[i] = new FingerprintSet(64);
  };
  const on = askedOn(model, opts.everyTransition === true);
  let split = shard === null || shard.count === 1;
  let expanded = 0;
  let lastEvents: readonly E[] | null = null;
  let kindsOf: number[] = [];

  search: while (level.length > 0 && found === null) {
    if (!split && level.length >= SPLIT_PER_SHARD * (shard as { count: number }).count) {
      // Deterministic split of the frontier: shard k keeps every count-th state from k-1. The
      // states visited so far stay in its set; only the first shard counts them.
      const s = shard as { index: number; count: number };
      level = level.filter((_, i) => i % s.count === s.index - 1);
      split = true;
      if (s.index !== 1) forgetCounts();
    }
    const next: Entry<X>[] = [];
    for (let li = 0; li < level.length; li++) {
      const { x, id, hi, lo } = level[li] as Entry<X>;
      if (++expanded % POLL_EVERY === 0) {
        heapPeak = Math.max(heapPeak, heapMiB());
        if (performance.now() > slice.end) yield;
        if (performance.now() > deadline) {
          bound = 'budget';
        } else if (opts.shouldStop?.()) {
          bound = 'signal';
        }
        if (bound) {
          // The rest of this level and the next are left on the queue.
          level = [...level.slice(li), ...next];
          break search;
        }
      }
      const evs = model.events(x);
      if (evs !== lastEvents) {
        lastEvents = evs;
        kindsOf = evs.map((e) => kindIndex.get(model.kind(e)) ?? -1);
      }
      let out = 0;
      for (let k = 0; k < evs.length; k++) {
        const e = evs[k] as E;
        const s = model.next(x, e);
        generated++;
        const kc = cov[kindsOf[k] as number];
        if (kc) {
          kc.generated++;
          if (!s.stutter) kc.enabled++;
        }
        // A self-loop can fail (reach) only what judges refusals; a step, what judges steps.
        const asked = s.stutter ? on.loop : on.step;
        for (let i = 0; i < asked.checks.length; i++) {
          const c = asked.checks[i] as number;
          if ((model.checks[c] as (typeof model.checks)[number]).test(s.view) !== null) {
            found = { id, event: k, check: c, depth: depth + 1 };
            break search;
          }
        }
        let shi = hi;
        let slo = lo;
        let orbit = 1;
        if (!s.stutter) {
          enc.reset();
          orbit = model.encode(s.state, enc);
          const f = enc.fingerprint();
          shi = f.hi;
          slo = f.lo;
        }
        const loop = shi === hi && slo === lo;
        if (!loop) out++;
        const fresh = !loop && seen.add(shi, slo);
        if (fresh) {
          // What reads only the state is asked once, when the state is first reached.
          for (let i = 0; i < on.fresh.checks.length; i++) {
            const c = on.fresh.checks[i] as number;
            if ((model.checks[c] as (typeof model.checks)[number]).test(s.view) !== null) {
              found = { id, event: k, check: c, depth: depth + 1 };
              break search;
            }
          }
          for (let i = 0; i < on.fresh.goals.length; i++) {
            const g = on.fresh.goals[i] as number;
            if ((model.goals[g] as (typeof model.goals)[number]).holds(s.view))
              goalSets[g]?.add(shi, slo);
          }
        }
        for (let i = 0; i < asked.goals.length; i++) {
          const g = asked.goals[i] as number;
          if ((model.goals[g] as (typeof model.goals)[number]).holds(s.view))
            goalSets[g]?.add(shi, slo);
        }
        if (!fresh) continue;
        const nid = links.add(id, k);
        distinct++;
        orbitSum += orbit;
        if (kc) kc.distinct++;
        if (model.within(s.state)) next.push({ x: s.state, id: nid, hi: shi, lo: slo });
        else constrained++;
        if (seen.size >= maxStates) {
          bound = 'max-states';
          hist[out] = (hist[out] ?? 0) + 1;
          level = [...level.slice(li + 1), ...next];
          break search;
        }
      }
      hist[out] = (hist[out] ?? 0) + 1;
    }
    level = next;
    if (next.length > 0) depth++;
  }

  heapPeak = Math.max(heapPeak, heapMiB());
  if (!split && (shard as Shard).index !== 1) {
    // The search ended before its frontier was wide enough to split: the first shard reports
    // it, the others count nothing (they are exhausted all the same).
    forgetCounts();
  }
  const ms = performance.now() - started;
  let counterexample: CounterexampleRecord | undefined;
  if (found) {
    // Replays the stored event choices from the initial state: the actual states of the queue
    // form a tree, so the same indices give the same events.
    const events: E[] = [];
    let x = model.init();
    for (const k of links.path(found.id)) {
      const e = model.events(x)[k] as E;
      events.push(e);
      x = model.next(x, e).state;
    }
    if (found.event >= 0) events.push(model.events(x)[found.event] as E);
    const check = model.checks[found.check] as (typeof model.checks)[number];
    counterexample = traceRecord(area, scope.name, check.property, opts.variant, {
      setup: model.setup,
      events,
    });
  }
  const coverage: Record<string, KindCoverage> = {};
  model.kinds.forEach((k, i) => {
    coverage[k] = cov[i] as KindCoverage;
  });
  const witnesses: Witness[] = model.goals.map((g, i) => ({
    property: g.property,
    goal: g.goal,
    states: goalSets[i]?.size ?? 0,
  }));
  const stats: ExploreStats = {
    generated,
    distinct,
    queue: found ? 0 : level.length,
    constrained,
    depth: found ? found.depth : depth,
    outdegree: outdegreeOf(hist.map((c) => c ?? 0)),
    coverage,
    neverEnabled: model.kinds.filter((_, i) => (cov[i]?.enabled ?? 0) === 0),
    ms: Math.round(ms),
    distinctPerSec: Math.round((distinct / Math.max(ms, 1e-3)) * 1000),
    collisionProbability: collisionProbability(distinct, generated),
    symmetryRatio: distinct === 0 ? 1 : Math.round((orbitSum / distinct) * 1000) / 1000,
    bytesPerState: Math.round(((seen.bytes + links.bytes) / Math.max(1, seen.size)) * 10) / 10,
    heapPeakMiB: Math.round(heapPeak),
  };
  return {
    ...header(area, scope, opts, 'stepped', found !== null, bound, witnesses),
    stats,
    checked: dedupe(model.checks.map((c) => ({ property: c.property, invariant: c.invariant }))),
    witnesses,
    ...(counterexample ? { counterexample, statesUntilFound: seen.size } : {}),
    ...(model.extra ? { extra: model.extra() } : {}),
  };
}

/**
 * What a run says of itself: where it ran, and its verdict. Passed means exhausted, nothing
 * violated and every goal in scope witnessed.
 */
function header(
  area: string,
  scope: Scope<unknown>,
  opts: ExploreOptions,
  kind: ExploreRun['kind'],
  violated: boolean,
  bound: ExploreRun['bound'],
  witnesses: readonly Witness[],
) {
  const exhausted = bound === null && !violated;
  const missed = witnesses.some((w) => w.states === 0 && !inOutOfScope(scope, w));
  const shard = opts.shard ?? null;
  return {
    area,
    scope: scope.name,
    description: scope.description,
    variant: opts.variant.name,
    kind,
    status: violated || (exhausted && missed) ? 'failed' : exhausted ? 'passed' : 'interrupted',
    exhausted,
    bound: violated ? 'violation' : bound,
    shard: shard ? `${shard.index}/${shard.count}` : null,
    ...(scope.outOfScope ? { outOfScope: scope.outOfScope } : {}),
  } as const;
}

/** True iff the scope says it cannot reach this goal (another scope of the area does). */
function inOutOfScope(scope: Scope<unknown>, w: { property: string; goal: string }): boolean {
  return scope.outOfScope?.includes(`${w.property}: ${w.goal}`) === true;
}

function dedupe<T extends { property: string; invariant: string }>(xs: readonly T[]): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => {
    const k = `${x.property}|${x.invariant}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Every configuration of a space (this shard's share: index modulo count), in order. */
export function exploreEnumerated(
  area: string,
  scope: Scope<unknown>,
  space: ConfigSpace,
  opts: ExploreOptions,
): ExploreRun {
  return drain(searchEnumerated(area, scope, space, opts, { end: Number.POSITIVE_INFINITY }));
}

/** The enumeration, yielding at a poll once its slice is over. */
export function* searchEnumerated(
  area: string,
  scope: Scope<unknown>,
  space: ConfigSpace,
  opts: ExploreOptions,
  slice: Slice,
): Generator<void, ExploreRun> {
  const started = performance.now();
  const deadline = opts.budgetMs !== undefined ? started + opts.budgetMs : Number.POSITIVE_INFINITY;
  const shard = opts.shard ?? null;
  const limit = Math.min(space.size, opts.maxStates ?? Number.POSITIVE_INFINITY);
  const defs = space.checks.map((id) => {
    const d = propertyById(id);
    if (!d?.check) throw new ExploreError(`explore: no registered safety property ${id}`);
    return d;
  });
  // A hunt reads only the verdict: it may leave the goals uncounted (and claims no witness).
  const twins = (opts.witnesses === false ? [] : space.goals).map((id) => {
    const d = propertyById(id);
    if (!d?.reach) throw new ExploreError(`explore: no registered reachability twin ${id}`);
    return d;
  });
  const counts = new Map<string, number>(
    twins.flatMap((t) => (t.goals ?? []).map((g) => [`${t.id}\u0000${g}`, 0] as const)),
  );
  let checked = 0;
  let bound: ExploreRun['bound'] = null;
  let counterexample: CounterexampleRecord | undefined;
  let i = 0;
  for (; i < limit; i++) {
    if (shard && i % shard.count !== shard.index - 1) continue;
    if (checked % 64 === 0 && checked > 0) {
      if (performance.now() > slice.end) yield;
      if (performance.now() > deadline) bound = 'budget';
      else if (opts.shouldStop?.()) bound = 'signal';
      if (bound) break;
    }
    const c = space.config(i);
    checked++;
    for (const d of defs) {
      if (d.check?.(c, opts.variant)) {
        counterexample = traceRecord(area, scope.name, d.id, opts.variant, c);
        break;
      }
    }
    if (counterexample) break;
    for (const t of twins) {
      for (const g of t.reach?.(c, opts.variant) ?? []) {
        const k = `${t.id}\u0000${g}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
    }
  }
  if (!bound && !counterexample && limit < space.size) bound = 'max-states';
  const ms = performance.now() - started;
  const witnesses: Witness[] = [...counts].map(([k, states]) => {
    const [property, goal] = k.split('\u0000') as [string, string];
    return { property, goal, states };
  });
  return {
    ...header(area, scope, opts, 'enumerated', counterexample !== undefined, bound, witnesses),
    enumeration: {
      size: space.size,
      checked,
      dimensions: space.dimensions,
      ms: Math.round(ms),
      perSec: Math.round((checked / Math.max(ms, 1e-3)) * 1000),
    },
    checked: defs.map((d) => ({ property: d.id, invariant: d.invariants.join(',') })),
    witnesses,
    ...(counterexample ? { counterexample, statesUntilFound: checked } : {}),
  };
}
