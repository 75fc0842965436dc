// E1, F4, R8 and R10 over the two-site world, judged by an oracle that recomputes paths
// (with the routing oracle and its own reading of the rulesets) and RPO ages minute by minute.
import fc from 'fast-check';
import {
  type HostFirewall,
  NFC_INBOUND_RULESET,
  TO_CLOUD_RULESET,
} from '../../model/firewall/firewall.ts';
import { flowsOf } from '../../model/network/intent.ts';
import { formatIp } from '../../model/network/ipv4.ts';
import type { ReplicationStatus } from '../../model/replication/status.ts';
import { latestInstance } from '../../model/replication/step.ts';
import type { ReplicationSetup, VmSetup } from '../../model/replication/types.ts';
import { reads, type Variant } from '../../model/variants.ts';
import {
  initWorld,
  replicaHostOf,
  type WorldEmitted,
  type WorldEvent,
  type WorldSetup,
  type WorldState,
  worldStatus,
  worldStep,
} from '../../model/world/world.ts';
import { oracleAdmits } from '../firewall/properties.ts';
import { reachabilityTwin } from '../goals.ts';
import { recommendedWorld } from '../network/arbitraries.ts';
import { expectedDecision } from '../network/oracle.ts';
import { NET_SCENARIOS } from '../network/scenarios.ts';
import type { PropertyDef, Violation } from '../registry-types.ts';
import { expectedRetained } from '../replication/oracle.ts';

export interface WorldCase {
  readonly setup: WorldSetup;
  readonly events: readonly WorldEvent[];
}

// ---- generation ----

interface Knobs {
  readonly faults: boolean;
  readonly minBandwidth: number;
  /** Slow links: 1 or 2 blocks a minute, bigger disks, writes in bursts, mostly two VMs. */
  readonly slow?: boolean;
}

