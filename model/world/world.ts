// The two-site world: the replication protocol driven by a clock, a scheduler and bandwidth,
// with every transfer routed by the sending host and filtered by its firewall, every NFC commit
// let into the replica host by its firewall (E1), RPO violation and restore events (R8), the
// status a user sees, and failover to a committed instance (R10) with reprotect (R11).

import { applyBlocks, type BlockMap } from '../disk.ts';
import {
  decide,
  type FirewallEvent,
  type FirewallWorld,
  firewallStep,
  type HostFirewall,
  initFirewall,
  nfcPacket,
} from '../firewall/firewall.ts';
import { hostFromSetup, netStep } from '../network/host.ts';
import { flowsOf, type Topology, type TrafficClass } from '../network/intent.ts';
import { formatIp } from '../network/ipv4.ts';
import { lookup } from '../network/lookup.ts';
import type { HostSetup, NetEvent, NetHost } from '../network/types.ts';
import { type All, or, withRepl, withState, withVm } from '../replication/records.ts';
import { type ReplicationStatus, status } from '../replication/status.ts';
import {
  deliverChunks,
  init as initRepl,
  latestInstance,
  step as replStep,
} from '../replication/step.ts';
import type {
  Replication,
  ReplicationEvent,
  ReplicationSetup,
  ReplicationState,
  StepResult,
  VmState,
} from '../replication/types.ts';
import { has, reads, type Variant } from '../variants.ts';

export interface WorldSetup {
  /** VMs on primary hosts; the world moves one block per ChunkDelivered. */
  readonly replication: ReplicationSetup;
  /** Network configuration of every host, primary and DR. */
  readonly hosts: readonly HostSetup[];
  readonly topology: Topology;
  /** Link capacity from the primary site, in blocks per minute (seed 001: per-VM bandwidth). */
  readonly bandwidth: number;
  /** To-the-cloud replication: host -> local VR appliance on TCP 10000-10010 (seed 003). */
  readonly toCloud: boolean;
}

type Forwarded = Extract<
  ReplicationEvent,
  {
    type:
      | 'GuestWrite'
      | 'LinkDown'
      | 'LinkUp'
      | 'VrsRestart'
      | 'HostCrash'
      | 'PowerOff'
      | 'PowerOn'
      | 'Pause'
      | 'Resume'
      | 'ConfigureReplication'
      | 'SeedCopy'
      | 'SyncNow'
      | 'VMotion';
  }
>;

export type WorldEvent =
  | Forwarded
  | { readonly type: 'Tick'; readonly minutes: number }
  | Extract<NetEvent, { type: 'RouteAdd' | 'RouteRemove' | 'Reboot' | 'TagRemove' | 'TagAdd' }>
  | Extract<
      FirewallEvent,
      {
        type:
          | 'RulesetSet'
          | 'RulesetAllowedAll'
          | 'AllowedIpAdd'
          | 'AllowedIpRemove'
          | 'ApplianceBoot'
          | 'VibInstallManual'
          | 'VibRemove';
      }
    >
  /**
   * Recover at the DR site from the latest instance (pick 0) or an older retained one. A planned
   * migration (SRM) recovers the latest after a final sync and shuts the source down; without
   * it the recovery is a disaster recovery (research-notes A7).
   */
  | {
      readonly type: 'Failover';
      readonly vm: string;
      readonly pick: number;
      readonly planned?: boolean;
    }
  /** Reverse replication after failover, with the old source disk as the seed (notes A7). */
  | { readonly type: 'Reprotect'; readonly vm: string };

export type WorldEmitted =
  | {
      readonly kind: 'committed';
      readonly clock: number;
      readonly vm: string;
      readonly pitClock: number;
    }
  /** A transfer starts: the instance's point in time is this minute (research-notes A2). */
  | {
      readonly kind: 'started';
      readonly clock: number;
      readonly vm: string;
      readonly cycle: 'full' | 'delta';
    }
  /** A due transfer, or one under way, cannot get from the source host to the VRS. */
  | {
      readonly kind: 'blocked';
      readonly clock: number;
      readonly vm: string;
      readonly reason: string;
    }
  /** A whole bundle waits at the VRS: NFC cannot reach the target host (research-notes A1). */
  | {
      readonly kind: 'nfcBlocked';
      readonly clock: number;
      readonly vm: string;
      readonly reason: string;
    }
  | {
      readonly kind: 'delivered';
      readonly clock: number;
      readonly vm: string;
      readonly blocks: number;
    }
  /** com.vmware.vcHms.rpoViolatedEvent: "RPO is violated by [minutes] minute(s)" (seed 003). */
  | {
      readonly kind: 'rpoViolated';
      readonly clock: number;
      readonly vm: string;
      readonly minutes: number;
    }
  /** com.vmware.vcHms.rpoRestoredEvent (research-notes A6). */
  | { readonly kind: 'rpoRestored'; readonly clock: number; readonly vm: string }
  | {
      readonly kind: 'failover';
      readonly clock: number;
      readonly vm: string;
      readonly pitClock: number;
    }
  | {
      readonly kind: 'reprotect';
      readonly clock: number;
      readonly vm: string;
      readonly sent: number;
      /** Optimized reprotect: the old source's psf named the blocks, no full checksum pass. */
      readonly optimized: boolean;
      readonly delivered: boolean;
      readonly reason: string;
    };

export interface Recovered {
  /** The instance's point in time as a step of the replication model (unique per instance). */
  readonly pit: number;
  readonly pitClock: number;
  readonly disks: Readonly<Record<string, BlockMap>>;
  /** Recovered by a planned migration, not a disaster recovery (research-notes A7). */
  readonly planned: boolean;
}

export interface WorldState {
  readonly setup: WorldSetup;
  readonly variant: Variant;
  readonly repl: ReplicationState;
  readonly net: Readonly<Record<string, NetHost>>;
  readonly fw: FirewallWorld;
  /** Whether an RPO violation is currently raised, per VM. */
  readonly violated: Readonly<Record<string, boolean>>;
  /** Defect only: when the source last believed a cycle done without a commit. */
  readonly sourceDone: Readonly<Record<string, number>>;
  readonly recovered: Readonly<Record<string, Recovered>>;
  /** Reverse replications (DR to primary) started by Reprotect, by VM. */
  readonly reversed: Readonly<Record<string, ReplicationState>>;
  /** Set by the cloud tunnel's layer (model/tunnel/world.ts): its verdict past the vCTA. */
  readonly tunnel?: { readonly toCloud: Path; readonly fromCloud: Path };
}

