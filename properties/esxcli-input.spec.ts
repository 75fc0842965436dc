// What admins really paste (issue 12, section 4), one table row each: accepted with the same
// verdict as the clean input, or refused with the file, line and reason. The base is the
// seed-000-after-transcripts fixture set: esx-01 a folder, esx-02 a `~ #` transcript, esx-dr-01
// a `[root@...]` transcript with the esxcfg listings; checked clean, exit 0.
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { type CheckResult, checkHosts, exitCode, hostInputs } from '../model/esxcli/check.ts';
import { decodeText } from '../model/esxcli/text.ts';
import { parseTopology } from '../model/esxcli/topology.ts';
import { FIXTURE_SETS, fixtureFiles } from './esxcli/fixtures.ts';
import { cliTest, runCheck } from './esxcli/run-check.ts';

const set = FIXTURE_SETS.find((s) => s.name === 'seed-000-after-transcripts');
if (!set) throw new Error('seed-000-after-transcripts fixture set missing');
const BASE = fixtureFiles(set);
const posix = (...p: string[]) => p.join('/');

type Files = Record<string, string>;
type Unreadable = Record<string, string>;

function run(files: Files, unreadable: Unreadable = {}, ignored: string[] = []): CheckResult {
  const topo = parseTopology('topology.json', files['topology.json'] ?? '');
  return checkHosts(
    topo,
    hostInputs(files, posix, { unreadable, ignored, hosts: topo.hosts.map((h) => h.name) }),
  );
}

/** The base with one file changed. */
const edit = (file: string, f: (text: string) => string): Files => ({
  ...BASE,
  [file]: f(BASE[file] ?? ''),
});
/** As bytes written by `enc` and read back the way the check reads files. */
const asBytes = (text: string, enc: 'utf8-bom' | 'utf16le-bom' | 'utf16le'): string => {
  const body = Buffer.from(text, enc === 'utf8-bom' ? 'utf8' : 'utf16le');
  const bom =
    enc === 'utf8-bom'
      ? Buffer.from([0xef, 0xbb, 0xbf])
      : enc === 'utf16le-bom'
        ? Buffer.from([0xff, 0xfe])
        : Buffer.alloc(0);
  return decodeText(Buffer.concat([bom, body]));
};
const lines = (text: string) => text.split('\n');
const ESC = '\u001b';

const clean = run(BASE);
const verdictOf = (r: CheckResult) => r.checked.map((c) => `${c.host} ${c.class} ${c.verdict}`);

test('the base set is clean, every flow checked', () => {
  expect(clean.errors).toEqual([]);
  expect(exitCode(clean)).toBe(0);
  expect(clean.checked.length).toBe(11);
});