function worldArb(k: Knobs): fc.Arbitrary<WorldCase> {
  return recommendedWorld(false).chain((net) => {
    const topology = net.setup.topology;
    if (!topology) throw new Error('recommendedWorld always has a topology');
    const primary = topology.hosts.filter((h) => h.site === 'a').map((h) => h.name);
    const version = net.setup.hosts.find((h) => h.name === primary[0])?.version ?? '6.7';
    const vmArb = (i: number): fc.Arbitrary<VmSetup> =>
      fc.record({
        name: fc.constant(`vm-${i + 1}`),
        host: fc.constantFrom(...primary),
        poweredOn: fc.constant(true),
        disks: fc
          .integer({ min: k.slow ? 8 : 1, max: 16 })
          .map((sizeBlocks) => [{ id: 'disk-0', uuid: `u-${i + 1}`, sizeBlocks }]),
      });
    return fc
      .record({
        vms: (k.slow ? fc.constantFrom(1, 2, 2) : fc.integer({ min: 1, max: 2 })).chain((n) =>
          fc.tuple(...Array.from({ length: n }, (_, i) => vmArb(i))),
        ),
        bandwidth: k.slow
          ? fc.integer({ min: 1, max: 2 })
          : fc.integer({ min: k.minBandwidth, max: Math.max(k.minBandwidth, 4) }),
        toCloud: k.faults ? fc.constantFrom(false, false, false, true) : fc.constant(false),
        rpo: fc.constantFrom(15, 15, 15, 30, 60),
        // MPIT (research-notes A2): none, or hourly slots worlds of a few hours live through.
        mpit: fc.constantFrom(
          { perDay: 0, days: 0 },
          { perDay: 24, days: 1 },
          { perDay: 12, days: 2 },
        ),
      })
      .chain(({ vms, bandwidth, toCloud, rpo, mpit }) => {
        const replication: ReplicationSetup = {
          version,
          hosts: primary,
          vrs: 'vrs-b',
          vms,
          chunkBlocks: 1,
        };
        const setup: WorldSetup = {
          replication,
          hosts: net.setup.hosts,
          topology,
          bandwidth,
          toCloud,
        };
        const vm = fc.constantFrom(...vms.map((v) => v.name));
        const host = fc.constantFrom(...primary);
        const write = fc
          .record({ vm, block: fc.integer({ min: 0, max: 15 }) })
          .map(({ vm: v, block }): WorldEvent => {
            const size = vms.find((x) => x.name === v)?.disks[0]?.sizeBlocks ?? 1;
            return { type: 'GuestWrite', vm: v, disk: 'disk-0', block: block % size };
          });
        const tick = fc
          .integer({ min: 1, max: 40 })
          .map((minutes): WorldEvent => ({ type: 'Tick', minutes }));
        const routes = net.setup.hosts
          .filter((h) => primary.includes(h.name))
          .flatMap((h) =>
            (h.routes ?? []).map((r) => ({ host: h.name, network: r.network, gateway: r.gateway })),
          );
        // Outages: something breaks, time passes, and usually it is mended again.
        const ruleset = toCloud ? TO_CLOUD_RULESET : 'HBR';
        const pairs: fc.Arbitrary<[WorldEvent, WorldEvent]>[] = [
          fc.constant<[WorldEvent, WorldEvent]>([{ type: 'LinkDown' }, { type: 'LinkUp' }]),
          host.map((h): [WorldEvent, WorldEvent] => [
            { type: 'RulesetSet', host: h, ruleset, enabled: false },
            { type: 'RulesetSet', host: h, ruleset, enabled: true },
          ]),
          // Misrouting: the replication vmk loses its tag and replication falls back to the default stack.
          host.map((h): [WorldEvent, WorldEvent] => [
            { type: 'TagRemove', host: h, vmk: 'vmk2', tag: 'vSphereReplication' },
            { type: 'TagAdd', host: h, vmk: 'vmk2', tag: 'vSphereReplication' },
          ]),
          vm.map((v): [WorldEvent, WorldEvent] => [
            { type: 'PowerOff', vm: v },
            { type: 'PowerOn', vm: v },
          ]),
          // DRS moves: the new host routes and filters the VM's replication from then on.
          fc.record({ v: vm, a: host, b: host }).map(({ v, a, b }): [WorldEvent, WorldEvent] => [
            { type: 'VMotion', vm: v, host: a },
            { type: 'VMotion', vm: v, host: b },
          ]),
          host.map((h): [WorldEvent, WorldEvent] => [
            { type: 'Reboot', host: h },
            { type: 'Tick', minutes: 1 },
          ]),
        ];
        if (routes.length > 0) {
          pairs.push(
            fc.constantFrom(...routes).map((r): [WorldEvent, WorldEvent] => [
              {
                type: 'RouteRemove',
                host: r.host,
                netstack: 'defaultTcpipStack',
                network: r.network,
              },
              {
                type: 'RouteAdd',
                host: r.host,
                netstack: 'defaultTcpipStack',
                network: r.network,
                gateway: r.gateway,
                persist: true,
              },
            ]),
          );
        }
        const replica = replicaHostOf(topology, 'b');
        const vrs = topology.appliances.find((x) => x.role === 'vrs' && x.site === 'b')?.ip;
        if (!toCloud && replica) {
          // NFC comes into the replica host on 902 (research-notes A1): its vSphereClient
          // ruleset closed, restricted to its allowed IPs, and the outgoing NFC ruleset, which
          // must not matter, closed.
          const set = (ruleset: string, enabled: boolean): WorldEvent => ({
            type: 'RulesetSet',
            host: replica,
            ruleset,
            enabled,
          });
          const only = (allowedAll: boolean): WorldEvent => ({
            type: 'RulesetAllowedAll',
            host: replica,
            ruleset: NFC_INBOUND_RULESET,
            allowedAll,
          });
          pairs.push(
            fc.constant<[WorldEvent, WorldEvent]>([
              set(NFC_INBOUND_RULESET, false),
              set(NFC_INBOUND_RULESET, true),
            ]),
            fc.constant<[WorldEvent, WorldEvent]>([set('NFC', false), set('NFC', true)]),
            fc.constant<[WorldEvent, WorldEvent]>([only(false), only(true)]),
          );
        }
        if (toCloud) {
          // seed 003's workaround also mends a 6.5U1 host that never got the vib.
          pairs.push(
            host.map((h): [WorldEvent, WorldEvent] => [
              { type: 'VibRemove', host: h },
              { type: 'VibInstallManual', host: h },
            ]),
          );
        }
        const outage = fc
          .record({
            pair: fc.oneof(...pairs),
            minutes: fc.integer({ min: 1, max: 80 }),
            mended: fc.double({ min: 0, max: 1, noNaN: true }),
          })
          .map(({ pair: [brk, fix], minutes, mended }): WorldEvent[] =>
            mended < 0.8 ? [brk, { type: 'Tick', minutes }, fix] : [brk, { type: 'Tick', minutes }],
          );
        const body = fc.array(
          fc.oneof(
            k.slow
              ? { weight: 6, arbitrary: fc.array(write, { minLength: 3, maxLength: 16 }) }
              : { weight: 6, arbitrary: write.map((e) => [e]) },
            { weight: 5, arbitrary: tick.map((e) => [e]) },
            ...(k.faults
              ? [
                  { weight: 3, arbitrary: outage },
                  // Long quiet stretches, so MPIT's hourly slots end (research-notes A2).
                  {
                    weight: 1,
                    arbitrary: fc
                      .integer({ min: 60, max: 150 })
                      .map((minutes): WorldEvent[] => [{ type: 'Tick', minutes }]),
                  },
                ]
              : []),
          ),
          { maxLength: 30 },
        );
        // Disasters end stories: a failover, if any, comes last, from the latest or an older
        // instance; some follow a Sync Now a minute earlier, so the VRS is often mid-bundle when
        // the site is lost, and some are planned migrations (research-notes A7) after a Sync Now
        // given time to land.
        const failover = k.faults
          ? fc.option(
              fc
                .record({
                  vm,
                  pick: fc.integer({ min: 0, max: mpit.perDay === 0 ? 0 : 3 }),
                  mode: fc.constantFrom('disaster', 'mid-sync', 'planned'),
                  back: fc.double({ min: 0, max: 1, noNaN: true }).map((x) => x < 0.6),
                  writes: fc.uniqueArray(fc.integer({ min: 0, max: 15 }), {
                    minLength: 2,
                    maxLength: 8,
                  }),
                })
                .map(({ vm: v, pick, mode, back, writes }): WorldEvent[] => {
                  const size = vms.find((x) => x.name === v)?.disks[0]?.sizeBlocks ?? 1;
                  const planned = mode === 'planned';
                  const pre: WorldEvent[] =
                    mode !== 'disaster'
                      ? [
                          ...writes.map(
                            (b): WorldEvent => ({
                              type: 'GuestWrite',
                              vm: v,
                              disk: 'disk-0',
                              block: b % size,
                            }),
                          ),
                          { type: 'SyncNow', vm: v },
                          { type: 'Tick', minutes: planned ? 12 : 1 },
                        ]
                      : [];
                  const after: WorldEvent[] = back ? [{ type: 'Reprotect', vm: v }] : [];
                  // After the final sync, SRM's planned migration (research-notes A7).
                  const failover: WorldEvent = planned
                    ? { type: 'Failover', vm: v, pick: 0, planned: true }
                    : { type: 'Failover', vm: v, pick };
                  return [...pre, failover, ...after];
                }),
              { freq: 2 },
            )
          : fc.constant(null);
        // An allowed-IP list on the replica host's vSphereClient, in force once allowed-all is
        // switched off: the VR server, its subnet, or only another network.
        const allowedIp =
          k.faults && !toCloud && replica && vrs
            ? fc.constantFrom(
                [] as WorldEvent[],
                ...[vrs, `${vrs.replace(/\.\d+$/, '.0')}/24`, '192.0.2.0/24'].map(
                  (address): WorldEvent[] => [
                    { type: 'AllowedIpAdd', host: replica, ruleset: NFC_INBOUND_RULESET, address },
                  ],
                ),
              )
            : fc.constant([] as WorldEvent[]);
        // Some replications start from a seed disk copied to the target (research-notes A7).
        const seeds = k.faults
          ? fc.array(fc.boolean(), { minLength: vms.length, maxLength: vms.length })
          : fc.constant(vms.map(() => false));
        return fc
          .tuple(body, failover, allowedIp, seeds)
          .map(([segments, fo, allowed, seeded]) => ({
            setup,
            events: [
              ...allowed,
              ...(toCloud ? [{ type: 'ApplianceBoot' } as WorldEvent] : []),
              ...vms.flatMap((v, i): WorldEvent[] => [
                ...(seeded[i]
                  ? [{ type: 'SeedCopy', vm: v.name, uuid: 'same' } as WorldEvent]
                  : []),
                {
                  type: 'ConfigureReplication',
                  vm: v.name,
                  rpoMinutes: rpo,
                  ...mpit,
                  seed: seeded[i] === true,
                },
              ]),
              ...segments.flat(),
              ...(fo ?? []),
            ],
          }));
      });
  });
}