/**
 * `{ ...w, ...c }`, written out field by field (model/replication/records.ts says why); the
 * tunnel's verdict is there only when the world has one, as the spread left it.
 */
function withWorld(w: WorldState, c: Partial<WorldState>): WorldState {
  const out: Omit<All<WorldState>, 'tunnel'> = {
    setup: or(c.setup, w.setup),
    variant: or(c.variant, w.variant),
    repl: or(c.repl, w.repl),
    net: or(c.net, w.net),
    fw: or(c.fw, w.fw),
    violated: or(c.violated, w.violated),
    sourceDone: or(c.sourceDone, w.sourceDone),
    recovered: or(c.recovered, w.recovered),
    reversed: or(c.reversed, w.reversed),
  };
  const tunnel = or(c.tunnel, w.tunnel);
  return tunnel === undefined ? out : { ...out, tunnel };
}

// Hosts built from the same setup are the same immutable state: built once, so the route memo
// below carries over too.
const built = new WeakMap<HostSetup, NetHost>();

function hostOf(h: HostSetup): NetHost {
  const known = built.get(h);
  if (known !== undefined) return known;
  const made = hostFromSetup(h);
  built.set(h, made);
  return made;
}

export function initWorld(setup: WorldSetup, variant: Variant): WorldState {
  const net = Object.fromEntries(setup.hosts.map((h) => [h.name, hostOf(h)]));
  const fw: FirewallWorld = {
    now: 0,
    hosts: Object.fromEntries(
      setup.hosts.map((h) => [h.name, initFirewall(h.name, h.version, variant)]),
    ),
  };
  return {
    setup,
    variant,
    repl: initRepl({ ...setup.replication, chunkBlocks: 1 }, variant),
    net,
    fw,
    violated: {},
    sourceDone: {},
    recovered: {},
    reversed: {},
  };
}

export interface Path {
  readonly ok: boolean;
  readonly reason: string;
}

/**
 * Whether a VM's transfer gets through now (E1): the link is up, the sending host routes the
 * flow through its intended vmk and next hop, and its firewall lets the port out to the VRS. A
 * flow that leaves by another gateway is taken as lost: in seed 000 the management gateway has
 * no path to the replication network.
 */
export function pathOf(w: WorldState, vm: VmState): Path {
  if (w.repl.link === 'down') return LINK_DOWN;
  const net = w.net[vm.host];
  const fwHost = w.fw.hosts[vm.host];
  const port = portOf(w, vm);
  const sent =
    net && fwHost ? sendingPath(w, vm.host, net, fwHost, port) : sending(w, vm.host, port);
  if (!sent.ok) return sent;
  // Past the host's firewall, to-the-cloud data goes through the vCTA's tunnel (seed 003).
  if (w.setup.toCloud && w.tunnel && !w.tunnel.toCloud.ok) return w.tunnel.toCloud;
  return sent;
}

const LINK_DOWN: Path = { ok: false, reason: 'the link to the DR site is down' };
const ROUTED: Path = { ok: true, reason: 'routed as intended and allowed' };

/**
 * The host's routing and firewall verdict on its transfer to the port (pathOf, link aside).
 * `route` is routeOf, or freshRoute to work it out afresh (memoCheck).
 */
function sending(w: WorldState, host: string, port: number, route = routeOf): Path {
  const routed = route(w, host, w.setup.toCloud ? 'to-cloud' : 'replication');
  if (routed) return routed;
  const fwHost = w.fw.hosts[host];
  if (fwHost) {
    const remote = peerOf(w.setup.topology, host, w.setup.toCloud);
    const v = decide(fwHost, { direction: 'outbound', protocol: 'tcp', port, remote }, w.variant);
    if (v.action === 'drop')
      return { ok: false, reason: `${host}'s firewall drops TCP ${port}: ${v.reason}` };
  }
  return ROUTED;
}

/**
 * `sending`, kept per host firewall, for the host state, setup, variant and port it was worked
 * out for: every input of it is an immutable record, and the world asks it for every VM several
 * times a simulated minute. A few entries per firewall, newest first, at most MEMO_ENTRIES.
 */
interface SendingEntry {
  readonly net: NetHost;
  readonly setup: WorldSetup;
  readonly variant: Variant;
  readonly host: string;
  readonly port: number;
  readonly path: Path;
}
const MEMO_ENTRIES = 8;
const sendingMemo = new WeakMap<HostFirewall, SendingEntry[]>();

function sendingPath(
  w: WorldState,
  host: string,
  net: NetHost,
  fwHost: HostFirewall,
  port: number,
): Path {
  const entries = entriesOf(sendingMemo, fwHost);
  for (const e of entries)
    if (
      e.net === net &&
      e.setup === w.setup &&
      e.variant === w.variant &&
      e.port === port &&
      e.host === host
    )
      return e.path;
  const path = sending(w, host, port);
  remember(entries, { net, setup: w.setup, variant: w.variant, host, port, path });
  return path;
}

/**
 * The port of the VM's transfer: the one under way, else the one that would start now (a full
 * sync while one is pending). Full sync on 31031 and deltas on 44046 (seeds 001, 002; research-
 * notes A1), or 31031 for both (reading ongoing-on-31031, research-notes F); to the cloud on
 * 10000-10010 (seed 003).
 */
export function portOf(w: WorldState, vm: VmState): number {
  if (w.setup.toCloud) return 10000;
  const kind = vm.repl?.cycle?.kind ?? (vm.repl?.needsFullSync ? 'full' : 'delta');
  return kind === 'full' || reads(w.variant, 'ongoing-on-31031') ? 31031 : 44046;
}

/** The DR host that holds a site's replicas: its first host (an inference: one target host). */
export function replicaHostOf(t: Topology, site: string): string | undefined {
  return t.hosts.find((h) => h.site === site)?.name;
}