// Accepted: the same flows, the same verdicts, no error.
const ACCEPTED: [string, Files][] = [
  [
    'a UTF-8 BOM on a folder file',
    edit('esx-01/system-version-get.txt', (t) => asBytes(t, 'utf8-bom')),
  ],
  ['a UTF-8 BOM on a transcript', edit('esx-02.txt', (t) => asBytes(t, 'utf8-bom'))],
  [
    'UTF-16LE with a BOM (PowerShell `>`) on a transcript',
    edit('esx-02.txt', (t) => asBytes(t, 'utf16le-bom')),
  ],
  [
    'UTF-16LE with a BOM on a folder file',
    edit('esx-01/network-ip-interface-list.txt', (t) => asBytes(t, 'utf16le-bom')),
  ],
  ['UTF-16LE without a BOM', edit('esx-dr-01.txt', (t) => asBytes(t, 'utf16le'))],
  [
    'a BOM and CRLF on topology.json',
    edit('topology.json', (t) => asBytes(t.replace(/\n/g, '\r\n'), 'utf8-bom')),
  ],
  ['CRLF line ends in a transcript', edit('esx-02.txt', (t) => t.replace(/\n/g, '\r\n'))],
  ['lone CR line ends in a transcript', edit('esx-02.txt', (t) => t.replace(/\n/g, '\r'))],
  [
    'CRLF in a folder file',
    edit('esx-01/network-ip-route-ipv4-list.txt', (t) => t.replace(/\n/g, '\r\n')),
  ],
  [
    'ANSI colour codes around the prompts',
    edit('esx-dr-01.txt', (t) =>
      t.replace(/\[root@esx-dr-01:~\] /g, `${ESC}[01;32m[root@esx-dr-01:~]${ESC}[00m `),
    ),
  ],
  [
    'terminal title escapes before the prompts',
    edit('esx-dr-01.txt', (t) =>
      t.replace(/\[root@esx-dr-01:~\] /g, `${ESC}]0;root@esx-dr-01:~\u0007[root@esx-dr-01:~] `),
    ),
  ],
  [
    '`~ #` prompts (the whole esx-02 transcript) and a bare prompt at the end',
    edit('esx-02.txt', (t) => `${t}~ # \n`),
  ],
  [
    'an extra leading tab before every record name in interface list',
    edit('esx-01/network-ip-interface-list.txt', (t) => t.replace(/^vmk/gm, '\tvmk')),
  ],
  [
    'lost indentation in interface list',
    edit('esx-01/network-ip-interface-list.txt', (t) => t.replace(/^ {3}/gm, '')),
  ],
  ['lost indentation in a transcript', edit('esx-02.txt', (t) => t.replace(/^ {3}(\w)/gm, '$1'))],
];

describe('pasted input that is accepted, with the same verdict', () => {
  test.each(ACCEPTED)('%s', (_what, files) => {
    const r = run(files);
    expect(r.errors).toEqual([]);
    expect(verdictOf(r)).toEqual(verdictOf(clean));
    expect(exitCode(r)).toBe(0);
  });
});

const transcriptLine = (file: string, startsWith: string) =>
  lines(BASE[file] ?? '').findIndex((l) => l.startsWith(startsWith)) + 1;

