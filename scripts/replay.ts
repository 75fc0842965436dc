// npm run replay -- <counterexample.json>
// Re-runs a stored counterexample by folding the model's step over its events (no fast-check,
// no generators) and prints its timeline. Exit 0 when it fails exactly as recorded, 1 when
// the behaviour changed, 2 on bad input.
import { renderCounterexample, replay } from '../properties/harness.ts';
import { InputError, readCounterexample } from '../properties/record-io.ts';

function main(argv: readonly string[]): number {
  const files = argv.filter((a) => a !== '--');
  if (files.length !== 1 || files[0]?.startsWith('-')) {
    process.stderr.write(
      'replay: expected exactly one counterexample file\nusage: npm run replay -- <file.json>\n',
    );
    return 2;
  }
  const file = files[0] as string;
  try {
    const rec = readCounterexample(file);
    const now = replay(rec);
    const was = rec.violation;
    if (!now) {
      process.stdout.write(
        `${rec.title}\n\nreplay: ${file} now passes; it was recorded failing ${was.invariant} after step ${was.step}\n`,
      );
      return 1;
    }
    process.stdout.write(`${renderCounterexample({ ...rec, violation: now }, file)}\n`);
    if (now.step !== was.step || now.invariant !== was.invariant) {
      process.stdout.write(
        `\nreplay: behaviour changed: recorded ${was.invariant} after step ${was.step}, now ${now.invariant} after step ${now.step}\n`,
      );
      return 1;
    }
    process.stdout.write(
      `\nreplay: reproduced (${now.invariant} fails after step ${now.step}, as recorded)\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof InputError) {
      process.stderr.write(`replay: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

process.exitCode = main(process.argv.slice(2));
