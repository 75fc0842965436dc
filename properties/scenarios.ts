// Every fixture the suite must judge, whatever its area, behind one shape: a name, the
// verdict the sources give, and how to judge it on a variant. A found layout is also told as
// a story, with the fix the check computes for it.
import { checkHosts, hostInputs, INVARIANTS, stepText } from '../model/esxcli/check.ts';
import { firewallStep } from '../model/firewall/firewall.ts';
import { advise } from '../model/network/advisor.ts';
import { netStep } from '../model/network/host.ts';
import type { Topology } from '../model/network/intent.ts';
import type { HostSetup, NetHost } from '../model/network/types.ts';
import { checkCloud } from '../model/tunnel/check.ts';
import type { Variant } from '../model/variants.ts';
import { renderHostFiles } from './esxcli/render.ts';
import { VR_APPLIANCE, VR_SERVER } from './firewall/properties.ts';
import { firewallsOf } from './firewall/render.ts';
import { FW_SCENARIOS, type FwScenario, judgeFirewall } from './firewall/scenarios.ts';
import { type CounterexampleRecord, FAST_CHECK_VERSION } from './harness.ts';
import {
  hostsOf,
  judge,
  NET_SCENARIOS,
  type NetScenario,
  scenarioCase,
} from './network/scenarios.ts';
import { propertyById } from './registry.ts';

import type { LayoutFix } from './report/summary.ts';
import { TUNNEL_FIXTURE_SETS } from './tunnel/fixtures.ts';
import { judgeTunnel, TUNNEL_LAYOUTS, tunnelLayoutStory } from './tunnel/scenarios.ts';

export interface Fixture {
  readonly name: string;
  readonly source: string;
  readonly expected: 'found' | 'clean';
  judge(variant: Variant): { verdict: 'found' | 'clean'; flow?: string };
}

export const FIXTURES: readonly Fixture[] = [
  ...NET_SCENARIOS.map((s) => ({
    name: s.name,
    source: s.source,
    expected: s.expected,
    judge: (v: Variant) => {
      const r = judge(s, v);
      return { verdict: r.verdict, ...(r.flow ? { flow: r.flow } : {}) };
    },
  })),
  ...FW_SCENARIOS.map((s) => ({
    name: s.name,
    source: s.source,
    expected: s.expected,
    judge: (v: Variant) => judgeFirewall(s, v),
  })),
  // The cloud tunnel's layouts (issue 14).
  ...TUNNEL_LAYOUTS.map((l) => ({
    name: l.name,
    source: l.source,
    expected: l.expected,
    judge: (v: Variant) => judgeTunnel(l, v),
  })),
];

/**
 * A found layout told as a story: a routing layout as a counterexample of the property it
 * breaks (its check run on the layout as given); a firewall layout as its events and the
 * finding the check reports. Undefined when the layout is not found on this variant.
 */
export function layoutStory(name: string, variant: Variant): CounterexampleRecord | undefined {
  const net = NET_SCENARIOS.find((x) => x.name === name);
  if (net) return netStory(net, variant);
  const fw = FW_SCENARIOS.find((x) => x.name === name);
  if (fw) return fwStory(fw, variant);
  return tunnelLayoutStory(name, variant);
}

function netStory(sc: NetScenario, variant: Variant): CounterexampleRecord | undefined {
  const def = sc.property ? propertyById(sc.property) : undefined;
  if (!def?.check) return undefined;
  const c = scenarioCase(sc);
  const violation = def.check(c, variant);
  if (!violation) return undefined;
  return {
    id: sc.name,
    property: def.id,
    title: `${def.title} (${sc.source} layout ${sc.name})`,
    invariants: def.invariants,
    variant: variant.name,
    area: def.area,
    setup: c.setup,
    events: c.events,
    violation,
    seed: 0,
    path: 'fixture',
    fastCheckVersion: FAST_CHECK_VERSION,
  };
}

function fwStory(sc: FwScenario, variant: Variant): CounterexampleRecord | undefined {
  const v = judgeFirewall(sc, variant);
  if (v.verdict !== 'found' || !v.flow) return undefined;
  const at = v.flow.indexOf(': ');
  const invariant = v.flow.slice(0, at);
  const def = propertyById(invariant);
  const claim = INVARIANTS[invariant] ?? def?.title.replace(/^\S+ /, '') ?? '';
  return {
    id: sc.name,
    property: invariant,
    title: `${invariant} ${claim} (${sc.source} layout ${sc.name})`,
    invariants: [invariant],
    variant: variant.name,
    area: 'firewall',
    setup: { hosts: sc.hosts, placements: sc.placements },
    events: sc.events,
    violation: { step: sc.events.length, invariant, message: v.flow.slice(at + 2) },
    seed: 0,
    path: 'fixture',
    fastCheckVersion: FAST_CHECK_VERSION,
  };
}

