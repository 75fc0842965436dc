// What an area gives the explorer (scopes as data, and how to step, check and encode its
// states), and what a run gives back (TLC's statistics, the verdicts, the shortest trace).
import type { Variant } from '../../model/variants.ts';
import type { CounterexampleRecord } from '../harness.ts';
import type { AnyScenario } from '../registry-types.ts';
import type { Encoder } from './encoder.ts';

/** A named bound on an area's state space: data, kept beside the area's properties. */
export interface Scope<P> {
  readonly name: string;
  /** The bounds in words, for the reports. */
  readonly description: string;
  readonly params: P;
  /**
   * Distinct states (stepped) or configurations (enumerated) npm test expects this scope to
   * have. A model change that changes it fails the explore spec, which prints the new count.
   */
  readonly pinned?: number;
  /**
   * Reachability goals this scope cannot reach ("R12-reach: RPO rejected"), each left to
   * another scope of the area; every other goal of the twins it counts must be witnessed.
   */
  readonly outOfScope?: readonly string[];
  /** Explored by the nightly run (sharded), not by default. */
  readonly nightly?: boolean;
}

/**
 * What a check or goal reads of a transition, so the search asks it only where its verdict can
 * differ (the same predicate, fewer calls): 'state' reads only the state after the step (with
 * what the explored state keeps for the oracle), so it is asked once per distinct state, when
 * the state is first reached; 'change' judges the step, but a step the model refused, rejected
 * or that changed nothing never fails (reaches) it, so self-loops skip it; 'any' is asked on
 * every transition (refusals and rejections are what it judges: R9, R12). The explore spec runs
 * each tiny scope with `everyTransition` too and compares.
 */
export type Reads = 'state' | 'change' | 'any';

/** An invariant evaluated on transitions, named by the registered property that checks it. */
export interface Check<V> {
  /** The registered safety property whose `check` replays a trace (its id). */
  readonly property: string;
  /** The catalogue ID (R2, F4 ...). */
  readonly invariant: string;
  /** Which transitions can change its verdict (default 'any'). */
  readonly reads?: Reads;
  /** null when the invariant holds on this transition, else why not. */
  test(view: V): string | null;
}

/** A reachability goal of a registered twin: witnessed by the states it holds on. */
export interface Goal<V> {
  readonly property: string;
  readonly goal: string;
  /** Which transitions can reach it (default 'any'). */
  readonly reads?: Reads;
  holds(view: V): boolean;
}

export interface Successor<X, V> {
  readonly state: X;
  /** What the checks and goals look at: the transition, as the property's fold sees it. */
  readonly view: V;
  /** The event was refused or rejected and left the state as it was (a self-loop). */
  readonly stutter: boolean;
}

/** One scope's state space on one variant, stepped by the area's own step function. */
export interface StepModel<X, E, V> {
  /** The setup every trace starts from: a trace is a scenario of the area's properties. */
  readonly setup: unknown;
  init(): X;
  /** Checks the start state must pass before any event (a view of "no event yet"), if any. */
  initView?(x: X): V;
  /** The scope's events in this state, in a fixed order. */
  events(x: X): readonly E[];
  kind(e: E): string;
  /** Every event kind the scope can offer, so that one never enabled is named. */
  readonly kinds: readonly string[];
  next(x: X, e: E): Successor<X, V>;
  readonly checks: readonly Check<V>[];
  readonly goals: readonly Goal<V>[];
  /** A state outside the scope's constraint is counted and checked, never expanded. */
  within(x: X): boolean;
  /**
   * Writes the state's canonical encoding (symmetric names and tokens renamed) and returns the
   * size of its orbit: how many states the symmetry reduction stands this one for.
   */
  encode(x: X, enc: Encoder): number;
  /** Area-specific figures for the run's report (the firewall's ruleset combinations). */
  extra?(): Readonly<Record<string, string | number>>;
}

export interface SteppedArea<P> {
  readonly kind: 'stepped';
  readonly area: string;
  /** The first is the default; the one named "tiny" runs in npm test. */
  readonly scopes: readonly Scope<P>[];
  model(
    scope: Scope<P>,
    variant: Variant,
    opts: { symmetry: boolean },
  ): StepModel<unknown, unknown, unknown>;
}

/** A configuration space enumerated in a fixed order: configuration i is a scenario. */
export interface ConfigSpace {
  readonly size: number;
  /** The dimensions and their sizes, in words. */
  readonly dimensions: string;
  config(i: number): AnyScenario;
  /** Registered safety properties checked on every configuration. */
  readonly checks: readonly string[];
  /** Registered reachability twins whose goals count the configurations that reach them. */
  readonly goals: readonly string[];
}

