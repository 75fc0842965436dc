import type fc from 'fast-check';
import type { Variant } from '../model/variants.ts';

export interface Violation {
  /** 1-based index of the event after which the invariant failed. */
  readonly step: number;
  readonly invariant: string;
  readonly message: string;
}

/** Every scenario is a setup and a list of plain-JSON events, so every area replays alike. */
export interface AnyScenario {
  readonly setup: unknown;
  readonly events: readonly unknown[];
}

/** One thing a reader can compare between two runs of the same events: what, and its value. */
export type Fact = readonly [label: string, value: string];

/** How an area shows its scenarios to a reader. */
export interface AreaRender {
  formatSetup(setup: unknown): string[];
  formatEvent(event: unknown): string;
  /** What changed in the failing step, as lines. */
  stateDiff(
    variantName: string,
    setup: unknown,
    events: readonly unknown[],
    step: number,
  ): string[];
  /**
   * What a reader compares between two variants running the same events: facts[k] after the
   * first k steps (facts[0]: the setup as given), each step's own outcome included. Replay
   * --against and the variant cards show the first k where two variants' facts differ.
   */
  facts?(
    variantName: string,
    setup: unknown,
    events: readonly unknown[],
  ): readonly (readonly Fact[])[];
  /** The event fields a stored counterexample must carry, by event type. */
  readonly eventFields: Readonly<Record<string, readonly string[]>>;
  /** Smaller setups to try when minimizing (a VM or host fewer), each with its events. */
  reduce?(scenario: AnyScenario): AnyScenario[];
}

/**
 * One registered property. An `always` property holds when `check` finds no violation in any
 * generated scenario; a `sometimes` property (a reachability twin) holds when every goal is
 * reached by at least one scenario, so a pass of its `always` partner is never vacuous.
 */
export interface PropertyDef<S extends AnyScenario = AnyScenario> {
  readonly id: string;
  readonly area: string;
  readonly kind: 'always' | 'sometimes';
  readonly invariants: readonly string[];
  /** Starts with the invariant ID and states the claim as a sentence. */
  readonly title: string;
  /** Runs in npm test. */
  readonly numRuns: number;
  arbitrary(): fc.Arbitrary<S>;
  check?(scenario: S, variant: Variant): Violation | null;
  readonly goals?: readonly string[];
  reach?(scenario: S, variant: Variant): string[];
  /**
   * The predicates behind `check` and `reach`, one transition at a time, for the exhaustive
   * explorer (properties/explore/): it builds the view the area's fold builds (its StepView,
   * WorldStepView, FwStepView) and asks the very predicate the fold asks.
   */
  readonly perStep?: PerStep;
}

export interface PerStep {
  /** null when the invariant holds on this transition, else why not. */
  check?(view: unknown): string | null;
  readonly goals?: Readonly<Record<string, (view: unknown) => boolean>>;
}
