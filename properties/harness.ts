// Runs a registered property with fast-check and turns the outcome into structured data:
// a result, and for a failure a counterexample record that replays without fast-check.
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { CORRECT, type Variant, variantByName } from '../model/variants.ts';
import { areaOf, propertyById } from './registry.ts';
import type { AnyScenario, AreaRender, PropertyDef, Violation } from './registry-types.ts';

export interface RunOptions {
  readonly variant?: Variant;
  readonly numRuns?: number;
  readonly seed?: number;
  /** Stop generating new runs after this long (fast-check interruptAfterTimeLimit). */
  readonly timeLimitMs?: number;
  /**
   * Skip every run still to come after this long, shrinking included (fast-check
   * skipAllAfterTimeLimit): a budgeted run must end near its deadline even when a late
   * counterexample would otherwise shrink for minutes. Runs skipped this way report the
   * property as interrupted, never as passed.
   */
  readonly skipAfterMs?: number;
}

export interface CounterexampleRecord {
  readonly id: string;
  readonly property: string;
  readonly title: string;
  readonly invariants: readonly string[];
  readonly variant: string;
  readonly area: string;
  readonly setup: unknown;
  readonly events: readonly unknown[];
  readonly violation: Violation;
  readonly seed: number;
  readonly path: string;
  readonly fastCheckVersion: string;
}

export interface PropertyResult {
  readonly id: string;
  readonly title: string;
  readonly kind: 'always' | 'sometimes';
  readonly invariants: readonly string[];
  readonly variant: string;
  readonly status: 'passed' | 'failed' | 'interrupted';
  readonly numRuns: number;
  readonly numShrinks: number;
  readonly seed: number;
  readonly durationMs: number;
  /** For reachability twins: how many runs reached each goal. */
  readonly reached?: Readonly<Record<string, number>>;
  readonly counterexample?: CounterexampleRecord;
}

export const FAST_CHECK_VERSION: string = fc.__version;

/** The variant of that name, for hand-written tables: a misspelt name fails at once. */
export function variantNamed(name: string): Variant {
  const v = variantByName(name);
  if (!v) throw new Error(`no variant ${name}`);
  return v;
}

/** The run's seed: FC_SEED when set (to replay a run), else fresh, and always reported. */
export function chooseSeed(): number {
  const env = process.env.FC_SEED;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (Number.isInteger(n)) return n;
  }
  return (Date.now() ^ (process.pid << 16)) | 0;
}

/** Each property's own seed, derived from the run's seed so one number replays the run. */
export function propertySeed(runSeed: number, propertyId: string): number {
  let h = runSeed | 0;
  for (const ch of propertyId) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}

export function counterexampleId(
  property: string,
  variant: string,
  events: readonly unknown[],
): string {
  return createHash('sha256')
    .update(JSON.stringify([property, variant, events]))
    .digest('hex')
    .slice(0, 12);
}

/**
 * A run count as this run uses it. Mutation testing (vitest.mutation.config.ts) sets
 * HBR_RUNS_SCALE below 1 so that each of thousands of mutants meets a lighter suite; npm test
 * and the nightly leave it unset and run every count as written.
 */
export function scaledRuns(numRuns: number, floor = 20): number {
  const scale = Number(process.env.HBR_RUNS_SCALE ?? '');
  if (!(scale > 0 && scale < 1)) return numRuns;
  return Math.min(numRuns, Math.max(floor, Math.ceil(numRuns * scale)));
}

/** A property's run count in this run; reachability twins, rare-goal searches, keep more. */
export function runsOf(def: PropertyDef): number {
  return scaledRuns(def.numRuns, def.kind === 'sometimes' ? 80 : 10);
}

export function runProperty(def: PropertyDef, opts: RunOptions = {}): PropertyResult {
  const variant = opts.variant ?? CORRECT;
  const seed = opts.seed ?? chooseSeed();
  const numRuns = opts.numRuns ?? runsOf(def);
  const params = {
    numRuns,
    seed,
    ...(opts.timeLimitMs
      ? { interruptAfterTimeLimit: opts.timeLimitMs, markInterruptAsFailure: false }
      : {}),
    ...(opts.skipAfterMs ? { skipAllAfterTimeLimit: opts.skipAfterMs } : {}),
  };
  const started = performance.now();
  const base = {
    id: def.id,
    title: def.title,
    kind: def.kind,
    invariants: def.invariants,
    variant: variant.name,
    seed,
  };
  if (def.kind === 'sometimes') {
    const goals = def.goals ?? [];
    const reached: Record<string, number> = Object.fromEntries(goals.map((g) => [g, 0]));
    const details = fc.check(
      fc.property(def.arbitrary(), (s) => {
        for (const g of def.reach?.(s, variant) ?? []) reached[g] = (reached[g] ?? 0) + 1;
        return true;
      }),
      params,
    );
    const ok = goals.every((g) => (reached[g] ?? 0) > 0);
    return {
      ...base,
      status: ok
        ? 'passed'
        : details.interrupted || details.numSkips > 0
          ? 'interrupted'
          : 'failed',
      numRuns: details.numRuns,
      numShrinks: 0,
      durationMs: Math.round(performance.now() - started),
      reached,
    };
  }
  const check = def.check;
  if (!check) throw new Error(`property ${def.id} has no check`);
  const details = fc.check(
    fc.property(def.arbitrary(), (s) => check(s, variant) === null),
    params,
  );
  const durationMs = Math.round(performance.now() - started);
  if (!details.failed || !details.counterexample) {
    return {
      ...base,
      status: details.interrupted || details.numSkips > 0 ? 'interrupted' : 'passed',
      numRuns: details.numRuns,
      numShrinks: 0,
      durationMs,
    };
  }
  const scenario = minimize(details.counterexample[0], (s) => check(s, variant), areaOf(def.area));
  const violation = check(scenario, variant);
  if (!violation) throw new Error(`property ${def.id}: the shrunk counterexample no longer fails`);
  return {
    ...base,
    status: 'failed',
    numRuns: details.numRuns,
    numShrinks: details.numShrinks,
    durationMs,
    counterexample: recordOf(
      def,
      variant,
      scenario,
      violation,
      seed,
      details.counterexamplePath ?? '',
    ),
  };
}