/**
 * Whether the VRS can hand a VM's whole bundle to the target host now (research-notes A1,
 * corrected; seed 001): NFC opens TCP 902 from the VR server into the target host, so the target
 * host's firewall must let it in (vSphereClient with its allowed IPs), and the target host must
 * route its replies back to the VR server as intended. The link between the sites plays no part:
 * both ends are at the DR site. To the cloud, the provider's NFC is out of the model.
 */
export function nfcPathOf(w: WorldState, vm: VmState): Path {
  if (w.setup.toCloud) return { ok: true, reason: 'to the cloud: the provider commits' };
  const hop = nfcEnds(w.setup.topology, vm.host);
  if (!hop) return { ok: false, reason: `${vm.host} replicates to no DR host` };
  return nfcHop(w, hop.target, hop.vrs);
}

/** The DR host that receives a host's replicas and the VR server that writes them, if any. */
function nfcEnds(t: Topology, host: string): { target: string; vrs: string } | null {
  let byHost = nfcEndsMemo.get(t);
  if (byHost === undefined) {
    byHost = new Map();
    nfcEndsMemo.set(t, byHost);
  }
  const known = byHost.get(host);
  if (known !== undefined) return known;
  const site = t.hosts.find((h) => h.name === host)?.site;
  const to = t.replication.find((r) => r.from === site)?.to;
  const target = to === undefined ? undefined : replicaHostOf(t, to);
  const vrs = t.appliances.find((a) => a.role === 'vrs' && a.site === to)?.ip;
  const ends = target && vrs ? { target, vrs } : null;
  byHost.set(host, ends);
  return ends;
}

/** nfcEnds, per topology (immutable): the world asks it at every commit. */
const nfcEndsMemo = new WeakMap<Topology, Map<string, { target: string; vrs: string } | null>>();

function nfcHop(w: WorldState, target: string, vrs: string): Path {
  const fw = w.fw.hosts[target];
  const net = w.net[target];
  if (!fw || !net) return nfcVerdict(w, target, vrs);
  const entries = entriesOf(nfcMemo, fw);
  for (const e of entries)
    if (
      e.net === net &&
      e.topology === w.setup.topology &&
      e.variant === w.variant &&
      e.vrs === vrs &&
      e.target === target
    )
      return e.path;
  const path = nfcVerdict(w, target, vrs);
  remember(entries, { net, topology: w.setup.topology, variant: w.variant, target, vrs, path });
  return path;
}

/**
 * nfcHop's verdicts, kept per target host firewall as `sending`'s are: for the target's host
 * state, the topology, the variant and the VR server.
 */
const nfcMemo = new WeakMap<
  HostFirewall,
  {
    readonly net: NetHost;
    readonly topology: Topology;
    readonly variant: Variant;
    readonly target: string;
    readonly vrs: string;
    readonly path: Path;
  }[]
>();

function nfcVerdict(w: WorldState, target: string, vrs: string, route = routeOf): Path {
  const fw = w.fw.hosts[target];
  if (fw) {
    const v = decide(fw, nfcPacket(vrs, w.variant), w.variant);
    if (v.action === 'drop')
      return {
        ok: false,
        reason: `${target}'s firewall drops NFC from the VR server ${vrs} on TCP 902: ${v.reason}`,
      };
  }
  const reply = route(w, target, 'nfc');
  if (reply) return { ok: false, reason: `NFC replies: ${reply.reason}` };
  return { ok: true, reason: `the VR server reaches ${target} on TCP 902` };
}

/**
 * The address a host's transfers go to: the VRS of the site it replicates to, or its own site's
 * VR appliance to the cloud (seed 003). A host with no such appliance sends nowhere; routing
 * reports that first, so the address is then never used.
 */
function peerOf(t: Topology, hostName: string, toCloud: boolean): string {
  const site = t.hosts.find((h) => h.name === hostName)?.site;
  const to = toCloud ? site : t.replication.find((r) => r.from === site)?.to;
  const role = toCloud ? 'vr-appliance' : 'vrs';
  return t.appliances.find((a) => a.role === role && a.site === to)?.ip ?? '0.0.0.0';
}

/**
 * The routing half of pathOf: null when the host sends its transfer class out of the intended
 * vmk and next hop, else why not. It depends only on the topology, that host's network state
 * and the variant, all immutable, so the answer is kept per host state, for the topology,
 * variant and class it was worked out for (a few entries, as `sending` keeps its own): the
 * world asks it every simulated minute, and a host's state changes only on network events.
 */
interface RouteEntry {
  readonly topology: Topology;
  readonly variant: Variant;
  readonly cls: TrafficClass;
  readonly verdict: Path | null;
}
const routeMemo = new WeakMap<NetHost, RouteEntry[]>();

/** The memo's entries for a key (an immutable record), a new empty list the first time. */
function entriesOf<K extends object, T>(memo: WeakMap<K, T[]>, key: K): T[] {
  let entries = memo.get(key);
  if (entries === undefined) {
    entries = [];
    memo.set(key, entries);
  }
  return entries;
}

/** Keeps a memo entry, newest first, at most MEMO_ENTRIES of them. */
function remember<T>(entries: T[], entry: T): void {
  if (entries.length >= MEMO_ENTRIES) entries.pop();
  entries.unshift(entry);
}

function routeOf(w: WorldState, hostName: string, cls: TrafficClass): Path | null {
  const host = w.net[hostName];
  if (!host) return { ok: false, reason: `${hostName} has no ${cls} flow in the topology` };
  const entries = entriesOf(routeMemo, host);
  const topology = w.setup.topology;
  for (const e of entries)
    if (e.topology === topology && e.variant === w.variant && e.cls === cls) return e.verdict;
  const verdict = routeVerdict(w, hostName, host, cls);
  remember(entries, { topology, variant: w.variant, cls, verdict });
  return verdict;
}

/** routeOf's verdict worked out afresh. */
function freshRoute(w: WorldState, hostName: string, cls: TrafficClass): Path | null {
  const host = w.net[hostName];
  if (!host) return { ok: false, reason: `${hostName} has no ${cls} flow in the topology` };
  return routeVerdict(w, hostName, host, cls);
}

