// Writes the fixture host sets (run once: `tsx properties/esxcli/generate.ts`); the spec
// checks the files on disk still equal what render.ts writes.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TUNNEL_FIXTURE_SETS, tunnelFixtureFiles } from '../tunnel/fixtures.ts';
import { FIXTURE_SETS, fixtureFiles } from './fixtures.ts';

export const FIXTURE_ROOT = 'properties/fixtures/hosts';

const sets = [
  ...FIXTURE_SETS.map((s) => ({ name: s.name, files: fixtureFiles(s) })),
  // The cloud tunnel's layouts, with the `cloud` section in topology.json (issue 14).
  ...TUNNEL_FIXTURE_SETS.map((s) => ({ name: s.name, files: tunnelFixtureFiles(s) })),
];

for (const set of sets) {
  const root = join(FIXTURE_ROOT, set.name);
  rmSync(root, { recursive: true, force: true });
  for (const [rel, text] of Object.entries(set.files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  process.stdout.write(`${root}\n`);
}
