// The two-site world (model/world/world.ts) pinned value by value: pathOf's verdicts and their
// exact reasons (link, routing, firewall port by cycle kind: research-notes A1, seed 000, seed
// 003), the routing memo, ageOf, each non-Tick event's result, and Tick's full emitted arrays
// over several minutes: the scheduler's start minute (research-notes A2), bandwidth shared
// between VMs, transfers blocked by a cut link, a closed firewall or a wrong route (E1, notes
// A6), RPO violation and restore flips (R8, seed 003) inside long ticks, Failover (R10) and
// Reprotect (R11, notes A7) with their refusals. Hand-made seed 000 worlds, no generators; one
// state (a bundle left whole at the VRS) is reached with the replication model's own events.
import { describe, expect, test } from 'vitest';
import { type FirewallEvent, firewallStep, initFirewall } from '../model/firewall/firewall.ts';
import { hostFromSetup, netStep } from '../model/network/host.ts';
import type { Topology } from '../model/network/intent.ts';
import { DEFAULT_STACK } from '../model/network/types.ts';
import { init as replInit, step as replStep } from '../model/replication/step.ts';
import type { ReplicationEvent, VmSetup, VmState } from '../model/replication/types.ts';
import { CORRECT, type Variant } from '../model/variants.ts';
import {
  ageOf,
  estimateOf,
  initWorld,
  minuteByMinute,
  nfcPathOf,
  pathOf,
  type WorldEmitted,
  type WorldEvent,
  type WorldSetup,
  type WorldState,
  worldStatus,
  worldStep,
} from '../model/world/world.ts';
import { variantNamed } from './harness.ts';
import { NET_SCENARIOS } from './network/scenarios.ts';
import { seed000World } from './world/properties.ts';

const variant = variantNamed;

const scenario = (name: string) => {
  const s = NET_SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`${name} fixture missing`);
  return s;
};

type NetWorldEvent = Extract<
  WorldEvent,
  { type: 'RouteAdd' | 'RouteRemove' | 'TagRemove' | 'TagAdd' }
>;
/** The firewall events the world takes. */
type FwWorldEvent = Extract<WorldEvent, FirewallEvent>;
/** The events the world hands to the replication model unchanged. */
type Forwarded = Extract<WorldEvent, ReplicationEvent>;

const after = scenario('seed-000-after');
/** Seed 000 with a VR appliance at the primary site sending to the cloud (seed 003). */
const CLOUD: Topology = {
  ...after.topology,
  toCloud: true,
  appliances: [
    ...after.topology.appliances,
    { role: 'vr-appliance', site: 'primary', ip: '172.16.0.30' },
  ],
};

/** Plays events, failing on the first error; returns the state and everything emitted. */
function play(w0: WorldState, events: readonly WorldEvent[]) {
  let w = w0;
  const emitted: WorldEmitted[] = [];
  for (const e of events) {
    const r = worldStep(w, e);
    expect(r.error, e.type).toBeUndefined();
    w = r.state;
    emitted.push(...r.emitted);
  }
  return { w, emitted };
}

const world = (over: Partial<WorldSetup> = {}, v: Variant = CORRECT) =>
  initWorld(seed000World(over), v);

const vmOf = (w: WorldState, name = 'vm-1') => {
  const vm = w.repl.vms[name];
  if (!vm) throw new Error(`no ${name}`);
  return vm;
};

const configure = (vm = 'vm-1', perDay = 0, days = perDay === 0 ? 0 : 1): Forwarded => ({
  type: 'ConfigureReplication',
  vm,
  rpoMinutes: 15,
  perDay,
  days,
  seed: false,
});
const writes = (blocks: readonly number[], vm = 'vm-1'): WorldEvent[] =>
  blocks.map((block) => ({ type: 'GuestWrite', vm, disk: 'disk-0', block }));
const SIX = writes([0, 1, 2, 3, 4, 5]);
const tick = (minutes: number): WorldEvent => ({ type: 'Tick', minutes });

const LINK = 'the link to the DR site is down';
const dropped = (port: number, host = 'esx-01') =>
  `${host}'s firewall drops TCP ${port}: no enabled ruleset allows outbound tcp ${port}; default action DROP`;
const OK = { ok: true, reason: 'routed as intended and allowed' };
const hbr = (enabled: boolean): FwWorldEvent => ({
  type: 'RulesetSet',
  host: 'esx-01',
  ruleset: 'HBR',
  enabled,
});
const removeRoute: WorldEvent = {
  type: 'RouteRemove',
  host: 'esx-01',
  netstack: DEFAULT_STACK,
  network: '10.12.12.0/24',
};

const delivered = (clock: number, blocks: number, vm = 'vm-1'): WorldEmitted => ({
  kind: 'delivered',
  clock,
  vm,
  blocks,
});
const committed = (clock: number, pitClock: number, vm = 'vm-1'): WorldEmitted => ({
  kind: 'committed',
  clock,
  vm,
  pitClock,
});
const blocked = (clock: number, reason: string, vm = 'vm-1'): WorldEmitted => ({
  kind: 'blocked',
  clock,
  vm,
  reason,
});
const started = (clock: number, cycle: 'full' | 'delta' = 'delta', vm = 'vm-1'): WorldEmitted => ({
  kind: 'started',
  clock,
  vm,
  cycle,
});
const blockedFrom = (from: number, to: number, reason: string): WorldEmitted[] =>
  Array.from({ length: to - from + 1 }, (_, i) => blocked(from + i, reason));

/** Six blocks written and replicated: committed at minute 3 with the point in time of minute 1. */
const synced = (over: Partial<WorldSetup> = {}, v: Variant = CORRECT, retention = 0) =>
  play(world(over, v), [configure('vm-1', retention), ...SIX, tick(3)]).w;
const INITIAL_SYNC: WorldEmitted[] = [
  started(1, 'full'),
  delivered(1, 2),
  delivered(2, 2),
  delivered(3, 2),
  committed(3, 1),
];

const twoVms = (over: Partial<WorldSetup> = {}): WorldSetup => {
  const vm = (n: number): VmSetup => ({
    name: `vm-${n}`,
    host: 'esx-01',
    poweredOn: true,
    disks: [{ id: 'disk-0', uuid: `u-${n}`, sizeBlocks: 16 }],
  });
  const base = seed000World(over);
  return { ...base, replication: { ...base.replication, vms: [vm(1), vm(2)] } };
};

// ---- initWorld ----

describe('initWorld: every host networked and firewalled, one block per delivery', () => {
  test('the initial world, whatever chunk size the replication setup names', () => {
    const base = seed000World();
    const setup = { ...base, replication: { ...base.replication, chunkBlocks: 4 } };
    const w = initWorld(setup, CORRECT);
    expect(w.repl).toEqual(replInit({ ...setup.replication, chunkBlocks: 1 }, CORRECT));
    expect(w.repl.setup.chunkBlocks).toBe(1);
    expect(Object.keys(w.net)).toEqual(['esx-01', 'esx-02', 'esx-dr-01']);
    expect(w.net).toEqual(Object.fromEntries(setup.hosts.map((h) => [h.name, hostFromSetup(h)])));
    expect(w.fw).toEqual({
      now: 0,
      hosts: {
        'esx-01': initFirewall('esx-01', '5.5', CORRECT),
        'esx-02': initFirewall('esx-02', '5.5', CORRECT),
        'esx-dr-01': initFirewall('esx-dr-01', '5.5', CORRECT),
      },
    });
    expect({ ...w, repl: null, net: null, fw: null }).toEqual({
      setup,
      variant: CORRECT,
      repl: null,
      net: null,
      fw: null,
      violated: {},
      sourceDone: {},
      recovered: {},
      reversed: {},
    });
  });
});

// ---- pathOf ----