function routeVerdict(
  w: WorldState,
  hostName: string,
  host: NetHost,
  cls: TrafficClass,
): Path | null {
  // The flow is worked out from this host alone, so the memo's key is all it depends on.
  const [flow] = flowsOf(w.setup.topology, { [hostName]: host }, { host: hostName, class: cls });
  let verdict: Path | null = null;
  if (!flow) {
    verdict = { ok: false, reason: `${hostName} has no ${cls} flow in the topology` };
  } else {
    const q = { netstack: flow.netstack, dst: flow.dst, bound: flow.bound };
    const d = lookup(host, q, w.variant);
    if (!d.ok) verdict = { ok: false, reason: `${hostName} has no route: ${d.reason}` };
    else if (d.egress !== flow.intended.vmk)
      verdict = {
        ok: false,
        reason: `${hostName} sends ${cls} out of ${d.egress}, not ${flow.intended.vmk}`,
      };
    else if (d.nextHop !== flow.intended.nextHop) {
      // The right vmk, the wrong next hop (seed 000: a gateway with no path to the DR site).
      const via = (ip: number | null) => (ip === null ? 'directly' : `via ${formatIp(ip)}`);
      verdict = {
        ok: false,
        reason: `${hostName} sends ${cls} out of ${d.egress} ${via(d.nextHop)}, not ${via(flow.intended.nextHop)}`,
      };
    }
  }
  return verdict;
}

/**
 * The verdicts the world keeps (per firewall and host state: sendingPath, nfcHop, routeOf) for
 * every host of the world, beside the same verdicts worked out afresh, in the same order: the
 * shortcut spec checks that they agree on every state, as a memo keyed on too little would not.
 */
export function memoCheck(w: WorldState): { kept: unknown[]; fresh: unknown[] } {
  const kept: unknown[] = [];
  const fresh: unknown[] = [];
  for (const host of Object.keys(w.net)) {
    const net = w.net[host] as NetHost;
    const fw = w.fw.hosts[host];
    for (const cls of ['replication', 'nfc', 'to-cloud'] as const) {
      kept.push(routeOf(w, host, cls));
      fresh.push(freshRoute(w, host, cls));
    }
    for (const port of [31031, 44046, 10000]) {
      kept.push(fw ? sendingPath(w, host, net, fw, port) : sending(w, host, port));
      fresh.push(sending(w, host, port, freshRoute));
    }
    const ends = nfcEnds(w.setup.topology, host);
    if (ends) {
      kept.push(nfcHop(w, ends.target, ends.vrs));
      fresh.push(nfcVerdict(w, ends.target, ends.vrs, freshRoute));
    }
  }
  return { kept, fresh };
}

/** Minutes since the latest committed instance's point in time (or since configuration). */
export function ageOf(w: WorldState, vm: VmState): number | null {
  const r = vm.repl;
  if (!r) return null;
  let since = latestInstance(r)?.pitClock ?? r.configuredAt;
  // Defect: the age is taken from what the source last believed sent.
  if (has(w.variant, 'ok-while-dropped')) since = Math.max(since, w.sourceDone[vm.name] ?? since);
  return w.repl.clock - since;
}

function dirtyBlocks(vm: VmState): number {
  const r = vm.repl;
  if (!r) return 0;
  if (r.needsFullSync)
    return Object.values(vm.disks).reduce((n, d) => n + Object.keys(d.blocks).length, 0);
  return Object.values(r.disks).reduce((n, t) => n + t.bitmap.length, 0);
}

/**
 * How long VR expects the next transfer to take, in whole minutes: the average of the last 15
 * deltas plus 20% (research-notes F, VMware blog 2014), rounded up; none before the first delta.
 */
export function estimateOf(r: Replication): number {
  const d = r.deltaMinutes;
  if (d.length === 0) return 0;
  let sum = 0;
  for (const minutes of d) sum += minutes;
  return Math.ceil((sum * 6) / (d.length * 5));
}

/**
 * The first minute of the clock at which the scheduler starts the VM's next transfer (it starts
 * at every minute from then on): the first full sync at once (-Infinity), null for a VM that is
 * not replicated. VR aims to complete a cycle within half the RPO (research-notes F, the 2014
 * blog; A2: a transfer taking more than RPO/2 makes violations periodic), so the next transfer
 * starts when the latest instance is half the RPO old less the estimate. Reading "aims to
 * complete within half the RPO" as that start minute is an inference: the sources give no
 * formula.
 */
export function dueFrom(w: WorldState, vm: VmState): number | null {
  const r = vm.repl;
  if (!r) return null;
  const latest = latestInstance(r);
  if (!latest) return Number.NEGATIVE_INFINITY;
  // Defect: the old rule, an estimate from the blocks dirty now at full link speed, and the
  // start as late as the RPO allows (age + estimate + 1 >= RPO).
  if (has(w.variant, 'scheduler-latest-start')) {
    const estimate = Math.ceil(dirtyBlocks(vm) / Math.max(1, w.setup.bandwidth));
    return latest.pitClock + r.rpoMinutes - estimate - 1;
  }
  // age + estimate >= RPO / 2, rounded down.
  return latest.pitClock + Math.floor(r.rpoMinutes / 2) - estimateOf(r);
}

/** True iff the scheduler starts the VM's next transfer at minute `clock` (dueFrom). */
export function due(w: WorldState, vm: VmState, clock: number): boolean {
  const from = dueFrom(w, vm);
  return from !== null && clock >= from;
}

export interface WorldStep {
  readonly state: WorldState;
  readonly emitted: readonly WorldEmitted[];
  readonly error?: string;
}

