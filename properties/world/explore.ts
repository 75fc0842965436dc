// Exhaustive exploration of the two-site world: the scopes (data), and how a scope's states are
// stepped by worldStep, checked by the world properties' own predicates and encoded. The world
// checks read only the transition (before, after, emitted) and each fold's memo, so the memos
// are all of the past the explored state has to carry.
import type { EsxiVersion, Variant } from '../../model/variants.ts';
import {
  initWorld,
  type Recovered,
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
  readonly retention: number;
  /** Tick lengths in minutes, and the clock no state may pass (a constraint). */
  readonly ticks: readonly number[];
  readonly maxClock: number;
  /** The event kinds offered, each over the scope's VMs, blocks and primary hosts. */
  readonly events: readonly Kind[];
  /** At most this many breaks (link cuts, rulesets turned off, routes removed ...) per run. */
  readonly maxBreaks?: number;
  /** Registered safety properties checked on every transition (default: all of the area). */
  readonly properties?: readonly string[];
  /** Twins whose goals this scope counts (default: the twins of the properties it checks). */
  readonly twins?: readonly string[];
}

/**
 * Seed 000 done right on both sides (research-notes B): the primary hosts route replication to
 * the DR site by a static route, and the DR host routes back to the primary VRS, so failover
 * and reprotect can be judged end to end (N6).
 */
function mirroredLayout(): Pick<WorldSetup, 'hosts' | 'topology'> {
  const hosts = NET_SCENARIOS.find((s) => s.name === 'seed-000-dr-reverse-present')?.hosts;
  const topology = NET_SCENARIOS.find((s) => s.name === 'seed-000-after')?.topology;
  if (!hosts || !topology) throw new Error('seed 000 layouts missing from NET_SCENARIOS');
  return { hosts, topology };
}

const WORLD_CHECKS = ['E1', 'R8', 'F4', 'R10', 'R11'];