export const faultyWorld = worldArb({ faults: true, minBandwidth: 1 });
export const healthyWorld = worldArb({ faults: false, minBandwidth: 64 });
/** Healthy worlds on slow links (1 or 2 blocks a minute): transfers take minutes. */
export const slowWorld = worldArb({ faults: false, minBandwidth: 1, slow: true });

/** Healthy worlds that end in a failover and a reprotect. */
export const healthyReprotect: fc.Arbitrary<WorldCase> = healthyWorld.chain((c) =>
  fc
    .record({
      vm: fc.constantFrom(...c.setup.replication.vms.map((v) => v.name)),
      writes: fc.array(fc.integer({ min: 0, max: 15 }), { maxLength: 4 }),
    })
    .map(({ vm, writes }) => {
      const size = c.setup.replication.vms.find((x) => x.name === vm)?.disks[0]?.sizeBlocks ?? 1;
      return {
        ...c,
        events: [
          ...c.events,
          { type: 'Tick', minutes: 1 } as WorldEvent,
          ...writes.map(
            (b): WorldEvent => ({ type: 'GuestWrite', vm, disk: 'disk-0', block: b % size }),
          ),
          { type: 'Failover', vm, pick: 0 } as WorldEvent,
          { type: 'Reprotect', vm } as WorldEvent,
        ],
      };
    }),
);

// ---- the oracle ----

/** Whether a VM's traffic gets through, judged without the world's own pathOf. */
export function oraclePath(w: WorldState, vmName: string): boolean {
  const vm = w.repl.vms[vmName];
  if (!vm || w.repl.link === 'down') return false;
  const cls = w.setup.toCloud ? 'to-cloud' : 'replication';
  const flow = flowsOf(w.setup.topology, w.net).find((f) => f.host === vm.host && f.class === cls);
  const host = w.net[vm.host];
  if (!flow || !host) return false;
  const e = expectedDecision(host, flow.netstack, flow.dst, flow.bound);
  if (!e || e.egress !== flow.intended.vmk || e.nextHop !== flow.intended.nextHop) return false;
  // The transfer under way, or the one that would start: full sync on 31031, deltas on 44046
  // (seeds 001, 002), or 31031 throughout (reading ongoing-on-31031); the cloud on 10000.
  const full = vm.repl?.cycle ? vm.repl.cycle.kind === 'full' : vm.repl?.needsFullSync === true;
  const port = w.setup.toCloud
    ? 10000
    : full || reads(w.variant, 'ongoing-on-31031')
      ? 31031
      : 44046;
  return lets(w.fw.hosts[vm.host], 'outbound', port, formatIp(flow.dst));
}

/** Whether a host's firewall lets TCP on a port through in a direction, by its rulesets' data. */
function lets(
  fw: HostFirewall | undefined,
  direction: 'inbound' | 'outbound',
  port: number,
  remote: string,
): boolean {
  if (!fw?.enabled) return true;
  return fw.rulesets.some(
    (rs) =>
      rs.enabled &&
      oracleAdmits(rs.allowedAll, rs.allowedIps, remote) &&
      rs.rules.some(
        (r) =>
          r.direction === direction && r.protocol === 'tcp' && r.begin <= port && port <= r.end,
      ),
  );
}

/**
 * Whether the VRS's NFC reaches the replica host, judged without the world's own nfcPathOf: TCP
 * 902 in from the VR server (research-notes A1, F), and the replica host's reply routed to the
 * VR server as intended.
 */
export function oracleNfc(w: WorldState, vmName: string): boolean {
  const vm = w.repl.vms[vmName];
  if (!vm) return false;
  if (w.setup.toCloud) return true;
  const t = w.setup.topology;
  const site = t.hosts.find((h) => h.name === vm.host)?.site;
  const to = t.replication.find((r) => r.from === site)?.to;
  const target = t.hosts.find((h) => h.site === to)?.name;
  const vrs = t.appliances.find((a) => a.role === 'vrs' && a.site === to)?.ip;
  const host = target ? w.net[target] : undefined;
  if (!target || !vrs || !host) return false;
  if (!lets(w.fw.hosts[target], 'inbound', 902, vrs)) return false;
  const flow = flowsOf(t, w.net).find((f) => f.host === target && f.class === 'nfc');
  if (!flow) return false;
  const e = expectedDecision(host, flow.netstack, flow.dst, flow.bound);
  return e !== null && e.egress === flow.intended.vmk && e.nextHop === flow.intended.nextHop;
}

export interface WView {
  readonly index: number;
  readonly event: WorldEvent;
  readonly before: WorldState;
  readonly after: WorldState;
  readonly emitted: readonly WorldEmitted[];
  readonly error?: string;
  /** Each VM's commits since it was configured, oldest first, as the oracle saw them. */
  readonly commits: Readonly<Record<string, readonly { clock: number; pitClock: number }[]>>;
}

type WCheck = (v: WView, memo: Map<string, number>) => string | null;

/** One transition as the exhaustive explorer shows it to a check: the view and the fold's memo. */
export interface WorldStepView {
  readonly view: WView;
  readonly memo: Map<string, number>;
}