/** The record of a scenario that breaks a property: how it was found is `seed` and `path`. */
export function recordOf(
  def: PropertyDef,
  variant: Variant,
  scenario: AnyScenario,
  violation: Violation,
  seed: number,
  path: string,
): CounterexampleRecord {
  return {
    id: counterexampleId(def.id, variant.name, scenario.events),
    property: def.id,
    title: def.title,
    invariants: def.invariants,
    variant: variant.name,
    area: def.area,
    setup: scenario.setup,
    events: scenario.events,
    violation,
    seed,
    path,
    fastCheckVersion: FAST_CHECK_VERSION,
  };
}

/**
 * After fast-check's shrink, which works on the generator's structure (bursts, segments),
 * removes single events and unused VMs greedily while the same invariant still fails: the
 * shortest story is what a reader needs, and it replays from the event list alone.
 */
export function minimize(
  scenario: AnyScenario,
  check: (s: AnyScenario) => Violation | null,
  area: AreaRender,
): AnyScenario {
  const target = check(scenario)?.invariant;
  if (!target) return scenario;
  const fails = (s: AnyScenario) => check(s)?.invariant === target;
  let best = scenario;
  let changed = true;
  while (changed) {
    changed = false;
    for (const cand of area.reduce?.(best) ?? []) {
      if (fails(cand)) {
        best = cand;
        changed = true;
        break;
      }
    }
  }
  changed = true;
  while (changed) {
    changed = false;
    for (let i = best.events.length - 1; i >= 0; i--) {
      const cand: AnyScenario = { ...best, events: best.events.filter((_, j) => j !== i) };
      if (fails(cand)) {
        best = cand;
        changed = true;
      }
    }
  }
  return best;
}

/** The command that replays a stored counterexample. */
export function replayCommand(file: string): string {
  return `npm run replay -- ${file}`;
}

/** Writes via a temporary file and a rename, so a reader never sees half a file. */
export function writeAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

export function saveCounterexample(rec: CounterexampleRecord, dir: string): string {
  const file = join(dir, `${rec.id}.json`);
  writeAtomic(file, `${JSON.stringify(rec, null, 2)}\n`);
  return file;
}

export class ReplayError extends Error {
  override readonly name = 'ReplayError';
}

/** Re-runs a stored counterexample by folding step; fast-check and generators play no part. */
export function replay(
  rec: Pick<CounterexampleRecord, 'property' | 'variant' | 'setup' | 'events'>,
): Violation | null {
  const def = propertyById(rec.property);
  if (!def?.check) throw new ReplayError(`unknown property ${rec.property}`);
  const variant = variantByName(rec.variant);
  if (!variant) throw new ReplayError(`unknown variant ${rec.variant}`);
  return def.check({ setup: rec.setup, events: rec.events }, variant);
}

/** The numbered timeline of a counterexample, the state diff at the failing step, and why. */
export function renderCounterexample(rec: CounterexampleRecord, file?: string): string {
  const area = areaOf(rec.area ?? propertyById(rec.property)?.area ?? 'replication');
  const v = rec.violation;
  const lines: string[] = [];
  lines.push(`${rec.title}`);
  lines.push(
    rec.path === 'fixture'
      ? `a fixture layout, judged on variant "${rec.variant}"`
      : rec.path.startsWith('explore:')
        ? `found on variant "${rec.variant}" by breadth-first exploration of scope ${rec.path.slice('explore:'.length)}: no shorter trace in that scope breaks it`
        : `falsified on variant "${rec.variant}" (fast-check seed ${rec.seed}, path "${rec.path}")`,
  );
  lines.push('', 'Setup:', ...area.formatSetup(rec.setup).map((l) => `  ${l}`), '', 'Timeline:');
  if (rec.events.length === 0) lines.push('  (no events: the configuration as given)');
  const width = String(rec.events.length).length;
  rec.events.forEach((e, i) => {
    const n = String(i + 1).padStart(width, ' ');
    const mark = i + 1 === v.step ? `   <-- ${v.invariant} violated here` : '';
    lines.push(`  ${n}. ${area.formatEvent(e)}${mark}`);
  });
  const where = v.step === 0 ? 'in the configuration as given' : `after step ${v.step}`;
  lines.push('', `${v.invariant} violated ${where}: ${v.message}`);
  const diff = area.stateDiff(rec.variant, rec.setup, rec.events, v.step);
  if (diff.length > 0)
    lines.push('', `State change at step ${v.step}:`, ...diff.map((l) => `  ${l}`));
  if (rec.events.length > v.step) lines.push('', `(steps after ${v.step} were not needed to fail)`);
  if (file) lines.push('', `Replay: ${replayCommand(file)}`);
  return lines.join('\n');
}
