// npm run zoo -- [--json] [--seed S] [--seeds N] [--variant NAME] [--record-shortest]
// Runs every safety property against every defect variant, with npm test's run counts, and
// reports which properties catch each one, over N seeds (S, S+1, ...; 20 unless told). Exit 0
// only when every variant is caught in every seed. --record-shortest keeps any counterexample
// shorter than the variant's known shortest in properties/zoo-shortest.json.
import { parseArgs } from 'node:util';
import { zooVariants } from '../model/variants.ts';
import { chooseSeed } from '../properties/harness.ts';
import {
  huntVariant,
  loadShortest,
  recordShortest,
  saveShortest,
  shortestOf,
} from '../properties/zoo.ts';
import { usageError } from './cli.ts';

const USAGE = 'npm run zoo -- [--json] [--seed S] [--seeds N] [--variant NAME] [--record-shortest]';

function parse() {
  try {
    return parseArgs({
      options: {
        json: { type: 'boolean' },
        seed: { type: 'string' },
        seeds: { type: 'string' },
        variant: { type: 'string' },
        'record-shortest': { type: 'boolean' },
      },
      allowPositionals: false,
    });
  } catch (e) {
    return usageError('zoo', (e as Error).message, USAGE);
  }
}

function main(): void {
  const args = parse();
  const seedText = args.values.seed;
  if (seedText !== undefined && !/^-?\d+$/.test(seedText)) {
    usageError('zoo', `--seed takes an integer, got "${seedText}"`, USAGE);
  }
  const seed = seedText !== undefined ? Number(seedText) : chooseSeed();
  let variants = zooVariants();
  if (args.values.variant) {
    variants = variants.filter((v) => v.name === args.values.variant);
    if (variants.length === 0) {
      usageError(
        'zoo',
        `no variant named "${args.values.variant}"`,
        `variants: ${zooVariants()
          .map((v) => v.name)
          .join(', ')}`,
      );
    }
  }
  const seedsText = args.values.seeds ?? '20';
  if (!/^[1-9]\d*$/.test(seedsText))
    usageError('zoo', `--seeds takes a positive integer, got "${seedsText}"`, USAGE);
  const seeds = Array.from({ length: Number(seedsText) }, (_, i) => seed + i);
  const known = loadShortest();
  const entries = variants.map((v) => {
    const hunts = seeds.map((sd) => huntVariant(v, sd));
    const found = shortestOf(hunts);
    const shortestKnown = args.values['record-shortest']
      ? recordShortest(known, v.name, found)
      : known[v.name]?.events.length;
    const first = hunts[0] as (typeof hunts)[number];
    const caught = hunts.filter((h) => h.caught);
    const median = (xs: number[]) => {
      const s2 = [...xs].sort((a, b) => a - b);
      return s2.length === 0 ? 0 : (s2[Math.floor((s2.length - 1) / 2)] as number);
    };
    return {
      ...first,
      caught: caught.length === hunts.length,
      caughtBy: [...new Set(hunts.flatMap((h) => h.caughtBy))],
      seeds: hunts.length,
      caughtSeeds: caught.length,
      medianRuns: median(caught.map((h) => h.runs)),
      worstRuns: Math.max(0, ...caught.map((h) => h.runs)),
      medianMs: median(caught.map((h) => h.ms)),
      worstMs: Math.max(0, ...caught.map((h) => h.ms)),
      medianShrunkEvents: median(caught.map((h) => h.shrunkEvents)),
      shortestKnown: shortestKnown ?? null,
      shortestFound: found?.events.length ?? null,
    };
  });
  if (args.values['record-shortest']) saveShortest(known);
  if (args.values.json) {
    const rows = entries.map(({ results: _, ...row }) => row);
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  } else {
    process.stdout.write(
      `defect zoo, fast-check seed ${seed}${seeds.length > 1 ? ` to ${seed + seeds.length - 1}` : ''}\n`,
    );
    for (const e of entries) {
      const verdict = e.caught
        ? `caught by ${e.caughtBy.join(', ')}; ${e.caughtSeeds}/${e.seeds} seeds; median ${e.medianRuns} run(s), worst ${e.worstRuns}; median ${e.medianMs} ms; shrunk to ${e.medianShrunkEvents} events (shortest known ${e.shortestKnown ?? 'none'})`
        : `NOT CAUGHT in ${e.seeds - e.caughtSeeds} of ${e.seeds} seeds`;
      process.stdout.write(`  ${e.variant.padEnd(36)} ${verdict}\n`);
      if (
        e.shortestFound !== null &&
        (e.shortestKnown === null || e.shortestFound < e.shortestKnown)
      )
        process.stdout.write(
          `  ${''.padEnd(36)} found one of ${e.shortestFound} events, shorter than known: rerun with --record-shortest to keep it\n`,
        );
    }
  }
  process.exitCode = entries.every((e) => e.caught) ? 0 : 1;
}

main();