export function worldStep(w: WorldState, e: WorldEvent): WorldStep {
  const variant = w.variant;
  switch (e.type) {
    case 'Tick': {
      let cur = w;
      const emitted: WorldEmitted[] = [];
      for (let left = e.minutes, strode = false; left > 0; ) {
        // Minutes in which only the clock moves, a due transfer stays blocked or a whole bundle
        // waits for a refused NFC hop are taken in one stride; the rest one by one. Same states
        // and events either way (the world spec checks the strides against minuteByMinute). A
        // stride that stops short stops before an eventful minute, so none is looked for then.
        const run: Uneventful = strode ? NOT_QUIET : uneventful(cur, left);
        strode = run.minutes > 0;
        if (run.minutes > 0) {
          cur = stride(cur, run, emitted);
          left -= run.minutes;
        } else {
          cur = minute(cur, emitted);
          left -= 1;
        }
      }
      return { state: cur, emitted };
    }
    case 'RouteAdd':
    case 'RouteRemove':
    case 'TagRemove':
    case 'TagAdd': {
      const r = netStep(w.net, e, variant);
      const state = withWorld(w, { net: r.hosts });
      return { state, emitted: [], ...(r.error ? { error: r.error } : {}) };
    }
    case 'Reboot': {
      // A restarted host is pushed the vib again by the appliance (research-notes D).
      const r = netStep(w.net, e, variant);
      const fw = firewallStep(w.fw, { type: 'HostConnect', host: e.host }, variant).world;
      return {
        state: withWorld(w, { net: r.hosts, fw }),
        emitted: [],
        ...(r.error ? { error: r.error } : {}),
      };
    }
    case 'RulesetSet':
    case 'RulesetAllowedAll':
    case 'AllowedIpAdd':
    case 'AllowedIpRemove':
    case 'ApplianceBoot':
    case 'VibInstallManual':
    case 'VibRemove': {
      const r = firewallStep(w.fw, e, variant);
      const state = withWorld(w, { fw: r.world });
      return { state, emitted: [], ...(r.error ? { error: r.error } : {}) };
    }
    case 'Failover': {
      const vm = w.repl.vms[e.vm];
      const r = vm?.repl;
      const inst = r ? r.instances[r.instances.length - 1 - e.pick] : undefined;
      if (!vm || !r || !inst)
        return {
          state: w,
          emitted: [],
          error: `${e.vm}: no committed instance ${e.pick} back to recover from`,
        };
      const planned = e.planned === true;
      if (planned) {
        const left = unsynced(vm);
        if (e.pick !== 0 || left !== null)
          return {
            state: w,
            emitted: [],
            error: `${e.vm}: a planned migration recovers the latest instance after a final sync${e.pick !== 0 ? `, not instance ${e.pick} back` : `; ${left}`}`,
          };
      }
      let disks: Record<string, BlockMap> = { ...inst.disks };
      if (has(variant, 'failover-to-partial') && r.staging) {
        // Defect: the bundle still arriving at the VRS is written into the recovered disks.
        for (const [d, blocks] of Object.entries(r.staging.blocks))
          disks = { ...disks, [d]: applyBlocks(disks[d] ?? {}, blocks) };
      }
      // Recovery stops replication from the old source (research-notes A7); a planned migration
      // also shuts the source down.
      let repl = replStep(w.repl, { type: 'Pause', vm: e.vm }).state;
      if (planned) repl = replStep(repl, { type: 'PowerOff', vm: e.vm }).state;
      return {
        state: {
          ...w,
          repl,
          recovered: {
            ...w.recovered,
            [e.vm]: { pit: inst.pit, pitClock: inst.pitClock, disks, planned },
          },
        },
        emitted: [{ kind: 'failover', clock: w.repl.clock, vm: e.vm, pitClock: inst.pitClock }],
      };
    }
    case 'Reprotect':
      return reprotect(w, e.vm);
    default: {
      const r = replStep(w.repl, e);
      // Sync Now starts a transfer at once, or finds the VRS out of reach (seed 003).
      const emitted: WorldEmitted[] = r.emitted.flatMap((x): WorldEmitted[] =>
        x.kind === 'CycleStarted'
          ? [{ kind: 'started', clock: w.repl.clock, vm: x.vm, cycle: x.cycle }]
          : x.kind === 'ConnectFailed'
            ? [{ kind: 'blocked', clock: w.repl.clock, vm: x.vm, reason: x.reason }]
            : [],
      );
      return {
        state: withWorld(w, { repl: r.state }),
        emitted,
        ...(r.error ? { error: r.error } : {}),
      };
    }
  }
}

/**
 * The status a user sees for a VM (research-notes A5, F): the one definition in
 * model/replication/status.ts, given what the world knows (the RPO violation it raised, a
 * failover). Null for a VM that is not replicated.
 */
export function worldStatus(w: WorldState, name: string): ReplicationStatus | null {
  const vm = w.repl.vms[name];
  if (!vm) return null;
  return status(vm, w.variant, {
    rpoViolated: w.violated[name] === true,
    recovered: w.recovered[name] !== undefined,
  });
}

/**
 * Why a planned migration cannot recover the VM yet, or null when its latest instance holds the
 * source as it is: SRM's planned migration syncs the last changes first and stops on failure
 * (research-notes A7).
 */
function unsynced(vm: VmState): string | null {
  const r = vm.repl;
  if (!r) return 'it is not replicated';
  if (r.cycle || r.staging) return 'a transfer is still under way';
  if (r.needsFullSync || r.recovering) return 'a full sync is pending';
  const latest = latestInstance(r);
  const behind = vm.diskOrder.reduce((n, id) => {
    const src = vm.disks[id]?.blocks ?? {};
    const dst = latest?.disks[id] ?? {};
    const keys = new Set([...Object.keys(src), ...Object.keys(dst)].map(Number));
    return n + [...keys].filter((k) => (src[k] ?? 0) !== (dst[k] ?? 0)).length;
  }, 0);
  return behind > 0 ? `${behind} block(s) are not yet at the DR site: Sync Now and wait` : null;
}

/** R8's verdict: the last instance is older than the RPO (research-notes A2). */
function overRpo(variant: Variant, age: number, rpoMinutes: number): boolean {
  return age >= overAge(variant, rpoMinutes);
}

/** The least age that R8 calls over the RPO: the RPO and a minute. */
function overAge(variant: Variant, rpoMinutes: number): number {
  // Defect: the violation is raised when the age reaches the RPO, a minute early.
  return has(variant, 'rpo-violation-off-by-one') ? rpoMinutes : rpoMinutes + 1;
}

