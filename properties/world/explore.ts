// Exhaustive exploration of the two-site world: the scopes (data), and how a scope's states are
// stepped by worldStep, checked by the world properties' own predicates and encoded. The world
// checks read only the transition (before, after, emitted) and each fold's memo, so the memos
// are all of the past the explored state has to carry.

import { NFC_INBOUND_RULESET, TO_CLOUD_RULESET } from '../../model/firewall/firewall.ts';
import type { EsxiVersion, Variant } from '../../model/variants.ts';
import {
  initWorld,
  type Recovered,
  replicaHostOf,
  type WorldEvent,
  type WorldSetup,
  type WorldState,
  worldStep,
} from '../../model/world/world.ts';
import { assertKnownFields, type Encoder, memoJson } from '../explore/encoder.ts';
import { goalsOf, selected, stepCheckOf } from '../explore/select.ts';
import type { Scope, StepModel, SteppedArea, Successor } from '../explore/types.ts';
import { NET_SCENARIOS } from '../network/scenarios.ts';
import type { PropertyDef } from '../registry-types.ts';
import { Canon, referencedPits } from '../replication/canonical.ts';
import { liveCommits } from '../replication/explore.ts';
import { WORLD_PROPERTIES, type WorldStepView, type WView } from './properties.ts';

type Kind = WorldEvent['type'];

export interface WorldScope {
  readonly version: EsxiVersion;
  /** VMs on the primary hosts of the layout, one disk each (its size in blocks). */
  readonly vms: readonly {
    readonly name: string;
    readonly host: string;
    readonly blocks: number;
  }[];
  readonly bandwidth: number;
  readonly toCloud: boolean;
  readonly rpoMinutes: number;
  /** MPIT: instances a day for so many days (0 and 0: only the latest instance). */
  readonly perDay: number;
  readonly days: number;
  /** Tick lengths in minutes, and the clock no state may pass (a constraint). */
  readonly ticks: readonly number[];
  readonly maxClock: number;
  /** The event kinds offered, each over the scope's VMs, blocks and primary hosts. */
  readonly events: readonly Kind[];
  /** Failover picks offered: the latest instance (0) up to this many back (default 0). */
  readonly maxPick?: number;
  /** Failover is offered as a planned migration too (research-notes A7). */
  readonly planned?: boolean;
  /** Replication may be configured with a seed disk copied to the target (research-notes A7). */
  readonly seeds?: boolean;
  /**
   * Rulesets RulesetSet turns off and on at the replica host, beside the primary hosts'
   * replication ruleset: NFC comes in through vSphereClient (research-notes A1, F).
   */
  readonly replicaRulesets?: readonly string[];
  /** Addresses AllowedIpAdd and AllowedIpRemove put on the replica host's vSphereClient. */
  readonly allowedIps?: readonly string[];
  /** At most this many breaks (link cuts, rulesets turned off, routes removed ...) per run. */
  readonly maxBreaks?: number;
  /** At most this many guest writes per run (a constraint for the bigger disks). */
  readonly maxWrites?: number;
  /** Registered safety properties checked on every transition (default: all of the area). */
  readonly properties?: readonly string[];
  /** Twins whose goals this scope counts (default: the twins of the properties it checks). */
  readonly twins?: readonly string[];
  /**
   * The network scenario whose hosts start the world (default: seed 000 mirrored, routed both
   * ways); the topology is seed 000's either way.
   */
  readonly layout?: string;
  /**
   * The primary hosts that host-level events (rulesets, routes, tags, reboots, crashes, the vib)
   * are offered on (default: every primary host of the layout).
   */
  readonly eventHosts?: readonly string[];
}

/**
 * Seed 000 done right on both sides (research-notes B): the primary hosts route replication to
 * the DR site by a static route, and the DR host routes back to the primary VRS, so failover
 * and reprotect can be judged end to end (N6).
 */
function mirroredLayout(
  layout = 'seed-000-dr-reverse-present',
): Pick<WorldSetup, 'hosts' | 'topology'> {
  const hosts = NET_SCENARIOS.find((s) => s.name === layout)?.hosts;
  const topology = NET_SCENARIOS.find((s) => s.name === 'seed-000-after')?.topology;
  if (!hosts || !topology)
    throw new Error(`seed 000 layouts missing from NET_SCENARIOS (${layout})`);
  return { hosts, topology };
}

