import { readFileSync } from 'node:fs';
import { describe, expect, inject, test } from 'vitest';
import {
  CORRECT,
  DEFECT_INFO,
  type Defect,
  READING_INFO,
  type Reading,
  readingVariants,
  zooVariants,
} from '../model/variants.ts';
import { propertySeed, replay, runProperty } from './harness.ts';
import { PROPERTIES } from './registry.ts';
import { expectedCatches, huntVariant, loadShortest } from './zoo.ts';

const seed = inject('fcSeed');

describe('defect zoo: every wrong behaviour is caught by the properties within npm test budget', () => {
  for (const variant of zooVariants()) {
    const info = DEFECT_INFO[variant.defects[0] as keyof typeof DEFECT_INFO];
    test(`zoo ${variant.name} (${info.description}) is caught by a property`, () => {
      const entry = huntVariant(variant, seed, { firstExpected: true });
      expect(
        entry.caught,
        `${variant.name} survived every property and seed layout with seed ${seed}`,
      ).toBe(true);
      // A layout is one case someone wrote down; the generated search must find the defect too.
      expect(
        entry.caughtByProperties,
        `${variant.name} was caught only by seed layouts (${entry.caughtBy.join(', ')}), by no property, with seed ${seed}`,
      ).toBe(true);
      expect(
        expectedCatches(entry, variant),
        `${variant.name} was caught only by ${entry.caughtBy.join(', ')}, not by the invariants that should catch it (${info.expectedInvariants.join(', ')})`,
      ).not.toEqual([]);
    });
  }
});

describe('the shortest known counterexamples (properties/zoo-shortest.json) still hold', () => {
  const known = loadShortest();
  for (const variant of zooVariants()) {
    test(`${variant.name}: its shortest known counterexample fails on it and passes on the correct model`, () => {
      const k = known[variant.name];
      expect(k, `no shortest counterexample recorded for ${variant.name}`).toBeDefined();
      if (!k) return;
      const rec = { property: k.property, setup: k.setup, events: k.events };
      expect(
        replay({ ...rec, variant: variant.name }),
        'no longer fails on the variant',
      ).not.toBeNull();
      expect(
        replay({ ...rec, variant: CORRECT.name }),
        'fails on the correct model too',
      ).toBeNull();
    });
  }
});

describe('readings: where the sources disagree, the other reading is a correct model too', () => {
  // A reading is not a defect (model/variants.ts): every property of the areas it touches must
  // hold on it, here with a lighter run count than the correct model's own suite.
  for (const variant of readingVariants()) {
    const info = READING_INFO[variant.name as Reading];
    const areas = new Set([info.area, ...(info.alsoAreas ?? [])]);
    test(`${variant.name} (${info.description}) breaks no property`, () => {
      for (const def of PROPERTIES.filter(
        (p) => p.kind === 'always' && areas.has(p.area as never),
      )) {
        const r = runProperty(def, {
          variant,
          seed: propertySeed(seed, def.id),
          numRuns: Math.min(def.numRuns, 40),
        });
        expect(r.counterexample?.violation ?? null, `${def.id} on ${variant.name}`).toBeNull();
      }
    });
  }
});

describe('the zoo table in CONTRIBUTING.md', () => {
  test('lists every variant with its area, wrong behaviour and expected invariants as model/variants.ts has them', () => {
    const text = readFileSync('CONTRIBUTING.md', 'utf8');
    const at = text.indexOf('| variant | area | wrong behaviour | expected invariants |');
    expect(at, 'the table header').toBeGreaterThanOrEqual(0);
    const rows: string[] = [];
    for (const line of text.slice(at).split('\n').slice(2)) {
      if (!line.startsWith('|')) break;
      rows.push(line.trimEnd());
    }
    const want = zooVariants().map((v) => {
      const i = DEFECT_INFO[v.defects[0] as Defect];
      const also = i.alsoAreas?.length ? ` (also ${i.alsoAreas.join(', ')})` : '';
      return `| ${v.name} | ${i.area}${also} | ${i.description} | ${i.expectedInvariants.join(', ')} |`;
    });
    expect(rows).toEqual(want);
  });
});