describe('pathOf: whether a transfer gets through now, and why not (E1)', () => {
  test('a configured VM on the fixed seed 000 layout is routed as intended and allowed', () => {
    const w = play(world(), [configure()]).w;
    expect(pathOf(w, vmOf(w))).toEqual(OK);
  });

  test('a VM that is not replicated is judged too (no cycle to read)', () => {
    const w = world();
    expect(vmOf(w).repl).toBeNull();
    expect(pathOf(w, vmOf(w))).toEqual(OK);
  });

  test('a cut link is the reason before routing or the firewall', () => {
    const w = play(world(), [configure(), removeRoute, hbr(false), { type: 'LinkDown' }]).w;
    expect(pathOf(w, vmOf(w))).toEqual({ ok: false, reason: LINK });
    const up = play(w, [{ type: 'LinkUp' }]).w;
    expect(pathOf(up, vmOf(up))).toEqual({
      ok: false,
      reason: 'esx-01 sends replication out of vmk0, not vmk2',
    });
  });

  test('the port follows the transfer under way or about to start: a full sync, pending or running, on 31031, deltas on 44046 (notes A1)', () => {
    const closed = play(world(), [configure(), hbr(false)]).w;
    expect(vmOf(closed).repl?.needsFullSync).toBe(true);
    expect(pathOf(closed, vmOf(closed))).toEqual({ ok: false, reason: dropped(31031) });
    const full = play(closed, [{ type: 'SyncNow', vm: 'vm-1' }]).w;
    expect(vmOf(full).repl?.cycle?.kind).toBe('full');
    expect(pathOf(full, vmOf(full))).toEqual({ ok: false, reason: dropped(31031) });
    const idle = play(synced(), [hbr(false)]).w;
    expect(pathOf(idle, vmOf(idle))).toEqual({ ok: false, reason: dropped(44046) });
    const delta = play(idle, [...writes([9]), { type: 'SyncNow', vm: 'vm-1' }]).w;
    expect(vmOf(delta).repl?.cycle?.kind).toBe('delta');
    expect(pathOf(delta, vmOf(delta))).toEqual({ ok: false, reason: dropped(44046) });
    // The other reading of the sources: deltas on 31031 too (research-notes F).
    const other = play(synced({}, variant('ongoing-on-31031')), [hbr(false)]).w;
    expect(pathOf(other, vmOf(other))).toEqual({ ok: false, reason: dropped(31031) });
  });

  test('hbr-rule-in-vib: the built-in HBR ruleset lacks 31031, so only a full sync is dropped', () => {
    const v = variant('hbr-rule-in-vib');
    const pending = play(world({}, v), [configure()]).w;
    expect(pathOf(pending, vmOf(pending))).toEqual({ ok: false, reason: dropped(31031) });
    const full = play(pending, [{ type: 'SyncNow', vm: 'vm-1' }]).w;
    expect(pathOf(full, vmOf(full))).toEqual({ ok: false, reason: dropped(31031) });
    const vm = vmOf(pending);
    const synced = {
      ...vm,
      repl: { ...(vm.repl as NonNullable<VmState['repl']>), needsFullSync: false },
    };
    expect(pathOf(pending, synced)).toEqual(OK);
  });

  test('to the cloud: TCP 10000 whatever the cycle, open once the appliance pushes the vib', () => {
    const w = play(world({ topology: CLOUD, toCloud: true }), [configure()]).w;
    expect(pathOf(w, vmOf(w))).toEqual({ ok: false, reason: dropped(10000) });
    const full = play(w, [{ type: 'SyncNow', vm: 'vm-1' }]).w;
    expect(pathOf(full, vmOf(full))).toEqual({ ok: false, reason: dropped(10000) });
    const pushed = play(full, [{ type: 'ApplianceBoot' }]).w;
    expect(pathOf(pushed, vmOf(pushed))).toEqual(OK);
  });

  test.each<[string, WorldEvent[], string, string]>([
    [
      'the route to the DR replication network removed',
      [removeRoute],
      'esx-01',
      'esx-01 sends replication out of vmk0, not vmk2',
    ],
    [
      // The right vmk but another gateway: the message names both next hops.
      'the route through a gateway other than the intended one',
      [
        removeRoute,
        {
          type: 'RouteAdd',
          host: 'esx-01',
          netstack: DEFAULT_STACK,
          network: '10.12.12.0/24',
          gateway: '10.11.12.254',
          persist: true,
        },
      ],
      'esx-01',
      'esx-01 sends replication out of vmk2 via 10.11.12.254, not via 10.11.12.1',
    ],
    [
      'a VM on the DR host, which has no replication flow',
      [],
      'esx-dr-01',
      'esx-dr-01 has no replication flow in the topology',
    ],
    [
      'a VM on a host the topology does not know',
      [],
      'esx-09',
      'esx-09 has no replication flow in the topology',
    ],
  ])('routing refuses: %s', (_name, events, host, reason) => {
    const w = play(world(), [configure(), ...events]).w;
    expect(pathOf(w, { ...vmOf(w), host })).toEqual({ ok: false, reason });
  });
});

describe('pathOf: the vmk and the next hop are both checked', () => {
  test('tie-highest-vmk: the right gateway through the wrong vmk of the subnet is refused', () => {
    const hosts = seed000World().hosts.map((h) =>
      h.name === 'esx-01'
        ? { ...h, vmks: [...h.vmks, { name: 'vmk3', address: '10.11.12.15/24' }] }
        : h,
    );
    const ok = world({ hosts });
    expect(pathOf(ok, vmOf(ok))).toEqual(OK);
    const tie = world({ hosts }, variant('tie-highest-vmk'));
    expect(pathOf(tie, vmOf(tie))).toEqual({
      ok: false,
      reason: 'esx-01 sends replication out of vmk3, not vmk2',
    });
  });
});

describe("pathOf's routing memo: one answer per topology, hosts, variant, direction and host", () => {
  test('asked twice, the routing answer is the same object', () => {
    const w = play(world(), [configure(), removeRoute]).w;
    const first = pathOf(w, vmOf(w));
    expect(pathOf(w, vmOf(w))).toBe(first);
  });

  test('two hosts of the same network state keep their own answers, asked in either order', () => {
    const w = play(world(), [configure(), removeRoute]).w;
    const on = (host: string) => pathOf(w, { ...vmOf(w), host });
    expect([on('esx-01'), on('esx-02'), on('esx-01')]).toEqual([
      { ok: false, reason: 'esx-01 sends replication out of vmk0, not vmk2' },
      OK,
      { ok: false, reason: 'esx-01 sends replication out of vmk0, not vmk2' },
    ]);
    const w2 = play(world(), [configure(), removeRoute]).w;
    const on2 = (host: string) => pathOf(w2, { ...vmOf(w2), host });
    expect([on2('esx-02'), on2('esx-01')]).toEqual([
      OK,
      { ok: false, reason: 'esx-01 sends replication out of vmk0, not vmk2' },
    ]);
  });

  test('the same hosts asked to the DR site and to the cloud get separate answers', () => {
    const w = play(world(), [configure()]).w;
    const cloud = { ...w, setup: { ...w.setup, toCloud: true } };
    expect(pathOf(w, vmOf(w))).toEqual(OK);
    expect(pathOf(cloud, vmOf(cloud))).toEqual({
      ok: false,
      reason: 'esx-01 has no to-cloud flow in the topology',
    });
    expect(pathOf(w, vmOf(w))).toEqual(OK);
  });
});

// ---- ageOf ----

