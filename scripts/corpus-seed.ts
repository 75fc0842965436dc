// npm run corpus:seed
// Writes every "found" seed layout that names its property into reports/corpus/ as an
// "expected" entry (a documented pitfall that must stay found), unless it is there already.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS_DIR, scenarioEntries } from '../properties/corpus.ts';
import { writeAtomic } from '../properties/harness.ts';
import { helpRequested, printHelp, usageError } from './cli.ts';

const USAGE = 'npm run corpus:seed';
const args = process.argv.slice(2).filter((a) => a !== '--');
if (helpRequested(args)) {
  printHelp(`usage: ${USAGE}

Writes every seed layout that is found and names the property it breaks into ${CORPUS_DIR}/ as an
"expected" entry: a documented pitfall npm test replays and must still find, at the same step.
An entry already there is kept, never overwritten. Takes no options besides -h, --help.
`);
}
if (args.length > 0) usageError('corpus:seed', `unexpected argument ${args[0]}`, USAGE);

for (const e of scenarioEntries()) {
  const file = join(CORPUS_DIR, `${e.id}.json`);
  if (existsSync(file)) {
    process.stdout.write(`  kept    ${file} (${e.scenario})\n`);
    continue;
  }
  writeAtomic(file, `${JSON.stringify(e, null, 2)}\n`);
  process.stdout.write(
    `  wrote   ${file} (${e.scenario}, ${e.violation.invariant} after step ${e.violation.step})\n`,
  );
}
