// The budgeted run behind `npm run nightly` and `npm start`: every selected property, first to
// npm test's own run count, then deeper with what is left of a wall-clock budget; the seed
// layouts; the zoo when time allows. It produces the summary object and reports progress;
// writing files is the caller's job.
import { CORRECT, type Variant, zooVariants } from '../model/variants.ts';
import { EXPLORE_SHARE, exhaustiveWanted, runExhaustive } from './explore/nightly.ts';
import type { ExhaustiveRow } from './explore/summary.ts';
import {
  type CounterexampleRecord,
  FAST_CHECK_VERSION,
  type PropertyResult,
  propertySeed,
  runProperty,
  runsOf,
} from './harness.ts';
import { PROPERTIES } from './registry.ts';
import type { PropertyDef } from './registry-types.ts';
import type {
  CounterexampleEntry,
  PropertyRow,
  PropertyStatus,
  ScenarioRow,
  Summary,
  ZooReport,
  ZooRow,
} from './report/summary.ts';
import { FIXTURES, layoutFix, layoutStory } from './scenarios.ts';
import { huntVariant } from './zoo.ts';

/** How many times npm test's runs a safety property may get, time permitting. */
export const DEPTH = 20;
/**
 * The longest one fast-check call may run. A run is synchronous, so a signal is only seen
 * between calls: this bounds how long Ctrl-C waits. Longer properties get several slices.
 */
export const SLICE_MS = 2000;
/** The zoo runs only in budgets at least this long, and gets this share of them. */
export const ZOO_MIN_BUDGET_S = 300;
const ZOO_SHARE = 0.15;
/** A zoo variant runs every safety property at npm test's counts: seconds, not milliseconds. */
const ZOO_VARIANT_MIN_MS = 8000;

export interface Shard {
  readonly index: number;
  readonly count: number;
}

export interface NightlyPlan {
  readonly budgetSeconds: number;
  readonly seed: number;
  readonly variant: Variant;
  readonly shard: Shard | null;
  readonly only: readonly string[] | null;
}

export interface Progress {
  /** 1: reaching npm test's runs; 2: going deeper with what is left of the budget. */
  readonly pass: 1 | 2;
  readonly property: string;
  /** 1-based position among the selected properties. */
  readonly index: number;
  readonly total: number;
  readonly runs: number;
  readonly target: number;
  readonly counterexamples: number;
  readonly msLeft: number;
}

export interface NightlyHooks {
  shouldStop(): boolean;
  /** Stores a counterexample the moment it is found and says where it went. */
  counterexample(rec: CounterexampleRecord): CounterexampleEntry;
  progress?(p: Progress): void;
  /** Every property has made npm test's runs (or the budget or a signal stopped it). */
  depthReached?(partial: Summary, msLeft: number): void;
  /** A property's row is final. */
  propertyDone?(row: PropertyRow, partial: Summary): void;
  scenarioDone?(row: ScenarioRow): void;
  zooDone?(row: ZooRow): void;
  exhaustiveDone?(row: ExhaustiveRow): void;
}

/** The properties a plan runs: shards split the catalogue by index modulo N, stably. */
export function selectProperties(plan: Pick<NightlyPlan, 'shard' | 'only'>): PropertyDef[] {
  return PROPERTIES.filter((def, i) => {
    if (plan.shard && i % plan.shard.count !== plan.shard.index - 1) return false;
    return plan.only === null || plan.only.includes(def.id);
  });
}

const yieldToSignals = () => new Promise<void>((resolve) => setImmediate(resolve));

function mergeReached(
  into: Record<string, number>,
  from: Readonly<Record<string, number>> | undefined,
) {
  for (const [g, k] of Object.entries(from ?? {})) into[g] = (into[g] ?? 0) + k;
}

/** Where one property's search stands between slices and passes. */
interface Search {
  readonly def: PropertyDef;
  readonly testRuns: number;
  readonly maxRuns: number;
  readonly reached: Record<string, number>;
  runs: number;
  slices: number;
  ms: number;
  failing?: PropertyResult;
}

function startSearch(def: PropertyDef): Search {
  const testRuns = runsOf(def);
  return {
    def,
    testRuns,
    maxRuns: testRuns * DEPTH,
    reached: Object.fromEntries((def.goals ?? []).map((g) => [g, 0])),
    runs: 0,
    slices: 0,
    ms: 0,
  };
}

