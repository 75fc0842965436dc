// Never clean when nothing was checked (issue 12, section 1): a topology entry that matches
// nothing, a host no flow could be built for, a replication pair without a VRS, all exit 2
// naming the entry. A property over generated sites with one entry corrupted, and the five
// mistakes the issue names run through the script itself.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, inject, test } from 'vitest';
import { checkHosts, exitCode, hostInputs } from '../model/esxcli/check.ts';
import { EsxcliParseError } from '../model/esxcli/records.ts';
import { parseTopology } from '../model/esxcli/topology.ts';
import type { HostSetup } from '../model/network/types.ts';
import { baseFirewall, topologyFile } from './esxcli/fixtures.ts';
import { renderHostFiles } from './esxcli/render.ts';
import { cliTest, runCheck } from './esxcli/run-check.ts';
import { scaledRuns } from './harness.ts';
import { type NetCase, pinnedWorld, recommendedWorld } from './network/arbitraries.ts';
import { prop } from './prop.ts';

const seed = inject('fcSeed');
const posix = (...p: string[]) => p.join('/');

type Json = Record<string, unknown> & {
  sites: string[];
  subnets: { site: string; network: string; gateway: string | null; purpose: string }[];
  hosts: { name: string; site: string }[];
  appliances: { role: string; site: string; ip: string }[];
  replication: { from: string; to: string }[];
  fvp?: Record<string, string>;
};

function filesOf(hosts: readonly HostSetup[], topology: Json): Record<string, string> {
  const files: Record<string, string> = { 'topology.json': JSON.stringify(topology) };
  for (const h of hosts)
    for (const [f, text] of Object.entries(renderHostFiles(h, baseFirewall(h))))
      files[`${h.name}/${f}`] = text;
  return files;
}

/** The check as the script runs it: a topology that does not parse is exit 2 too. */
function run(files: Record<string, string>): { exit: number; errors: string[] } {
  try {
    const t = parseTopology('topology.json', files['topology.json'] ?? '');
    const r = checkHosts(t, hostInputs(files, posix, { hosts: t.hosts.map((h) => h.name) }));
    return { exit: exitCode(r), errors: [...r.errors] };
  } catch (e) {
    if (!(e instanceof EsxcliParseError)) throw e;
    return { exit: 2, errors: [e.message] };
  }
}

/** One corruption: what it does to topology.json, and what the error must name. */
interface Corruption {
  readonly name: string;
  apply(t: Json): { t: Json; names: string } | null;
}

const CORRUPTIONS: readonly Corruption[] = [
  {
    name: "a host's site differs from the declared one only in case",
    apply: (t) => {
      const h = t.hosts[0];
      if (!h) return null;
      const site = h.site.toUpperCase() === h.site ? h.site.toLowerCase() : h.site.toUpperCase();
      return {
        t: { ...t, hosts: t.hosts.map((x, i) => (i === 0 ? { ...x, site } : x)) },
        names: `hosts[0].site: unknown site "${site}"`,
      };
    },
  },
  {
    name: 'the VRS sits at a site no replication goes to',
    apply: (t) => {
      const r = t.replication[0];
      const i = t.appliances.findIndex((a) => a.role === 'vrs' && a.site === r?.to);
      if (!r || i < 0 || r.from === r.to) return null;
      return {
        t: { ...t, appliances: t.appliances.map((a, j) => (j === i ? { ...a, site: r.from } : a)) },
        names: `appliances[${i}] (vrs`,
      };
    },
  },
  {
    name: 'a subnet holds none of the hosts’ vmk addresses',
    apply: (t) => {
      const i = t.subnets.findIndex((s) => s.purpose !== 'appliance');
      if (i < 0) return null;
      return {
        t: {
          ...t,
          subnets: t.subnets.map((s, j) =>
            j === i ? { ...s, network: '10.250.250.0/24', gateway: '10.250.250.1' } : s,
          ),
        },
        names: `subnets[${i}] (10.250.250.0/24`,
      };
    },
  },
  {
    name: 'a replication pair has no VRS',
    apply: (t) => {
      const r = t.replication[0];
      if (!r) return null;
      return {
        t: { ...t, appliances: t.appliances.filter((a) => !(a.role === 'vrs' && a.site === r.to)) },
        names: `replication[0] (${r.from} -> ${r.to}): no vrs appliance at ${r.to}`,
      };
    },
  },
  {
    name: 'an fvp entry names a vmk the host does not have',
    apply: (t) => {
      const h = t.hosts[0];
      if (!h) return null;
      return {
        t: { ...t, fvp: { ...(t.fvp ?? {}), [h.name]: 'vmk9' } },
        names: `fvp.${h.name}: ${h.name} has no vmk vmk9`,
      };
    },
  },
  {
    name: 'a host is missing from topology.json',
    apply: (t) => {
      const h = t.hosts[0];
      if (!h || t.hosts.length < 2) return null;
      const { [h.name]: _pin, ...fvp } = t.fvp ?? {};
      return {
        t: { ...t, hosts: t.hosts.slice(1), ...(t.fvp ? { fvp } : {}) },
        names: `host ${h.name} is not in topology.json hosts`,
      };
    },
  },
];