const WORLD_CHECKS = ['E1', 'E1-nfc', 'F4-status', 'R8', 'F4', 'R10', 'R11'];
/** The replica host's rulesets NFC meets: vSphereClient lets it in, NFC (outgoing) must not matter. */
const NFC_RULESETS = [NFC_INBOUND_RULESET, 'NFC'];

/** Two VMs sharing a slow link: the scheduler's pace (R8-pace) and long transfers (R8-long). */
const SLOW: Scope<WorldScope> = {
  name: 'slow',
  description:
    'seed 000 mirrored on ESXi 6.7 with nothing broken and 1 block a minute shared by 2 VMs with a 2-block disk each, RPO 5 min: at most 4 writes, ticks of 1, 2 and 4 minutes up to minute 12',
  params: {
    version: '6.7',
    vms: [
      { name: 'vm-1', host: 'esx-01', blocks: 2 },
      { name: 'vm-2', host: 'esx-01', blocks: 2 },
    ],
    bandwidth: 1,
    toCloud: false,
    rpoMinutes: 5,
    perDay: 0,
    days: 0,
    ticks: [1, 2, 4],
    maxClock: 12,
    maxWrites: 4,
    events: ['ConfigureReplication', 'GuestWrite', 'Tick'],
    properties: [...WORLD_CHECKS, 'R8-pace', 'R8-long'],
    twins: ['R8-pace-reach', 'R8-long-reach'],
  },
};

/**
 * The wide scope: the old default, with Sync Now, and the host-level events on both primary
 * hosts. Sync Now cycles keep the scheduler's history apart, so it passes 270,000 states; the
 * default leaves Sync Now to the sync scope and host events to the VM's host.
 */
const WIDE: Scope<WorldScope> = {
  name: 'wide',
  description:
    'the default scope with Sync Now too and the host-level breaks on both primary hosts: seed 000 mirrored, 1 VM with a 1-block disk, 1 block a minute, RPO 15 min; writes, Sync Now, ticks of 1 and 15 minutes up to minute 16, and one break (a link cut, the HBR ruleset turned off, the static route removed) with its mending at any time; failover (a disaster or a planned migration) and reprotect. Over 270,000 states: nightly, within its budget',
  params: {
    version: '5.5',
    vms: [{ name: 'vm-1', host: 'esx-01', blocks: 1 }],
    bandwidth: 1,
    toCloud: false,
    rpoMinutes: 15,
    perDay: 0,
    days: 0,
    ticks: [1, 15],
    maxClock: 16,
    maxBreaks: 1,
    planned: true,
    events: [
      'ConfigureReplication',
      'GuestWrite',
      'SyncNow',
      'Tick',
      'LinkDown',
      'LinkUp',
      'RulesetSet',
      'RouteRemove',
      'RouteAdd',
      'Failover',
      'Reprotect',
    ],
    properties: WORLD_CHECKS,
  },
  outOfScope: [
    'E1-nfc-reach: NFC blocked by the firewall',
    'E1-nfc-reach: NFC blocked by the allowed IPs',
    'E1-nfc-reach: committed with outgoing NFC off',
    'E1-nfc-reach: committed through an allowed-IP list',
    'R10-reach: older instance',
    'R11-reach: full sync of a seeded replication after a planned migration',
  ],
  nightly: true,
};

