// The defect zoo as a check: run every safety property against a variant and see which ones
// catch it. Shared by the zoo command and the spec that gates npm test.
import { DEFECT_INFO, type Variant } from '../model/variants.ts';
import { type PropertyResult, propertySeed, runProperty } from './harness.ts';
import { PROPERTIES } from './registry.ts';
import { FIXTURES } from './scenarios.ts';

export interface ZooEntry {
  readonly variant: string;
  readonly caught: boolean;
  readonly caughtBy: readonly string[];
  /** Runs the quickest catching property needed, the failing one included. */
  readonly runs: number;
  /** Milliseconds that property took to find and shrink its counterexample. */
  readonly ms: number;
  /** Events in its shrunk counterexample. */
  readonly shrunkEvents: number;
  readonly seed: number;
  readonly results: readonly PropertyResult[];
}

export function huntVariant(variant: Variant, seed: number): ZooEntry {
  const results: PropertyResult[] = [];
  // A defect lives in one area's model; the other areas' properties cannot see it.
  const areas = new Set(
    variant.defects.flatMap((d) => [DEFECT_INFO[d].area, ...(DEFECT_INFO[d].alsoAreas ?? [])]),
  );
  for (const def of PROPERTIES) {
    if (def.kind !== 'always' || (areas.size > 0 && !areas.has(def.area as never))) continue;
    results.push(runProperty(def, { variant, seed: propertySeed(seed, def.id) }));
  }
  const failed = results.filter((r) => r.status === 'failed');
  const best = [...failed].sort((a, b) => a.numRuns - b.numRuns || a.durationMs - b.durationMs)[0];
  // A seed layout whose verdict flips is a catch too: expected verdicts are data.
  const flipped = FIXTURES.filter((s) => s.judge(variant).verdict !== s.expected).map(
    (s) => `scenario:${s.name}`,
  );
  return {
    variant: variant.name,
    caught: failed.length > 0 || flipped.length > 0,
    caughtBy: [...failed.map((r) => r.id), ...flipped],
    runs: best?.numRuns ?? 0,
    ms: best?.durationMs ?? 0,
    shrunkEvents: best?.counterexample?.events.length ?? 0,
    seed,
    results,
  };
}
