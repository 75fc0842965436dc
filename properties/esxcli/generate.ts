// Writes the fixture host sets (run once: `tsx properties/esxcli/generate.ts`); the spec
// checks the files on disk still equal what render.ts writes.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FIXTURE_SETS, fixtureFiles } from './fixtures.ts';

export const FIXTURE_ROOT = 'properties/fixtures/hosts';

for (const set of FIXTURE_SETS) {
  const root = join(FIXTURE_ROOT, set.name);
  rmSync(root, { recursive: true, force: true });
  for (const [rel, text] of Object.entries(fixtureFiles(set))) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  process.stdout.write(`${root}\n`);
}
