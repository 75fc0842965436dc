// Reachability twins: which of their goals a case reaches, whatever area walks it, and the
// property that says so.
import type fc from 'fast-check';
import type { Variant } from '../model/variants.ts';
import type { AnyScenario, PropertyDef } from './registry-types.ts';

/**
 * The goals that hold at some step of a walk: `walk` calls `see` with each step's view, and a
 * goal counts once however often it holds (PropertyDef.reach).
 */
export function goalsReached<V>(
  goals: Readonly<Record<string, (v: V) => boolean>>,
  walk: (see: (v: V) => void) => void,
): string[] {
  const hit = new Set<string>();
  walk((v) => {
    for (const [g, p] of Object.entries(goals)) if (!hit.has(g) && p(v)) hit.add(g);
  });
  return [...hit];
}

/** A reachability twin of an area whose fold walks a case step by step. */
export interface TwinSpec<C, V> {
  /** The twin's id is this and `-reach` (an invariant's id, or a property's as C5-picks). */
  readonly id: string;
  readonly area: string;
  /** The invariant the twin belongs to, which its title begins with. */
  readonly invariant: string;
  readonly title: string;
  readonly numRuns: number;
  readonly arbitrary: fc.Arbitrary<C>;
  readonly goals: Readonly<Record<string, (v: V) => boolean>>;
  /** Folds a case on a variant, calling `see` with the view of each step. */
  walk(c: C, variant: Variant, see: (v: V) => void): void;
  /** The goals' view of the explorer's per-step view: that view itself unless given. */
  readonly view?: (x: unknown) => V;
}

/** The twin's property: goals reached by the fold, and the same goals per explored step. */
export function reachabilityTwin<C extends AnyScenario, V>(t: TwinSpec<C, V>): PropertyDef<C> {
  const view = t.view ?? ((x: unknown) => x as V);
  return {
    id: `${t.id}-reach`,
    area: t.area,
    kind: 'sometimes',
    invariants: [t.invariant],
    title: `${t.invariant} reachability: ${t.title}`,
    numRuns: t.numRuns,
    arbitrary: () => t.arbitrary,
    goals: Object.keys(t.goals),
    reach: (c, variant) => goalsReached(t.goals, (see) => t.walk(c, variant, see)),
    perStep: {
      goals: Object.fromEntries(
        Object.entries(t.goals).map(([g, p]) => [g, (x: unknown) => p(view(x))]),
      ),
    },
  };
}