/** A run of minutes `minute` would spend without a transfer, a commit or an RPO verdict flip. */
export interface Uneventful {
  readonly minutes: number;
  /**
   * VMs that report every minute from `from` on, in the order `minute` visits them: a due
   * transfer that cannot leave (`blocked`, Not Active by `cannotConnect`), or a whole bundle at
   * the VRS that NFC cannot hand to the target host (`nfcBlocked`, from the first minute).
   */
  readonly blocked: readonly {
    readonly kind: 'blocked' | 'nfcBlocked';
    readonly vm: string;
    readonly from: number;
    readonly reason: string;
  }[];
}

/**
 * The first of the minutes 1..max at which the clock (or an age) that is `now` at minute 0
 * reaches `from`, or max + 1 if none: it keeps growing, so it stays reached from then on.
 */
function firstMinute(max: number, now: number, from: number): number {
  return Math.min(max + 1, Math.max(1, from - now));
}

/**
 * How many of the next `max` minutes would change nothing but the clock and the blocked VMs'
 * reachability: for every VM, no transfer is under way, no bundle waits for NFC unless NFC is
 * refused, none falls due (the scheduler, `due`) unless its path is refused, and the RPO
 * verdict stays as already recorded. Every test here mirrors one in `minute`, taken at the
 * clock that minute would see. The paths cannot change within the run: they depend on the
 * link, the hosts, the firewalls and whether a cycle is under way, and none of them moves; nor
 * does the scheduler's estimate, which comes from past deltas, and no transfer ends within the
 * run. The age only grows, so the verdict flips and the transfer falls due at most once, and
 * both minutes are worked out from the age and the scheduler's start minute.
 */
/** No minute can be taken in a stride (uneventful's answer, shared: it is never changed). */
const NOT_QUIET: Uneventful = { minutes: 0, blocked: [] };

export function uneventful(w: WorldState, max: number): Uneventful {
  let quiet = max;
  const blocked: { kind: 'blocked' | 'nfcBlocked'; vm: string; from: number; reason: string }[] =
    [];
  for (const vm of Object.values(w.repl.vms)) {
    const r = vm.repl;
    if (!r) {
      if (w.violated[vm.name] !== false) return NOT_QUIET;
      continue;
    }
    let nfc: Path | null = null;
    if (r.cycle) {
      // A transfer under way moves or commits this minute, unless its whole bundle waits for
      // an NFC hop that stays refused (then the scheduler, too, leaves the VM alone).
      if (!r.staging?.complete) return NOT_QUIET;
      nfc = nfcPathOf(w, vm);
      if (nfc.ok) return NOT_QUIET;
    } else if (r.staging?.complete) return NOT_QUIET;
    const age0 = ageOf(w, vm) as number;
    const recorded = w.violated[vm.name];
    if (recorded === undefined) return NOT_QUIET;
    // The verdict flips at most once as the age grows: at once if it is recorded raised.
    const flip = recorded
      ? overRpo(w.variant, age0 + 1, r.rpoMinutes)
        ? quiet + 1
        : 1
      : firstMinute(quiet, age0, overAge(w.variant, r.rpoMinutes));
    quiet = Math.min(quiet, flip - 1);
    if (nfc) {
      blocked.push({ kind: 'nfcBlocked', vm: vm.name, from: 1, reason: nfc.reason });
      continue;
    }
    if (r.paused || vm.power !== 'on' || r.recovering) continue;
    // Nothing the scheduler reads changes within the run but the clock.
    const due0 = firstMinute(quiet, w.repl.clock, dueFrom(w, vm) as number);
    if (due0 > quiet) continue;
    // Due from here to the end of the run (the clock only grows), on an unchanging path.
    const path = has(w.variant, 'ok-while-dropped') ? null : pathOf(w, vm);
    if (!path || path.ok) quiet = due0 - 1;
    else blocked.push({ kind: 'blocked', vm: vm.name, from: due0, reason: path.reason });
  }
  if (quiet === 0) return NOT_QUIET;
  return { minutes: quiet, blocked: blocked.filter((b) => b.from <= quiet) };
}

/**
 * The effect of an uneventful run: the clock moves on, and every minute each blocked VM (in the
 * order `minute` visits them) reports its transfer or its bundle blocked and shows it cannot
 * connect.
 */
function stride(w: WorldState, run: Uneventful, emitted: WorldEmitted[]): WorldState {
  const advanced = replStep(w.repl, { type: 'TimeAdvance', minutes: run.minutes }).state;
  // The replication model's tick counts its events: one per minute `minute` would have taken.
  let repl: ReplicationState = withState(advanced, { tick: w.repl.tick + run.minutes });
  if (run.blocked.length === 0) return withWorld(w, { repl });
  // run.blocked is in the VMs' own order, the order `minute` visits them in.
  for (let m = 1; m <= run.minutes; m++)
    for (const b of run.blocked)
      if (m >= b.from)
        emitted.push({ kind: b.kind, clock: w.repl.clock + m, vm: b.vm, reason: b.reason });
  const vms = { ...repl.vms };
  for (const b of run.blocked) {
    const vm = vms[b.vm] as VmState;
    const next =
      b.kind === 'nfcBlocked'
        ? withRepl(vm.repl as Replication, { unreachable: b.reason })
        : cannotConnect(w.variant, vm, b.reason);
    vms[b.vm] = withVm(vm, { repl: next });
  }
  repl = withState(repl, { vms });
  return withWorld(w, { repl });
}

/**
 * A Tick as the model defines it: every minute taken one by one through `minute`. worldStep
 * takes uneventful runs of minutes in strides instead; the world spec checks that the two agree
 * on every state and event.
 */
export function minuteByMinute(w: WorldState, minutes: number): WorldStep {
  let cur = w;
  const emitted: WorldEmitted[] = [];
  for (let m = 0; m < minutes; m++) cur = minute(cur, emitted);
  return { state: cur, emitted };
}

/**
 * The replication of a VM whose transfer could not connect to the VRS: Not Active until traffic
 * moves again (research-notes F: KB 403723), not Error.
 */
function cannotConnect(variant: Variant, vm: VmState, reason: string): Replication {
  const r = vm.repl as Replication;
  // Defect: the old reading, a replication that cannot connect shows Error.
  if (has(variant, 'blocked-shows-error'))
    return withRepl(r, { error: `cannot reach the VRS: ${reason}` });
  return withRepl(r, { unreachable: reason });
}

