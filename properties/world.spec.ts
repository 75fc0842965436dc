import fc from 'fast-check';
import { describe, expect, inject, test } from 'vitest';
import {
  CORRECT,
  readingVariants,
  type Variant,
  variantByName,
  zooVariants,
} from '../model/variants.ts';
import {
  initWorld,
  minuteByMinute,
  uneventful,
  type WorldEvent,
  type WorldSetup,
  type WorldState,
  type WorldStep,
  worldStatus,
  worldStep,
} from '../model/world/world.ts';
import { scaledRuns } from './harness.ts';
import { prop } from './prop.ts';
import { propertySuite } from './suite.ts';
import { faultyWorld, seed000World, slowWorld } from './world/properties.ts';

// vm-1 of the seed 000 world, RPO 15, and six blocks written to it.
const configure: WorldEvent = {
  type: 'ConfigureReplication',
  vm: 'vm-1',
  rpoMinutes: 15,
  perDay: 0,
  days: 0,
  seed: false,
};
const writes: WorldEvent[] = [0, 1, 2, 3, 4, 5].map((block) => ({
  type: 'GuestWrite',
  vm: 'vm-1',
  disk: 'disk-0',
  block,
}));

describe('world: the correct model', () => propertySuite('world'));

describe('time, bandwidth and RPO events (research-notes A2, A6)', () => {
  // The seed 000 layout after the static route: replication from esx-01 reaches the DR VRS.
  const setup = seed000World();
  const run = (events: WorldEvent[]) => {
    let w = initWorld(setup, CORRECT);
    const emitted = [];
    for (const e of events) {
      const r = worldStep(w, e);
      w = r.state;
      emitted.push(...r.emitted);
    }
    return { w, emitted };
  };

  test('six written blocks at two blocks a minute take three minutes to commit', () => {
    const { emitted } = run([configure, ...writes, { type: 'Tick', minutes: 5 }]);
    const commit = emitted.find((e) => e.kind === 'committed');
    expect(commit?.clock).toBe(3);
    expect(commit && commit.kind === 'committed' ? commit.pitClock : -1).toBe(1);
  });

  test('a cut link raises rpoViolatedEvent once, one minute past the RPO, and restores after the link returns', () => {
    const { emitted } = run([
      configure,
      ...writes,
      { type: 'Tick', minutes: 5 },
      { type: 'LinkDown' },
      { type: 'Tick', minutes: 30 },
      { type: 'LinkUp' },
      { type: 'Tick', minutes: 10 },
    ]);
    const rpo = emitted.filter((e) => e.kind === 'rpoViolated' || e.kind === 'rpoRestored');
    expect(rpo.map((e) => [e.kind, e.clock, e.kind === 'rpoViolated' ? e.minutes : null])).toEqual([
      ['rpoViolated', 17, 1],
      ['rpoRestored', 36, null],
    ]);
  });

  test('a dropped replication shows Not Active once it is due, and Not Active(RPO violation) once late (research-notes F)', () => {
    const dropped: WorldEvent[] = [
      configure,
      {
        type: 'RouteRemove',
        host: 'esx-01',
        netstack: 'defaultTcpipStack',
        network: '10.12.12.0/24',
      },
      { type: 'Tick', minutes: 2 },
    ];
    const { w } = run(dropped);
    expect(w.repl.vms['vm-1']?.repl?.unreachable).toBe(
      'esx-01 sends replication out of vmk0, not vmk2',
    );
    expect(w.repl.vms['vm-1']?.repl?.error).toBeNull();
    expect(worldStatus(w, 'vm-1')).toBe('Not Active');
    const late = run([...dropped, { type: 'Tick', minutes: 14 }]).w;
    expect(worldStatus(late, 'vm-1')).toBe('Not Active(RPO violation)');
    // The same world with the defect shows Error.
    let bad = initWorld(setup, variantByName('blocked-shows-error') as Variant);
    for (const e of dropped) bad = worldStep(bad, e).state;
    expect(worldStatus(bad, 'vm-1')).toBe('Error');
  });
});

