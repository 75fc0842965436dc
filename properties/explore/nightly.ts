// The exhaustive part of the nightly run: each area's nightly scopes, this shard's share of
// each (split by frontier or configuration index), within the time the run gives it. Each run
// becomes a row of the summary's "Exhaustive" section; a counterexample goes the way every
// counterexample of the run goes (the corpus on the correct model, the report in any case).
import type { Variant } from '../../model/variants.ts';
import type { CounterexampleRecord } from '../harness.ts';
import type { CounterexampleEntry } from '../report/summary.ts';
import { EXPLORE_AREAS, runScopeInSlices } from './areas.ts';
import { type ExhaustiveReport, type ExhaustiveRow, rowOf } from './summary.ts';
import type { ExploreArea, Scope, Shard } from './types.ts';

/** Explore runs only in budgets at least this long, and gets this share of them. */
export const EXPLORE_MIN_BUDGET_S = 300;
export const EXPLORE_SHARE = 0.25;
/** A nightly search stores at most this many states (about 60 bytes each, queue included). */
const NIGHTLY_MAX_STATES = 20_000_000;

export interface ExhaustivePlan {
  readonly budgetSeconds: number;
  readonly variant: Variant;
  readonly shard: Shard | null;
  readonly only: readonly string[] | null;
}

export interface ExhaustiveHooks {
  shouldStop(): boolean;
  counterexample(rec: CounterexampleRecord): CounterexampleEntry;
  runDone?(row: ExhaustiveRow): void;
}

/** The scopes a night explores: each area's scopes marked nightly, in area order. */
export function nightlyScopes(): { area: ExploreArea; scope: Scope<unknown> }[] {
  return EXPLORE_AREAS.flatMap((area) =>
    (area.scopes as readonly Scope<unknown>[])
      .filter((s) => s.nightly === true)
      .map((scope) => ({ area, scope })),
  );
}

/** Whether a run with this plan explores at all, and if not, why not (for the summary). */
export function exhaustiveWanted(plan: ExhaustivePlan): { wanted: boolean; note: string } {
  if (plan.only !== null)
    return { wanted: false, note: 'not run with --only: it checks every invariant of a scope' };
  if (plan.budgetSeconds < EXPLORE_MIN_BUDGET_S)
    return {
      wanted: false,
      note: `runs with a budget of at least ${EXPLORE_MIN_BUDGET_S} s (npm test exhausts each area's tiny scope)`,
    };
  return { wanted: true, note: '' };
}

/** The longest stretch a search runs without letting a signal in. */
const SLICE_MS = 500;

const yieldToSignals = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function runExhaustive(
  plan: ExhaustivePlan,
  deadline: number,
  hooks: ExhaustiveHooks,
): Promise<ExhaustiveReport> {
  const { wanted, note } = exhaustiveWanted(plan);
  if (!wanted) return { status: 'skipped', note, runs: [] };
  const scopes = nightlyScopes();
  const rows: ExhaustiveRow[] = [];
  for (const [i, { area, scope }] of scopes.entries()) {
    await yieldToSignals();
    if (hooks.shouldStop()) break;
    // Time a quick scope leaves unused goes to the ones after it.
    const share = (deadline - Date.now()) / (scopes.length - i);
    if (share <= 0) break;
    const run = await runScopeInSlices(
      area,
      scope,
      {
        variant: plan.variant,
        maxStates: NIGHTLY_MAX_STATES,
        budgetMs: share,
        shard: plan.shard,
        shouldStop: () => hooks.shouldStop(),
      },
      SLICE_MS,
    );
    if (run.counterexample) hooks.counterexample(run.counterexample);
    const row = rowOf(run);
    rows.push(row);
    hooks.runDone?.(row);
  }
  const left = scopes.length - rows.length;
  return {
    status: 'ran',
    ...(left > 0 ? { note: `${left} scope(s) left out by the budget or a signal` } : {}),
    runs: rows,
  };
}