/**
 * One minute in the making: the world as the minute found it, the replication so far, the
 * bandwidth left, what the minute emitted. Only the replication changes within a minute (the
 * link, hosts, firewalls, setup and tunnel do not), so paths are judged on the world as found,
 * and the world is built once, at the end.
 */
interface Minute {
  readonly at: WorldState;
  repl: ReplicationState;
  budget: number;
  readonly clock: number;
  /** A copy of the world's, made when the minute first changes it (the defect ok-while-dropped). */
  sourceDone: Record<string, number> | null;
  readonly emitted: WorldEmitted[];
}

/** One minute: the clock, the scheduler, transfers within bandwidth, NFC commits, RPO. */
function minute(w0: WorldState, emitted: WorldEmitted[]): WorldState {
  const repl = replStep(w0.repl, { type: 'TimeAdvance', minutes: 1 }).state;
  const m: Minute = {
    at: w0,
    repl,
    budget: w0.setup.bandwidth,
    clock: repl.clock,
    sourceDone: null,
    emitted,
  };
  for (const name of Object.keys(repl.vms)) {
    if (!vmOf(m, name).repl) continue;
    if (vmOf(m, name).repl?.staging?.complete) commit(m, name);
    move(m, name);
    schedule(m, name);
  }
  const w = withWorld(
    w0,
    m.sourceDone ? { repl: m.repl, sourceDone: m.sourceDone } : { repl: m.repl },
  );
  // RPO honesty (R8): raise when the age exceeds the RPO, with the minutes of violation. The
  // record is copied only when a VM's verdict changes (or is first recorded).
  let violated: Record<string, boolean> | null = null;
  const clock = m.clock;
  for (const vm of Object.values(w.repl.vms)) {
    const was = w.violated[vm.name];
    const age = ageOf(w, vm);
    let over = false;
    if (age !== null && vm.repl) {
      over = overRpo(w.variant, age, vm.repl.rpoMinutes);
      if (over && !was)
        emitted.push({
          kind: 'rpoViolated',
          clock,
          vm: vm.name,
          minutes: age - vm.repl.rpoMinutes,
        });
      if (!over && was) emitted.push({ kind: 'rpoRestored', clock, vm: vm.name });
    }
    if (was !== over) {
      violated ??= { ...w.violated };
      violated[vm.name] = over;
    }
  }
  return violated ? withWorld(w, { violated }) : w;
}

function vmOf(m: Minute, name: string): VmState {
  return m.repl.vms[name] as VmState;
}

/** The VM's replication set as it is, without a step of the replication model (no tick). */
function setRepl(m: Minute, name: string, repl: Replication): void {
  const vms = { ...m.repl.vms, [name]: withVm(vmOf(m, name), { repl }) };
  m.repl = withState(m.repl, { vms });
}

/** A step of the replication model, with the commits it reports. */
function apply(m: Minute, name: string, r: StepResult): StepResult {
  m.repl = r.state;
  for (const x of r.emitted) {
    if (x.kind === 'InstanceCommitted') {
      const inst = latestInstance(r.state.vms[name]?.repl as Replication);
      m.emitted.push({
        kind: 'committed',
        clock: m.clock,
        vm: name,
        pitClock: inst?.pitClock ?? m.clock,
      });
    }
  }
  return r;
}

/** A whole bundle at the VRS goes to NFC (seed 001), if NFC reaches the target host. */
function commit(m: Minute, name: string): void {
  const nfc = nfcPathOf(m.at, vmOf(m, name));
  if (nfc.ok) {
    apply(m, name, replStep(m.repl, { type: 'BundleCommit', vm: name }));
    return;
  }
  m.emitted.push({ kind: 'nfcBlocked', clock: m.clock, vm: name, reason: nfc.reason });
  setRepl(m, name, withRepl(vmOf(m, name).repl as Replication, { unreachable: nfc.reason }));
}

/**
 * The transfer under way moves within what is left of the minute's bandwidth: chunk after chunk
 * until the bandwidth is spent or the bundle is whole, each chunk costing its blocks (an empty
 * one costs 1), all delivered in one step of the replication model (deliverChunks).
 */
function move(m: Minute, name: string): void {
  const vm = vmOf(m, name);
  const c = vm.repl?.cycle;
  if (!c || vm.repl?.staging?.complete) return;
  const path = pathOf(m.at, vm);
  if (!path.ok) {
    m.emitted.push({ kind: 'blocked', clock: m.clock, vm: name, reason: path.reason });
    const repl = vm.repl as Replication;
    if (has(m.at.variant, 'ok-while-dropped')) {
      // Defect: the agent counts the bundle as sent though nothing arrived, and ends the cycle.
      const disks = Object.fromEntries(
        Object.entries(repl.disks).map(([d, t]) => [
          d,
          { ...t, psf: t.psf ? { ...t.psf, blocks: t.bitmap } : null },
        ]),
      );
      setRepl(m, name, withRepl(repl, { cycle: null, disks, error: null, unreachable: null }));
      m.sourceDone ??= { ...m.at.sourceDone };
      m.sourceDone[name] = c.pitClock;
    } else setRepl(m, name, withRepl(repl, { unreachable: path.reason }));
    return;
  }
  const size = m.repl.setup.chunkBlocks;
  let left = c.toSend.length - c.sent;
  let chunks = 0;
  let sent = 0;
  while (m.budget > 0) {
    const n = Math.min(size, left);
    chunks += 1;
    sent += n;
    left -= n;
    m.budget -= Math.max(n, 1);
    if (left <= 0) break;
  }
  if (chunks > 0) apply(m, name, deliverChunks(m.repl, name, chunks));
  if (sent > 0) m.emitted.push({ kind: 'delivered', clock: m.clock, vm: name, blocks: sent });
  if (vmOf(m, name).repl?.staging?.complete) commit(m, name);
}

/**
 * The scheduler, after the transfer under way: one that lands this minute may be followed at
 * once by the next (research-notes A2: "you can start another replication immediately").
 */
