import type fc from 'fast-check';
import type { Variant } from '../model/variants.ts';

export interface Violation {
  /** 1-based index of the event after which the invariant failed. */
  readonly step: number;
  readonly invariant: string;
  readonly message: string;
}

/**
 * One registered property. An `always` property holds when `check` finds no violation in any
 * generated scenario; a `sometimes` property (a reachability twin) holds when every goal is
 * reached by at least one scenario, so a pass of its `always` partner is never vacuous.
 */
export interface PropertyDef<S> {
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
}