const worlds: fc.Arbitrary<NetCase> = fc.oneof(
  recommendedWorld(false),
  recommendedWorld(true),
  pinnedWorld,
);

describe('never clean when nothing was checked', () => {
  prop([worlds, fc.constantFrom(...CORRUPTIONS)], { seed, numRuns: scaledRuns(120) })(
    'a generated topology with one entry corrupted never exits 0, and the error names the entry',
    (c, corruption) => {
      const topology = c.setup.topology;
      if (!topology) return;
      const json = topologyFile(topology, c.setup.hosts) as Json;
      const bad = corruption.apply(structuredClone(json));
      if (!bad) return;
      const r = run(filesOf(c.setup.hosts, bad.t));
      expect(r.exit, `${corruption.name}: ${r.errors.join(' | ')}`).toBe(2);
      expect(r.errors.join('\n')).toContain(bad.names);
    },
  );

  prop([worlds], { seed, numRuns: scaledRuns(40) })(
    'reachability: the same topologies uncorrupted parse, and every host has a checked flow',
    (c) => {
      const topology = c.setup.topology;
      if (!topology) return;
      const json = topologyFile(topology, c.setup.hosts) as Json;
      const files = filesOf(c.setup.hosts, json);
      const t = parseTopology('topology.json', files['topology.json'] ?? '');
      const r = checkHosts(t, hostInputs(files, posix, { hosts: t.hosts.map((h) => h.name) }));
      expect(r.errors).toEqual([]);
      for (const h of c.setup.hosts) expect(r.checked.some((x) => x.host === h.name)).toBe(true);
    },
  );
});

// ---- the five mistakes of issue 12, through the script ----

/** Seed 000's layout as the admin writes it, with one mistake. */
const SEED000: Json = {
  sites: ['primary', 'dr'],
  subnets: [
    { site: 'primary', network: '172.16.0.0/24', gateway: '172.16.0.1', purpose: 'management' },
    { site: 'primary', network: '10.11.12.0/24', gateway: '10.11.12.1', purpose: 'replication' },
    { site: 'dr', network: '172.17.0.0/24', gateway: '172.17.0.1', purpose: 'management' },
    { site: 'dr', network: '10.12.12.0/24', gateway: '10.12.12.1', purpose: 'replication' },
  ],
  hosts: [{ name: 'esx-01', site: 'primary' }],
  appliances: [
    { role: 'vcenter', site: 'primary', ip: '172.16.0.10' },
    { role: 'vrs', site: 'dr', ip: '10.12.12.20' },
  ],
  replication: [{ from: 'primary', to: 'dr' }],
};
const ESX01: HostSetup = {
  name: 'esx-01',
  version: '6.7',
  vmks: [
    { name: 'vmk0', address: '172.16.0.11/24', tags: ['Management'] },
    { name: 'vmk2', address: '10.11.12.5/24' },
  ],
  netstacks: [{ name: 'defaultTcpipStack', gateway: '172.16.0.1' }],
};

