// npm run zoo -- [--json] [--seed S] [--variant NAME]
// Runs every safety property against every defect variant, with npm test's run counts, and
// reports which properties catch each one. Exit 0 only when every variant is caught.
import { parseArgs } from 'node:util';
import { zooVariants } from '../model/variants.ts';
import { chooseSeed } from '../properties/harness.ts';
import { huntVariant } from '../properties/zoo.ts';
import { usageError } from './cli.ts';

const USAGE = 'npm run zoo -- [--json] [--seed S] [--variant NAME]';

function parse() {
  try {
    return parseArgs({
      options: { json: { type: 'boolean' }, seed: { type: 'string' }, variant: { type: 'string' } },
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
  const entries = variants.map((v) => huntVariant(v, seed));
  if (args.values.json) {
    const rows = entries.map(({ results: _, ...row }) => row);
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  } else {
    process.stdout.write(`defect zoo, fast-check seed ${seed}\n`);
    for (const e of entries) {
      const verdict = e.caught
        ? `caught by ${e.caughtBy.join(', ')} in ${e.runs} run(s), ${e.ms} ms, shrunk to ${e.shrunkEvents} events`
        : 'NOT CAUGHT';
      process.stdout.write(`  ${e.variant.padEnd(36)} ${verdict}\n`);
    }
  }
  process.exitCode = entries.every((e) => e.caught) ? 0 : 1;
}

main();