export const WORLD_SCOPES: readonly Scope<WorldScope>[] = [
  {
    ...WIDE,
    name: 'default',
    description:
      "seed 000 mirrored, 1 VM with a 1-block disk on esx-01, 1 block a minute, RPO 15 min; writes, ticks of 1 and 15 minutes up to minute 16, and one break at esx-01 or on the link (a link cut, the HBR ruleset turned off, the static route removed) with its mending at any time; failover (a disaster or a planned migration) and reprotect. Sync Now is the sync scope's (with it this scope passes 270,000 states: the wide scope)",
    params: {
      ...WIDE.params,
      events: WIDE.params.events.filter((k) => k !== 'SyncNow'),
      eventHosts: ['esx-01'],
    },
    outOfScope: [
      ...(WIDE.outOfScope ?? []),
      'F4-status-reach: Sync(RPO violation)',
      'R10-reach: bundle arriving',
    ],
  },
  WIDE,
  {
    name: 'sync',
    description:
      'seed 000 mirrored on ESXi 6.7, 1 VM with a 1-block disk, 1 block a minute, RPO 5 min; Sync Now, ticks of 1 and 5 minutes up to minute 6, and one link cut with its mending: a Sync Now running past the RPO',
    params: {
      version: '6.7',
      vms: [{ name: 'vm-1', host: 'esx-01', blocks: 1 }],
      bandwidth: 1,
      toCloud: false,
      rpoMinutes: 5,
      perDay: 0,
      days: 0,
      ticks: [1, 5],
      maxClock: 6,
      maxBreaks: 1,
      events: ['ConfigureReplication', 'SyncNow', 'Tick', 'LinkDown', 'LinkUp'],
      properties: WORLD_CHECKS,
      twins: ['F4-status-reach', 'R8-reach'],
    },
    outOfScope: ['F4-status-reach: Recovered'],
  },
  {
    name: 'nfc',
    description:
      'seed 000 mirrored, 1 VM with a 1-block disk, 1 block a minute, RPO 15 min; writes, ticks of 1 and 15 minutes up to minute 16, and one break at the replica host (vSphereClient or the outgoing NFC ruleset off, vSphereClient restricted to its allowed IPs) with its mending at any time, the VR server added to the allowed IPs',
    params: {
      version: '5.5',
      vms: [{ name: 'vm-1', host: 'esx-01', blocks: 1 }],
      bandwidth: 1,
      toCloud: false,
      rpoMinutes: 15,
      perDay: 0,
      days: 0,
      ticks: [1, 15],
      maxClock: 16,
      maxBreaks: 1,
      replicaRulesets: NFC_RULESETS,
      allowedIps: ['10.12.12.20'],
      events: [
        'ConfigureReplication',
        'GuestWrite',
        'Tick',
        'RulesetSet',
        'RulesetAllowedAll',
        'AllowedIpAdd',
      ],
      properties: WORLD_CHECKS,
      twins: ['E1-nfc-reach', 'F4-status-reach', 'R8-reach'],
    },
    outOfScope: ['F4-status-reach: Recovered', 'F4-status-reach: Sync(RPO violation)'],
  },
  {
    name: 'tiny',
    description:
      'seed 000 mirrored, 1 VM with a 1-block disk, 1 block a minute, RPO 15 min; writes, ticks of 1 and 15 minutes up to minute 6, link cuts and failover',
    params: {
      version: '5.5',
      vms: [{ name: 'vm-1', host: 'esx-01', blocks: 1 }],
      bandwidth: 1,
      toCloud: false,
      rpoMinutes: 15,
      perDay: 0,
      days: 0,
      ticks: [1, 15],
      maxClock: 6,
      events: ['ConfigureReplication', 'GuestWrite', 'Tick', 'LinkDown', 'LinkUp', 'Failover'],
      properties: WORLD_CHECKS,
      twins: ['E1-reach', 'R8-reach', 'F4-reach', 'R10-reach'],
    },
    pinned: 1803,
    outOfScope: [
      'E1-reach: blocked by the firewall',
      'E1-reach: blocked by routing',
      'R8-reach: restored',
      'R10-reach: older instance',
      'R10-reach: bundle arriving',
    ],
  },
  {
    name: 'to-cloud',
    description:
      'seed 000 mirrored replicating to the cloud before the vib is pushed, 1 VM with a 1-block disk, RPO 15 min; writes, ticks of 1, 15 and 16 minutes up to minute 32, the appliance push',
    params: {
      version: '5.5',
      vms: [{ name: 'vm-1', host: 'esx-01', blocks: 1 }],
      bandwidth: 1,
      toCloud: true,
      rpoMinutes: 15,
      perDay: 0,
      days: 0,
      ticks: [1, 15, 16],
      maxClock: 32,
      events: ['ConfigureReplication', 'GuestWrite', 'Tick', 'ApplianceBoot'],
      properties: ['E1', 'R8', 'F4', 'F4-status'],
      // The seed 000 layout has no VR appliance: nothing reaches the cloud, whatever is pushed.
      twins: ['R8-reach', 'F4-reach'],
    },
    outOfScope: ['R8-reach: restored'],
  },
  {
    name: 'healthy',
    description:
      'seed 000 mirrored with 64 blocks a minute and nothing broken, 1 VM with a 1-block disk, RPO 15 min; writes, ticks of 1 and 40 minutes up to minute 41, failover and reprotect',
    params: {
      version: '5.5',
      vms: [{ name: 'vm-1', host: 'esx-01', blocks: 1 }],
      bandwidth: 64,
      toCloud: false,
      rpoMinutes: 15,
      perDay: 0,
      days: 0,
      ticks: [1, 40],
      maxClock: 41,
      events: ['ConfigureReplication', 'GuestWrite', 'Tick', 'Failover', 'Reprotect'],
      properties: [...WORLD_CHECKS, 'R8-healthy', 'N6-e2e'],
      twins: ['R8-healthy-reach', 'N6-e2e-reach'],
    },
  },
  {
    name: 'failover',
    description:
      'seed 000 mirrored, 1 VM with a 2-block disk, 1 block a minute, RPO 15 min; writes, Sync Now and one-minute ticks up to minute 4, with or without a seed copied first, then failover (a disaster or a planned migration) and reprotect',
    params: {
      version: '5.5',
      vms: [{ name: 'vm-1', host: 'esx-01', blocks: 2 }],
      bandwidth: 1,
      toCloud: false,
      rpoMinutes: 15,
      perDay: 0,
      days: 0,
      ticks: [1],
      maxClock: 4,
      planned: true,
      seeds: true,
      events: [
        'SeedCopy',
        'ConfigureReplication',
        'GuestWrite',
        'SyncNow',
        'Tick',
        'Failover',
        'Reprotect',
      ],
      properties: WORLD_CHECKS,
      twins: ['R10-reach', 'R11-reach'],
    },
    outOfScope: ['R10-reach: older instance'],
  },
  {
    name: 'mpit',
    description:
      'seed 000 mirrored, 1 VM with a 1-block disk, 1 block a minute, RPO 15 min, MPIT of 24 a day for a day; writes, ticks of 1 and 60 minutes up to minute 62, failover to the latest instance or the one before',
    params: {
      version: '5.5',
      vms: [{ name: 'vm-1', host: 'esx-01', blocks: 1 }],
      bandwidth: 1,
      toCloud: false,
      rpoMinutes: 15,
      perDay: 24,
      days: 1,
      ticks: [1, 60],
      maxClock: 62,
      maxPick: 1,
      events: ['ConfigureReplication', 'GuestWrite', 'Tick', 'Failover'],
      properties: WORLD_CHECKS,
      twins: ['R10-reach'],
    },
    outOfScope: ['R10-reach: bundle arriving'],
  },
  {
    name: 'blocked',
    description:
      'seed 000 as it was before the fix (no static route from the primary hosts to the DR subnet, research-notes B), 1 VM with a 1-block disk, 1 block a minute, RPO 15 min; writes, Sync Now and one-minute ticks up to minute 3',
    params: {
      version: '5.5',
      vms: [{ name: 'vm-1', host: 'esx-01', blocks: 1 }],
      bandwidth: 1,
      toCloud: false,
      rpoMinutes: 15,
      perDay: 0,
      days: 0,
      ticks: [1],
      maxClock: 3,
      layout: 'seed-000-before',
      events: ['ConfigureReplication', 'GuestWrite', 'SyncNow', 'Tick'],
      properties: WORLD_CHECKS,
      twins: ['F4-status-reach'],
    },
    outOfScope: [
      'F4-status-reach: Not Active(RPO violation)',
      'F4-status-reach: Sync(RPO violation)',
      'F4-status-reach: Recovered',
      'F4-status-reach: OK after Not Active',
    ],
  },
  {
    ...SLOW,
    name: 'pace',
    description:
      'seed 000 mirrored on ESXi 6.7 with nothing broken and 1 block a minute shared by 2 VMs with a 2-block disk each, RPO 5 min: at most 4 writes, ticks of 4 minutes up to minute 8 (the scheduler must start a transfer early enough for the blocks dirty when it decides)',
    params: { ...SLOW.params, ticks: [4], maxClock: 8, twins: ['R8-pace-reach'] },
    outOfScope: ['R8-pace-reach: started before half the RPO on the estimate'],
  },
  SLOW,
];