function foldWorld(c: WorldCase, variant: Variant, check: WCheck): Violation | null {
  let w = initWorld(c.setup, variant);
  const memo = new Map<string, number>();
  const commits: Record<string, { clock: number; pitClock: number }[]> = {};
  for (const [i, e] of c.events.entries()) {
    const r = worldStep(w, e);
    if (e.type === 'ConfigureReplication' && !r.error) commits[e.vm] = [];
    for (const x of r.emitted)
      if (x.kind === 'committed')
        commits[x.vm] = [...(commits[x.vm] ?? []), { clock: x.clock, pitClock: x.pitClock }];
    const m = check(
      {
        index: i + 1,
        event: e,
        before: w,
        after: r.state,
        emitted: r.emitted,
        ...(r.error ? { error: r.error } : {}),
        commits,
      },
      memo,
    );
    if (m) return { step: i + 1, invariant: '', message: m };
    w = r.state;
  }
  return null;
}

const lastPitOf = (w: WorldState, vm: string): number | null => {
  const r = w.repl.vms[vm]?.repl;
  if (!r) return null;
  return latestInstance(r)?.pitClock ?? r.configuredAt;
};

const checkE1: WCheck = (v) => {
  if (v.event.type !== 'Tick') return null;
  for (const e of v.emitted) {
    if (e.kind !== 'delivered' && e.kind !== 'blocked') continue;
    const ok = oraclePath(v.before, e.vm);
    if (e.kind === 'delivered' && !ok) {
      return `${e.vm}: ${e.blocks} block(s) reached the target at minute ${e.clock} though its path is not routed as intended and allowed by the firewall`;
    }
    if (e.kind === 'blocked' && ok)
      return `${e.vm}: the transfer was blocked at minute ${e.clock} (${e.reason}) though every hop is routed as intended and allowed`;
  }
  return null;
};

const checkR8: WCheck = (v) => {
  if (v.event.type !== 'Tick') return null;
  for (const name of Object.keys(v.after.repl.vms)) {
    const r = v.after.repl.vms[name]?.repl;
    let last = lastPitOf(v.before, name);
    if (!r || last === null) continue;
    let raised = v.before.violated[name] === true;
    for (let t = v.before.repl.clock + 1; t <= v.after.repl.clock; t++) {
      const here = v.emitted.filter((e) => e.clock === t && e.vm === name);
      for (const e of here) if (e.kind === 'committed') last = e.pitClock;
      const age = t - last;
      const over = age > r.rpoMinutes;
      const viol = here.find((e) => e.kind === 'rpoViolated');
      const rest = here.find((e) => e.kind === 'rpoRestored');
      if (over && !raised) {
        if (!viol)
          return `${name}: at minute ${t} the last instance is ${age} min old, over the ${r.rpoMinutes} min RPO, but no rpoViolatedEvent was raised`;
        if (viol.kind === 'rpoViolated' && viol.minutes !== age - r.rpoMinutes) {
          return `${name}: rpoViolatedEvent at minute ${t} says ${viol.minutes} minute(s), but the RPO is exceeded by ${age - r.rpoMinutes}`;
        }
      } else if (viol) {
        return `${name}: rpoViolatedEvent at minute ${t} though the last instance is ${age} min old against a ${r.rpoMinutes} min RPO${raised ? ' and a violation was already raised' : ''}`;
      }
      if (!over && raised && !rest)
        return `${name}: at minute ${t} the RPO is met again (age ${age} min) but no rpoRestoredEvent was raised`;
      if (rest && !(raised && !over))
        return `${name}: rpoRestoredEvent at minute ${t} with nothing to restore`;
      raised = over;
    }
  }
  return null;
};

const checkHealthy: WCheck = (v) => {
  const e = v.emitted.find((x) => x.kind === 'rpoViolated');
  return e && e.kind === 'rpoViolated'
    ? `${e.vm}: RPO violated by ${e.minutes} min at minute ${e.clock} on a healthy link with ${v.after.setup.bandwidth} blocks/min`
    : null;
};

/**
 * Tracks, per VM, the minute its transfer under way started and how long the transfer behind its
 * latest instance took, from the world's own emitted events.
 */
function trackTransfers(v: WView, memo: Map<string, number>): void {
  for (const e of v.emitted) {
    if (e.kind === 'started') memo.set(`start:${e.vm}`, e.clock);
    if (e.kind === 'committed') {
      memo.delete(`start:${e.vm}`);
      memo.set(`took:${e.vm}`, e.clock - e.pitClock);
    }
  }
}

/**
 * R8 on a slow healthy link: VR's docs promise no violation while transfers take at most half the
 * RPO (research-notes A2: "If the replication takes more than 7.5 minutes [of a 15 minute RPO],
 * the replication encounters periodic RPO violations"), and the scheduler that aims to finish
 * within half the RPO (research-notes F) keeps that promise: a violation is raised only while the
 * transfer under way has taken more than half the RPO, or the one behind the latest instance did.
 */
const checkPace: WCheck = (v, memo) => {
  if (v.event.type !== 'Tick') return null;
  for (const e of v.emitted) {
    // Replays the transfers in the order the emitted events tell them.
    trackTransfers({ ...v, emitted: [e] }, memo);
    if (e.kind !== 'rpoViolated') continue;
    const rpo = v.after.repl.vms[e.vm]?.repl?.rpoMinutes ?? 0;
    const half = Math.floor(rpo / 2);
    const start = memo.get(`start:${e.vm}`);
    const took = memo.get(`took:${e.vm}`);
    const running = start === undefined ? null : e.clock - start;
    if ((running ?? 0) <= half && (took ?? 0) <= half)
      return `${e.vm}: RPO violated at minute ${e.clock}, though the transfer under way ${running === null ? 'does not exist' : `has taken ${running} min`} and the one behind the latest instance took ${took ?? 'no'} min, both within half the ${rpo} min RPO (research-notes A2, F)`;
  }
  return null;
};

/**
 * What happens when a transfer takes longer than the RPO (research-notes A2): its instance is
 * already too old when it lands, so the violation stays raised, the next transfer starts in the
 * same minute, and meanwhile the replication shows Sync(RPO violation).
 */
