// npm run zoo -- [--json] [--seed S] [--seeds N] [--variant NAME] [--properties-only]
//                 [--record-shortest]
// Runs every safety property against every defect variant, with npm test's run counts, and
// reports which properties catch each one, over N seeds (S, S+1, ...; 20 unless told). A seed
// layout whose verdict flips is reported too (scenario:<name>), but it is a case someone wrote
// down: exit 0 only when the properties alone catch every variant in every seed.
// --properties-only leaves the layouts out. One line per variant goes to stderr as it finishes,
// so stdout stays one JSON document with --json. --record-shortest keeps any counterexample
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
import { helpRequested, printHelp, usageError } from './cli.ts';

const USAGE =
  'npm run zoo -- [--json] [--seed S] [--seeds N] [--variant NAME] [--properties-only] [--record-shortest]';

function parse() {
  try {
    return parseArgs({
      options: {
        json: { type: 'boolean' },
        seed: { type: 'string' },
        seeds: { type: 'string' },
        variant: { type: 'string' },
        'properties-only': { type: 'boolean' },
        'record-shortest': { type: 'boolean' },
      },
      allowPositionals: false,
    });
  } catch (e) {
    return usageError('zoo', (e as Error).message, USAGE);
  }
}

const HELP = `usage: ${USAGE.replace('npm run zoo', 'npm run -s zoo')}

Runs every safety property against every defect variant of the zoo (model/variants.ts), with
npm test's run counts, over N seeds (S, S+1, ...; 20 unless told), and reports per variant which
properties caught it and whether the properties alone (without the seed layouts) did.

  --json              one JSON document on stdout; progress lines go to stderr
  --seed S            the first fast-check seed (default: chosen and printed)
  --seeds N           how many seeds per variant (default 20)
  --variant NAME      only this variant
  --properties-only   leave the seed layouts out
  --record-shortest   keep counterexamples shorter than the known shortest in
                      properties/zoo-shortest.json

Exit 0 when the properties alone catch every variant in every seed, 1 otherwise, 2 on a usage
error.`;

function main(): void {
  if (helpRequested(process.argv.slice(2))) printHelp(HELP);
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
  const layouts = !args.values['properties-only'];
  const entries = variants.map((v, i) => {
    const started = performance.now();
    const hunts = seeds.map((sd) => huntVariant(v, sd, { layouts }));
    const found = shortestOf(hunts);
    const shortestKnown = args.values['record-shortest']
      ? recordShortest(known, v.name, found)
      : known[v.name]?.events.length;
    const first = hunts[0] as (typeof hunts)[number];
    const caught = hunts.filter((h) => h.caught);
    const byProperties = hunts.filter((h) => h.caughtByProperties);
    const median = (xs: number[]) => {
      const s2 = [...xs].sort((a, b) => a - b);
      return s2.length === 0 ? 0 : (s2[Math.floor((s2.length - 1) / 2)] as number);
    };
    const row = {
      ...first,
      caught: caught.length === hunts.length,
      caughtBy: [...new Set(hunts.flatMap((h) => h.caughtBy))],
      caughtByProperties: byProperties.length === hunts.length,
      seeds: hunts.length,
      caughtSeeds: caught.length,
      caughtByPropertiesSeeds: byProperties.length,
      medianRuns: median(caught.map((h) => h.runs)),
      worstRuns: Math.max(0, ...caught.map((h) => h.runs)),
      medianMs: median(caught.map((h) => h.ms)),
      worstMs: Math.max(0, ...caught.map((h) => h.ms)),
      medianShrunkEvents: median(caught.map((h) => h.shrunkEvents)),
      shortestKnown: shortestKnown ?? null,
      shortestFound: found?.events.length ?? null,
    };
    process.stderr.write(
      `${progressLine(row, i + 1, variants.length, Math.round(performance.now() - started))}\n`,
    );
    return row;
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
      const alone =
        e.layoutsJudged && e.caughtByPropertiesSeeds < e.seeds
          ? `; by the properties alone in only ${e.caughtByPropertiesSeeds}/${e.seeds} seeds`
          : '';
      process.stdout.write(`  ${e.variant.padEnd(36)} ${verdict}${alone}\n`);
      if (
        e.shortestFound !== null &&
        (e.shortestKnown === null || e.shortestFound < e.shortestKnown)
      )
        process.stdout.write(
          `  ${''.padEnd(36)} found one of ${e.shortestFound} events, shorter than known: rerun with --record-shortest to keep it\n`,
        );
    }
  }
  process.exitCode = entries.every((e) => e.caughtByProperties) ? 0 : 1;
}

interface Progress {
  readonly variant: string;
  readonly caughtBy: readonly string[];
  readonly seeds: number;
  readonly caughtSeeds: number;
  readonly caughtByPropertiesSeeds: number;
  readonly layoutsJudged: boolean;
}

/**
 * The stderr line for one finished variant: `zoo 3/24 live-read-transfer: caught in 3/3 seeds
 * (properties alone 3/3) by R2, R4; 1.4 s`.
 */
function progressLine(e: Progress, index: number, of: number, ms: number): string {
  const verdict =
    e.caughtSeeds === e.seeds
      ? `caught in ${e.caughtSeeds}/${e.seeds} seeds`
      : `NOT CAUGHT in ${e.seeds - e.caughtSeeds} of ${e.seeds} seeds`;
  const alone = e.layoutsJudged
    ? ` (properties alone ${e.caughtByPropertiesSeeds}/${e.seeds})`
    : ' (properties only)';
  const by = e.caughtBy.length > 0 ? ` by ${e.caughtBy.join(', ')}` : '';
  return `zoo ${index}/${of} ${e.variant}: ${verdict}${alone}${by}; ${(ms / 1000).toFixed(1)} s`;
}

main();