export function worldSetupOf(p: WorldScope): WorldSetup {
  const layout = mirroredLayout(p.layout);
  const primary = layout.topology.hosts
    .filter((h) => h.site === layout.topology.replication[0]?.from)
    .map((h) => h.name);
  return {
    replication: {
      version: p.version,
      hosts: primary,
      vrs: 'vrs-dr',
      chunkBlocks: 1,
      vms: p.vms.map((vm, i) => ({
        name: vm.name,
        host: vm.host,
        poweredOn: true,
        disks: [{ id: 'disk-0', uuid: `u-${i + 1}`, sizeBlocks: vm.blocks }],
      })),
    },
    ...layout,
    bandwidth: p.bandwidth,
    toCloud: p.toCloud,
  };
}

/** The site of the scope's primary hosts. */
function primaryHostSite(setup: WorldSetup): string | undefined {
  const first = setup.replication.hosts[0];
  return setup.topology.hosts.find((h) => h.name === first)?.site;
}

function eventsOf(p: WorldScope, setup: WorldSetup): WorldEvent[] {
  const out: WorldEvent[] = [];
  const primary = p.eventHosts ?? setup.replication.hosts;
  const t = setup.topology;
  const replica =
    replicaHostOf(t, t.replication.find((r) => r.from === primaryHostSite(setup))?.to ?? '') ??
    '(no replica host)';
  for (const kind of p.events) {
    switch (kind) {
      case 'ConfigureReplication':
        for (const vm of p.vms)
          for (const seed of p.seeds ? [false, true] : [false])
            out.push({
              type: kind,
              vm: vm.name,
              rpoMinutes: p.rpoMinutes,
              perDay: p.perDay,
              days: p.days,
              seed,
            });
        break;
      case 'SeedCopy':
        for (const vm of p.vms) out.push({ type: kind, vm: vm.name, uuid: 'same' });
        break;
      case 'GuestWrite':
        for (const vm of p.vms)
          for (let block = 0; block < vm.blocks; block++)
            out.push({ type: kind, vm: vm.name, disk: 'disk-0', block });
        break;
      case 'Tick':
        for (const minutes of p.ticks) out.push({ type: kind, minutes });
        break;
      case 'SyncNow':
      case 'PowerOff':
      case 'PowerOn':
      case 'Pause':
      case 'Resume':
      case 'Reprotect':
        for (const vm of p.vms) out.push({ type: kind, vm: vm.name });
        break;
      case 'Failover':
        for (const vm of p.vms) {
          for (let pick = 0; pick <= (p.maxPick ?? 0); pick++)
            out.push({ type: kind, vm: vm.name, pick });
          if (p.planned) out.push({ type: kind, vm: vm.name, pick: 0, planned: true });
        }
        break;
      case 'VMotion':
        for (const vm of p.vms)
          for (const host of primary) out.push({ type: kind, vm: vm.name, host });
        break;
      case 'LinkDown':
      case 'LinkUp':
      case 'VrsRestart':
      case 'ApplianceBoot':
        out.push({ type: kind });
        break;
      case 'HostCrash':
        for (const host of primary) out.push({ type: kind, host, psf: 'intact' });
        break;
      case 'RulesetSet':
        for (const host of primary)
          for (const enabled of [false, true])
            out.push({
              type: kind,
              host,
              ruleset: p.toCloud ? TO_CLOUD_RULESET : 'HBR',
              enabled,
            });
        for (const ruleset of p.replicaRulesets ?? [])
          for (const enabled of [false, true])
            out.push({ type: kind, host: replica, ruleset, enabled });
        break;
      case 'RulesetAllowedAll':
        for (const allowedAll of [false, true])
          out.push({ type: kind, host: replica, ruleset: NFC_INBOUND_RULESET, allowedAll });
        break;
      case 'AllowedIpAdd':
      case 'AllowedIpRemove':
        for (const address of p.allowedIps ?? [])
          out.push({ type: kind, host: replica, ruleset: NFC_INBOUND_RULESET, address });
        break;
      case 'TagRemove':
      case 'TagAdd':
        for (const host of primary)
          out.push({ type: kind, host, vmk: 'vmk2', tag: 'vSphereReplication' });
        break;
      case 'Reboot':
      case 'VibInstallManual':
      case 'VibRemove':
        for (const host of primary) out.push({ type: kind, host });
        break;
      case 'RouteRemove':
      case 'RouteAdd':
        for (const h of setup.hosts.filter((x) => primary.includes(x.name)))
          for (const r of h.routes ?? [])
            out.push(
              kind === 'RouteRemove'
                ? { type: kind, host: h.name, netstack: 'defaultTcpipStack', network: r.network }
                : {
                    type: kind,
                    host: h.name,
                    netstack: 'defaultTcpipStack',
                    network: r.network,
                    gateway: r.gateway,
                    persist: true,
                  },
            );
        break;
    }
  }
  return out;
}