const checkLong: WCheck = (v) => {
  if (v.event.type !== 'Tick') return null;
  for (const [i, e] of v.emitted.entries()) {
    if (e.kind !== 'committed') continue;
    const rpo = v.after.repl.vms[e.vm]?.repl?.rpoMinutes ?? 0;
    if (e.clock - e.pitClock <= rpo) continue;
    const later = v.emitted.slice(i + 1).filter((x) => x.vm === e.vm && x.clock === e.clock);
    if (later.some((x) => x.kind === 'rpoRestored'))
      return `${e.vm}: a transfer of ${e.clock - e.pitClock} min landed at minute ${e.clock} and the RPO violation was restored, though its instance is older than the ${rpo} min RPO`;
    if (!later.some((x) => x.kind === 'started'))
      return `${e.vm}: a transfer of ${e.clock - e.pitClock} min landed at minute ${e.clock}, over the ${rpo} min RPO, and the next did not start at once`;
  }
  for (const vm of Object.values(v.after.repl.vms)) {
    const c = vm.repl?.cycle;
    if (!c || !vm.repl || v.after.repl.clock - c.pitClock <= vm.repl.rpoMinutes) continue;
    const want = `${c.kind === 'delta' ? 'Sync' : 'Full Sync'}(RPO violation)`;
    const got = worldStatus(v.after, vm.name);
    if (got !== want && !(c.initial && got === 'Initial Full Sync'))
      return `${vm.name}: a transfer running for ${v.after.repl.clock - c.pitClock} min, over the ${vm.repl.rpoMinutes} min RPO, shows ${got}, not ${want}`;
  }
  return null;
};

const checkF4: WCheck = (v) => {
  if (v.event.type !== 'Tick') return null;
  for (const vm of Object.values(v.after.repl.vms)) {
    const last = lastPitOf(v.after, vm.name);
    if (last === null || !vm.repl || vm.power === 'off' || vm.repl.paused) continue;
    const age = v.after.repl.clock - last;
    if (!oraclePath(v.after, vm.name) && age > vm.repl.rpoMinutes) {
      const st = worldStatus(v.after, vm.name);
      if (st === 'OK' || !v.after.violated[vm.name]) {
        return `${vm.name}: its replication traffic is dropped and its data is ${age} min old (RPO ${vm.repl.rpoMinutes} min), yet it shows ${st}${v.after.violated[vm.name] ? '' : ' with no RPO violation raised'}`;
      }
    }
  }
  return null;
};

/**
 * E1 at the DR site: a whole bundle goes into the replica host only through NFC, and NFC needs
 * TCP 902 into that host from the VR server and the host's replies routed back (research-notes
 * A1, F; seed 001).
 */
const checkNfc: WCheck = (v) => {
  if (v.event.type !== 'Tick') return null;
  for (const e of v.emitted) {
    if (e.kind !== 'committed' && e.kind !== 'nfcBlocked') continue;
    const ok = oracleNfc(v.before, e.vm);
    if (e.kind === 'committed' && !ok)
      return `${e.vm}: a bundle was committed at minute ${e.clock} though the VR server cannot get TCP 902 into the replica host or the host's replies are misrouted`;
    if (e.kind === 'nfcBlocked' && ok)
      return `${e.vm}: NFC was blocked at minute ${e.clock} (${e.reason}) though the replica host lets TCP 902 in from the VR server and routes its replies as intended`;
  }
  for (const vm of Object.values(v.after.repl.vms)) {
    if (vm.repl?.staging?.complete && oracleNfc(v.after, vm.name))
      return `${vm.name}: a whole bundle waits at the VRS after minute ${v.after.repl.clock} though NFC reaches the replica host`;
  }
  return null;
};

/** What the status oracle knows on its own: whether a VM's last traffic attempt failed. */
function trackReach(v: WView, memo: Map<string, number>): void {
  const key = (vm: string) => `unreachable:${vm}`;
  for (const [name, vm] of Object.entries(v.after.repl.vms)) {
    const before = v.before.repl.vms[name]?.repl;
    if (vm.repl && !before) memo.set(key(name), 0);
    // A cut link ends the transfers still arriving (the VRS cannot be reached).
    if (
      v.event.type === 'LinkDown' &&
      before?.cycle &&
      !before.staging?.complete &&
      !vm.repl?.cycle
    )
      memo.set(key(name), 1);
  }
  for (const e of v.emitted) {
    if (e.kind === 'blocked' || e.kind === 'nfcBlocked') memo.set(key(e.vm), 1);
    if (e.kind === 'started' || e.kind === 'delivered' || e.kind === 'committed')
      memo.set(key(e.vm), 0);
  }
}

/** The statuses that carry "(RPO violation)", as research-notes A5 lists them. */
const LATE_FORMS: readonly string[] = ['OK', 'Not Active', 'Full Sync', 'Sync', 'Error'];

/** The status a user must see, rule by rule, each from its source; null when not replicated. */
export function expectedStatus(
  w: WorldState,
  name: string,
  unreachable: boolean,
): ReplicationStatus | null {
  const vm = w.repl.vms[name];
  const r = vm?.repl;
  if (!vm || !r) return null;
  let base: string;
  // After failover: Recovered (research-notes A5, API enum RECOVERED).
  if (w.recovered[name]) base = 'Recovered';
  // Paused (A5); over powered off by inference, Not Active under paused-off-not-active.
  else if (r.paused)
    base =
      vm.power === 'off' && reads(w.variant, 'paused-off-not-active') ? 'Not Active' : 'Paused';
  // A transfer that could not connect, and nothing has moved since: Not Active (F, KB 403723).
  else if (unreachable) base = 'Not Active';
  // Traffic under way: Sync, Full Sync, or the first full sync (A5, In Progress).
  else if (r.cycle)
    base =
      r.cycle.kind === 'delta'
        ? 'Sync'
        : r.instances.length === 0
          ? 'Initial Full Sync'
          : 'Full Sync';
  // A powered-off source (A7).
  else if (vm.power === 'off') base = 'Not Active';
  // A failure at the target (F).
  else if (r.error) base = 'Error';
  else base = 'OK';
  const late = w.violated[name] === true && LATE_FORMS.includes(base);
  return (late ? `${base}(RPO violation)` : base) as ReplicationStatus;
}

