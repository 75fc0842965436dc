import { describe, expect, inject, test } from 'vitest';
import { DEFECT_INFO, zooVariants } from '../model/variants.ts';
import { huntVariant } from './zoo.ts';

const seed = inject('fcSeed');

describe('defect zoo: every wrong behaviour is caught within npm test budget', () => {
  for (const variant of zooVariants()) {
    const info = DEFECT_INFO[variant.defects[0] as keyof typeof DEFECT_INFO];
    test(`zoo ${variant.name} (${info.description}) is caught`, () => {
      const entry = huntVariant(variant, seed);
      expect(
        entry.caught,
        `${variant.name} survived every property and scenario with seed ${seed}`,
      ).toBe(true);
      expect(
        entry.caughtBy.some((id) => info.expectedInvariants.includes(id.replace(/-reach$/, ''))),
        `${variant.name} was caught only by ${entry.caughtBy.join(', ')}, not by the invariants that should catch it (${info.expectedInvariants.join(', ')})`,
      ).toBe(true);
    });
  }
});