function schedule(m: Minute, name: string): void {
  const vm = vmOf(m, name);
  const r = vm.repl;
  if (!r || r.cycle || r.paused || vm.power !== 'on' || r.recovering || !due(m.at, vm, m.clock))
    return;
  const path = pathOf(m.at, vm);
  // Defect: the agent starts the transfer without checking the path (and later counts it as
  // sent).
  if (path.ok || has(m.at.variant, 'ok-while-dropped')) {
    const res = apply(m, name, replStep(m.repl, { type: 'CycleStart', vm: name }));
    const started = res.emitted.find((x) => x.kind === 'CycleStarted');
    if (started?.kind === 'CycleStarted')
      m.emitted.push({ kind: 'started', clock: m.clock, vm: name, cycle: started.cycle });
    move(m, name);
  } else {
    m.emitted.push({ kind: 'blocked', clock: m.clock, vm: name, reason: path.reason });
    setRepl(m, name, cannotConnect(m.at.variant, vm, path.reason));
  }
}

/**
 * Reprotect: replicate the recovered VM from the DR site back to the primary, using the old
 * source disk as the seed (same UUID), so the full sync's checksums send only the blocks that
 * differ (research-notes A3, A7). The reverse flow is routed by the DR host with the topology
 * reversed: N6 end to end.
 */
function reprotect(w: WorldState, name: string): WorldStep {
  const rec = w.recovered[name];
  const vm = w.repl.vms[name];
  const r = vm?.repl;
  if (!rec || !vm || !r)
    return { state: w, emitted: [], error: `${name} has not failed over; nothing to reprotect` };
  if (w.reversed[name]) return { state: w, emitted: [], error: `${name} is already reprotected` };
  const dir = w.setup.topology.replication[0];
  const drSite = dir?.to;
  const drHost = w.setup.topology.hosts.find((h) => h.site === drSite)?.name;
  if (!dir || !drHost)
    return { state: w, emitted: [], error: `${name}: no DR host to replicate back from` };
  const setup: ReplicationSetup = {
    version: w.setup.replication.version,
    hosts: [drHost],
    vrs: 'vrs-primary',
    chunkBlocks: 1,
    vms: [
      {
        name,
        host: drHost,
        poweredOn: true,
        disks: vm.diskOrder.map((id) => ({
          id,
          uuid: vm.disks[id]?.uuid ?? id,
          sizeBlocks: vm.disks[id]?.sizeBlocks ?? 1,
        })),
      },
    ],
  };
  let s = initRepl(setup, w.variant);
  // Defect: the old source disk is not used as a seed, so every written block is sent.
  const oldDiskAsSeed = !has(w.variant, 'reprotect-without-checksums');
  const rv = s.vms[name] as VmState;
  s = {
    ...s,
    vms: {
      [name]: {
        ...rv,
        disks: Object.fromEntries(
          rv.diskOrder.map((id) => [
            id,
            { ...(rv.disks[id] as VmState['disks'][string]), blocks: rec.disks[id] ?? {} },
          ]),
        ),
        targetDisks: oldDiskAsSeed ? vm.disks : null,
      },
    },
  };
  s = replStep(s, {
    type: 'ConfigureReplication',
    vm: name,
    rpoMinutes: r.rpoMinutes,
    perDay: 0,
    days: 0,
    seed: oldDiskAsSeed,
  }).state;
  // SRM's optimized reprotect (research-notes A7, F): only back to the original site after a
  // planned migration, never for a replication configured with seed disks, and only while the
  // psf files are there (A4); otherwise a full sync that checksums both disks. The recovery
  // gave the recovered VM psf files of its own, which name what it wrote since: nothing in the
  // model, which writes to no recovered VM, and the planned migration's final sync left the old
  // source equal to the recovered instance, so nothing differs.
  const optimized =
    oldDiskAsSeed &&
    (rec.planned || has(w.variant, 'optimized-reprotect-after-disaster')) &&
    !r.seeded &&
    !r.recovering &&
    vm.diskOrder.every((id) => r.disks[id]?.psf !== null && r.disks[id]?.psf !== undefined);
  if (optimized) {
    const reverse = s.vms[name]?.repl;
    if (reverse) {
      const disks = Object.fromEntries(
        vm.diskOrder.map((id) => [id, { bitmap: [], psf: reverse.disks[id]?.psf ?? null }]),
      );
      s = {
        ...s,
        vms: {
          ...s.vms,
          [name]: {
            ...(s.vms[name] as VmState),
            repl: { ...reverse, needsFullSync: false, disks },
          },
        },
      };
    }
  }
  const started = replStep(s, { type: 'CycleStart', vm: name });
  s = started.state;
  const sent = started.emitted.reduce((n, x) => n + (x.kind === 'CycleStarted' ? x.blocks : 0), 0);
  const reversedTopology: Topology = {
    ...w.setup.topology,
    replication: [{ from: dir.to, to: dir.from }],
  };
  const back: WorldState = { ...w, setup: { ...w.setup, topology: reversedTopology }, repl: s };
  // From the cloud, the reverse stream goes through the tunnel's stitch (seed 003).
  // Otherwise it reaches the primary VRS, whose NFC writes into the old source's host.
  const primaryVrs = w.setup.topology.appliances.find(
    (a) => a.role === 'vrs' && a.site === dir.from,
  )?.ip;
  const sending =
    w.setup.toCloud && w.tunnel ? w.tunnel.fromCloud : pathOf(back, s.vms[name] as VmState);
  const path =
    !sending.ok || (w.setup.toCloud && w.tunnel)
      ? sending
      : primaryVrs
        ? nfcHop(back, vm.host, primaryVrs)
        : { ok: false, reason: `no VRS at ${dir.from} to replicate back to` };
  if (path.ok) {
    // One block a chunk: the bundle is whole after `sent` chunks (an empty one after one).
    s = deliverChunks(s, name, Math.max(1, sent)).state;
    s = replStep(s, { type: 'BundleCommit', vm: name }).state;
  }
  return {
    state: { ...w, reversed: { ...w.reversed, [name]: s } },
    emitted: [
      {
        kind: 'reprotect',
        clock: w.repl.clock,
        vm: name,
        sent,
        optimized,
        delivered: path.ok,
        reason: path.reason,
      },
    ],
  };
}