/** A commit as the world properties' fold keeps it (WView.commits). */
interface WorldCommit {
  readonly clock: number;
  readonly pitClock: number;
}

/** A world as explored: the model's state and what the checks need of the past. */
interface Explored {
  readonly w: WorldState;
  /** One memo per check (each fold has its own). */
  readonly memos: readonly Map<string, number>[];
  /** Breaks so far (link cuts, rulesets off, routes removed ...): the scope bounds them. */
  readonly breaks: number;
  /** Guest writes so far, where the scope bounds them. */
  readonly writes: number;
  /** The fold's commits since each VM was configured, cut by liveWorldCommits. */
  readonly commits: Readonly<Record<string, readonly WorldCommit[]>>;
}

/** True iff the event breaks something the scope counts against its maxBreaks. */
function breaks(e: WorldEvent): boolean {
  switch (e.type) {
    case 'LinkDown':
    case 'RouteRemove':
    case 'TagRemove':
    case 'VibRemove':
    case 'HostCrash':
    case 'PowerOff':
    case 'Pause':
    case 'VrsRestart':
    case 'AllowedIpRemove':
      return true;
    case 'RulesetSet':
      return !e.enabled;
    case 'RulesetAllowedAll':
      return !e.allowedAll;
    default:
      return false;
  }
}