const checkStatus: WCheck = (v, memo) => {
  trackReach(v, memo);
  for (const name of Object.keys(v.after.repl.vms)) {
    const want = expectedStatus(v.after, name, memo.get(`unreachable:${name}`) === 1);
    const got = worldStatus(v.after, name);
    if (got !== want)
      return `${name} shows ${got ?? 'nothing'} at minute ${v.after.repl.clock}, but a user must see ${want ?? 'nothing'} (research-notes A5, A7, F)`;
  }
  return null;
};

/**
 * R10 with MPIT: pick k recovers the k-th newest instance the retention policy keeps (research-
 * notes A2: N a day for D days, and the latest), computed from the commits the oracle saw, as of
 * the last commit (when the VRS prunes); a pick past them is refused.
 */
const checkR10: WCheck = (v) => {
  if (v.event.type !== 'Failover') return null;
  const { vm: name, pick } = v.event;
  const r = v.before.repl.vms[name]?.repl;
  const seen = v.commits[name] ?? [];
  const last = seen[seen.length - 1];
  const kept =
    r && last
      ? expectedRetained(
          seen.map((c, i) => ({ pit: i, pitClock: c.pitClock })),
          last.clock,
          r.perDay,
          r.days,
        ).map((i) => seen[i] as { clock: number; pitClock: number })
      : [];
  const chosen = kept[kept.length - 1 - pick];
  // A planned migration syncs first and stops if it cannot (research-notes A7): it recovers only
  // the latest instance, and only when that holds the source as it is, nothing under way.
  const vm = v.before.repl.vms[name];
  const newest = r?.instances[r.instances.length - 1];
  const behind =
    !vm ||
    !r ||
    r.cycle !== null ||
    r.staging !== null ||
    r.needsFullSync ||
    r.recovering ||
    vm.diskOrder.some(
      (d) => diffBlocks(vm.disks[d]?.blocks ?? {}, newest?.disks[d] ?? {}).length > 0,
    );
  const refused = v.event.planned === true && (pick !== 0 || behind);
  if (v.error)
    return chosen && !refused
      ? `${name}: failover to the instance ${pick} back was refused (${v.error}), though MPIT keeps ${kept.length}`
      : null;
  if (refused)
    return `${name}: a planned migration recovered though ${pick !== 0 ? `it asked for instance ${pick} back` : 'the source was not synced'}`;
  const got = v.after.recovered[name];
  const want = [...(r?.instances ?? [])].reverse().find((i) => i.pitClock === chosen?.pitClock);
  if (!chosen || !want || !got)
    return `${name}: failover to the instance ${pick} back succeeded, though MPIT keeps only ${kept.length}`;
  if (got.pitClock !== chosen.pitClock)
    return `${name}: failover to the instance ${pick} back recovered the instance of minute ${got.pitClock}, but the one MPIT keeps there is of minute ${chosen.pitClock}`;
  for (const [d, img] of Object.entries(want.disks)) {
    const g = got.disks[d] ?? {};
    const keys = new Set([...Object.keys(img), ...Object.keys(g)]);
    const bad = [...keys].filter((k) => (img[Number(k)] ?? 0) !== (g[Number(k)] ?? 0));
    if (bad.length > 0) {
      return `${v.event.vm}/${d}: the recovered disk differs from the committed instance of minute ${want.pitClock} in block(s) ${bad.join(', ')}; a failover must start from a whole instance`;
    }
  }
  return null;
};

const diffBlocks = (
  a: Readonly<Record<number, number>>,
  b: Readonly<Record<number, number>>,
): number[] =>
  [...new Set([...Object.keys(a), ...Object.keys(b)].map(Number))]
    .filter((k) => (a[k] ?? 0) !== (b[k] ?? 0))
    .sort((x, y) => x - y);

/**
 * R11: reprotect uses the old source as the seed, so it sends exactly the blocks that differ;
 * it is optimized (no checksum pass) only after a planned migration, never for a replication
 * configured with seed disks, and only while the old source's psf files are there (research-
 * notes A7, F); after a disaster recovery it is a checksum full sync.
 */
const checkR11: WCheck = (v, memo) => {
  if (v.event.type === 'ConfigureReplication' && !v.error)
    memo.set(`seeded:${v.event.vm}`, v.event.seed ? 1 : 0);
  if (v.event.type === 'Failover' && !v.error)
    memo.set(`planned:${v.event.vm}`, v.event.planned ? 1 : 0);
  if (v.event.type !== 'Reprotect' || v.error) return null;
  const name = v.event.vm;
  const rec = v.before.recovered[name];
  const old = v.before.repl.vms[name];
  const rev = v.after.reversed[name]?.vms[name];
  const e = v.emitted.find((x) => x.kind === 'reprotect');
  if (!rec || !old || !rev?.repl || !e || e.kind !== 'reprotect')
    return `${name}: reprotect left no reverse replication`;
  const want = old.diskOrder.reduce(
    (n, d) => n + diffBlocks(rec.disks[d] ?? {}, old.disks[d]?.blocks ?? {}).length,
    0,
  );
  const planned = memo.get(`planned:${name}`) === 1;
  const seeded = memo.get(`seeded:${name}`) === 1;
  const psf = !old.repl?.recovering && old.diskOrder.every((d) => old.repl?.disks[d]?.psf);
  const optimized = planned && !seeded && psf;
  if (e.optimized !== optimized) {
    return `${name}: reprotect is ${e.optimized ? 'optimized' : 'a full sync'}, but ${optimized ? 'after a planned migration, with no seed and the psf files there, it is optimized' : !planned ? 'after a disaster recovery it must checksum both disks' : seeded ? 'a replication configured with seed disks is never optimized' : 'without the psf files it must checksum both disks'} (research-notes A7)`;
  }
  if (e.sent !== want) {
    return `${name}: reprotect's full sync sends ${e.sent} block(s), but the recovered disk and the old source differ in ${want}; the old source is the seed, so only those should go`;
  }
  if (e.delivered) {
    const inst = rev.repl.instances[rev.repl.instances.length - 1];
    for (const d of old.diskOrder) {
      const bad = diffBlocks(inst?.disks[d] ?? {}, rec.disks[d] ?? {});
      if (bad.length > 0)
        return `${name}/${d}: after reprotect the primary copy differs from the recovered VM in block(s) ${bad.join(', ')}`;
    }
  }
  return null;
};

