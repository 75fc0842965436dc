// The budgeted run behind `npm run nightly` and `npm start`: every selected property, deeper
// than npm test, within a wall-clock budget; the seed layouts; the zoo when time allows.
// It produces the summary object and reports progress; writing files is the caller's job.
import { CORRECT, type Variant, zooVariants } from '../model/variants.ts';
import { EXPLORE_SHARE, exhaustiveWanted, runExhaustive } from './explore/nightly.ts';
import type { ExhaustiveRow } from './explore/summary.ts';
import {
  type CounterexampleRecord,
  FAST_CHECK_VERSION,
  type PropertyResult,
  propertySeed,
  runProperty,
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
import { FIXTURES, layoutStory } from './scenarios.ts';
import { huntVariant } from './zoo.ts';

/** How many times npm test's runs a property may get, time permitting. */
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

/** One property, in slices, until it fails, makes DEPTH times npm test's runs, or runs out of
 * its share of the budget. */
async function runOne(
  def: PropertyDef,
  plan: NightlyPlan,
  deadline: number,
  hooks: NightlyHooks,
  report: (runs: number) => void,
): Promise<{ row: PropertyRow; counterexample?: CounterexampleRecord }> {
  const target = def.numRuns * DEPTH;
  const firstSeed = propertySeed(plan.seed, def.id);
  const reached: Record<string, number> = Object.fromEntries((def.goals ?? []).map((g) => [g, 0]));
  const started = performance.now();
  let runs = 0;
  let failing: PropertyResult | undefined;
  report(0);
  for (let slice = 0; !hooks.shouldStop(); slice++) {
    const left = deadline - Date.now();
    if (left <= 0 || runs >= target) break;
    const ms = Math.max(1, Math.min(left, SLICE_MS));
    const r = runProperty(def, {
      variant: plan.variant,
      // Slice 0 uses npm test's own derivation, so the first runs are npm test's runs.
      seed: slice === 0 ? firstSeed : propertySeed(plan.seed, `${def.id}#${slice}`),
      numRuns: target - runs,
      timeLimitMs: ms,
      skipAfterMs: ms,
    });
    runs += r.numRuns;
    mergeReached(reached, r.reached);
    report(runs);
    if (r.counterexample) {
      failing = r;
      break;
    }
    await yieldToSignals();
  }
  const goalsMet = Object.values(reached).every((k) => k > 0);
  let status: PropertyStatus;
  if (failing) status = 'failed';
  else if (def.kind === 'sometimes' && goalsMet) status = 'passed';
  // A budgeted run that made at least npm test's runs is as good as npm test's verdict.
  else if (runs >= def.numRuns) status = def.kind === 'sometimes' ? 'failed' : 'passed';
  else status = 'interrupted';
  const cex = failing?.counterexample;
  const row: PropertyRow = {
    ...identity(def, plan),
    status,
    numRuns: runs,
    numShrinks: failing?.numShrinks ?? 0,
    seed: firstSeed,
    durationMs: Math.round(performance.now() - started),
    coverage: def.kind === 'sometimes' ? reached : { runs, target },
    ...(cex ? { counterexample: cex.id } : {}),
  };
  return cex ? { row, counterexample: cex } : { row };
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

function notRun(def: PropertyDef, plan: NightlyPlan): PropertyRow {
  return {
    ...identity(def, plan),
    status: 'interrupted',
    numRuns: 0,
    numShrinks: 0,
    seed: propertySeed(plan.seed, def.id),
    durationMs: 0,
    coverage:
      def.kind === 'sometimes'
        ? Object.fromEntries((def.goals ?? []).map((g) => [g, 0]))
        : { runs: 0, target: def.numRuns * DEPTH },
  };
}

/** A seed layout judged on the plan's variant; a found one also told as a counterexample. */
export function scenarioRow(name: string, variant: Variant): ScenarioRow | undefined {
  const fx = FIXTURES.find((x) => x.name === name);
  if (!fx) return undefined;
  const v = fx.judge(variant);
  // Routing layouts are also told as a counterexample of the property they break.
  const story = v.verdict === 'found' ? layoutStory(name, variant) : undefined;
  return {
    name,
    verdict: v.verdict,
    expected: fx.expected,
    ...(v.flow ? { flow: v.flow } : {}),
    ...(story ? { story } : {}),
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
  const rows: PropertyRow[] = [];
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
    properties: [...rows, ...selected.slice(rows.length).map((d) => notRun(d, plan))],
    scenarios: [],
    counterexamples,
    zoo: { status: 'skipped', variants: [] },
    ...extra,
  });

  for (const [i, def] of selected.entries()) {
    if (hooks.shouldStop()) {
      stopped = true;
      break;
    }
    // Time a quick property leaves unused goes to the ones after it.
    const share = (propertiesEnd - Date.now()) / (selected.length - i);
    const deadline = Date.now() + Math.max(0, share);
    const { row, counterexample } = await runOne(def, plan, deadline, hooks, (runs) =>
      hooks.progress?.({
        property: def.id,
        index: i + 1,
        total: selected.length,
        runs,
        target: def.numRuns * DEPTH,
        counterexamples: counterexamples.length,
        msLeft: Math.max(0, end - Date.now()),
      }),
    );
    if (counterexample) counterexamples.push(hooks.counterexample(counterexample));
    rows.push(row);
    hooks.propertyDone?.(row, summary('running'));
    await yieldToSignals();
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
