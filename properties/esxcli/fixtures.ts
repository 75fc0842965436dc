// The fixture host sets under properties/fixtures/hosts/, as data: the seed layouts of
// properties/network/scenarios.ts (seed 000, seed 004) and seed 003's 6.5U1 to-the-cloud
// host, each written by render.ts in the formats of research-notes C.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Format } from '../../model/esxcli/records.ts';
import {
  type FirewallEvent,
  type HostFirewall,
  hostAfter,
  initFirewall,
  NFC_INBOUND_RULESET,
  type RulesetConfigurable,
} from '../../model/firewall/firewall.ts';
import type { Topology } from '../../model/network/intent.ts';
import { contains, parseIp, parsePrefix } from '../../model/network/ipv4.ts';
import type { HostSetup } from '../../model/network/types.ts';
import { CORRECT } from '../../model/variants.ts';
import { NET_SCENARIOS } from '../network/scenarios.ts';
import { type RenderOptions, renderHostFiles, renderTranscript } from './render.ts';

export type Style =
  | { readonly kind: 'folder'; readonly format: Format; readonly legacy?: boolean }
  | {
      readonly kind: 'transcript';
      readonly prompt: 'bracket' | 'tilde';
      readonly legacy?: boolean;
    };

export interface FixtureHost {
  readonly setup: HostSetup;
  readonly firewall: HostFirewall | null;
  readonly style: Style;
}

export interface FixtureSet {
  readonly name: string;
  readonly topology: Topology;
  readonly hosts: readonly FixtureHost[];
  /** What `npm run check` must exit with on it. */
  readonly exit: 0 | 1;
}

/**
 * A 6.7 host with what seed layouts lack: a per-vmk gateway and a replication netstack with its
 * own gateway and route. The parser tests render and read it back in every format.
 */
export const ESX_X: HostSetup = {
  name: 'esx-x',
  version: '6.7',
  vmks: [
    {
      name: 'vmk0',
      address: '172.16.0.11/24',
      tags: ['Management'],
      gateway: '172.16.0.1',
      attach: { portgroup: 'Management Network', dvs: null, dvport: null, mtu: 1500 },
    },
    {
      name: 'vmk2',
      address: '10.11.12.5/24',
      netstack: 'replication',
      tags: ['vSphereReplication', 'vSphereReplicationNFC'],
      attach: { portgroup: null, dvs: 'vDS-01', dvport: '16', mtu: 9000 },
    },
  ],
  netstacks: [
    { name: 'defaultTcpipStack', gateway: '172.16.0.1' },
    { name: 'replication', gateway: '10.11.12.1' },
  ],
  routes: [{ netstack: 'replication', network: '10.12.12.0/24', gateway: '10.11.12.1' }],
};

/**
 * The firewall a host starts with (the built-in rulesets in their default states, research-notes
 * F), plus its base image vib so `vib list` is not empty.
 */
export function baseFirewall(s: HostSetup): HostFirewall {
  const fw = initFirewall(s.name, s.version, CORRECT);
  return {
    ...fw,
    vibs: [
      {
        name: 'esx-base',
        version: `${s.version.replace('U1', '')}.0-0.0.1`,
        vendor: 'VMware',
        acceptance: 'VMwareCertified',
        installedAt: 0,
      },
    ],
  };
}

/**
 * What ESXi 8.0U2's `ruleset list` says an admin may change of the built-in rulesets
 * (research-notes F, from the full 8.0U2 listing in the DISA STIG known issues: HBR and NFC
 * neither, vSphereClient and httpClient both).
 */
export const CONFIGURABLE_80U2: Readonly<Record<string, RulesetConfigurable>> = {
  HBR: { enable: false, allowedIp: false },
  NFC: { enable: false, allowedIp: false },
  vSphereClient: { enable: true, allowedIp: true },
  httpClient: { enable: true, allowedIp: true },
};

/**
 * A firewall as an 8.0U2 host lists it: every ruleset with its two configurable columns. A
 * ruleset the listing does not show (a vib's, an admin's) is taken as configurable both ways,
 * as a ruleset the user added (inference).
 */