describe('ageOf: minutes since the latest instance, or since configuration', () => {
  test('null for a VM that is not replicated', () => {
    const w = world();
    expect(ageOf(w, vmOf(w))).toBeNull();
  });

  test('from the configuration while nothing is committed', () => {
    const w = play(world(), [tick(4), configure(), { type: 'LinkDown' }, tick(3)]).w;
    expect([w.repl.clock, vmOf(w).repl?.configuredAt, ageOf(w, vmOf(w))]).toEqual([7, 4, 3]);
  });

  test("from the latest instance's point in time", () => {
    const w = play(synced(), [tick(2)]).w;
    expect(ageOf(w, vmOf(w))).toBe(4);
  });

  test('ok-while-dropped: the age runs from what the source last believed sent, if later', () => {
    const w = play(synced({}, variant('ok-while-dropped')), [tick(2)]).w;
    expect(ageOf(w, vmOf(w))).toBe(4);
    expect(ageOf({ ...w, sourceDone: { 'vm-1': 5 } }, vmOf(w))).toBe(0);
    expect(ageOf({ ...w, sourceDone: { 'vm-1': 0 } }, vmOf(w))).toBe(4);
  });
});

// ---- events other than Tick ----

describe('network and firewall events: applied to their part of the world only', () => {
  const netEvents: [string, NetWorldEvent][] = [
    ['RouteRemove', removeRoute],
    [
      'RouteAdd',
      {
        type: 'RouteAdd',
        host: 'esx-02',
        netstack: DEFAULT_STACK,
        network: '10.99.0.0/16',
        gateway: '10.11.12.1',
        persist: false,
      },
    ],
    ['TagRemove', { type: 'TagRemove', host: 'esx-01', vmk: 'vmk0', tag: 'Management' }],
    ['TagAdd', { type: 'TagAdd', host: 'esx-01', vmk: 'vmk2', tag: 'vSphereReplication' }],
  ];
  test.each(netEvents)('%s changes the hosts, not the replication or the firewalls', (_n, e) => {
    const w = play(world(), [configure()]).w;
    const r = worldStep(w, e);
    expect(Object.keys(r)).toEqual(['state', 'emitted']);
    expect(r.emitted).toEqual([]);
    expect(r.state.net).not.toEqual(w.net);
    expect(r.state).toEqual({ ...w, net: netStep(w.net, e, CORRECT).hosts });
    expect(r.state.repl).toBe(w.repl);
    expect(r.state.fw).toBe(w.fw);
  });

  test('a Reboot also pushes the vib again to the restarted host (notes D)', () => {
    const w = play(world(), [configure()]).w;
    const r = worldStep(w, { type: 'Reboot', host: 'esx-01' });
    expect(Object.keys(r)).toEqual(['state', 'emitted']);
    expect(r.emitted).toEqual([]);
    expect(r.state.net).toEqual(netStep(w.net, { type: 'Reboot', host: 'esx-01' }, CORRECT).hosts);
    expect(r.state.fw.hosts['esx-01']?.vibs.map((v) => v.name)).toEqual(['vr2c-firewall']);
    expect(r.state.fw.hosts['esx-01']?.rulesets.map((x) => x.id)).toEqual([
      'HBR',
      'NFC',
      'vSphereClient',
      'httpClient',
      'Replication-to-CloudTraffic',
    ]);
    expect(r.state.fw.hosts['esx-02']).toBe(w.fw.hosts['esx-02']);
    expect(r.state.repl).toBe(w.repl);
  });

  const fwEvents: [string, WorldEvent[], FwWorldEvent][] = [
    ['RulesetSet', [], hbr(false)],
    ['ApplianceBoot', [], { type: 'ApplianceBoot' }],
    ['VibInstallManual', [], { type: 'VibInstallManual', host: 'esx-02' }],
    ['VibRemove', [{ type: 'ApplianceBoot' }], { type: 'VibRemove', host: 'esx-01' }],
  ];
  test.each(fwEvents)('%s changes the firewalls only', (_n, before, e) => {
    const w = play(world(), [configure(), ...before]).w;
    const r = worldStep(w, e);
    expect(Object.keys(r)).toEqual(['state', 'emitted']);
    expect(r.emitted).toEqual([]);
    expect(r.state.fw).not.toEqual(w.fw);
    expect(r.state).toEqual({ ...w, fw: firewallStep(w.fw, e, CORRECT).world });
    expect(r.state.repl).toBe(w.repl);
    expect(r.state.net).toBe(w.net);
  });

  test.each<[string, WorldEvent, string]>([
    [
      'removing a vib never installed',
      { type: 'VibRemove', host: 'esx-01' },
      'esx-01: vr2c-firewall is not installed',
    ],
    [
      'setting an unknown ruleset',
      { type: 'RulesetSet', host: 'esx-01', ruleset: 'NoSuch', enabled: true },
      'esx-01: no ruleset NoSuch',
    ],
    [
      'setting a ruleset of an unknown host',
      { type: 'RulesetSet', host: 'esx-09', ruleset: 'HBR', enabled: true },
      'no host named esx-09',
    ],
  ])('%s is rejected and changes nothing', (_n, e, error) => {
    const w = play(world(), [configure()]).w;
    const r = worldStep(w, e);
    expect(r).toEqual({ state: w, emitted: [], error });
    expect(r.state.fw).toBe(w.fw);
  });
});

describe('replication events are forwarded as they are', () => {
  test.each<[string, WorldEvent[], Forwarded, string | undefined]>([
    [
      'a write',
      [configure()],
      { type: 'GuestWrite', vm: 'vm-1', disk: 'disk-0', block: 3 },
      undefined,
    ],
    ['a cut link', [configure()], { type: 'LinkDown' }, undefined],
    ['a link already up (refused, counted)', [configure()], { type: 'LinkUp' }, undefined],
    ['a pause', [configure()], { type: 'Pause', vm: 'vm-1' }, undefined],
    [
      'an RPO below the 15 min of ESXi 5.5',
      [],
      { ...configure(), rpoMinutes: 5 } as Forwarded,
      'vm-1: RPO 5 min is outside the 15 min to 1440 min (24 h) allowed on ESXi 5.5',
    ],
    [
      'a second configuration',
      [configure()],
      configure(),
      'vm-1 is already replicated: a disk can belong to one replication only; unconfigure it first',
    ],
  ])('%s', (_n, before, e, error) => {
    const w = play(world(), before).w;
    const r = worldStep(w, e);
    const repl = replStep(w.repl, e);
    expect(r).toEqual({
      state: { ...w, repl: repl.state },
      emitted: [],
      ...(error === undefined ? {} : { error }),
    });
    expect(Object.keys(r)).toEqual(
      error === undefined ? ['state', 'emitted'] : ['state', 'emitted', 'error'],
    );
  });

  test('a Tick of no minutes is no step at all', () => {
    const w = play(world(), [configure()]).w;
    const r = worldStep(w, tick(0));
    expect(r.state).toBe(w);
    expect(r.emitted).toEqual([]);
  });
});

// ---- Tick ----