/** Runs one property in slices until it fails, makes `upTo` runs, or reaches `deadline`. */
async function advance(
  s: Search,
  upTo: number,
  plan: NightlyPlan,
  deadline: number,
  hooks: NightlyHooks,
  report: (runs: number) => void,
): Promise<void> {
  report(s.runs);
  while (!s.failing && s.runs < upTo && !hooks.shouldStop()) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    const ms = Math.max(1, Math.min(left, SLICE_MS));
    const started = performance.now();
    const r = runProperty(s.def, {
      variant: plan.variant,
      // Slice 0 uses npm test's own derivation, so the first runs are npm test's runs.
      seed: propertySeed(plan.seed, s.slices === 0 ? s.def.id : `${s.def.id}#${s.slices}`),
      numRuns: upTo - s.runs,
      timeLimitMs: ms,
      skipAfterMs: ms,
    });
    s.ms += performance.now() - started;
    s.slices++;
    s.runs += r.numRuns;
    mergeReached(s.reached, r.reached);
    report(s.runs);
    if (r.counterexample) s.failing = r;
    await yieldToSignals();
  }
}

/** A property's row once its search is over. */
function rowOf(s: Search, plan: NightlyPlan): PropertyRow {
  const { def } = s;
  const goalsMet = Object.values(s.reached).every((k) => k > 0);
  let status: PropertyStatus;
  if (s.failing) status = 'failed';
  else if (def.kind === 'sometimes' && goalsMet) status = 'passed';
  // A budgeted run that made at least npm test's runs is as good as npm test's verdict.
  else if (s.runs >= s.testRuns) status = def.kind === 'sometimes' ? 'failed' : 'passed';
  else status = 'interrupted';
  const cex = s.failing?.counterexample;
  return {
    ...identity(def, plan),
    status,
    numRuns: s.runs,
    testRuns: s.testRuns,
    maxRuns: s.maxRuns,
    numShrinks: s.failing?.numShrinks ?? 0,
    seed: propertySeed(plan.seed, def.id),
    durationMs: Math.round(s.ms),
    ...(def.kind === 'sometimes' ? { goals: { ...s.reached } } : {}),
    ...(cex ? { counterexample: cex.id } : {}),
  };
}

/** What names a property's row, whether it ran or not. */
function identity(def: PropertyDef, plan: NightlyPlan) {
  return {
    id: def.id,
    title: def.title,
    area: def.area,
    kind: def.kind,
    invariants: def.invariants,
    variant: plan.variant.name,
  };
}

/** A seed layout judged on the plan's variant; a found one also told as a counterexample. */
export function scenarioRow(name: string, variant: Variant): ScenarioRow | undefined {
  const fx = FIXTURES.find((x) => x.name === name);
  if (!fx) return undefined;
  const v = fx.judge(variant);
  const story = v.verdict === 'found' ? layoutStory(name, variant) : undefined;
  const fix = v.verdict === 'found' ? layoutFix(name, variant) : undefined;
  return {
    name,
    source: fx.source,
    verdict: v.verdict,
    expected: fx.expected,
    ...(v.flow ? { flow: v.flow } : {}),
    ...(story ? { story } : {}),
    ...(fix ? { fix } : {}),
  };
}