/**
 * The fix for a found layout, as the suite's checks compute it, never written here: for a
 * routing layout the advisor's verified fix of each finding of the story's invariant; for a
 * firewall layout what `npm run check` prints for the hosts written out as esxcli would
 * print them.
 */
export function layoutFix(name: string, variant: Variant): LayoutFix | undefined {
  const net = NET_SCENARIOS.find((x) => x.name === name);
  if (net) return netFix(net, variant);
  const fw = FW_SCENARIOS.find((x) => x.name === name);
  if (fw) return fwFix(fw, variant);
  return tunnelFix(name, variant);
}

/**
 * A tunnel layout's fix as `npm run check` computes it from the layout's `cloud` section as its
 * fixture folder writes it (after a certificate replacement: the new thumbprints).
 */
function tunnelFix(name: string, variant: Variant): LayoutFix | undefined {
  const set = TUNNEL_FIXTURE_SETS.find((x) => x.name === name);
  if (!set) return undefined;
  const found = checkCloud(set.cloud, [], variant).findings;
  if (found.length === 0) return undefined;
  return {
    by: 'check',
    findings: found.map((f) => ({
      host: f.host,
      invariants: [f.invariant],
      message: f.message,
      commands: f.fix,
      steps: [],
      ...(f.note ? { note: f.note } : {}),
    })),
  };
}

function netFix(sc: NetScenario, variant: Variant): LayoutFix | undefined {
  let hosts: Readonly<Record<string, NetHost>> = hostsOf(sc.hosts);
  for (const e of sc.events) hosts = netStep(hosts, e, variant).hosts;
  const all = advise(hosts, sc.topology, variant);
  const want = sc.invariant ?? (sc.property ? propertyById(sc.property)?.invariants[0] : undefined);
  const mine = all.filter((f) => want !== undefined && f.invariants.includes(want as never));
  const findings = mine.length > 0 ? mine : all;
  if (findings.length === 0) return undefined;
  return {
    by: 'advisor',
    findings: findings.map((f) => ({
      host: f.host,
      invariants: f.invariants,
      message: f.message,
      commands: f.fix.commands,
      steps: f.fix.steps.map((x) => stepText(f.host, x)),
      ...(f.fix.note ? { note: f.fix.note } : {}),
    })),
  };
}

/**
 * A firewall layout's hosts need a network to be checked: each gets one management vmk on one
 * subnet with the vCenter, and either the VR appliance that replicates to the cloud (seed 003)
 * or, for host-to-host replication, the VR server the site replicates to, itself: each host
 * sends replication to it and takes NFC from it (research-notes A1).
 */
function fwFix(sc: FwScenario, variant: Variant): LayoutFix | undefined {
  let w = firewallsOf(sc.hosts, variant);
  for (const e of sc.events) w = firewallStep(w, e, variant).world;
  const hostToHost = sc.check === 'host-to-host';
  const topology: Topology = {
    subnets: [
      { site: 'primary', network: '172.16.0.0/24', gateway: '172.16.0.1', purpose: 'management' },
    ],
    hosts: sc.hosts.map((x) => ({ name: x.name, site: 'primary' })),
    appliances: [
      { role: 'vcenter', site: 'primary', ip: '172.16.0.10' },
      hostToHost
        ? { role: 'vrs', site: 'primary', ip: VR_SERVER }
        : { role: 'vr-appliance', site: 'primary', ip: VR_APPLIANCE },
    ],
    replication: hostToHost ? [{ from: 'primary', to: 'primary' }] : [],
    toCloud: !hostToHost,
  };
  const files: Record<string, string> = {};
  sc.hosts.forEach((x, i) => {
    const setup: HostSetup = {
      name: x.name,
      version: x.version,
      vmks: [{ name: 'vmk0', address: `172.16.0.${11 + i}/24`, tags: ['Management'] }],
      netstacks: [{ name: 'defaultTcpipStack', gateway: '172.16.0.1' }],
    };
    for (const [f, text] of Object.entries(renderHostFiles(setup, w.hosts[x.name] ?? null)))
      files[`${x.name}/${f}`] = text;
  });
  const result = checkHosts(
    topology,
    hostInputs(files, (...p) => p.join('/')),
  );
  if (result.findings.length === 0) return undefined;
  return {
    by: 'check',
    findings: result.findings.map((f) => ({
      host: f.host,
      invariants: f.invariants,
      message: f.message,
      commands: f.fix,
      steps: f.steps,
      ...(f.note ? { note: f.note } : {}),
    })),
  };
}