describe('metamorphic: a long tick is the same as its minutes one by one', () => {
  const seed = inject('fcSeed');
  // The world takes uneventful minutes (only the clock moves, a due transfer stays blocked, or
  // a whole bundle waits for NFC that stays refused) in one stride (model/world/world.ts, uneventful); that shortcut must be invisible against
  // the definition, every minute through `minute` (minuteByMinute). Every variant, so that the
  // defects' own timing is covered too.
  const fold = (
    c: { setup: WorldSetup; events: readonly WorldEvent[] },
    v: Variant,
    tick: (w: WorldState, minutes: number) => WorldStep,
  ) => {
    let w = initWorld(c.setup, v);
    const emitted = [];
    for (const e of c.events) {
      const r = e.type === 'Tick' ? tick(w, e.minutes) : worldStep(w, e);
      w = r.state;
      emitted.push(...r.emitted);
    }
    return { w, emitted };
  };
  const strides = (w: WorldState, minutes: number) => worldStep(w, { type: 'Tick', minutes });
  // Slow worlds too: their schedulers carry histories of long deltas.
  prop(
    [
      fc.oneof(faultyWorld, slowWorld),
      fc.constantFrom(CORRECT, ...zooVariants(), ...readingVariants()),
    ],
    {
      seed,
      numRuns: scaledRuns(150),
    },
  )('Tick n in strides = Tick n minute by minute: same states, same emitted events', (c, v) => {
    const whole = fold(c, v, strides);
    const minutes = fold(c, v, minuteByMinute);
    expect(minutes.emitted).toEqual(whole.emitted);
    expect(minutes.w).toEqual(whole.w);
  });
});

