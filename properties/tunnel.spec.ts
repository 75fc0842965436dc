import fc from 'fast-check';
import { describe, expect, inject, test } from 'vitest';
import { CORRECT } from '../model/variants.ts';
import { propertySuite } from './suite.ts';
import { healthy, simulate } from './tunnel/oracle.ts';
import { HEALTHY_CASES } from './tunnel/properties.ts';

const seed = inject('fcSeed');

describe('tunnel: the correct model', () => propertySuite('tunnel'));

describe('the cases each claim runs on', () => {
  test("C5's cases are healthy providers by the oracle's definition at every step", () => {
    for (const c of fc.sample(HEALTHY_CASES, { numRuns: 100, seed })) {
      const v = simulate(c, CORRECT, (view) =>
        healthy(view.before, view.memory) ? null : 'not healthy',
      );
      expect(v, JSON.stringify(c.setup.provider)).toBeNull();
    }
  });
});
