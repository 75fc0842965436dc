// npm run corpus:seed
// Writes every "found" seed layout that names its property into reports/corpus/ as an
// "expected" entry (a documented pitfall that must stay found), unless it is there already.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS_DIR, scenarioEntries } from '../properties/corpus.ts';
import { writeAtomic } from '../properties/harness.ts';

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