describe('a stride is as long as nothing happens, and no longer (research-notes A2)', () => {
  // The strides are invisible in every state and event (above); these pin their length, which
  // only the speed shows: a stride cut short would still give the same states.
  // Six blocks at two a minute commit at minute 3 with the point in time of minute 1.
  const committed: WorldEvent[] = [configure, ...writes, { type: 'Tick', minutes: 5 }];
  const down = 'the link to the DR site is down';
  const base = seed000World();
  const two = seed000World({
    replication: {
      ...base.replication,
      vms: [
        ...base.replication.vms,
        {
          name: 'vm-2',
          host: 'esx-01',
          poweredOn: true,
          disks: [{ id: 'disk-0', uuid: 'u-2', sizeBlocks: 4 }],
        },
      ],
    },
  });
  const at = (events: WorldEvent[], v: Variant = CORRECT, setup: WorldSetup = base) => {
    let w = initWorld(setup, v);
    for (const e of events) w = worldStep(w, e).state;
    return w;
  };
  const variant = (name: string) => zooVariants().find((v) => v.name === name) as Variant;

  test.each<[string, WorldEvent[], Variant, number, { vm: string; from: number }[]]>([
    ['before the first minute no verdict is recorded: none', [], CORRECT, 0, []],
    ['configured before the first minute, no verdict recorded: none', [configure], CORRECT, 0, []],
    [
      'no VM replicated, verdicts recorded: the whole tick',
      [{ type: 'Tick', minutes: 1 }],
      CORRECT,
      40,
      [],
    ],
    [
      'a transfer under way: none',
      [configure, ...writes, { type: 'Tick', minutes: 1 }],
      CORRECT,
      0,
      [],
    ],
    // Clock 5, last point in time minute 1, no delta yet: due at minute 8 (age 7, half the RPO).
    ['up to the minute before the next transfer falls due', committed, CORRECT, 2, []],
    // The estimate comes from past deltas, not from the blocks dirty now (research-notes F).
    ['dirty blocks leave the due minute where it was', [...committed, ...writes], CORRECT, 2, []],
    // The delta of minute 8 took 2 minutes: estimate 3 (2 + 20%, rounded up), due at minute 12.
    [
      'a past delta brings the due minute forward by its estimate',
      [...committed, ...writes, { type: 'Tick', minutes: 5 }],
      CORRECT,
      1,
      [],
    ],
    // Paused: never due; the verdict flips at minute 17 (age 16 > 15).
    [
      'paused: up to the minute before the RPO verdict flips',
      [...committed, { type: 'Pause', vm: 'vm-1' }],
      CORRECT,
      11,
      [],
    ],
    [
      'a due transfer that cannot leave: blocked from minute 8, up to the flip',
      [...committed, { type: 'LinkDown' }],
      CORRECT,
      11,
      [{ vm: 'vm-1', from: 3 }],
    ],
    [
      'the off-by-one defect flips a minute early',
      [...committed, { type: 'LinkDown' }],
      variant('rpo-violation-off-by-one'),
      10,
      [{ vm: 'vm-1', from: 3 }],
    ],
    [
      'a defect that starts transfers regardless: stops where one would start',
      [...committed, { type: 'LinkDown' }],
      variant('ok-while-dropped'),
      2,
      [],
    ],
    [
      'the old scheduler starts as late as the RPO allows: due at minute 15',
      [...committed, { type: 'LinkDown' }],
      variant('scheduler-latest-start'),
      11,
      [{ vm: 'vm-1', from: 10 }],
    ],
    [
      'violated and blocked: blocked throughout',
      [...committed, { type: 'LinkDown' }, { type: 'Tick', minutes: 12 }],
      CORRECT,
      40,
      [{ vm: 'vm-1', from: 1 }],
    ],
  ])('%s', (_name, events, v, minutes, blocked) => {
    const run = uneventful(at(events, v), 40);
    expect(run.minutes).toBe(minutes);
    expect(run.blocked).toEqual(blocked.map((b) => ({ kind: 'blocked', ...b, reason: down })));
  });

  // A whole bundle at the VRS that NFC cannot hand to the replica host (research-notes A1): the
  // same minute again and again, until the RPO verdict flips or NFC is let in.
  const closedIn: WorldEvent = {
    type: 'RulesetSet',
    host: 'esx-dr-01',
    ruleset: 'vSphereClient',
    enabled: false,
  };
  const nfcRefused =
    "esx-dr-01's firewall drops NFC from the VR server 10.12.12.20 on TCP 902: no enabled ruleset allows inbound tcp 902; default action DROP";
  test.each<[string, WorldEvent[], number, number]>([
    // Clock 4, the bundle whole since minute 3 and nothing committed yet: the age counts from
    // the configuration and passes the RPO at minute 16.
    ['a bundle NFC cannot hand over: nfcBlocked from the first minute, up to the flip', [], 11, 1],
    ['violated and NFC refused: the whole tick', [{ type: 'Tick', minutes: 14 }], 40, 1],
  ])('%s', (_name, more, minutes, from) => {
    const w = at([configure, closedIn, ...writes, { type: 'Tick', minutes: 4 }, ...more]);
    expect(uneventful(w, 40)).toEqual({
      minutes,
      blocked: [{ kind: 'nfcBlocked', vm: 'vm-1', from, reason: nfcRefused }],
    });
    expect(worldStep(w, { type: 'Tick', minutes })).toEqual(minuteByMinute(w, minutes));
  });

  test('NFC let in again: the bundle commits in the next minute, no stride', () => {
    const w = at([
      configure,
      closedIn,
      ...writes,
      { type: 'Tick', minutes: 4 },
      { ...closedIn, enabled: true } as WorldEvent,
    ]);
    expect(uneventful(w, 40)).toEqual({ minutes: 0, blocked: [] });
  });

  test('a run shorter than the first blocked minute reports no blocked VM', () => {
    expect(uneventful(at([...committed, { type: 'LinkDown' }]), 2)).toEqual({
      minutes: 2,
      blocked: [],
    });
  });

  test('a VM blocked only after the other VM flips is left to a later stride', () => {
    // vm-1 (RPO 40) falls due at minute 21 with the link down; paused vm-2 (RPO 15) flips at
    // minute 17, which ends the stride first: vm-1 must not be Not Active yet.
    const events: WorldEvent[] = [
      { ...configure, rpoMinutes: 40 },
      { ...configure, vm: 'vm-2' },
      { type: 'Tick', minutes: 5 },
      { type: 'Pause', vm: 'vm-2' },
      { type: 'LinkDown' },
    ];
    const w = at(events, CORRECT, two);
    expect(uneventful(w, 40)).toEqual({ minutes: 11, blocked: [] });
    expect(worldStep(w, { type: 'Tick', minutes: 11 })).toEqual(minuteByMinute(w, 11));
  });

  test('two blocked VMs report minute by minute, in their own order', () => {
    const events: WorldEvent[] = [
      configure,
      { ...configure, vm: 'vm-2' },
      ...writes,
      { type: 'Tick', minutes: 5 },
      { type: 'LinkDown' },
    ];
    const w = at(events, CORRECT, two);
    // vm-2's empty full sync waits for vm-1's bandwidth and lands at 4, both with pit 1.
    expect(uneventful(w, 40)).toEqual({
      minutes: 11,
      blocked: [
        { kind: 'blocked', vm: 'vm-1', from: 3, reason: down },
        { kind: 'blocked', vm: 'vm-2', from: 3, reason: down },
      ],
    });
    const r = worldStep(w, { type: 'Tick', minutes: 12 });
    expect(r.emitted.map((e) => [e.kind, e.clock, e.vm])).toEqual([
      ...[8, 9, 10, 11, 12, 13, 14, 15, 16, 17].flatMap((c) => [
        ['blocked', c, 'vm-1'],
        ['blocked', c, 'vm-2'],
      ]),
      ['rpoViolated', 17, 'vm-1'],
      ['rpoViolated', 17, 'vm-2'],
    ]);
    expect(r.state.repl.vms['vm-2']?.repl?.unreachable).toBe(down);
    expect(worldStatus(r.state, 'vm-2')).toBe('Not Active(RPO violation)');
  });
});