/** What the checks see: the transition, and each check's memo after it. */
interface Step {
  readonly view: WView;
  readonly memos: readonly Map<string, number>[];
}

const NO_COMMITS: readonly WorldCommit[] = [];
const NO_MEMO: Map<string, number> = new Map();

/**
 * The commits R10 can still read: it judges a failover by the instances MPIT kept as of the last
 * commit (expectedRetained over the commits' points in time, at the last commit's minute), so
 * only the last commit and the newest commit of each slot still inside that window count; the
 * window only moves on. Without MPIT only the last commit counts.
 */
export function liveWorldCommits(
  commits: readonly WorldCommit[],
  repl: { readonly perDay: number; readonly days: number } | null | undefined,
): readonly WorldCommit[] {
  // The window as of the last commit's minute: the replication area's cut (liveCommits).
  return liveCommits(commits, repl, commits[commits.length - 1]?.clock ?? 0);
}

const FILE = 'properties/world/explore.ts';
const WORLD_FIELDS = new Set([
  'setup',
  'variant',
  'repl',
  'net',
  'fw',
  'violated',
  'sourceDone',
  'recovered',
  'reversed',
  'tunnel',
]);
const RECOVERED_FIELDS = new Set(['pit', 'pitClock', 'disks', 'planned']);
const PATH_FIELDS = new Set(['ok', 'reason']);

const netHashes = new WeakMap<object, readonly [number, number]>();

/**
 * Writes a world state's canonical encoding: the replication state (contents and instants
 * renamed by `canon`), each host's network and firewall state (fingerprinted once per object:
 * they are immutable and shared), the RPO verdicts, recoveries, reverse replications and the
 * tunnel's verdicts. Every field is written; the audit names a new one.
 */
