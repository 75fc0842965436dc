import { CORRECT } from './model/variants.ts';
import { renderCounterexample, runProperty } from './properties/harness.ts';
import { PROPERTIES } from './properties/registry.ts';

for (const def of PROPERTIES.filter((p) => p.area === 'network')) {
  const r = runProperty(def, { variant: CORRECT, seed: 42 });
  console.log(r.id, r.status, r.numRuns, r.durationMs, JSON.stringify(r.reached ?? ''));
  if (r.counterexample) console.log(renderCounterexample(r.counterexample));
}
