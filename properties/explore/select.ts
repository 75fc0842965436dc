// Which registered properties a scope checks and which twins' goals it counts, as the explorer
// sees them: the per-step predicates the properties' folds use (PropertyDef.perStep).
import type { PropertyDef } from '../registry-types.ts';
import type { Check, Goal, Reads } from './types.ts';

/** The registered properties a scope checks, and the twins whose goals it counts. */
export function selected(
  defs: readonly PropertyDef[],
  ids: readonly string[] | undefined,
  twinIds?: readonly string[],
): { checks: PropertyDef[]; twins: PropertyDef[] } {
  const checks = defs.filter(
    (d) => d.kind === 'always' && d.perStep?.check && (!ids || ids.includes(d.id)),
  );
  const twins = defs.filter(
    (d) =>
      d.kind === 'sometimes' &&
      (twinIds ? twinIds.includes(d.id) : checks.some((c) => `${c.id}-reach` === d.id)),
  );
  return { checks, twins };
}

/** A property's per-step check; a property without one cannot be explored. */
export function stepCheckOf(d: PropertyDef): (view: unknown) => string | null {
  const check = d.perStep?.check;
  if (!check) throw new Error(`explore: property ${d.id} has no per-step check (perStep.check)`);
  return check;
}

/**
 * What each check and goal of an area reads (properties/explore/types.ts `Reads`), by property
 * id and by "twin id: goal"; anything not named is asked on every transition.
 */
export type ReadsTable = Readonly<Record<string, Reads>>;

export function checksOf<V>(defs: readonly PropertyDef[], reads: ReadsTable = {}): Check<V>[] {
  return defs.map((d) => {
    const check = stepCheckOf(d) as (v: V) => string | null;
    return {
      property: d.id,
      invariant: d.invariants.join(','),
      reads: reads[d.id] ?? 'any',
      test: check,
    };
  });
}

export function goalsOf<V>(twins: readonly PropertyDef[], reads: ReadsTable = {}): Goal<V>[] {
  return twins.flatMap((t) =>
    Object.entries(t.perStep?.goals ?? {}).map(([goal, holds]) => ({
      property: t.id,
      goal,
      reads: reads[`${t.id}: ${goal}`] ?? 'any',
      holds: holds as (v: V) => boolean,
    })),
  );
}