/** A mirrored DR site (recommended layout, nothing broken) must route the reverse flow. */
const checkN6: WCheck = (v) => {
  if (v.event.type !== 'Reprotect' || v.error) return null;
  const e = v.emitted.find((x) => x.kind === 'reprotect');
  if (e && e.kind === 'reprotect' && !e.delivered) {
    return `${v.event.vm}: reverse replication after reprotect does not get through although the DR site mirrors the primary: ${e.reason}`;
  }
  return null;
};

const withId = (id: string, x: Violation | null): Violation | null =>
  x ? { ...x, invariant: id } : null;

const always = (
  id: string,
  inv: string,
  title: string,
  arb: fc.Arbitrary<WorldCase>,
  check: WCheck,
  numRuns = 200,
): PropertyDef<WorldCase> => ({
  id,
  area: 'world',
  kind: 'always',
  invariants: [inv],
  title: `${inv} ${title}`,
  numRuns,
  arbitrary: () => arb,
  check: (c, variant) => withId(inv, foldWorld(c, variant, check)),
  perStep: { check: (x) => check((x as WorldStepView).view, (x as WorldStepView).memo) },
});

const sometimes = (
  id: string,
  title: string,
  arb: fc.Arbitrary<WorldCase>,
  goals: Record<string, (v: WView) => boolean>,
): PropertyDef<WorldCase> =>
  reachabilityTwin({
    id,
    area: 'world',
    invariant: id.replace(/-.*/, ''),
    title,
    numRuns: 400,
    arbitrary: arb,
    goals,
    walk: (c, variant, see) =>
      foldWorld(c, variant, (v) => {
        see(v);
        return null;
      }),
    view: (x) => (x as WorldStepView).view,
  });

const emits = (v: WView, kind: WorldEmitted['kind']) => v.emitted.some((e) => e.kind === kind);