// Refused or noted: exactly these errors and notes.
const TABLE: [string, Files, { errors: string[]; notes?: string[]; exit: 0 | 1 | 2 }][] = [
  [
    'a command with a pipe in a transcript',
    edit('esx-02.txt', (t) =>
      t.replace(
        '~ # esxcli network ip route ipv4 list',
        '~ # esxcli network ip route ipv4 list | grep vmk',
      ),
    ),
    {
      errors: [
        `esx-02.txt:${transcriptLine('esx-02.txt', '~ # esxcli network ip route ipv4 list')}: pipes are not supported: paste the whole output of "esxcli network ip route ipv4 list"`,
      ],
      exit: 2,
    },
  ],
  [
    '`clear` and `ls` in a transcript: skipped, with a note',
    edit(
      'esx-02.txt',
      (t) =>
        `~ # clear\n${t.replace('~ # esxcli network ip netstack list', '~ # ls -l /tmp\nfoo.txt\n~ # esxcli network ip netstack list')}`,
    ),
    {
      errors: [],
      notes: [
        'esx-02.txt:1: "clear" skipped: not an esxcli command',
        `esx-02.txt:${transcriptLine('esx-02.txt', '~ # esxcli network ip netstack list') + 1}: "ls -l /tmp" skipped: not an esxcli command`,
      ],
      exit: 0,
    },
  ],
  [
    'an esxcli command the check does not read, in a transcript: skipped, with a note',
    edit(
      'esx-02.txt',
      (t) => `${t}~ # esxcli storage core device list\nnaa.600\n   Display Name: x\n`,
    ),
    {
      errors: [],
      notes: [
        `esx-02.txt:${lines(BASE['esx-02.txt'] ?? '').length}: "esxcli storage core device list" skipped: the check does not read it`,
      ],
      exit: 0,
    },
  ],
  [
    'a folder and a transcript for the same host',
    { ...BASE, 'esx-02/system-version-get.txt': BASE['esx-01/system-version-get.txt'] ?? '' },
    {
      errors: ['esx-02: both a folder esx-02/ and a transcript esx-02.txt: keep one of them'],
      exit: 2,
    },
  ],
  [
    'a README and notes in DIR, and a README in a host folder: ignored, with a note',
    {
      ...BASE,
      'README.md': '# our hosts',
      'notes.txt': 'collected on Monday',
      'esx-01/README': 'x',
    },
    {
      errors: [],
      notes: [
        'README.md: ignored (not a host folder or a transcript)',
        'esx-01/README: ignored (not a command output)',
        'notes.txt: ignored (not a host folder or a transcript)',
      ],
      exit: 0,
    },
  ],
  [
    'output of commands the check does not use, in a host folder: listed as ignored',
    { ...BASE, 'esx-01/network-ip-neighbor-list.txt': 'Neighbor  Mac Address' },
    {
      errors: [],
      notes: [
        "esx-01/network-ip-neighbor-list.txt: ignored (no check reads this command's output)",
      ],
      exit: 0,
    },
  ],
  [
    'tags the model does not know: kept, shown, and the host judged as before',
    edit(
      'esx-01/network-ip-interface-tag-get-vmk1.txt',
      () => '   Tags: VMotion, vSphereBackupNFC, vsanWitness, nvmeTcp\n',
    ),
    {
      errors: [],
      notes: [
        'esx-01: vmk1 is also tagged vSphereBackupNFC, vsanWitness, nvmeTcp: kept, not modelled',
      ],
      exit: 0,
    },
  ],
  [
    "a vmk's tag get missing from a folder: an error naming the command, never read as untagged",
    Object.fromEntries(
      Object.entries(BASE).filter(([f]) => f !== 'esx-01/network-ip-interface-tag-get-vmk2.txt'),
    ),
    {
      errors: [
        'esx-01: missing network-ip-interface-tag-get-vmk2 (esxcli network ip interface tag get -i vmk2)',
      ],
      exit: 2,
    },
  ],
  [
    "a vmk's tag get missing from a transcript",
    edit('esx-02.txt', (t) =>
      t.replace(/~ # esxcli network ip interface tag get -i vmk1\n.*\n/, ''),
    ),
    {
      errors: [
        'esx-02.txt: missing network-ip-interface-tag-get-vmk1 (esxcli network ip interface tag get -i vmk1)',
      ],
      exit: 2,
    },
  ],
  [
    'an empty interface list in a transcript is blamed on its own command line',
    edit('esx-02.txt', (t) =>
      t.replace(
        /(~ # esxcli network ip interface list\n)[\s\S]*?(~ # esxcli network ip interface ipv4 get)/,
        '$1$2',
      ),
    ),
    {
      errors: [
        `esx-02.txt:${transcriptLine('esx-02.txt', '~ # esxcli network ip interface list')}: empty output: expected a record per vmk ("vmk0", then "   Name: vmk0")`,
      ],
      exit: 2,
    },
  ],
  [
    'an empty interface list file is blamed on itself',
    edit('esx-01/network-ip-interface-list.txt', () => '\n'),
    {
      errors: [
        'esx-01/network-ip-interface-list.txt: empty output: expected a record per vmk ("vmk0", then "   Name: vmk0")',
      ],
      exit: 2,
    },
  ],
  [
    'a bad row in a transcript names the transcript and its line',
    edit('esx-02.txt', (t) => t.replace('255.255.255.0  0.0.0.0', '255.255.255.0')),
    {
      errors: [
        `esx-02.txt:${lines(BASE['esx-02.txt'] ?? '').findIndex((l) => l.includes('255.255.255.0  0.0.0.0')) + 1}: expected 5 columns (Network Netmask Gateway Interface Source), got 4`,
      ],
      exit: 2,
    },
  ],
  [
    'a disabled vmk carries nothing: left out, with a note',
    edit('esx-01/network-ip-interface-list.txt', (t) =>
      t.replace(/(Name: vmk1\n\s+MAC Address: \S+\n\s+)Enabled: true/, '$1Enabled: false'),
    ),
    {
      errors: [],
      notes: ['esx-01: vmk1 is disabled (Enabled: false): it carries nothing, left out'],
      // esx-01's vMotion vmk is gone: esx-01 and esx-02 have no vMotion flow between them.
      exit: 0,
    },
  ],
];

describe('pasted input that is refused or noted, naming the file, line and reason', () => {
  test.each(TABLE)('%s', (_what, files, want) => {
    const r = run(files);
    expect(r.errors).toEqual(want.errors);
    if (want.notes) expect(r.notes).toEqual(want.notes);
    expect(exitCode(r)).toBe(want.exit);
  });

  test('one unreadable file adds no false "missing" errors for the rest of its folder', () => {
    const files = Object.fromEntries(
      Object.entries(BASE).filter(([f]) => f !== 'esx-01/network-ip-interface-list.txt'),
    );
    const r = run(files, {
      'esx-01/network-ip-interface-list.txt': 'EACCES: permission denied',
    });
    expect(r.errors).toEqual(['esx-01/network-ip-interface-list.txt: EACCES: permission denied']);
    expect(r.hosts.map((h) => h.name)).toEqual(['esx-02', 'esx-dr-01']);
  });
});

test('two hosts with the same vmk address are flagged, and the check exits 1', () => {
  const files = edit('esx-01/network-ip-interface-ipv4-get.txt', (t) =>
    t.replace('10.11.12.5 ', '10.11.12.6 '),
  );
  const r = run(files);
  expect(r.errors).toEqual([]);
  expect(r.conflicts.map((c) => c.message)).toEqual([
    '10.11.12.6 is the address of esx-01 vmk2 and esx-02 vmk2: traffic to it reaches either one',
  ]);
  expect(exitCode(r)).toBe(1);
});

// ---- the script itself: bytes on disk, and files never read ----

const check = runCheck;

describe('npm run check on files as editors and shells write them', () => {
  cliTest(
    'a BOM on topology.json and UTF-16LE transcripts are read; an unused 3 GiB file is never read',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'esxcli-input-'));
      try {
        cpSync('properties/fixtures/hosts/seed-000-after-transcripts', dir, { recursive: true });
        const topo = join(dir, 'topology.json');
        writeFileSync(topo, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(topo)]));
        const t = join(dir, 'esx-02.txt');
        const text = readFileSync(t, 'utf8').replace(/\n/g, '\r\n');
        writeFileSync(t, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
        // Sparse: no disk space used, but reading it whole would fail (over 2 GiB) or take long.
        const big = join(dir, 'esx-01', 'storage-core-device-list.txt');
        writeFileSync(big, '');
        truncateSync(big, 3 * 1024 ** 3);
        const r = check(dir, '--json');
        expect(r.err).toBe('');
        const j = JSON.parse(r.out);
        expect(j.errors).toEqual([]);
        expect(j.notes).toContain(
          `${join(dir, 'esx-01', 'storage-core-device-list.txt')}: ignored (no check reads this command's output)`,
        );
        expect(j.checked.length).toBe(11);
        expect(r.code).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  cliTest('a used file too large to be esxcli output is an error naming it, never read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'esxcli-input-'));
    try {
      cpSync('properties/fixtures/hosts/seed-000-after-transcripts', dir, { recursive: true });
      const f = join(dir, 'esx-01', 'network-ip-route-ipv4-list.txt');
      truncateSync(f, 3 * 1024 ** 3);
      const r = check(dir);
      expect(r.code).toBe(2);
      expect(r.out).toContain(`${f}: 3072 MiB is too large for esxcli output (at most 16 MiB)`);
      // The rest of esx-01's folder raises no "missing" error.
      expect(r.out).not.toContain('missing');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
