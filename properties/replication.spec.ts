import { describe, expect, inject, test } from 'vitest';
import { CORRECT, DEFECT_INFO, zooVariants } from '../model/variants.ts';
import { propertySeed, renderCounterexample, runProperty, saveCounterexample } from './harness.ts';
import { PROPERTIES } from './registry.ts';
import { huntVariant } from './zoo.ts';

const seed = inject('fcSeed');

describe('replication: the correct model', () => {
  for (const def of PROPERTIES.filter((p) => p.area === 'replication')) {
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
      expect(r.numRuns).toBe(def.numRuns);
    });
  }
});

describe('defect zoo: every wrong behaviour is caught within npm test budget', () => {
  for (const variant of zooVariants()) {
    const info = DEFECT_INFO[variant.defects[0] as keyof typeof DEFECT_INFO];
    test(`zoo ${variant.name} (${info.description}) is caught`, () => {
      const entry = huntVariant(variant, seed);
      expect(entry.caught, `${variant.name} survived every property with seed ${seed}`).toBe(true);
      expect(
        entry.caughtBy.some((id) => info.expectedInvariants.includes(id)),
        `${variant.name} was caught only by ${entry.caughtBy.join(', ')}, not by the invariants that should catch it (${info.expectedInvariants.join(', ')})`,
      ).toBe(true);
    });
  }
});
