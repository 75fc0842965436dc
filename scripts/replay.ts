// npm run replay -- <counterexample.json> [--against VARIANT]
// Re-runs a stored counterexample by folding the model's step over its events (no fast-check,
// no generators) and prints its timeline. With --against (usually `--against correct`) it also
// replays the same events on that variant and prints, side by side, the first step after which
// the two differ. Exit 0 when it fails exactly as recorded, 1 when the behaviour changed, 2 on
// bad input.
import { parseArgs } from 'node:util';
import { variantByName, zooVariants } from '../model/variants.ts';
import { renderCounterexample, replay } from '../properties/harness.ts';
import { InputError, readCounterexample } from '../properties/record-io.ts';
import { differenceText, firstDifference } from '../properties/report/compare.ts';
import { helpRequested, printHelp, usageError } from './cli.ts';

const USAGE = 'npm run replay -- <file.json> [--against VARIANT]';
const HELP = `usage: ${USAGE}

Replays a stored counterexample (a file under reports/<run>/counterexamples/, reports/corpus/,
or properties/zoo-shortest.json's entries written out) by folding the model's step over its
events, and prints its numbered timeline, the state change at the failing step and why.

Options:
  --against VARIANT  also replay the same events on VARIANT ("correct", or a zoo variant) and
                     show, side by side, the first step after which the two differ, and
                     whether VARIANT breaks an invariant on them
  -h, --help         print this help

Exit codes: 0 it fails exactly as recorded; 1 the behaviour changed (it now passes, or fails
elsewhere); 2 the file is unreadable or malformed, or a usage error.
`;

function main(argv: readonly string[]): number {
  if (helpRequested(argv)) printHelp(HELP);
  let files: string[] = [];
  let against: string | undefined;
  try {
    const parsed = parseArgs({
      args: argv.filter((a) => a !== '--'),
      options: { against: { type: 'string' } },
      allowPositionals: true,
    });
    files = parsed.positionals;
    against = parsed.values.against;
  } catch (e) {
    usageError('replay', (e as Error).message, USAGE);
  }
  if (files.length !== 1) usageError('replay', 'expected exactly one counterexample file', USAGE);
  if (against !== undefined && !variantByName(against)) {
    usageError(
      'replay',
      `--against: no variant named "${against}" (correct, ${zooVariants()
        .map((v) => v.name)
        .join(', ')})`,
      USAGE,
    );
  }
  const file = files[0] as string;
  try {
    const rec = readCounterexample(file);
    if (against !== undefined && against === rec.variant) {
      throw new InputError(
        `${file}: the counterexample is of ${rec.variant} already; --against takes another variant`,
      );
    }
    const now = replay(rec);
    const was = rec.violation;
    let code = 0;
    if (!now) {
      process.stdout.write(
        `${rec.title}\n\nreplay: ${file} now passes; it was recorded failing ${was.invariant} after step ${was.step}\n`,
      );
      code = 1;
    } else {
      process.stdout.write(`${renderCounterexample({ ...rec, violation: now }, file)}\n`);
      if (now.step !== was.step || now.invariant !== was.invariant) {
        process.stdout.write(
          `\nreplay: behaviour changed: recorded ${was.invariant} after step ${was.step}, now ${now.invariant} after step ${now.step}\n`,
        );
        code = 1;
      } else {
        process.stdout.write(
          `\nreplay: reproduced (${now.invariant} fails after step ${now.step}, as recorded)\n`,
        );
      }
    }
    if (against !== undefined) process.stdout.write(`\n${comparison(rec, against)}\n`);
    return code;
  } catch (e) {
    if (e instanceof InputError) {
      process.stderr.write(`replay: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

/** The first difference from the other variant, and what that variant makes of the events. */
function comparison(rec: ReturnType<typeof readCounterexample>, against: string): string {
  const theirs = replay({ ...rec, variant: against });
  const verdict = theirs
    ? `On ${against} the same events also break ${theirs.invariant}, after step ${theirs.step}: ${theirs.message}`
    : `On ${against} the same events pass ${rec.property}: no invariant it checks is broken.`;
  const d = firstDifference(rec, against);
  const width = Math.max(80, Math.min(160, process.stdout.columns ?? 120));
  const diff = d
    ? differenceText(d, width)
    : `The same events leave ${rec.variant} and ${against} in the same state after every step.`;
  return `${diff}\n\n${verdict}`;
}

process.exitCode = main(process.argv.slice(2));