const MISTAKES: [string, (t: Json) => void, string][] = [
  [
    'the site of a host differs from the declared one only in case',
    (t) => {
      t.hosts = [{ name: 'esx-01', site: 'Primary' }];
    },
    'topology.json: hosts[0].site: unknown site "Primary", expected one of primary, dr (did you mean "primary"?)',
  ],
  [
    'the VRS is not at the replication target',
    (t) => {
      t.appliances = [
        t.appliances[0] as Json['appliances'][number],
        { role: 'vrs', site: 'primary', ip: '10.12.12.20' },
      ];
    },
    'topology.json: replication[0] (primary -> dr): no vrs appliance at dr, so nothing can be checked for it',
  ],
  [
    "subnets that contain none of the host's vmk addresses",
    (t) => {
      t.subnets = t.subnets.map((s) =>
        s.site === 'primary' && s.purpose === 'replication'
          ? { ...s, network: '10.11.13.0/24', gateway: '10.11.13.1' }
          : s,
      );
    },
    'topology.json: subnets[1] (10.11.13.0/24, replication at primary): no vmk of esx-01 has an address in it',
  ],
  [
    'a replication pair with no VRS',
    (t) => {
      t.appliances = t.appliances.filter((a) => a.role !== 'vrs');
    },
    'topology.json: replication[0] (primary -> dr): no vrs appliance at dr, so nothing can be checked for it',
  ],
  [
    'an fvp entry naming a vmk the host does not have',
    (t) => {
      t.fvp = { 'esx-01': 'vmk5' };
    },
    'topology.json: fvp.esx-01: esx-01 has no vmk vmk5 (it has vmk0, vmk2)',
  ],
];

/** The layout's directory, in memory, with a mistake made in its topology.json. */
function mistaken(mistake: (t: Json) => void): Record<string, string> {
  const t = structuredClone(SEED000);
  mistake(t);
  return filesOf([ESX01], t);
}

/** The layout written to a temporary directory, the script run on it with --json. */
function script(files: Record<string, string>, ...args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'check-topology-'));
  try {
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      writeFileSync(join(dir, rel), text);
    }
    const r = runCheck(dir, ...args);
    return { ...r, out: r.out.split(`${dir}/`).join('') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the five topology mistakes of issue 12', () => {
  // The script's exit code is exitCode(checkHosts(...)), run here in process for each mistake,
  // and once through the script itself below.
  test.each(MISTAKES)('%s: exit 2, naming the entry', (_what, mistake, message) => {
    const r = run(mistaken(mistake));
    expect(r.exit).toBe(2);
    expect(r.errors).toContain(message);
  });

  test('the same layout without a mistake: exit 1, its one broken flow found, every flow listed', () => {
    const t = parseTopology('topology.json', JSON.stringify(SEED000));
    const files = filesOf([ESX01], SEED000);
    const r = checkHosts(t, hostInputs(files, posix, { hosts: ['esx-01'] }));
    expect(r.errors).toEqual([]);
    expect(exitCode(r)).toBe(1);
    expect(r.checked.map((c) => [c.class, c.flow, c.verdict, c.covered])).toEqual([
      [
        'management',
        'vmk0 172.16.0.11 -> vCenter 172.16.0.10 (TCP 443, 902)',
        'ok',
        ['N2', 'N3', 'N5'],
      ],
      [
        'vib-download',
        'vmk0 172.16.0.11 -> vCenter 172.16.0.10 (TCP 80)',
        'ok',
        ['N2', 'N3', 'N5'],
      ],
      [
        'replication',
        'vmk2 10.11.12.5 -> VRS 10.12.12.20 (TCP 31031, 44046)',
        'broken',
        ['N2', 'N3', 'N5', 'N8', 'F2'],
      ],
    ]);
  });

  cliTest(
    'through npm run check: --json says exit 2 and the error, beside what it did check',
    () => {
      const [, mistake, message] = MISTAKES[4] as (typeof MISTAKES)[number];
      const r = script(mistaken(mistake), '--json');
      expect(r.code).toBe(2);
      const j = JSON.parse(r.out);
      expect(j.exit).toBe(2);
      expect(j.errors).toContain(message);
      expect(j.checked.map((c: { verdict: string }) => c.verdict)).toEqual(['ok', 'ok', 'broken']);
    },
  );

  cliTest('npm run check -- --help prints the usage and exits 0', () => {
    const r = runCheck('--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: npm run check -- DIR \[--json\] \[--format text\|md\]\n/);
    expect(r.out).toContain('scripts/collect-esxcli.sh');
    expect(r.err).toBe('');
  });
});