export function encodeWorld(
  enc: Encoder,
  canon: Canon,
  w: WorldState,
  names: readonly string[],
  hostNames: readonly string[],
  audit: boolean,
): void {
  canon.audit = audit;
  if (audit) {
    assertKnownFields('WorldState', w, WORLD_FIELDS, FILE);
    for (const rec of Object.values(w.recovered))
      assertKnownFields('Recovered', rec, RECOVERED_FIELDS, FILE);
    if (w.tunnel) {
      assertKnownFields('WorldState.tunnel.toCloud', w.tunnel.toCloud, PATH_FIELDS, FILE);
      assertKnownFields('WorldState.tunnel.fromCloud', w.tunnel.fromCloud, PATH_FIELDS, FILE);
    }
  }
  const pits = referencedPits(w.repl);
  for (const rec of Object.values(w.recovered)) pits.push(rec.pit);
  canon.reset(pits.length < 2 ? pits : [...new Set(pits)].sort((a, b) => a - b));
  enc.push(w.repl.link === 'up' ? 1 : 0);
  enc.num(w.repl.clock);
  for (const name of names) canon.vm(enc, w.repl.vms[name] as WorldState['repl']['vms'][string]);
  for (const h of hostNames) {
    const net = w.net[h];
    const fw = w.fw.hosts[h];
    const [a, b] = net ? memoJson(netHashes, net) : [0, 0];
    const [c, d] = fw ? memoJson(netHashes, fw) : [0, 0];
    enc.push(a);
    enc.push(b);
    enc.push(c);
    enc.push(d);
  }
  enc.num(w.fw.now);
  for (const name of names) {
    const v = w.violated[name];
    enc.push(v === undefined ? 2 : v ? 1 : 0);
    const done = w.sourceDone[name];
    if (done === undefined) enc.push(0x7ffffff0);
    else enc.num(done);
    const rec: Recovered | undefined = w.recovered[name];
    if (!rec) enc.push(-1);
    else {
      canon.pit(enc, rec.pit);
      enc.num(rec.pitClock);
      enc.bool(rec.planned);
      const vm = w.repl.vms[name];
      for (const id of vm?.diskOrder ?? Object.keys(rec.disks)) canon.blocks(enc, rec.disks[id]);
    }
    const back = w.reversed[name];
    if (!back) enc.push(-1);
    else {
      // The reverse replication has its own instants; its contents are the world's.
      const rpits = [...new Set(referencedPits(back))].sort((a, b) => a - b);
      canon.rank(rpits, () => {
        enc.num(back.clock);
        enc.push(back.link === 'up' ? 1 : 0);
        for (const vm of Object.values(back.vms)) canon.vm(enc, vm);
      });
    }
  }
  if (!w.tunnel) enc.push(-1);
  else
    for (const path of [w.tunnel.toCloud, w.tunnel.fromCloud]) {
      enc.bool(path.ok);
      enc.str(path.reason);
    }
}

/** Encodes each check's memo: its entries in key order. */
function encodeMemos(enc: Encoder, memos: readonly Map<string, number>[]): void {
  for (const m of memos) {
    enc.push(m.size);
    if (m.size === 0) continue;
    for (const k of [...m.keys()].sort()) {
      enc.str(k);
      enc.num(m.get(k) as number);
    }
  }
}