export interface EnumeratedArea<P> {
  readonly kind: 'enumerated';
  readonly area: string;
  readonly scopes: readonly Scope<P>[];
  space(scope: Scope<P>): ConfigSpace;
}

export type ExploreArea = SteppedArea<never> | EnumeratedArea<never>;

export interface Shard {
  readonly index: number;
  readonly count: number;
}

export interface ExploreOptions {
  readonly variant: Variant;
  /** Stop once this many distinct states are stored. */
  readonly maxStates?: number;
  readonly budgetMs?: number;
  readonly shard?: Shard | null;
  /** Rename symmetric VMs and hosts (on by default); off measures what it saves. */
  readonly symmetry?: boolean;
  /** Ask every check and goal on every transition, whatever it reads (a cross-check). */
  readonly everyTransition?: boolean;
  /**
   * Count the reachability goals (default true). An enumeration hunting a zoo variant reads only
   * the verdict and turns this off; its run then lists no witnesses.
   */
  readonly witnesses?: boolean;
  /** Polled now and then: a signal stops the run at the next poll. */
  shouldStop?(): boolean;
}

export interface Outdegree {
  readonly min: number;
  readonly mean: number;
  readonly max: number;
  readonly p95: number;
  /** histogram[k] = expanded states with k successors other than themselves (for merging). */
  readonly histogram: readonly number[];
}

export interface KindCoverage {
  /** Transitions of this kind computed. */
  readonly generated: number;
  /** Of those, the ones the model did not refuse or reject. */
  readonly enabled: number;
  /** Distinct states first reached by this kind. */
  readonly distinct: number;
}

/** TLC's statistics, as a run reports them and report:merge sums them. */
export interface ExploreStats {
  readonly generated: number;
  readonly distinct: number;
  /** States discovered but not expanded: the queue a bounded run leaves. */
  readonly queue: number;
  /** States outside the scope's constraint (checked, not expanded). */
  readonly constrained: number;
  readonly depth: number;
  readonly outdegree: Outdegree;
  readonly coverage: Readonly<Record<string, KindCoverage>>;
  /** Event kinds of the scope that no state enabled. */
  readonly neverEnabled: readonly string[];
  readonly ms: number;
  readonly distinctPerSec: number;
  /** TLC's optimistic estimate: distinct * (generated - distinct) / 2^64. */
  readonly collisionProbability: number;
  /** States the symmetry reduction stands for, per state stored (1 when nothing is symmetric). */
  readonly symmetryRatio: number;
  /** Bytes per distinct state of the visited set and the trace links (exact, not the queue). */
  readonly bytesPerState: number;
  /** Highest V8 heap seen during the run, in MiB: queue and model objects included. */
  readonly heapPeakMiB: number;
}

export interface EnumerationStats {
  /** Configurations in the scope; this shard checked `checked` of them. */
  readonly size: number;
  readonly checked: number;
  readonly dimensions: string;
  readonly ms: number;
  readonly perSec: number;
}

export type RunStatus = 'passed' | 'failed' | 'interrupted';

export interface Witness {
  readonly property: string;
  readonly goal: string;
  /** Distinct states (configurations) where the goal holds. */
  readonly states: number;
}

export interface ExploreRun {
  readonly area: string;
  readonly scope: string;
  readonly description: string;
  readonly variant: string;
  readonly kind: 'stepped' | 'enumerated';
  /** passed: exhausted, no violation, every goal witnessed. */
  readonly status: RunStatus;
  /** Every state (configuration) in scope was visited. */
  readonly exhausted: boolean;
  /** What stopped a run that did not exhaust its scope. */
  readonly bound: 'max-states' | 'budget' | 'signal' | 'violation' | null;
  readonly shard: string | null;
  /** The scope's goals left to other scopes ("R12-reach: RPO rejected"). */
  readonly outOfScope?: readonly string[];
  readonly stats?: ExploreStats;
  readonly enumeration?: EnumerationStats;
  /** The invariants evaluated on every transition (configuration), by property. */
  readonly checked: readonly { readonly property: string; readonly invariant: string }[];
  readonly witnesses: readonly Witness[];
  /** The shortest counterexample, as the corpus stores it. */
  readonly counterexample?: CounterexampleRecord;
  /** Distinct states stored when the violation was found. */
  readonly statesUntilFound?: number;
  readonly extra?: Readonly<Record<string, string | number>>;
}