export function as80U2(fw: HostFirewall): HostFirewall {
  return {
    ...fw,
    rulesets: fw.rulesets.map((r) => ({
      ...r,
      configurable: CONFIGURABLE_80U2[r.id] ?? { enable: true, allowedIp: true },
    })),
  };
}

/** The firewall after esxcli changes, each of which must be accepted. */
export function changed(fw: HostFirewall, events: readonly FirewallEvent[]): HostFirewall {
  const after = hostAfter(fw, events, CORRECT);
  if (after.refused)
    throw new Error(`${fw.host}: ${after.refused.event.type} refused: ${after.refused.error}`);
  return after.fw;
}

/** A host's firewall once the vr2c-firewall vib is installed by hand (seed 003's workaround). */
export function withVib(fw: HostFirewall): HostFirewall {
  return hostAfter(fw, [{ type: 'VibInstallManual', host: fw.host }], CORRECT).fw;
}

const scenario = (name: string) => {
  const s = NET_SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`no scenario ${name}`);
  return s;
};

const folder = (format: Format = 'text'): Style => ({ kind: 'folder', format });

function fromScenario(
  name: string,
  scenarioName: string,
  exit: 0 | 1,
  style: (i: number) => Style = () => folder(),
): FixtureSet {
  const s = scenario(scenarioName);
  return {
    name,
    topology: s.topology,
    exit,
    hosts: s.hosts.map((h, i) => ({ setup: h, firewall: baseFirewall(h), style: style(i) })),
  };
}

// Seed 003: a 6.5U1 host the vib push never reached, next to a 6.5 host it did reach.
export const seed003Topology: Topology = {
  subnets: [
    { site: 'primary', network: '172.16.0.0/24', gateway: '172.16.0.1', purpose: 'management' },
    { site: 'primary', network: '192.168.10.0/24', gateway: null, purpose: 'vmotion' },
  ],
  hosts: [
    { name: 'esx-01', site: 'primary' },
    { name: 'esx-02', site: 'primary' },
  ],
  appliances: [
    { role: 'vcenter', site: 'primary', ip: '172.16.0.10' },
    { role: 'vr-appliance', site: 'primary', ip: '172.16.0.20' },
  ],
  replication: [],
  toCloud: true,
};

export const seed003Host = (name: string, n: number, version: HostSetup['version']): HostSetup => ({
  name,
  version,
  vmks: [
    { name: 'vmk0', address: `172.16.0.${n}/24`, tags: ['Management'] },
    { name: 'vmk1', address: `192.168.10.${n}/24`, tags: ['VMotion'] },
  ],
  netstacks: [{ name: 'defaultTcpipStack', gateway: '172.16.0.1' }],
});

function seed003(name: string, fixed: boolean): FixtureSet {
  const a = seed003Host('esx-01', 11, '6.5U1');
  const b = seed003Host('esx-02', 12, '6.5');
  return {
    name,
    topology: seed003Topology,
    exit: fixed ? 0 : 1,
    hosts: [
      { setup: a, firewall: fixed ? withVib(baseFirewall(a)) : baseFirewall(a), style: folder() },
      { setup: b, firewall: withVib(baseFirewall(b)), style: folder() },
    ],
  };
}

/** Seed 000's fixed layout with the DR host's firewall (and version) changed. */
function seed000Dr(name: string, exit: 0 | 1, dr: (s: HostSetup) => FixtureHost): FixtureSet {
  const base = fromScenario(name, 'seed-000-after', exit);
  return {
    ...base,
    hosts: base.hosts.map((h) => (h.setup.name === 'esx-dr-01' ? dr(h.setup) : h)),
  };
}

