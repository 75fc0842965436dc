// The two-site world: the replication protocol driven by a clock, a scheduler and bandwidth,
// with every transfer routed by the sending host and filtered by its firewall (E1), RPO
// violation and restore events (R8), and failover to a committed instance (R10).

import { applyBlocks, type BlockMap } from '../disk.ts';
import {
  decide,
  type FirewallEvent,
  type FirewallWorld,
  firewallStep,
  initFirewall,
} from '../firewall/firewall.ts';
import { hostFromSetup, netStep } from '../network/host.ts';
import { flowsOf, type Topology } from '../network/intent.ts';
import { formatIp } from '../network/ipv4.ts';
import { lookup } from '../network/lookup.ts';
import type { HostSetup, NetEvent, NetHost } from '../network/types.ts';
import { init as initRepl, latestInstance, step as replStep } from '../replication/step.ts';
import type {
  ReplicationEvent,
  ReplicationSetup,
  ReplicationState,
  VmState,
} from '../replication/types.ts';
import { has, type Variant } from '../variants.ts';

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
      { type: 'RulesetSet' | 'ApplianceBoot' | 'VibInstallManual' | 'VibRemove' }
    >
  /** Recover at the DR site from the latest instance (pick 0) or an older retained one. */
  | { readonly type: 'Failover'; readonly vm: string; readonly pick: number }
  /** Reverse replication after failover, with the old source disk as the seed (notes A7). */
  | { readonly type: 'Reprotect'; readonly vm: string };