export function worldModel(
  scope: Scope<WorldScope>,
  variant: Variant,
): StepModel<Explored, WorldEvent, Step> {
  const p = scope.params;
  const setup = worldSetupOf(p);
  const events = eventsOf(p, setup);
  const afterFailover = events.filter((e) => e.type === 'Reprotect');
  // Once the scope's breaks (writes) are spent, only events that break (write) nothing are
  // offered.
  const maxBreaks = p.maxBreaks ?? Number.POSITIVE_INFINITY;
  const maxWrites = p.maxWrites ?? Number.POSITIVE_INFINITY;
  const menus = [0, 1, 2, 3].map((k) =>
    events.filter(
      (e) => !((k & 1) !== 0 && breaks(e)) && !((k & 2) !== 0 && e.type === 'GuestWrite'),
    ),
  );
  const { checks, twins } = selected(
    WORLD_PROPERTIES as readonly PropertyDef[],
    p.properties,
    p.twins,
  );
  const canon = new Canon(null, true);
  const start = initWorld(setup, variant);
  const names = setup.replication.vms.map((v) => v.name);
  const hostNames = setup.hosts.map((h) => h.name);
  let encoded = 0;
  return {
    setup,
    init: () => ({
      w: start,
      memos: checks.map(() => new Map()),
      breaks: 0,
      writes: 0,
      commits: {},
    }),
    // A failover ends the story, as in the properties' generators ("disasters end stories"):
    // after it only the reprotect of a recovered VM is offered, and after that nothing.
    events: (x) => {
      const recovered = Object.keys(x.w.recovered);
      if (recovered.length === 0)
        return menus[
          (x.breaks >= maxBreaks ? 1 : 0) | (x.writes >= maxWrites ? 2 : 0)
        ] as WorldEvent[];
      return afterFailover.filter(
        (e) => e.type === 'Reprotect' && recovered.includes(e.vm) && !x.w.reversed[e.vm],
      );
    },
    kind: (e) => e.type,
    kinds: [...new Set(events.map((e) => e.type))],
    next(x, e): Successor<Explored, Step> {
      const r = worldStep(x.w, e);
      let commits = x.commits;
      if (e.type === 'ConfigureReplication' && !r.error)
        commits = { ...commits, [e.vm]: NO_COMMITS };
      for (const em of r.emitted)
        if (em.kind === 'committed')
          commits = {
            ...commits,
            [em.vm]: [
              ...(commits[em.vm] ?? NO_COMMITS),
              { clock: em.clock, pitClock: em.pitClock },
            ],
          };
      const view: WView = {
        index: r.state.repl.tick,
        event: e,
        before: x.w,
        after: r.state,
        emitted: r.emitted,
        ...(r.error ? { error: r.error } : {}),
        commits,
      };
      // Each check gets its own copy of its memo: what one transition writes stays on its path.
      const memos = x.memos.map((m) => new Map(m));
      if (r.state === x.w) return { state: x, view: { view, memos }, stutter: true };
      if (commits !== x.commits) {
        const live: Record<string, readonly WorldCommit[]> = {};
        for (const name in commits)
          live[name] = liveWorldCommits(
            commits[name] as readonly WorldCommit[],
            r.state.repl.vms[name]?.repl,
          );
        commits = live;
      }
      // Breaks and writes are counted (and so told apart) only where the scope bounds them.
      const broke = p.maxBreaks !== undefined && breaks(e) ? 1 : 0;
      const wrote = p.maxWrites !== undefined && e.type === 'GuestWrite' && !r.error ? 1 : 0;
      const state: Explored = {
        w: r.state,
        memos,
        breaks: x.breaks + broke,
        writes: x.writes + wrote,
        commits,
      };
      return { state, view: { view, memos }, stutter: false };
    },
    checks: checks.map((d, k) => {
      const check = stepCheckOf(d);
      return {
        property: d.id,
        invariant: d.invariants.join(','),
        test: (s: Step) =>
          check({ view: s.view, memo: s.memos[k] } satisfies Partial<WorldStepView>),
      };
    }),
    goals: goalsOf<WorldStepView>(twins).map((g) => ({
      ...g,
      holds: (s: Step) => g.holds({ view: s.view, memo: NO_MEMO }),
    })),
    within: (x) => x.w.repl.clock <= p.maxClock,
    encode(x, enc: Encoder): number {
      encoded++;
      encodeWorld(enc, canon, x.w, names, hostNames, encoded < 4096 || encoded % 997 === 0);
      enc.push(x.breaks);
      enc.push(x.writes);
      for (const name of names) {
        const cs = x.commits[name] ?? NO_COMMITS;
        enc.push(cs.length);
        for (const c of cs) {
          enc.num(c.clock);
          enc.num(c.pitClock);
        }
      }
      encodeMemos(enc, x.memos);
      return 1;
    },
  };
}

export const WORLD_EXPLORE: SteppedArea<WorldScope> = {
  kind: 'stepped',
  area: 'world',
  scopes: WORLD_SCOPES,
  model: (scope, variant) =>
    worldModel(scope, variant) as unknown as StepModel<unknown, unknown, unknown>,
};