export const WORLD_SCOPES: readonly Scope<WorldScope>[] = [
  {
    name: 'default',
    description:
      'seed 000 mirrored, 1 VM with a 1-block disk, 1 block a minute, RPO 15 min with 1 retained instance; writes, ticks of 1 and 15 minutes up to minute 16, and one break (a link cut, the HBR ruleset turned off, the static route removed) with its mending at any time; failover and reprotect',
    params: {
      version: '5.5',
      vms: [{ name: 'vm-1', host: 'esx-01', blocks: 1 }],
      bandwidth: 1,
      toCloud: false,
      rpoMinutes: 15,
      retention: 1,
      ticks: [1, 15],
      maxClock: 16,
      maxBreaks: 1,
      events: [
        'ConfigureReplication',
        'GuestWrite',
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
    outOfScope: ['R10-reach: bundle arriving'],
    nightly: true,
  },
  {
    name: 'tiny',
    description:
      'seed 000 mirrored, 1 VM with a 1-block disk, 1 block a minute, RPO 15 min; writes, ticks of 1 and 15 minutes up to minute 16, link cuts and failover',
    params: {
      version: '5.5',
      vms: [{ name: 'vm-1', host: 'esx-01', blocks: 1 }],
      bandwidth: 1,
      toCloud: false,
      rpoMinutes: 15,
      retention: 0,
      ticks: [1, 15],
      maxClock: 6,
      events: ['ConfigureReplication', 'GuestWrite', 'Tick', 'LinkDown', 'LinkUp', 'Failover'],
      properties: WORLD_CHECKS,
      twins: ['E1-reach', 'R8-reach', 'F4-reach', 'R10-reach'],
    },
    pinned: 1824,
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
      retention: 0,
      ticks: [1, 15, 16],
      maxClock: 32,
      events: ['ConfigureReplication', 'GuestWrite', 'Tick', 'ApplianceBoot'],
      properties: ['E1', 'R8', 'F4'],
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
      retention: 0,
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
      'seed 000 mirrored, 1 VM with a 2-block disk, 1 block a minute, RPO 15 min; writes, Sync Now and one-minute ticks up to minute 4, then failover and reprotect',
    params: {
      version: '5.5',
      vms: [{ name: 'vm-1', host: 'esx-01', blocks: 2 }],
      bandwidth: 1,
      toCloud: false,
      rpoMinutes: 15,
      retention: 0,
      ticks: [1],
      maxClock: 4,
      events: ['ConfigureReplication', 'GuestWrite', 'SyncNow', 'Tick', 'Failover', 'Reprotect'],
      properties: WORLD_CHECKS,
      twins: ['R10-reach', 'R11-reach'],
    },
    outOfScope: ['R10-reach: older instance', 'R11-reach: full sync without a usable psf'],
  },
];

export function worldSetupOf(p: WorldScope): WorldSetup {
  const layout = mirroredLayout();
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

function eventsOf(p: WorldScope, setup: WorldSetup): WorldEvent[] {
  const out: WorldEvent[] = [];
  const primary = setup.replication.hosts;
  for (const kind of p.events) {
    switch (kind) {
      case 'ConfigureReplication':
        for (const vm of p.vms)
          out.push({
            type: kind,
            vm: vm.name,
            rpoMinutes: p.rpoMinutes,
            retention: p.retention,
            seed: false,
          });
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
        for (const vm of p.vms)
          for (let pick = 0; pick <= p.retention; pick++)
            out.push({ type: kind, vm: vm.name, pick });
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
              ruleset: p.toCloud ? 'Replication-to-CloudTraffic' : 'HBR',
              enabled,
            });
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

/** A world as explored: the model's state and one memo per check (each fold has its own). */
interface Explored {
  readonly w: WorldState;
  readonly memos: readonly Map<string, number>[];
  /** Breaks so far (link cuts, rulesets off, routes removed ...): the scope bounds them. */
  readonly breaks: number;
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
      return true;
    case 'RulesetSet':
      return !e.enabled;
    default:
      return false;
  }
}

/** What the checks see: the transition, and each check's memo after it. */
interface Step {
  readonly view: WView;
  readonly memos: readonly Map<string, number>[];
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
]);
const RECOVERED_FIELDS = new Set(['pit', 'pitClock', 'disks']);

const netHashes = new WeakMap<object, readonly [number, number]>();

export function worldModel(
  scope: Scope<WorldScope>,
  variant: Variant,
): StepModel<Explored, WorldEvent, Step> {
  const p = scope.params;
  const setup = worldSetupOf(p);
  const events = eventsOf(p, setup);
  const afterFailover = events.filter((e) => e.type === 'Reprotect');
  // Once the scope's breaks are spent, only events that break nothing are offered.
  const maxBreaks = p.maxBreaks ?? Number.POSITIVE_INFINITY;
  const mending = events.filter((e) => !breaks(e));
  const { checks, twins } = selected(
    WORLD_PROPERTIES as readonly PropertyDef[],
    p.properties,
    p.twins,
  );
  const canon = new Canon(null);
  const start = initWorld(setup, variant);
  const names = setup.replication.vms.map((v) => v.name);
  const hostNames = setup.hosts.map((h) => h.name);
  let encoded = 0;
  return {
    setup,
    init: () => ({ w: start, memos: checks.map(() => new Map()), breaks: 0 }),
    // A failover ends the story, as in the properties' generators ("disasters end stories"):
    // after it only the reprotect of a recovered VM is offered, and after that nothing.
    events: (x) => {
      const recovered = Object.keys(x.w.recovered);
      if (recovered.length === 0) return x.breaks < maxBreaks ? events : mending;
      return afterFailover.filter(
        (e) => e.type === 'Reprotect' && recovered.includes(e.vm) && !x.w.reversed[e.vm],
      );
    },
    kind: (e) => e.type,
    kinds: [...new Set(events.map((e) => e.type))],
    next(x, e): Successor<Explored, Step> {
      const r = worldStep(x.w, e);
      const view: WView = {
        index: r.state.repl.tick,
        event: e,
        before: x.w,
        after: r.state,
        emitted: r.emitted,
        ...(r.error ? { error: r.error } : {}),
      };
      // Each check gets its own copy of its memo: what one transition writes stays on its path.
      const memos = x.memos.map((m) => new Map(m));
      // Breaks are counted (and so told apart) only where the scope bounds them.
      const counted = p.maxBreaks !== undefined && breaks(e) ? 1 : 0;
      const state = { w: r.state, memos, breaks: x.breaks + counted };
      return { state, view: { view, memos }, stutter: r.state === x.w };
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
      holds: (s: Step) => g.holds({ view: s.view, memo: new Map() }),
    })),
    within: (x) => x.w.repl.clock <= p.maxClock,
    encode(x, enc: Encoder): number {
      encoded++;
      const w = x.w;
      const audit = encoded < 4096 || encoded % 997 === 0;
      canon.audit = audit;
      if (audit) {
        assertKnownFields('WorldState', w, WORLD_FIELDS, FILE);
        for (const rec of Object.values(w.recovered))
          assertKnownFields('Recovered', rec, RECOVERED_FIELDS, FILE);
      }
      const pits = referencedPits(w.repl);
      for (const rec of Object.values(w.recovered)) pits.push(rec.pit);
      canon.reset([...new Set(pits)].sort((a, b) => a - b));
      enc.push(w.repl.link === 'up' ? 1 : 0);
      enc.num(w.repl.clock);
      for (const name of names)
        canon.vm(enc, w.repl.vms[name] as WorldState['repl']['vms'][string]);
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
          const vm = w.repl.vms[name];
          for (const id of vm?.diskOrder ?? Object.keys(rec.disks))
            canon.blocks(enc, rec.disks[id]);
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
      enc.push(x.breaks);
      for (const m of x.memos) {
        enc.push(m.size);
        for (const [k, v] of [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
          enc.str(k);
          enc.num(v);
        }
      }
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