export type WorldEmitted =
  | {
      readonly kind: 'committed';
      readonly clock: number;
      readonly vm: string;
      readonly pitClock: number;
    }
  | {
      readonly kind: 'blocked';
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

// Hosts built from the same setup are the same immutable state: built once, so the route memo
// below carries over too.
const built = new WeakMap<HostSetup, NetHost>();

function hostOf(h: HostSetup): NetHost {
  return child(built, h, () => hostFromSetup(h));
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
 * flow through its intended vmk and next hop, and its firewall lets the port out. A flow that
 * leaves by another gateway is taken as lost: in seed 000 the management gateway has no path
 * to the replication network.
 */
export function pathOf(w: WorldState, vm: VmState): Path {
  if (w.repl.link === 'down') return { ok: false, reason: 'the link to the DR site is down' };
  const routed = routeOf(w, vm.host);
  if (routed) return routed;
  const full = vm.repl?.cycle?.kind === 'full';
  // Full sync on 31031, deltas on 44046 (research-notes A1); to the cloud on 10000-10010.
  const port = w.setup.toCloud ? 10000 : full ? 31031 : 44046;
  const fwHost = w.fw.hosts[vm.host];
  if (fwHost) {
    const v = decide(fwHost, { direction: 'outbound', protocol: 'tcp', port }, w.variant);
    if (v.action === 'drop')
      return { ok: false, reason: `${vm.host}'s firewall drops TCP ${port}: ${v.reason}` };
  }
  // Past the host's firewall, to-the-cloud data goes through the vCTA's tunnel (seed 003).
  if (w.setup.toCloud && w.tunnel && !w.tunnel.toCloud.ok) return w.tunnel.toCloud;
  return { ok: true, reason: 'routed as intended and allowed' };
}

/**
 * The routing half of pathOf: null when the host sends its transfer class out of the intended
 * vmk and next hop, else why not. It depends only on the topology, that host's network state
 * and the variant, all immutable, so the answer is kept per (topology, host state, variant):
 * the world asks it every simulated minute, and a host's state changes only on network events.
 */
const routeMemo = new WeakMap<
  Topology,
  WeakMap<NetHost, WeakMap<Variant, Map<string, Path | null>>>
>();

function child<K extends object, V>(m: WeakMap<K, V>, k: K, make: () => V): V {
  const found = m.get(k);
  if (found !== undefined) return found;
  const made = make();
  m.set(k, made);
  return made;
}

function routeOf(w: WorldState, hostName: string): Path | null {
  const cls = w.setup.toCloud ? 'to-cloud' : 'replication';
  const host = w.net[hostName];
  if (!host) return { ok: false, reason: `${hostName} has no ${cls} flow in the topology` };
  const byHost = child(routeMemo, w.setup.topology, () => new WeakMap());
  const byVariant = child(byHost, host, () => new WeakMap());
  const verdicts = child(byVariant, w.variant, () => new Map<string, Path | null>());
  const known = verdicts.get(cls);
  if (known !== undefined) return known;
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
  verdicts.set(cls, verdict);
  return verdict;
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
      for (let left = e.minutes; left > 0; ) {
        // Minutes in which only the clock moves, or a due transfer stays blocked, are taken in
        // one stride; the rest one by one. Same states and events either way (the world spec
        // checks the strides against minuteByMinute).
        const run = uneventful(cur, left);
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
      return { state: { ...w, net: r.hosts }, emitted: [], ...(r.error ? { error: r.error } : {}) };
    }
    case 'Reboot': {
      // A restarted host is pushed the vib again by the appliance (research-notes D).
      const r = netStep(w.net, e, variant);
      const fw = firewallStep(w.fw, { type: 'HostConnect', host: e.host }, variant).world;
      return {
        state: { ...w, net: r.hosts, fw },
        emitted: [],
        ...(r.error ? { error: r.error } : {}),
      };
    }
    case 'RulesetSet':
    case 'ApplianceBoot':
    case 'VibInstallManual':
    case 'VibRemove': {
      const r = firewallStep(w.fw, e, variant);
      return { state: { ...w, fw: r.world }, emitted: [], ...(r.error ? { error: r.error } : {}) };
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
      let disks: Record<string, BlockMap> = { ...inst.disks };
      if (has(variant, 'failover-to-partial') && r.staging) {
        // Defect: the bundle still arriving at the VRS is written into the recovered disks.
        for (const [d, blocks] of Object.entries(r.staging.blocks))
          disks = { ...disks, [d]: applyBlocks(disks[d] ?? {}, blocks) };
      }
      // Recovery stops replication from the old source (research-notes A7).
      const paused = replStep(w.repl, { type: 'Pause', vm: e.vm }).state;
      return {
        state: {
          ...w,
          repl: paused,
          recovered: { ...w.recovered, [e.vm]: { pit: inst.pit, pitClock: inst.pitClock, disks } },
        },
        emitted: [{ kind: 'failover', clock: w.repl.clock, vm: e.vm, pitClock: inst.pitClock }],
      };
    }
    case 'Reprotect':
      return reprotect(w, e.vm);
    default: {
      const r = replStep(w.repl, e);
      return {
        state: { ...w, repl: r.state },
        emitted: [],
        ...(r.error ? { error: r.error } : {}),
      };
    }
  }
}

/** R8's verdict: the last instance is older than the RPO (research-notes A2). */
function overRpo(variant: Variant, age: number, rpoMinutes: number): boolean {
  // Defect: the violation is raised when the age reaches the RPO, a minute early.
  return has(variant, 'rpo-violation-off-by-one') ? age >= rpoMinutes : age > rpoMinutes;
}

/** A run of minutes `minute` would spend without a transfer, a commit or an RPO verdict flip. */
export interface Uneventful {
  readonly minutes: number;
  /** VMs whose transfer falls due in the run but cannot leave: from which minute, and why. */
  readonly blocked: readonly {
    readonly vm: string;
    readonly from: number;
    readonly reason: string;
  }[];
}

/**
 * How many of the next `max` minutes would change nothing but the clock and the blocked VMs'
 * error: for every VM, no bundle waits for NFC, no transfer is under way, none falls due (the
 * scheduler below) unless its path is refused, and the RPO verdict stays as already recorded.
 * Every test here mirrors one in `minute`, taken at the clock that minute would see. The path
 * cannot change within the run: it depends on the link, the hosts, the firewalls and whether a
 * cycle is under way, and none of them moves.
 */
export function uneventful(w: WorldState, max: number): Uneventful {
  let quiet = max;
  const blocked: { vm: string; from: number; reason: string }[] = [];
  for (const vm of Object.values(w.repl.vms)) {
    const r = vm.repl;
    if (!r) {
      if (w.violated[vm.name] !== false) return { minutes: 0, blocked: [] };
      continue;
    }
    if (r.cycle || r.staging?.complete) return { minutes: 0, blocked: [] };
    const age0 = ageOf(w, vm) as number;
    const recorded = w.violated[vm.name];
    if (recorded === undefined) return { minutes: 0, blocked: [] };
    const schedules = !r.paused && vm.power === 'on' && !r.recovering;
    const latest = latestInstance(r);
    const since = latest?.pitClock ?? r.configuredAt;
    const estimate = Math.ceil(dirtyBlocks(vm) / Math.max(1, w.setup.bandwidth));
    let from = 0;
    let reason = '';
    for (let m = 1; m <= quiet; m++) {
      if (overRpo(w.variant, age0 + m, r.rpoMinutes) !== recorded) {
        quiet = m - 1;
        break;
      }
      const due = schedules && (!latest || w.repl.clock + m - since + estimate + 1 >= r.rpoMinutes);
      if (from === 0 && due) {
        // Due from here to the end of the run (the clock only grows), on an unchanging path.
        const path = has(w.variant, 'ok-while-dropped') ? null : pathOf(w, vm);
        if (!path || path.ok) {
          quiet = m - 1;
          break;
        }
        from = m;
        reason = path.reason;
      }
    }
    if (from > 0) blocked.push({ vm: vm.name, from, reason });
  }
  return { minutes: quiet, blocked: blocked.filter((b) => b.from <= quiet) };
}

/**
 * The effect of an uneventful run: the clock moves on, and every minute each blocked VM (in the
 * order `minute` visits them) reports its transfer blocked and carries the error.
 */
function stride(w: WorldState, run: Uneventful, emitted: WorldEmitted[]): WorldState {
  const advanced = replStep(w.repl, { type: 'TimeAdvance', minutes: run.minutes }).state;
  // The replication model's tick counts its events: one per minute `minute` would have taken.
  let repl: ReplicationState = { ...advanced, tick: w.repl.tick + run.minutes };
  if (run.blocked.length === 0) return { ...w, repl };
  // run.blocked is in the VMs' own order, the order `minute` visits them in.
  for (let m = 1; m <= run.minutes; m++)
    for (const b of run.blocked)
      if (m >= b.from)
        emitted.push({ kind: 'blocked', clock: w.repl.clock + m, vm: b.vm, reason: b.reason });
  const vms = { ...repl.vms };
  for (const b of run.blocked) {
    const vm = vms[b.vm] as VmState;
    const r = vm.repl as NonNullable<VmState['repl']>;
    vms[b.vm] = { ...vm, repl: { ...r, error: `cannot reach the VRS: ${b.reason}` } };
  }
  repl = { ...repl, vms };
  return { ...w, repl };
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

/** One minute: the clock, the scheduler, transfers within bandwidth, NFC commits, RPO. */
function minute(w0: WorldState, emitted: WorldEmitted[]): WorldState {
  let w: WorldState = { ...w0, repl: replStep(w0.repl, { type: 'TimeAdvance', minutes: 1 }).state };
  const clock = w.repl.clock;
  let budget = w.setup.bandwidth;
  const sourceDone: Record<string, number> = { ...w.sourceDone };
  for (const name of Object.keys(w.repl.vms)) {
    const apply = (e: ReplicationEvent) => {
      const r = replStep(w.repl, e);
      w = { ...w, repl: r.state };
      for (const x of r.emitted) {
        if (x.kind === 'InstanceCommitted') {
          const inst = latestInstance(r.state.vms[name]?.repl as NonNullable<VmState['repl']>);
          emitted.push({ kind: 'committed', clock, vm: name, pitClock: inst?.pitClock ?? clock });
        }
      }
      return r;
    };
    let vm = w.repl.vms[name] as VmState;
    if (!vm.repl) continue;
    // A bundle left whole at the VRS goes to NFC (seed 001).
    if (vm.repl.staging?.complete) apply({ type: 'BundleCommit', vm: name });
    vm = w.repl.vms[name] as VmState;
    const r = vm.repl;
    if (!r) continue;
    if (!r.cycle && !r.paused && vm.power === 'on' && !r.recovering) {
      // research-notes A2: the next transfer must start early enough to land within the RPO.
      const latest = latestInstance(r);
      const age = clock - (latest?.pitClock ?? r.configuredAt);
      const estimate = Math.ceil(dirtyBlocks(vm) / Math.max(1, w.setup.bandwidth));
      if (!latest || age + estimate + 1 >= r.rpoMinutes) {
        const path = pathOf(w, vm);
        // Defect: the agent starts the transfer without checking the path (and later counts it
        // as sent).
        if (path.ok || has(w.variant, 'ok-while-dropped')) apply({ type: 'CycleStart', vm: name });
        else {
          // A due transfer that cannot reach the VRS shows as an error (research-notes A6:
          // hbrDisconnected / remoteSiteDown), not as OK.
          const vms = {
            ...w.repl.vms,
            [name]: { ...vm, repl: { ...r, error: `cannot reach the VRS: ${path.reason}` } },
          };
          w = { ...w, repl: { ...w.repl, vms } };
          emitted.push({ kind: 'blocked', clock, vm: name, reason: path.reason });
        }
      }
    }
    vm = w.repl.vms[name] as VmState;
    const c = vm.repl?.cycle;
    if (c) {
      const path = pathOf(w, vm);
      if (!path.ok) {
        emitted.push({ kind: 'blocked', clock, vm: name, reason: path.reason });
        if (has(w.variant, 'ok-while-dropped')) {
          // Defect: the agent counts the bundle as sent though nothing arrived, and ends the cycle.
          const repl = vm.repl as NonNullable<VmState['repl']>;
          const disks = Object.fromEntries(
            Object.entries(repl.disks).map(([d, t]) => [
              d,
              { ...t, psf: t.psf ? { ...t.psf, blocks: t.bitmap } : null },
            ]),
          );
          const vms = {
            ...w.repl.vms,
            [name]: { ...vm, repl: { ...repl, cycle: null, disks, error: null } },
          };
          w = { ...w, repl: { ...w.repl, vms } };
          sourceDone[name] = c.pitClock;
        }
      } else {
        let sent = 0;
        while (budget > 0) {
          const cur = w.repl.vms[name]?.repl;
          if (!cur?.cycle || cur.staging?.complete) break;
          const res = apply({ type: 'ChunkDelivered', vm: name });
          if (res.refused) break;
          const n = res.emitted.reduce(
            (k, x) => k + (x.kind === 'ChunkSent' ? x.blocks.length : 0),
            0,
          );
          sent += n;
          budget -= Math.max(n, 1);
        }
        if (sent > 0) emitted.push({ kind: 'delivered', clock, vm: name, blocks: sent });
        if (w.repl.vms[name]?.repl?.staging?.complete) apply({ type: 'BundleCommit', vm: name });
      }
    }
  }
  w = { ...w, sourceDone };
  // RPO honesty (R8): raise when the age exceeds the RPO, with the minutes of violation.
  const violated: Record<string, boolean> = { ...w.violated };
  for (const vm of Object.values(w.repl.vms)) {
    const age = ageOf(w, vm);
    if (age === null || !vm.repl) {
      violated[vm.name] = false;
      continue;
    }
    const over = overRpo(w.variant, age, vm.repl.rpoMinutes);
    if (over && !violated[vm.name])
      emitted.push({ kind: 'rpoViolated', clock, vm: vm.name, minutes: age - vm.repl.rpoMinutes });
    if (!over && violated[vm.name]) emitted.push({ kind: 'rpoRestored', clock, vm: vm.name });
    violated[vm.name] = over;
  }
  return { ...w, violated };
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
  const seeded = !has(w.variant, 'reprotect-without-checksums');
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
        // Defect: the old source disk is not used as a seed, so every written block is sent.
        targetDisks: seeded ? vm.disks : null,
      },
    },
  };
  s = replStep(s, {
    type: 'ConfigureReplication',
    vm: name,
    rpoMinutes: r.rpoMinutes,
    retention: 0,
    seed: seeded,
  }).state;
  // SRM's optimized reprotect (research-notes A7): when the recovered instance is the latest
  // and the old source's psf is intact, the psf names exactly the blocks written there since,
  // so the reverse transfer sends those without checksumming both disks; otherwise full sync.
  const latestPit = latestInstance(r)?.pit;
  const optimized =
    seeded &&
    rec.pit === latestPit &&
    !r.recovering &&
    !r.needsFullSync &&
    vm.diskOrder.every((id) => r.disks[id]?.psf !== null && r.disks[id]?.psf !== undefined);
  if (optimized) {
    const reverse = s.vms[name]?.repl;
    if (reverse) {
      const disks = Object.fromEntries(
        vm.diskOrder.map((id) => [
          id,
          { bitmap: r.disks[id]?.psf?.blocks ?? [], psf: reverse.disks[id]?.psf ?? null },
        ]),
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
  const path =
    w.setup.toCloud && w.tunnel ? w.tunnel.fromCloud : pathOf(back, s.vms[name] as VmState);
  if (path.ok) {
    for (let i = 0; i < sent + 1 && !s.vms[name]?.repl?.staging?.complete; i++)
      s = replStep(s, { type: 'ChunkDelivered', vm: name }).state;
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