export const WORLD_PROPERTIES: readonly PropertyDef<WorldCase>[] = [
  always(
    'E1',
    'E1',
    "a cycle's data reaches the target iff every hop is routed as intended and allowed by the firewall",
    faultyWorld,
    checkE1,
  ),
  sometimes('E1', 'some transfers are delivered and some blocked', faultyWorld, {
    delivered: (v) => emits(v, 'delivered'),
    'blocked by the firewall': (v) =>
      v.emitted.some((e) => e.kind === 'blocked' && e.reason.includes('firewall')),
    'blocked by routing': (v) =>
      v.emitted.some((e) => e.kind === 'blocked' && e.reason.includes('sends')),
  }),
  always(
    'E1-nfc',
    'E1',
    'a whole bundle at the VRS commits iff the VR server gets TCP 902 into the replica host and the host routes its replies as intended',
    faultyWorld,
    checkNfc,
  ),
  sometimes(
    'E1-nfc',
    'some bundles commit with the outgoing NFC ruleset off, and some wait at the VRS behind a closed or restricted vSphereClient',
    faultyWorld,
    {
      'committed with outgoing NFC off': (v) =>
        emits(v, 'committed') &&
        Object.values(v.before.fw.hosts).some(
          (fw) => fw.rulesets.find((r) => r.id === 'NFC')?.enabled === false,
        ),
      'NFC blocked by the firewall': (v) =>
        v.emitted.some((e) => e.kind === 'nfcBlocked' && e.reason.includes('firewall')),
      'NFC blocked by the allowed IPs': (v) =>
        v.emitted.some((e) => e.kind === 'nfcBlocked' && e.reason.includes('only for')),
      'committed through an allowed-IP list': (v) =>
        emits(v, 'committed') &&
        Object.values(v.before.fw.hosts).some((fw) =>
          fw.rulesets.some((r) => r.id === NFC_INBOUND_RULESET && !r.allowedAll),
        ),
    },
  ),
  always(
    'F4-status',
    'F4',
    'the status a user sees follows the rules: Recovered after failover, Paused, Not Active when a transfer cannot connect or the VM is off, Sync while traffic moves, Error only for the target, "(RPO violation)" when late',
    faultyWorld,
    checkStatus,
  ),
  sometimes(
    'F4-status',
    'some replications show Not Active while blocked, late forms, Recovered, and OK again after a block',
    faultyWorld,
    {
      'Not Active(RPO violation)': (v) =>
        Object.keys(v.after.repl.vms).some(
          (n) => worldStatus(v.after, n) === 'Not Active(RPO violation)',
        ),
      'Sync(RPO violation)': (v) =>
        Object.keys(v.after.repl.vms).some((n) =>
          /^(Full )?Sync\(RPO violation\)$/.test(worldStatus(v.after, n) ?? ''),
        ),
      Recovered: (v) =>
        Object.keys(v.after.repl.vms).some((n) => worldStatus(v.after, n) === 'Recovered'),
      'OK after Not Active': (v) =>
        Object.keys(v.after.repl.vms).some(
          (n) =>
            worldStatus(v.before, n)?.startsWith('Not Active') === true &&
            v.before.repl.vms[n]?.power === 'on' &&
            worldStatus(v.after, n) === 'OK',
        ),
    },
  ),
  always(
    'R8',
    'R8',
    'an RPO violation is raised exactly when the last instance is older than the RPO, with the right minutes, and restored when it is not',
    faultyWorld,
    checkR8,
  ),
  sometimes('R8', 'some violations are raised and later restored', faultyWorld, {
    raised: (v) => emits(v, 'rpoViolated'),
    restored: (v) => emits(v, 'rpoRestored'),
  }),
  always(
    'R8-healthy',
    'R8',
    'a healthy link with enough bandwidth never violates the RPO',
    healthyWorld,
    checkHealthy,
  ),
  sometimes('R8-healthy', 'some healthy runs commit cycle after cycle', healthyWorld, {
    'several commits': (v) => v.emitted.filter((e) => e.kind === 'committed').length >= 3,
  }),
  always(
    'R8-pace',
    'R8',
    'on a slow healthy link, an RPO violation is raised only while a transfer has taken more than half the RPO (the scheduler estimates from the last deltas and aims for half the RPO)',
    slowWorld,
    checkPace,
  ),
  sometimes(
    'R8-pace',
    'some slow transfers take several minutes, some start early on their estimate, and some over half the RPO end in a violation',
    slowWorld,
    {
      'a transfer of 3 minutes or more': (v) =>
        v.emitted.some((e) => e.kind === 'committed' && e.clock - e.pitClock >= 3),
      'started before half the RPO on the estimate': (v) =>
        v.emitted.some((e) => {
          if (e.kind !== 'started' || e.cycle !== 'delta') return false;
          const r = v.before.repl.vms[e.vm]?.repl;
          const last = r ? latestInstance(r) : undefined;
          return (
            r !== undefined &&
            r !== null &&
            last !== undefined &&
            e.clock - last.pitClock < Math.floor(r.rpoMinutes / 2)
          );
        }),
      'violated after a transfer over half the RPO': (v) => emits(v, 'rpoViolated'),
    },
  ),
  always(
    'R8-long',
    'R8',
    'a transfer longer than the RPO lands still violated, the next starts in the same minute, and meanwhile the replication shows Sync(RPO violation)',
    slowWorld,
    checkLong,
  ),
  sometimes('R8-long', 'some transfers take longer than the RPO', slowWorld, {
    'longer than the RPO': (v) =>
      v.emitted.some(
        (e) =>
          e.kind === 'committed' &&
          e.clock - e.pitClock > (v.after.repl.vms[e.vm]?.repl?.rpoMinutes ?? Infinity),
      ),
  }),
  always(
    'F4',
    'F4',
    'a replication whose traffic is dropped or misrouted never shows OK past one RPO: it raises an RPO violation',
    faultyWorld,
    checkF4,
  ),
  sometimes('F4', 'some replication is dropped for longer than its RPO', faultyWorld, {
    'dropped past the RPO': (v) =>
      v.event.type === 'Tick' &&
      Object.values(v.after.repl.vms).some((vm) => {
        const last = lastPitOf(v.after, vm.name);
        return (
          last !== null &&
          vm.repl !== null &&
          !oraclePath(v.after, vm.name) &&
          v.after.repl.clock - last > vm.repl.rpoMinutes
        );
      }),
  }),
  always(
    'R11',
    'R11',
    'reprotect seeds from the old source, sends exactly the blocks that differ, and the primary converges on the recovered VM',
    faultyWorld,
    checkR11,
  ),
  sometimes(
    'R11',
    'some reprotects send part of a disk and some nothing; some are optimized after a planned migration, and planned ones of seeded replications are not',
    faultyWorld,
    {
      'partial resend': (v) =>
        v.emitted.some((e) => e.kind === 'reprotect' && e.sent > 0 && e.delivered),
      'nothing to resend': (v) => v.emitted.some((e) => e.kind === 'reprotect' && e.sent === 0),
      'optimized after a planned migration': (v) =>
        v.emitted.some((e) => e.kind === 'reprotect' && e.optimized),
      'full sync after a disaster recovery': (v) =>
        v.event.type === 'Reprotect' &&
        v.before.recovered[v.event.vm]?.planned === false &&
        v.emitted.some((e) => e.kind === 'reprotect' && !e.optimized),
      'full sync of a seeded replication after a planned migration': (v) =>
        v.event.type === 'Reprotect' &&
        v.before.recovered[v.event.vm]?.planned === true &&
        v.before.repl.vms[v.event.vm]?.repl?.seeded === true &&
        v.emitted.some((e) => e.kind === 'reprotect' && !e.optimized),
    },
  ),
  always(
    'N6-e2e',
    'N6',
    'end to end: after failover and reprotect, a mirrored DR site replicates back to the primary VRS',
    healthyReprotect,
    checkN6,
  ),
  sometimes(
    'N6-e2e',
    'some reprotects deliver the reverse full sync across the mirrored routes',
    healthyReprotect,
    {
      'reverse delivered': (v) =>
        v.emitted.some((e) => e.kind === 'reprotect' && e.delivered && e.sent > 0),
    },
  ),
  always(
    'R10',
    'R10',
    'failover recovers exactly the latest or the chosen retained instance, never a partial one',
    faultyWorld,
    checkR10,
  ),
  sometimes(
    'R10',
    'some failovers pick an older instance and some happen while a bundle is arriving',
    faultyWorld,
    {
      'older instance': (v) => v.event.type === 'Failover' && v.event.pick > 0 && !v.error,
      'bundle arriving': (v) =>
        v.event.type === 'Failover' &&
        !v.error &&
        v.before.repl.vms[v.event.vm]?.repl?.staging != null,
    },
  ),
];

/**
 * The hand-written world of the world specs: one VM with a 16-block disk on esx-01 of the seed
 * 000 layout after the static route (replication reaches the DR VRS), 2 blocks a minute.
 */
export function seed000World(over: Partial<WorldSetup> = {}): WorldSetup {
  const layout = NET_SCENARIOS.find((s) => s.name === 'seed-000-after');
  if (!layout) throw new Error('seed-000-after fixture missing');
  return {
    replication: {
      version: '5.5',
      hosts: ['esx-01'],
      vrs: 'vrs-dr',
      chunkBlocks: 1,
      vms: [
        {
          name: 'vm-1',
          host: 'esx-01',
          poweredOn: true,
          disks: [{ id: 'disk-0', uuid: 'u-1', sizeBlocks: 16 }],
        },
      ],
    },
    hosts: layout.hosts,
    topology: layout.topology,
    bandwidth: 2,
    toCloud: false,
    ...over,
  };
}
