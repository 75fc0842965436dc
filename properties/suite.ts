import { expect, inject, test } from 'vitest';
import { CORRECT } from '../model/variants.ts';
import {
  propertySeed,
  renderCounterexample,
  runProperty,
  runsOf,
  saveCounterexample,
} from './harness.ts';
import { PROPERTIES } from './registry.ts';

const seed = inject('fcSeed');

export function propertySuite(area: string): void {
  for (const def of PROPERTIES.filter((p) => p.area === area)) {
    test(def.title, () => {
      const r = runProperty(def, { variant: CORRECT, seed: propertySeed(seed, def.id) });
      if (r.kind === 'sometimes') {
        const missed = Object.entries(r.reached ?? {}).filter(([, n]) => n === 0);
        expect(
          missed.map(([g]) => g),
          `goals never reached in ${r.numRuns} runs (reached: ${JSON.stringify(r.reached)}); the safety property's pass would be vacuous`,
        ).toEqual([]);
        return;
      }
      if (r.counterexample) {
        const file = saveCounterexample(r.counterexample, 'reports/counterexamples');
        throw new Error(`\n${renderCounterexample(r.counterexample, file)}\n`);
      }
      expect(r.status).toBe('passed');
      expect(r.numRuns).toBe(runsOf(def));
    });
  }
}