export async function runNightly(plan: NightlyPlan, hooks: NightlyHooks): Promise<Summary> {
  const startedAt = new Date();
  const budgetMs = plan.budgetSeconds * 1000;
  const end = startedAt.getTime() + budgetMs;
  const selected = selectProperties(plan);
  // Layouts and the zoo are whole-run checks: the first shard owns them, --only leaves them out.
  const wholeRun = plan.only === null && (plan.shard === null || plan.shard.index === 1);
  const zooWanted =
    plan.only === null &&
    plan.variant.name === CORRECT.name &&
    plan.budgetSeconds >= ZOO_MIN_BUDGET_S;
  // Rendering and writing the reports need a moment of the budget too.
  const exploreMs = exhaustiveWanted(plan).wanted ? budgetMs * EXPLORE_SHARE : 0;
  const reserve =
    Math.min(2000, budgetMs * 0.05) + (zooWanted ? budgetMs * ZOO_SHARE : 0) + exploreMs;
  const propertiesEnd = end - reserve;
  const searches = selected.map(startSearch);
  const counterexamples: CounterexampleEntry[] = [];
  let stopped = false;
  const summary = (status: Summary['status'], extra: Partial<Summary> = {}): Summary => ({
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    status,
    budgetSeconds: plan.budgetSeconds,
    fastCheckVersion: FAST_CHECK_VERSION,
    seed: plan.seed,
    shard: plan.shard ? `${plan.shard.index}/${plan.shard.count}` : null,
    variant: plan.variant.name,
    only: plan.only,
    properties: searches.map((x) => rowOf(x, plan)),
    scenarios: [],
    counterexamples,
    zoo: { status: 'skipped', variants: [] },
    ...extra,
  });
  const progress = (pass: 1 | 2, i: number, target: number) => (runs: number) =>
    hooks.progress?.({
      pass,
      property: selected[i]?.id ?? '',
      index: i + 1,
      total: selected.length,
      runs,
      target,
      counterexamples: counterexamples.length,
      msLeft: Math.max(0, end - Date.now()),
    });
  const reported = new Set<Search>();
  const done = (s: Search) => {
    reported.add(s);
    hooks.propertyDone?.(rowOf(s, plan), summary('running'));
  };

  // Pass 1: every property to npm test's own depth first, so that no property is left short
  // of it while an earlier one goes deep.
  for (const [i, s] of searches.entries()) {
    if (hooks.shouldStop()) break;
    await advance(s, s.testRuns, plan, propertiesEnd, hooks, progress(1, i, s.testRuns));
    const cex = s.failing?.counterexample;
    if (cex) {
      counterexamples.push(hooks.counterexample(cex));
      done(s);
    }
  }
  hooks.depthReached?.(summary('running'), Math.max(0, propertiesEnd - Date.now()));
  // Pass 2: what is left of the budget goes deeper, shared among the safety properties still
  // searching (a twin's verdict is its goals, reached or not, at npm test's depth); time a
  // quick one leaves unused goes to the ones after it.
  const deeper = searches.filter(
    (s) => s.def.kind === 'always' && !s.failing && s.runs >= s.testRuns,
  );
  for (const [i, s] of searches.entries()) {
    if (hooks.shouldStop()) break;
    if (reported.has(s)) continue;
    const k = deeper.indexOf(s);
    if (k >= 0) {
      const share = (propertiesEnd - Date.now()) / (deeper.length - k);
      const deadline = Date.now() + Math.max(0, share);
      await advance(s, s.maxRuns, plan, deadline, hooks, progress(2, i, s.maxRuns));
      const cex = s.failing?.counterexample;
      if (cex) counterexamples.push(hooks.counterexample(cex));
    }
    done(s);
  }
  if (hooks.shouldStop()) stopped = true;

  const scenarios: ScenarioRow[] = [];
  if (wholeRun && !stopped) {
    for (const sc of FIXTURES) {
      const row = scenarioRow(sc.name, plan.variant);
      if (!row) continue;
      scenarios.push(row);
      hooks.scenarioDone?.(row);
    }
  }

  // Exhaustive exploration of the nightly scopes, in its share of the budget, before the zoo.
  const exhaustive = stopped
    ? { status: 'skipped' as const, note: 'not reached: the run was interrupted', runs: [] }
    : await runExhaustive(plan, Math.min(end, Date.now() + exploreMs), {
        shouldStop: hooks.shouldStop,
        counterexample: (rec) => {
          const entry = hooks.counterexample(rec);
          counterexamples.push(entry);
          return entry;
        },
        ...(hooks.exhaustiveDone ? { runDone: hooks.exhaustiveDone } : {}),
      });
  if (hooks.shouldStop()) stopped = true;

  let zoo: ZooReport = {
    status: 'skipped',
    note: zooWanted
      ? 'not reached: the run was interrupted'
      : `runs only on the correct model, without --only, with a budget of at least ${ZOO_MIN_BUDGET_S} s`,
    variants: [],
  };
  if (zooWanted && !stopped) {
    const variants = zooVariants().filter(
      (_, i) => plan.shard === null || i % plan.shard.count === plan.shard.index - 1,
    );
    const done: ZooRow[] = [];
    for (const v of variants) {
      await yieldToSignals();
      if (hooks.shouldStop()) {
        stopped = true;
        break;
      }
      if (end - Date.now() < ZOO_VARIANT_MIN_MS) break;
      const { results: _, ...row } = huntVariant(v, plan.seed);
      done.push(row);
      hooks.zooDone?.(row);
    }
    const left = variants.length - done.length;
    zoo = {
      status: 'ran',
      ...(left > 0 ? { note: `${left} variant(s) left out by the budget or a signal` } : {}),
      variants: done,
    };
  }
  return summary(stopped ? 'interrupted' : 'completed', { scenarios, zoo, exhaustive });
}