export const FIXTURE_SETS: readonly FixtureSet[] = [
  fromScenario('seed-000-before', 'seed-000-before', 1),
  fromScenario('seed-000-after', 'seed-000-after', 0),
  fromScenario('seed-000-custom-stack', 'seed-000-custom-stack', 1),
  fromScenario('seed-004-pinned-higher', 'seed-004-pinned-higher', 1),
  fromScenario('seed-004-pinned-lower', 'seed-004-pinned-lower', 0),
  seed003('seed-003-65u1-before', false),
  seed003('seed-003-65u1-after', true),
  fromScenario('seed-000-before-csv', 'seed-000-before', 1, () => folder('csv')),
  fromScenario('seed-000-after-xml', 'seed-000-after', 0, () => folder('xml')),
  // A folder, a `~ #` transcript, and an older host listed with esxcfg-vmknic and esxcfg-route.
  fromScenario('seed-000-after-transcripts', 'seed-000-after', 0, (i) =>
    i === 0
      ? folder()
      : i === 1
        ? { kind: 'transcript', prompt: 'tilde' }
        : { kind: 'transcript', prompt: 'bracket', legacy: true },
  ),
  // Research-notes A1, F: the VR server opens NFC into the DR host on TCP 902, through its
  // vSphereClient ruleset. An 8.0U2 DR host whose admin restricted vSphereClient to the
  // management network (KB 432374's allowed-IP list) blocks NFC: found, and the fix adds the VR
  // server's address.
  seed000Dr('notes-f-nfc-allowed-ip-excludes-vr-server', 1, (s) => {
    const setup: HostSetup = { ...s, version: '8.0' };
    return {
      setup,
      firewall: changed(as80U2(baseFirewall(setup)), [
        {
          type: 'RulesetAllowedAll',
          host: s.name,
          ruleset: NFC_INBOUND_RULESET,
          allowedAll: false,
        },
        {
          type: 'AllowedIpAdd',
          host: s.name,
          ruleset: NFC_INBOUND_RULESET,
          address: '172.17.0.0/24',
        },
      ]),
      style: folder(),
    };
  }),
  // The DR host's outgoing NFC ruleset covers NFC the host itself starts, not the VR server's
  // (research-notes A1): disabling it breaks nothing the check judges.
  seed000Dr('notes-a1-outgoing-nfc-disabled', 0, (s) => ({
    setup: s,
    firewall: changed(baseFirewall(s), [
      { type: 'RulesetSet', host: s.name, ruleset: 'NFC', enabled: false },
    ]),
    style: { kind: 'transcript', prompt: 'bracket' },
  })),
];

/**
 * A layout's topology as an admin would write topology.json for the check: the sites declared,
 * and no appliance that no flow of these hosts uses (seed 000's primary VRS serves only the
 * reverse direction, which these layouts do not run; the check calls an unused entry an error).
 */
export function topologyFile(t: Topology, hosts: readonly HostSetup[]): Record<string, unknown> {
  const sites = [...new Set([...t.hosts.map((h) => h.site), ...t.subnets.map((s) => s.site)])];
  const appliances = t.appliances.filter(
    (a) => a.role !== 'vrs' || t.replication.some((r) => r.to === a.site),
  );
  // Seed 004's FVP subnet is for the layout with a dedicated vmk; the pinned layouts have none.
  const addrs = hosts.flatMap((h) => h.vmks.map((v) => parseIp(v.address.split('/')[0] ?? '')));
  const subnets = t.subnets.filter(
    (s) => s.purpose === 'appliance' || addrs.some((ip) => contains(parsePrefix(s.network), ip)),
  );
  return { sites, ...t, subnets, appliances };
}

/** Every file of a set, by path relative to the set's folder. */
export function fixtureFiles(set: FixtureSet): Record<string, string> {
  const out: Record<string, string> = {
    'topology.json': `${JSON.stringify(
      topologyFile(
        set.topology,
        set.hosts.map((h) => h.setup),
      ),
      null,
      2,
    )}\n`,
  };
  for (const h of set.hosts) {
    const opts: RenderOptions = h.style.legacy ? { legacy: true } : {};
    if (h.style.kind === 'folder') {
      for (const [f, text] of Object.entries(
        renderHostFiles(h.setup, h.firewall, h.style.format, opts),
      ))
        out[`${h.setup.name}/${f}`] = text;
    } else {
      out[`${h.setup.name}.txt`] = renderTranscript(h.setup, h.firewall, {
        ...opts,
        prompt: h.style.prompt,
      });
    }
  }
  return out;
}

/** What a fixture folder holds: each file's path below `root` (with `/`) and its text. */
export function readFixtureDir(root: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => {
        const path = join(d.parentPath, d.name);
        return [
          path
            .slice(root.length + 1)
            .split('\\')
            .join('/'),
          readFileSync(path, 'utf8'),
        ];
      }),
  );
}
