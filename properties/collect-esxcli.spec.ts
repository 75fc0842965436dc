// scripts/collect-esxcli.sh, run here against a fake `esxcli` on PATH that prints a fixture
// host's outputs: the transcript it prints has every command the check reads (every vmk's tag
// get, every netstack's routes), and the check judges it exactly as it judges the folder.
// POSIX sh: run by the system's sh (dash on Debian), and by busybox's ash (the ESXi shell)
// where busybox is installed (.ci/run installs it).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { checkHosts, hostInputs } from '../model/esxcli/check.ts';
import { assembleHost, commandOfFile, readTranscript } from '../model/esxcli/host.ts';
import { parseTopology } from '../model/esxcli/topology.ts';
import { FIXTURE_SETS, fixtureFiles } from './esxcli/fixtures.ts';

const SCRIPT = resolve('scripts/collect-esxcli.sh');
const posix = (...p: string[]) => p.join('/');

const bin = mkdtempSync(join(tmpdir(), 'fake-esxcli-'));
afterAll(() => rmSync(bin, { recursive: true, force: true }));
// esxcli words joined with dashes, `-i vmk2` as `vmk2` and `-N stack` as `N-stack`: the file
// names of a fixture folder. Anything else is refused, as esxcli refuses what it does not know.
writeFileSync(
  join(bin, 'esxcli'),
  `#!/bin/sh
key=""
for a in "$@"; do
  case "$a" in
    -i|--interface-name) continue ;;
    -N|--netstack) a=N ;;
  esac
  key="\${key:+$key-}$a"
done
if [ -f "$FAKE_ESX_DIR/$key.txt" ]; then cat "$FAKE_ESX_DIR/$key.txt"
else echo "Error: Unknown command or namespace $*" >&2; exit 1; fi
`,
);
writeFileSync(join(bin, 'hostname'), '#!/bin/sh\necho esx-01.lab.example\n');
chmodSync(join(bin, 'esxcli'), 0o755);
chmodSync(join(bin, 'hostname'), 0o755);

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const SHELLS: [string, string[]][] = [
  ['sh', ['sh']],
  ...(has('busybox') ? ([['busybox ash', ['busybox', 'sh']]] as [string, string[]][]) : []),
];

function collect(shell: string[], folder: string): string {
  const [cmd = 'sh', ...args] = shell;
  const r = spawnSync(cmd, [...args, SCRIPT], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, FAKE_ESX_DIR: folder },
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

const CASES = ['seed-000-custom-stack', 'seed-003-65u1-before', 'seed-000-before'].map((name) => {
  const set = FIXTURE_SETS.find((s) => s.name === name);
  if (!set) throw new Error(`fixture set ${name} missing`);
  return [name, set] as const;
});

describe('scripts/collect-esxcli.sh', () => {
  for (const [shellName, shell] of SHELLS) {
    test.each(CASES)(
      `${shellName}: on %s's first host, a transcript the check reads whole`,
      (name, set) => {
        const host = set.hosts[0]?.setup.name ?? '';
        const folder = resolve('properties/fixtures/hosts', name, host);
        const text = collect(shell, folder);
        expect(text.split('\n')[0]).toBe('[root@esx-01:~] esxcli system version get');
        const files = fixtureFiles(set);
        const keys = Object.keys(files)
          .filter((f) => f.startsWith(`${host}/`))
          .map((f) => commandOfFile(f.slice(host.length + 1))?.key);
        const t = readTranscript(`${host}.txt`, text);
        // Exactly the commands of the folder, nothing skipped.
        expect(t.notes).toEqual([]);
        expect(t.outputs.map((o) => o.key).sort()).toEqual([...keys].sort());
        // The same host as the folder gives, and the same verdict for the whole site.
        const folderInputs = hostInputs(files, posix).inputs.find((i) => i.name === host);
        if (!folderInputs) throw new Error(`${host} has no folder`);
        expect(assembleHost(host, `${host}.txt`, t.outputs).setup).toEqual(
          assembleHost(host, host, folderInputs.outputs).setup,
        );
        const withTranscript = Object.fromEntries([
          ...Object.entries(files).filter(([f]) => !f.startsWith(`${host}/`)),
          [`${host}.txt`, text],
        ]);
        const topology = parseTopology('topology.json', files['topology.json'] ?? '');
        const judge = (fs: Record<string, string>) => {
          const r = checkHosts(topology, hostInputs(fs, posix));
          return {
            errors: r.errors,
            findings: r.findings.map((f) => f.message),
            checked: r.checked,
          };
        };
        expect(judge(withTranscript)).toEqual(judge(files));
      },
    );
  }

  test('sh -n: the script parses as POSIX sh', () => {
    expect(spawnSync('sh', ['-n', SCRIPT]).status).toBe(0);
  });
});