describe('Tick: transfers within bandwidth, the scheduler, NFC (notes A2, seed 001)', () => {
  test('the initial full sync of six blocks at two a minute', () => {
    const { w, emitted } = play(world(), [configure(), ...SIX, tick(5)]);
    expect(emitted).toEqual(INITIAL_SYNC);
    expect([w.repl.tick, w.repl.clock, w.violated, vmOf(w).repl?.error]).toEqual([
      20,
      5,
      { 'vm-1': false },
      null,
    ]);
  });

  test('a bundle smaller than the bandwidth goes in one minute, with no refused delivery', () => {
    const { w, emitted } = play(world({ bandwidth: 5 }), [
      configure(),
      ...writes([0, 1, 2]),
      tick(1),
    ]);
    expect(emitted).toEqual([started(1, 'full'), delivered(1, 3), committed(1, 1)]);
    // configure, 3 writes, the minute, CycleStart, 3 chunks, the commit
    expect(w.repl.tick).toBe(10);
  });

  test('an empty full sync commits at once and reports no delivery', () => {
    const { w, emitted } = play(world(), [configure(), tick(2)]);
    expect(emitted).toEqual([started(1, 'full'), committed(1, 1)]);
    expect(w.repl.tick).toBe(6);
    expect(vmOf(w).repl?.instances.map((i) => [i.pitClock, i.clock])).toEqual([[1, 1]]);
  });

  test('bandwidth is shared: an empty bundle takes one unit of the minute from the next VM', () => {
    const { w, emitted } = play(initWorld(twoVms(), CORRECT), [
      configure('vm-1'),
      configure('vm-2'),
      ...writes([0, 1, 2], 'vm-2'),
      tick(3),
    ]);
    expect(emitted).toEqual([
      started(1, 'full', 'vm-1'),
      committed(1, 1, 'vm-1'),
      started(1, 'full', 'vm-2'),
      delivered(1, 1, 'vm-2'),
      delivered(2, 2, 'vm-2'),
      committed(2, 1, 'vm-2'),
    ]);
    expect(w.repl.tick).toBe(16);
  });

  test('with nothing written, a delta falls due at half the RPO: minutes 8, 15, 22 and 29', () => {
    const { w, emitted } = play(synced(), [tick(30)]);
    expect(emitted).toEqual([8, 15, 22, 29].flatMap((c) => [started(c), committed(c, c)]));
    expect([w.repl.tick, vmOf(w).repl?.deltaMinutes]).toEqual([60, [0, 0, 0, 0]]);
  });

  test('the blocks dirty now do not move the start; a 2-minute delta brings the next forward by its estimate, 3 (notes F)', () => {
    const { w, emitted } = play(synced(), [...SIX, tick(15)]);
    expect(emitted).toEqual([
      started(8),
      delivered(8, 2),
      delivered(9, 2),
      delivered(10, 2),
      committed(10, 8),
      // Estimate 3 (2 plus 20%, rounded up): due when the instance of 8 is 4 minutes old.
      started(12),
      committed(12, 12),
      // Deltas of 2 and 0: estimate 2 (1.2 rounded up), due at 5 minutes old.
      started(17),
      committed(17, 17),
    ]);
    expect([w.repl.tick, vmOf(w).repl?.deltaMinutes]).toEqual([53, [2, 0, 0]]);
  });

  test('a delta expected to take half the RPO starts in the minute the last one lands', () => {
    const { emitted } = play(world({ bandwidth: 1 }), [
      configure(),
      ...writes([0]),
      tick(2),
      ...SIX,
      tick(14),
    ]);
    expect(emitted).toEqual([
      started(1, 'full'),
      delivered(1, 1),
      committed(1, 1),
      started(8),
      ...[8, 9, 10, 11, 12, 13].map((c) => delivered(c, 1)),
      committed(13, 8),
      // 5 minutes plus 20%: estimate 6, so the age of 5 already calls for the next; the minute's
      // one block went to the last delta, so the empty one commits a minute later.
      started(13),
      committed(14, 13),
      // Deltas of 5 and 1: estimate 4, due at 3 minutes old.
      started(16),
      committed(16, 16),
    ]);
  });

  test("a 10-minute transfer with a 15-minute RPO violates it before it lands (research-notes A2's example)", () => {
    const ten = (o: number) => writes([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((b) => (b + o) % 16));
    const { emitted } = play(world({ bandwidth: 1 }), [
      configure(),
      tick(1),
      ...ten(0),
      tick(7),
      ...ten(3),
      tick(9),
      ...ten(6),
      tick(12),
    ]);
    expect(emitted.filter((e) => e.kind !== 'delivered')).toEqual([
      started(1, 'full'),
      committed(1, 1),
      started(8),
      committed(17, 8),
      started(17),
      // The instance of minute 8 is 16 minutes old at 24; the next lands at 27.
      { kind: 'rpoViolated', clock: 24, vm: 'vm-1', minutes: 1 },
      committed(27, 17),
      started(27),
      { kind: 'rpoRestored', clock: 27, vm: 'vm-1' },
    ]);
  });

  test('scheduler-latest-start: the old rule starts six dirty blocks at 12, as late as the RPO allows', () => {
    const { emitted } = play(synced({}, variant('scheduler-latest-start')), [...SIX, tick(15)]);
    expect(emitted).toEqual([
      started(12),
      delivered(12, 2),
      delivered(13, 2),
      delivered(14, 2),
      committed(14, 12),
    ]);
  });

  test.each<[string, number[], number]>([
    ['no delta yet', [], 0],
    ['one delta of 2 minutes: 2.4, rounded up', [2], 3],
    ['deltas of 2 and 0: 1.2, rounded up', [2, 0], 2],
    ['deltas of 5 and 5: exactly 6', [5, 5], 6],
    ['fifteen deltas of 1 minute: 1.2, rounded up', Array(15).fill(1), 2],
  ])('estimateOf: %s', (_n, deltaMinutes, estimate) => {
    const r = vmOf(synced()).repl as NonNullable<VmState['repl']>;
    expect(estimateOf({ ...r, deltaMinutes })).toBe(estimate);
  });

  test('minute by minute, beside a VM blocked mid-transfer, the delta still starts at 8', () => {
    // vm-2 on esx-02 keeps a full sync in flight behind its closed firewall, so no minute is
    // uneventful and the scheduler's own start minute is what shows.
    const base = seed000World();
    const setup: WorldSetup = {
      ...base,
      replication: {
        ...base.replication,
        hosts: ['esx-01', 'esx-02'],
        vms: [
          {
            name: 'vm-1',
            host: 'esx-01',
            poweredOn: true,
            disks: [{ id: 'disk-0', uuid: 'u-1', sizeBlocks: 16 }],
          },
          {
            name: 'vm-2',
            host: 'esx-02',
            poweredOn: true,
            disks: [{ id: 'disk-0', uuid: 'u-2', sizeBlocks: 16 }],
          },
        ],
      },
    };
    const { emitted } = play(initWorld(setup, CORRECT), [
      configure('vm-1'),
      configure('vm-2'),
      ...writes([0, 1], 'vm-2'),
      tick(1),
      { type: 'RulesetSet', host: 'esx-02', ruleset: 'HBR', enabled: false },
      ...SIX,
      tick(14),
    ]);
    const vm2 = (c: number) => blocked(c, dropped(31031, 'esx-02'), 'vm-2');
    expect(emitted).toEqual([
      started(1, 'full', 'vm-1'),
      committed(1, 1, 'vm-1'),
      started(1, 'full', 'vm-2'),
      delivered(1, 1, 'vm-2'),
      ...[2, 3, 4, 5, 6, 7].map(vm2),
      started(8),
      delivered(8, 2),
      vm2(8),
      delivered(9, 2),
      vm2(9),
      delivered(10, 2),
      committed(10, 8),
      vm2(10),
      vm2(11),
      started(12),
      committed(12, 12),
      ...[12, 13, 14, 15].map(vm2),
    ]);
  });

  test('after a crash with the psf lost, the full sync comes at the due minute like a delta', () => {
    const { w, emitted } = play(synced(), [
      { type: 'HostCrash', host: 'esx-01', psf: 'lost' },
      { type: 'PowerOn', vm: 'vm-1' },
      tick(20),
    ]);
    // Nothing differs after the checksums: the full sync commits in its first minute.
    expect(emitted).toEqual([
      started(8, 'full'),
      committed(8, 8),
      started(15),
      committed(15, 15),
      started(22),
      committed(22, 22),
    ]);
    expect([w.repl.tick, vmOf(w).repl?.deltaMinutes]).toEqual([49, [0, 0]]);
  });

  test('a bundle left whole at the VRS goes to NFC even with the link down (seed 001)', () => {
    const w0 = play(world(), [configure(), ...writes([0, 1])]).w;
    let repl = w0.repl;
    for (const e of [
      { type: 'CycleStart', vm: 'vm-1' },
      { type: 'ChunkDelivered', vm: 'vm-1' },
      { type: 'ChunkDelivered', vm: 'vm-1' },
      { type: 'LinkDown' },
    ] as ReplicationEvent[])
      repl = replStep(repl, e).state;
    expect(repl.vms['vm-1']?.repl?.staging?.complete).toBe(true);
    const { w, emitted } = play({ ...w0, repl }, [tick(1)]);
    expect(emitted).toEqual([committed(1, 0)]);
    expect(vmOf(w).repl?.cycle).toBeNull();
    expect(w.repl.tick).toBe(9);
  });
});

describe('Tick: blocked transfers (E1, notes F: Not Active, not Error)', () => {
  test('a cut link before the first sync: blocked every minute, Not Active', () => {
    const { w, emitted } = play(world(), [configure(), { type: 'LinkDown' }, tick(5)]);
    expect(emitted).toEqual(blockedFrom(1, 5, LINK));
    expect([vmOf(w).repl?.unreachable, vmOf(w).repl?.error]).toEqual([LINK, null]);
    expect(worldStatus(w, 'vm-1')).toBe('Not Active');
    expect([w.repl.tick, w.violated]).toEqual([7, { 'vm-1': false }]);
  });

  test('two VMs behind a cut link are reported minute by minute in VM order', () => {
    const { emitted } = play(initWorld(twoVms(), CORRECT), [
      configure('vm-1'),
      configure('vm-2'),
      { type: 'LinkDown' },
      tick(3),
    ]);
    expect(emitted).toEqual(
      [1, 2, 3].flatMap((c) => [blocked(c, LINK, 'vm-1'), blocked(c, LINK, 'vm-2')]),
    );
  });

  test("another VM's RPO flip before a VM falls due leaves that VM reachable until then", () => {
    // vm-2 (powered off) is violated at 17; vm-1, behind the cut link, falls due at 20.
    const start = play(initWorld(twoVms(), CORRECT), [
      configure('vm-2'),
      tick(1),
      { type: 'PowerOff', vm: 'vm-2' },
      tick(4),
      // RPO 28: due when its instance of minute 6 is 14 minutes old, at 20.
      { ...configure('vm-1'), rpoMinutes: 28 } as Forwarded,
      tick(1),
      { type: 'LinkDown' },
    ]);
    expect(start.emitted).toEqual([
      started(1, 'full', 'vm-2'),
      committed(1, 1, 'vm-2'),
      started(6, 'full'),
      committed(6, 6, 'vm-1'),
    ]);
    const mid = play(start.w, [tick(12)]);
    expect(mid.emitted).toEqual([{ kind: 'rpoViolated', clock: 17, vm: 'vm-2', minutes: 1 }]);
    expect([mid.w.repl.clock, vmOf(mid.w).repl?.unreachable]).toEqual([18, null]);
    expect(worldStatus(mid.w, 'vm-1')).toBe('OK');
    const due = play(mid.w, [tick(3)]);
    expect(due.emitted).toEqual([blocked(20, LINK), blocked(21, LINK)]);
    expect(vmOf(due.w).repl?.unreachable).toBe(LINK);
    expect(worldStatus(due.w, 'vm-1')).toBe('Not Active');
  });

  test('a cut link after a commit: blocked from the due minute, 8, violated at 17, restored at 20', () => {
    const { w, emitted } = play(synced(), [
      { type: 'LinkDown' },
      tick(16),
      { type: 'LinkUp' },
      tick(2),
    ]);
    expect(emitted).toEqual([
      ...blockedFrom(8, 17, LINK),
      { kind: 'rpoViolated', clock: 17, vm: 'vm-1', minutes: 1 },
      blocked(18, LINK),
      blocked(19, LINK),
      started(20),
      committed(20, 20),
      { kind: 'rpoRestored', clock: 20, vm: 'vm-1' },
    ]);
    expect([w.repl.tick, vmOf(w).repl?.unreachable, w.violated]).toEqual([
      41,
      null,
      { 'vm-1': false },
    ]);
    expect(worldStatus(w, 'vm-1')).toBe('OK');
  });

  test('Not Active stays while blocked, over one long tick as over single minutes', () => {
    const long = play(synced(), [{ type: 'LinkDown' }, tick(16)]).w;
    const single = play(synced(), [
      { type: 'LinkDown' },
      ...Array.from({ length: 16 }, () => tick(1)),
    ]).w;
    expect(vmOf(long).repl?.unreachable).toBe(LINK);
    expect(worldStatus(long, 'vm-1')).toBe('Not Active(RPO violation)');
    expect(long).toEqual(single);
  });

  test('a firewall closed mid-transfer: blocked on 31031, Not Active, resumed when opened', () => {
    const { w, emitted } = play(world(), [
      configure(),
      ...SIX,
      tick(1),
      hbr(false),
      tick(2),
      hbr(true),
      tick(3),
    ]);
    expect(emitted).toEqual([
      started(1, 'full'),
      delivered(1, 2),
      blocked(2, dropped(31031)),
      blocked(3, dropped(31031)),
      delivered(4, 2),
      delivered(5, 2),
      committed(5, 1),
    ]);
    expect([w.repl.tick, vmOf(w).repl?.error, vmOf(w).repl?.unreachable]).toEqual([21, null, null]);
    const mid = play(world(), [configure(), ...SIX, tick(1), hbr(false), tick(2)]).w;
    expect(worldStatus(mid, 'vm-1')).toBe('Not Active');
  });

  test('hbr-rule-in-vib: the full sync is judged on 31031 when it falls due, so it never starts', () => {
    const { w, emitted } = play(world({}, variant('hbr-rule-in-vib')), [
      configure(),
      ...SIX,
      tick(2),
    ]);
    expect(emitted).toEqual([blocked(1, dropped(31031)), blocked(2, dropped(31031))]);
    expect([w.repl.tick, vmOf(w).repl?.unreachable, vmOf(w).repl?.cycle]).toEqual([
      9,
      dropped(31031),
      null,
    ]);
  });

  test('a route removed mid-transfer blocks the cycle in flight', () => {
    const { w, emitted } = play(world(), [configure(), ...SIX, tick(1), removeRoute, tick(2)]);
    const reason = 'esx-01 sends replication out of vmk0, not vmk2';
    expect(emitted).toEqual([
      started(1, 'full'),
      delivered(1, 2),
      blocked(2, reason),
      blocked(3, reason),
    ]);
    expect(vmOf(w).repl?.cycle?.sent).toBe(2);
  });

  test('a paused or powered-off VM is not scheduled, so a cut link reports nothing', () => {
    for (const stop of [
      { type: 'Pause', vm: 'vm-1' },
      { type: 'PowerOff', vm: 'vm-1' },
    ] as WorldEvent[]) {
      const { w, emitted } = play(synced(), [stop, { type: 'LinkDown' }, tick(13)]);
      expect(emitted, stop.type).toEqual([]);
      expect(vmOf(w).repl?.error, stop.type).toBeNull();
      expect(w.repl.tick, stop.type).toBe(33);
    }
  });

  test('ok-while-dropped: a dropped delta is counted as sent, so the age stays 0', () => {
    const v = variant('ok-while-dropped');
    const { w, emitted } = play(synced({}, v), [hbr(false), ...writes([7]), tick(16)]);
    // Each minute from the due minute, 8, the defect starts a delta, finds it dropped, and counts
    // it as sent.
    expect(emitted).toEqual(
      [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19].flatMap((c) => [
        started(c),
        blocked(c, dropped(44046)),
      ]),
    );
    expect(w.sourceDone).toEqual({ 'vm-1': 19 });
    expect([ageOf(w, vmOf(w)), w.violated, vmOf(w).repl?.error, vmOf(w).repl?.cycle]).toEqual([
      0,
      { 'vm-1': false },
      null,
      null,
    ]);
    // The psf is told the bundle went: it keeps no block, and the write of block 7 is lost.
    expect(vmOf(w).repl?.disks).toEqual({
      'disk-0': { bitmap: [], psf: { blocks: [], gen: 7, checkpoint: { blocks: [], gen: 6 } } },
    });
    const quiet = play(w, [hbr(true), tick(5)]).w;
    expect(quiet.sourceDone).toEqual({ 'vm-1': 19 });
  });
});

describe('NFC into the replica host (research-notes A1, corrected; F)', () => {
  const dr = (e: Omit<FwWorldEvent, 'host'>): WorldEvent =>
    ({ ...e, host: 'esx-dr-01' }) as WorldEvent;
  const client = (enabled: boolean) =>
    dr({ type: 'RulesetSet', ruleset: 'vSphereClient', enabled } as FwWorldEvent);
  const closedIn =
    "esx-dr-01's firewall drops NFC from the VR server 10.12.12.20 on TCP 902: no enabled ruleset allows inbound tcp 902; default action DROP";
  const nfcBlocked = (clock: number, reason: string): WorldEmitted => ({
    kind: 'nfcBlocked',
    clock,
    vm: 'vm-1',
    reason,
  });

  test('the VR server reaches the replica host on the fixed seed 000 layout', () => {
    const w = play(world(), [configure()]).w;
    expect(nfcPathOf(w, vmOf(w))).toEqual({
      ok: true,
      reason: 'the VR server reaches esx-dr-01 on TCP 902',
    });
  });

  test('a closed vSphereClient keeps the whole bundle at the VRS, Not Active, until it opens', () => {
    const { w, emitted } = play(world(), [configure(), client(false), ...SIX, tick(4)]);
    expect(emitted).toEqual([
      started(1, 'full'),
      delivered(1, 2),
      delivered(2, 2),
      delivered(3, 2),
      nfcBlocked(3, closedIn),
      nfcBlocked(4, closedIn),
    ]);
    expect(vmOf(w).repl?.staging?.complete).toBe(true);
    expect(vmOf(w).repl?.instances).toEqual([]);
    expect(worldStatus(w, 'vm-1')).toBe('Not Active');
    const open = play(w, [client(true), tick(1)]);
    expect(open.emitted).toEqual([committed(5, 1)]);
    expect(worldStatus(open.w, 'vm-1')).toBe('OK');
  });

  test('the outgoing NFC ruleset of the replica host plays no part; nfc-outbound-from-target says it does', () => {
    const off = dr({ type: 'RulesetSet', ruleset: 'NFC', enabled: false } as FwWorldEvent);
    expect(play(world(), [configure(), off, ...SIX, tick(3)]).emitted).toEqual(INITIAL_SYNC);
    const v = variant('nfc-outbound-from-target');
    const old = play(world({}, v), [configure(), off, ...SIX, tick(3)]);
    expect(old.emitted.at(-1)).toEqual(
      nfcBlocked(
        3,
        "esx-dr-01's firewall drops NFC from the VR server 10.12.12.20 on TCP 902: no enabled ruleset allows outbound tcp 902; default action DROP",
      ),
    );
  });

  test.each<[string, string, boolean]>([
    ['the VR server itself', '10.12.12.20', true],
    ['its subnet', '10.12.12.0/24', true],
    ['only the management network', '172.17.0.0/24', false],
  ])('an allowed-IP list on vSphereClient naming %s: NFC %s', (_n, address, passes) => {
    const w = play(world(), [
      configure(),
      dr({ type: 'AllowedIpAdd', ruleset: 'vSphereClient', address } as FwWorldEvent),
      dr({
        type: 'RulesetAllowedAll',
        ruleset: 'vSphereClient',
        allowedAll: false,
      } as FwWorldEvent),
    ]).w;
    expect(nfcPathOf(w, vmOf(w))).toEqual(
      passes
        ? { ok: true, reason: 'the VR server reaches esx-dr-01 on TCP 902' }
        : {
            ok: false,
            reason: `esx-dr-01's firewall drops NFC from the VR server 10.12.12.20 on TCP 902: vSphereClient allows inbound tcp dst 902 only for ${address}, not 10.12.12.20; default action DROP`,
          },
    );
  });

  test("the replica host's replies must leave as intended: a wrong route there blocks NFC", () => {
    const w = play(world(), [
      configure(),
      {
        type: 'RouteAdd',
        host: 'esx-dr-01',
        netstack: DEFAULT_STACK,
        network: '10.12.12.20/32',
        gateway: '172.17.0.1',
        persist: true,
      },
    ]).w;
    expect(nfcPathOf(w, vmOf(w))).toEqual({
      ok: false,
      reason: 'NFC replies: esx-dr-01 sends nfc out of vmk0, not vmk2',
    });
  });

  test('to the cloud the provider commits: no NFC hop in the model', () => {
    const w = play(world({ topology: CLOUD, toCloud: true }), [configure()]).w;
    expect(nfcPathOf(w, vmOf(w))).toEqual({
      ok: true,
      reason: 'to the cloud: the provider commits',
    });
  });
});

describe('Tick: RPO violation and restore (R8, seed 003, notes A6)', () => {
  // Powered off after the first sync: nothing is scheduled, the age grows in long strides.
  const off = (v: Variant = CORRECT) => play(synced({}, v), [{ type: 'PowerOff', vm: 'vm-1' }]).w;

  test('violated one minute past the RPO, at 17, also when that is the first minute of a tick', () => {
    const whole = play(off(), [tick(18)]);
    expect(whole.emitted).toEqual([{ kind: 'rpoViolated', clock: 17, vm: 'vm-1', minutes: 1 }]);
    const split = play(off(), [tick(13), tick(5)]);
    expect(split.emitted).toEqual(whole.emitted);
    expect(split.w).toEqual(whole.w);
    expect([whole.w.repl.tick, whole.w.violated]).toEqual([37, { 'vm-1': true }]);
  });

  test('rpo-violation-off-by-one raises it when the age reaches the RPO, at 16 by 0 minutes', () => {
    const { emitted } = play(off(variant('rpo-violation-off-by-one')), [tick(13), tick(5)]);
    expect(emitted).toEqual([{ kind: 'rpoViolated', clock: 16, vm: 'vm-1', minutes: 0 }]);
  });

  test('a VM never replicated is recorded as not violated in its first minute', () => {
    const { w, emitted } = play(world(), [tick(5)]);
    expect(emitted).toEqual([]);
    expect([w.violated, w.repl.tick, w.repl.clock]).toEqual([{ 'vm-1': false }, 5, 5]);
  });
});

describe('long ticks in strides = the same minutes one by one (minuteByMinute), on the scenarios above', () => {
  // The definition: every Tick taken minute by minute through the world's own `minute`.
  const definition = (w0: WorldState, events: readonly WorldEvent[]) => {
    let w = w0;
    const emitted: WorldEmitted[] = [];
    for (const e of events) {
      const r = e.type === 'Tick' ? minuteByMinute(w, e.minutes) : worldStep(w, e);
      w = r.state;
      emitted.push(...r.emitted);
    }
    return { w, emitted };
  };
  test.each<[string, () => WorldState, WorldEvent[]]>([
    ['scheduled deltas', synced, [tick(40)]],
    ['a cut link', synced, [{ type: 'LinkDown' }, tick(30), { type: 'LinkUp' }, tick(5)]],
    ['a closed firewall', synced, [hbr(false), ...writes([3]), tick(30), hbr(true), tick(5)]],
    ['a wrong route', synced, [removeRoute, tick(25)]],
    [
      'powered off',
      synced,
      [{ type: 'PowerOff', vm: 'vm-1' }, tick(25), { type: 'PowerOn', vm: 'vm-1' }, tick(5)],
    ],
    [
      'two VMs, one cut off',
      () => play(initWorld(twoVms(), CORRECT), [configure('vm-1'), configure('vm-2'), tick(3)]).w,
      [{ type: 'VMotion', vm: 'vm-2', host: 'esx-01' }, removeRoute, tick(30)],
    ],
  ])('%s', (_n, start, events) => {
    const whole = play(start(), events);
    const minutes = definition(start(), events);
    expect(minutes.emitted).toEqual(whole.emitted);
    expect(minutes.w).toEqual(whole.w);
  });
});

// ---- Failover and Reprotect ----

describe('Failover: recover at the DR site from a committed instance (R10)', () => {
  // 24 a day: at minute 64 the first hour has ended, so MPIT keeps its newest instance, of
  // minute 57 (blocks 0-7), and the latest, of minute 64 (block 8 too).
  const twoInstances = () =>
    play(synced({}, CORRECT, 24), [...writes([6, 7]), tick(55), ...writes([8]), tick(8)]).w;

  test.each<[string, () => WorldState, string, number, string]>([
    ['an unknown VM', world, 'vm-9', 0, 'vm-9: no committed instance 0 back to recover from'],
    ['a VM not replicated', world, 'vm-1', 0, 'vm-1: no committed instance 0 back to recover from'],
    [
      'a VM with nothing committed yet',
      () => play(world(), [configure(), { type: 'LinkDown' }, tick(2)]).w,
      'vm-1',
      0,
      'vm-1: no committed instance 0 back to recover from',
    ],
    [
      'a pick past the instances MPIT keeps',
      twoInstances,
      'vm-1',
      2,
      'vm-1: no committed instance 2 back to recover from',
    ],
    [
      'a negative pick',
      twoInstances,
      'vm-1',
      -1,
      'vm-1: no committed instance -1 back to recover from',
    ],
  ])('%s is refused and changes nothing', (_n, start, vm, pick, error) => {
    const w = start();
    const r = worldStep(w, { type: 'Failover', vm, pick });
    expect(r.state).toBe(w);
    expect(r.emitted).toEqual([]);
    expect(r.error).toBe(error);
  });

  test.each<[number, number, number, Record<number, number>]>([
    [0, 107, 64, { 0: 1, 1: 2, 2: 3, 3: 4, 4: 5, 5: 6, 6: 7, 7: 8, 8: 9 }],
    [1, 96, 57, { 0: 1, 1: 2, 2: 3, 3: 4, 4: 5, 5: 6, 6: 7, 7: 8 }],
  ])(
    'pick %i recovers pit %i of minute %i and pauses the old source',
    (pick, pit, pitClock, disk) => {
      const w = twoInstances();
      const r = worldStep(w, { type: 'Failover', vm: 'vm-1', pick });
      expect(Object.keys(r)).toEqual(['state', 'emitted']);
      expect(r.emitted).toEqual([{ kind: 'failover', clock: 66, vm: 'vm-1', pitClock }]);
      expect(r.state.recovered).toEqual({
        'vm-1': { pit, pitClock, disks: { 'disk-0': disk }, planned: false },
      });
      expect(r.state.repl).toEqual(replStep(w.repl, { type: 'Pause', vm: 'vm-1' }).state);
      expect([vmOf(r.state).repl?.paused, r.state.repl.tick]).toEqual([true, w.repl.tick + 1]);
    },
  );

  // Blocks 0 and 6 of the next delta (0, 6, 7) have reached the VRS when the site is lost.
  const midDelta = (v: Variant) => play(synced({}, v), [...writes([0, 6, 7]), tick(5)]).w;

  test('mid-delta, the correct model recovers the committed instance only', () => {
    const w = midDelta(CORRECT);
    expect(vmOf(w).repl?.staging?.blocks).toEqual({ 'disk-0': { 0: 7, 6: 8 } });
    const r = worldStep(w, { type: 'Failover', vm: 'vm-1', pick: 0 });
    expect(r.state.recovered['vm-1']?.disks).toEqual({
      'disk-0': { 0: 1, 1: 2, 2: 3, 3: 4, 4: 5, 5: 6 },
    });
    expect(vmOf(r.state).repl?.cycle).toBeNull();
    expect(vmOf(r.state).repl?.disks['disk-0']?.bitmap).toEqual([0, 6, 7]);
  });

  test('failover-to-partial writes the arriving bundle into the recovered disk', () => {
    const w = midDelta(variant('failover-to-partial'));
    const r = worldStep(w, { type: 'Failover', vm: 'vm-1', pick: 0 });
    expect(r.state.recovered['vm-1']?.disks).toEqual({
      'disk-0': { 0: 7, 1: 2, 2: 3, 3: 4, 4: 5, 5: 6, 6: 8 },
    });
  });
});

describe('Reprotect: replicate back from the DR site, the old disk as seed (R11, notes A7)', () => {
  const reverseRoute = scenario('seed-000-dr-reverse-present').hosts;
  // MPIT 24 a day keeps the instances of minutes 57 (blocks 0-7) and 64 (0-8).
  const lastSync = [...writes([6, 7]), tick(55), ...writes([8]), tick(8)];
  /** A disaster recovery after block 9 was written at the primary and never replicated. */
  const failedOver = (pick: number, over: Partial<WorldSetup> = {}, v: Variant = CORRECT) =>
    play(synced(over, v, 24), [...lastSync, ...writes([9]), { type: 'Failover', vm: 'vm-1', pick }])
      .w;
  /** A planned migration: everything replicated, the source shut down, the latest recovered. */
  const migrated = (over: Partial<WorldSetup> = {}, v: Variant = CORRECT) =>
    play(synced(over, v, 24), [
      ...lastSync,
      { type: 'Failover', vm: 'vm-1', pick: 0, planned: true },
    ]).w;
  const reprotected = (
    sent: number,
    optimized: boolean,
    delivered = true,
    reason = 'the VR server reaches esx-01 on TCP 902',
  ): WorldEmitted => ({
    kind: 'reprotect',
    clock: 66,
    vm: 'vm-1',
    sent,
    optimized,
    delivered,
    reason,
  });

  test.each<[string, () => WorldState, string, string]>([
    [
      'an unknown VM',
      () => failedOver(0),
      'vm-9',
      'vm-9 has not failed over; nothing to reprotect',
    ],
    [
      'a VM that has not failed over',
      synced,
      'vm-1',
      'vm-1 has not failed over; nothing to reprotect',
    ],
    ['a VM never replicated', world, 'vm-1', 'vm-1 has not failed over; nothing to reprotect'],
    [
      'a to-the-cloud world with no replication direction',
      () =>
        play(world({ topology: { ...CLOUD, replication: [] }, toCloud: true }), [
          { type: 'ApplianceBoot' },
          configure(),
          ...writes([0]),
          tick(2),
          { type: 'Failover', vm: 'vm-1', pick: 0 },
        ]).w,
      'vm-1',
      'vm-1: no DR host to replicate back from',
    ],
  ])('%s is refused and changes nothing', (_n, start, vm, error) => {
    const w = start();
    const r = worldStep(w, { type: 'Reprotect', vm });
    expect(r.state).toBe(w);
    expect(r.emitted).toEqual([]);
    expect(r.error).toBe(error);
  });

  test('after a planned migration: optimized, nothing to send, delivered over the route back', () => {
    const w = migrated({ hosts: reverseRoute });
    expect(vmOf(w).power).toBe('off');
    const r = worldStep(w, { type: 'Reprotect', vm: 'vm-1' });
    expect(Object.keys(r)).toEqual(['state', 'emitted']);
    expect(r.emitted).toEqual([reprotected(0, true)]);
    const back = r.state.reversed['vm-1'];
    expect(back?.setup).toEqual({
      version: '5.5',
      hosts: ['esx-dr-01'],
      vrs: 'vrs-primary',
      chunkBlocks: 1,
      vms: [
        {
          name: 'vm-1',
          host: 'esx-dr-01',
          poweredOn: true,
          disks: [{ id: 'disk-0', uuid: 'u-1', sizeBlocks: 16 }],
        },
      ],
    });
    const image = { 0: 1, 1: 2, 2: 3, 3: 4, 4: 5, 5: 6, 6: 7, 7: 8, 8: 9 };
    const rv = back?.vms['vm-1'];
    expect(rv?.disks).toEqual({ 'disk-0': { uuid: 'u-1', sizeBlocks: 16, blocks: image } });
    expect(rv?.targetDisks).toEqual(vmOf(w).disks);
    // configure, the empty delta, the chunk that completes it, the commit.
    expect(back?.tick).toBe(4);
    expect(rv?.repl).toEqual({
      configuredAt: 0,
      rpoMinutes: 15,
      perDay: 0,
      days: 0,
      seeded: true,
      needsFullSync: false,
      paused: false,
      recovering: false,
      locked: false,
      error: null,
      unreachable: null,
      disks: {
        'disk-0': { bitmap: [], psf: { blocks: [], gen: 0, checkpoint: { blocks: [], gen: 0 } } },
      },
      cycle: null,
      staging: null,
      base: { 'disk-0': image },
      instances: [{ pit: 1, pitClock: 0, clock: 0, disks: { 'disk-0': image } }],
      blocksSent: 0,
      nextCycleId: 2,
      deltaMinutes: [0],
    });
    // The primary world is untouched apart from the reverse replication.
    expect(r.state).toEqual({ ...w, reversed: { 'vm-1': back } });
  });

  test.each<[string, WorldEvent, string]>([
    [
      'with a block not yet replicated',
      { type: 'Failover', vm: 'vm-1', pick: 0, planned: true },
      'vm-1: a planned migration recovers the latest instance after a final sync; 1 block(s) are not yet at the DR site: Sync Now and wait',
    ],
    [
      'of an older instance',
      { type: 'Failover', vm: 'vm-1', pick: 1, planned: true },
      'vm-1: a planned migration recovers the latest instance after a final sync, not instance 1 back',
    ],
  ])('a planned migration %s is refused and changes nothing', (_n, e, error) => {
    const w = play(synced({}, CORRECT, 24), [...lastSync, ...writes([9])]).w;
    const r = worldStep(w, e);
    expect([r.state, r.emitted, r.error]).toEqual([w, [], error]);
  });

  test('after a disaster recovery: a checksum full sync sends the block the old site kept', () => {
    const r = worldStep(failedOver(0, { hosts: reverseRoute }), { type: 'Reprotect', vm: 'vm-1' });
    expect(r.emitted).toEqual([reprotected(1, false)]);
    const rv = r.state.reversed['vm-1']?.vms['vm-1']?.repl;
    expect(rv?.instances.map((i) => i.disks)).toEqual([
      { 'disk-0': { 0: 1, 1: 2, 2: 3, 3: 4, 4: 5, 5: 6, 6: 7, 7: 8, 8: 9 } },
    ]);
  });

  test('without a route back at the DR host the reverse transfer starts but is not delivered', () => {
    const w = failedOver(0);
    const r = worldStep(w, { type: 'Reprotect', vm: 'vm-1' });
    expect(r.emitted).toEqual([
      reprotected(1, false, false, 'esx-dr-01 sends replication out of vmk0, not vmk2'),
    ]);
    const rv = r.state.reversed['vm-1']?.vms['vm-1']?.repl;
    expect([
      r.state.reversed['vm-1']?.tick,
      rv?.cycle?.kind,
      rv?.cycle?.toSend,
      rv?.instances,
    ]).toEqual([2, 'full', [{ disk: 'disk-0', block: 9 }], []]);
  });

  test('an older instance: the checksums find the two blocks that differ', () => {
    const r = worldStep(failedOver(1, { hosts: reverseRoute }), { type: 'Reprotect', vm: 'vm-1' });
    expect(r.emitted).toEqual([reprotected(2, false)]);
    expect(r.state.reversed['vm-1']?.vms['vm-1']?.repl?.instances.map((i) => i.disks)).toEqual([
      { 'disk-0': { 0: 1, 1: 2, 2: 3, 3: 4, 4: 5, 5: 6, 6: 7, 7: 8 } },
    ]);
  });

  test('a replication configured with a seed is never optimized, even after a planned migration', () => {
    const w = play(world({ hosts: reverseRoute }), [
      { type: 'SeedCopy', vm: 'vm-1', uuid: 'same' },
      { ...configure('vm-1', 24), seed: true } as Forwarded,
      ...SIX,
      tick(3),
      ...lastSync,
      { type: 'Failover', vm: 'vm-1', pick: 0, planned: true },
    ]).w;
    const r = worldStep(w, { type: 'Reprotect', vm: 'vm-1' });
    expect(r.emitted).toEqual([reprotected(0, false)]);
  });

  test('optimized-reprotect-after-disaster trusts the psf after a disaster: block 9 stays at the old site', () => {
    const v = variant('optimized-reprotect-after-disaster');
    const r = worldStep(failedOver(0, { hosts: reverseRoute }, v), {
      type: 'Reprotect',
      vm: 'vm-1',
    });
    expect(r.emitted).toEqual([reprotected(0, true)]);
    const rv = r.state.reversed['vm-1']?.vms['vm-1']?.repl;
    expect(rv?.instances.at(-1)?.disks['disk-0']?.[9]).toBe(10);
  });

  test('reprotect-without-checksums sends every written block back', () => {
    const v = variant('reprotect-without-checksums');
    const r = worldStep(failedOver(0, { hosts: reverseRoute }, v), {
      type: 'Reprotect',
      vm: 'vm-1',
    });
    expect(r.emitted).toEqual([reprotected(9, false)]);
    expect(r.state.reversed['vm-1']?.vms['vm-1']?.targetDisks).toBeNull();
  });

  test('two VMs fail over and are reprotected side by side', () => {
    const { w } = play(initWorld(twoVms({ hosts: reverseRoute }), CORRECT), [
      configure('vm-1'),
      configure('vm-2'),
      ...writes([1], 'vm-1'),
      ...writes([2], 'vm-2'),
      tick(2),
      { type: 'Failover', vm: 'vm-1', pick: 0 },
      { type: 'Failover', vm: 'vm-2', pick: 0 },
      { type: 'Reprotect', vm: 'vm-1' },
      { type: 'Reprotect', vm: 'vm-2' },
    ]);
    expect(w.recovered).toEqual({
      'vm-1': { pit: 5, pitClock: 1, disks: { 'disk-0': { 1: 1 } }, planned: false },
      'vm-2': { pit: 8, pitClock: 1, disks: { 'disk-0': { 2: 2 } }, planned: false },
    });
    expect(Object.keys(w.reversed)).toEqual(['vm-1', 'vm-2']);
  });
});

describe('pathOf: the right vmk, a next hop where none was meant', () => {
  test('a /32 route via a gateway to a VRS on the vmk subnet is reported with both next hops', () => {
    // The DR VRS moved onto the replication subnet: the flow is meant to leave vmk2 directly.
    const base = seed000World();
    const topology: Topology = {
      ...base.topology,
      appliances: base.topology.appliances.map((a) =>
        a.role === 'vrs' && a.site === 'dr' ? { ...a, ip: '10.11.12.20' } : a,
      ),
    };
    const r = worldStep(initWorld(seed000World({ topology }), CORRECT), {
      type: 'RouteAdd',
      host: 'esx-01',
      netstack: DEFAULT_STACK,
      network: '10.11.12.20/32',
      gateway: '10.11.12.1',
      persist: true,
    });
    expect(pathOf(r.state, r.state.repl.vms['vm-1'] as VmState)).toEqual({
      ok: false,
      reason: 'esx-01 sends replication out of vmk2 via 10.11.12.1, not directly',
    });
  });
});
