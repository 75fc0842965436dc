import fc from 'fast-check';
import { describe, expect, inject, test } from 'vitest';
import { CORRECT, type Variant, zooVariants } from '../model/variants.ts';
import {
  initWorld,
  minuteByMinute,
  type WorldEvent,
  type WorldSetup,
  type WorldState,
  type WorldStep,
  worldStep,
} from '../model/world/world.ts';
import { scaledRuns } from './harness.ts';
import { prop } from './prop.ts';
import { propertySuite } from './suite.ts';
import { faultyWorld, seed000World } from './world/properties.ts';

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
  const configure: WorldEvent = {
    type: 'ConfigureReplication',
    vm: 'vm-1',
    rpoMinutes: 15,
    retention: 0,
    seed: false,
  };
  const writes: WorldEvent[] = [0, 1, 2, 3, 4, 5].map((block) => ({
    type: 'GuestWrite',
    vm: 'vm-1',
    disk: 'disk-0',
    block,
  }));

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

  test('a dropped replication shows Error, not OK, once it is due', () => {
    const { w } = run([
      configure,
      {
        type: 'RouteRemove',
        host: 'esx-01',
        netstack: 'defaultTcpipStack',
        network: '10.12.12.0/24',
      },
      { type: 'Tick', minutes: 2 },
    ]);
    expect(w.repl.vms['vm-1']?.repl?.error).toMatch(
      /cannot reach the VRS: esx-01 sends replication out of vmk0, not vmk2/,
    );
  });
});

describe('metamorphic: a long tick is the same as its minutes one by one', () => {
  const seed = inject('fcSeed');
  // The world takes uneventful minutes (only the clock moves, or a due transfer stays blocked)
  // in one stride (model/world/world.ts, uneventful); that shortcut must be invisible against
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
  prop([faultyWorld, fc.constantFrom(CORRECT, ...zooVariants())], {
    seed,
    numRuns: scaledRuns(150),
  })('Tick n in strides = Tick n minute by minute: same states, same emitted events', (c, v) => {
    const whole = fold(c, v, strides);
    const minutes = fold(c, v, minuteByMinute);
    expect(minutes.emitted).toEqual(whole.emitted);
    expect(minutes.w).toEqual(whole.w);
  });
});
