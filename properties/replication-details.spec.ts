// The exact result of every replication event, table by table: each refusal's one line (and a
// state that only ticks), the events each step emits, and the state fields it leaves: sorted,
// de-duplicated bitmaps and psfs, the copy-before-write demand log, chunk staging, NFC commit
// and MPIT pruning (research-notes A2, A3), full vs delta completion events (A6), pause and
// power (A5, A7), crash recovery from the psf (A4; seed 002), Sync Now locking (seed 003).
// Hand-made event lists folded with the model's own run/step; no generators, no I/O.
import { describe, expect, test } from 'vitest';
import { init, run, step } from '../model/replication/step.ts';
import type {
  Emitted,
  Replication,
  ReplicationEvent,
  ReplicationSetup,
  ReplicationState,
  VmState,
} from '../model/replication/types.ts';
import { CORRECT, type Variant } from '../model/variants.ts';
import { variantNamed } from './harness.ts';

const SETUP: ReplicationSetup = {
  version: '6.7',
  hosts: ['esx-01', 'esx-02'],
  vrs: 'vrs-dr',
  chunkBlocks: 2,
  vms: [
    {
      name: 'vm-1',
      host: 'esx-01',
      poweredOn: true,
      disks: [
        { id: 'disk-0', uuid: 'u-1', sizeBlocks: 8 },
        { id: 'disk-1', uuid: 'u-2', sizeBlocks: 4 },
      ],
    },
    {
      name: 'vm-2',
      host: 'esx-02',
      poweredOn: false,
      disks: [{ id: 'disk-0', uuid: 'u-3', sizeBlocks: 4 }],
    },
  ],
};

const variant = variantNamed;

const W = (block: number, disk = 'disk-0', vm = 'vm-1'): ReplicationEvent => ({
  type: 'GuestWrite',
  vm,
  disk,
  block,
});
const T = (minutes: number): ReplicationEvent => ({ type: 'TimeAdvance', minutes });
const CONF: ReplicationEvent = {
  type: 'ConfigureReplication',
  vm: 'vm-1',
  rpoMinutes: 15,
  perDay: 24,
  days: 1,
  seed: false,
};
const conf = (over: Partial<Extract<ReplicationEvent, { type: 'ConfigureReplication' }>>) =>
  ({ ...CONF, ...over }) as ReplicationEvent;
const CS: ReplicationEvent = { type: 'CycleStart', vm: 'vm-1' };
const SYNC: ReplicationEvent = { type: 'SyncNow', vm: 'vm-1' };
const CHUNK: ReplicationEvent = { type: 'ChunkDelivered', vm: 'vm-1' };
const COMMIT: ReplicationEvent = { type: 'BundleCommit', vm: 'vm-1' };
const OFF: ReplicationEvent = { type: 'PowerOff', vm: 'vm-1' };
const ON: ReplicationEvent = { type: 'PowerOn', vm: 'vm-1' };
const PAUSE: ReplicationEvent = { type: 'Pause', vm: 'vm-1' };
const RESUME: ReplicationEvent = { type: 'Resume', vm: 'vm-1' };
const NFC_FAIL: ReplicationEvent = { type: 'NfcFail', vm: 'vm-1' };
const UNCONF: ReplicationEvent = { type: 'UnconfigureReplication', vm: 'vm-1' };
const crash = (psf: 'intact' | 'stale' | 'lost', host = 'esx-01'): ReplicationEvent => ({
  type: 'HostCrash',
  host,
  psf,
});

// The story most tests start from, on vm-1 (contents are the write order: 1, 2, 3, ...).
// Replicated writes go to disk-0 blocks 5, 3, 5 again, then disk-1 block 1.
const WRITTEN: ReplicationEvent[] = [T(30), CONF, W(5), W(3), W(5), W(1, 'disk-1')];
// The initial full sync: disk-0 blocks 3 and 5, then disk-1 block 1; chunks of two.
const STARTED = [...WRITTEN, CS];
const HALF = [...STARTED, CHUNK];
const WHOLE = [...HALF, CHUNK];
const COMMITTED = [...WHOLE, T(10), COMMIT];
// Two more writes, in descending order, tracked for the first delta.
const DIRTY = [...COMMITTED, W(6), W(2)];
const DELTA = [...DIRTY, CS];

const go = (events: readonly ReplicationEvent[], v: Variant = CORRECT) => run(SETUP, v, events);

function vmOf(s: ReplicationState, name = 'vm-1'): VmState {
  const v = s.vms[name];
  if (!v) throw new Error(`no ${name}`);
  return v;
}

function replOf(s: ReplicationState, name = 'vm-1'): Replication {
  const r = vmOf(s, name).repl;
  if (!r) throw new Error(`${name} is not replicated`);
  return r;
}

/** s after one more tick, with these changes to one VM, its replication and the state. */
function next(
  s: ReplicationState,
  changes: {
    readonly vm?: Partial<VmState>;
    readonly repl?: Partial<Replication>;
    readonly state?: Partial<ReplicationState>;
  },
  name = 'vm-1',
): ReplicationState {
  const v = vmOf(s, name);
  const repl = changes.repl && v.repl ? { ...v.repl, ...changes.repl } : v.repl;
  return {
    ...s,
    ...changes.state,
    tick: s.tick + 1,
    vms: { ...s.vms, [name]: { ...v, repl, ...changes.vm } },
  };
}

function expectRefused(s: ReplicationState, e: ReplicationEvent, why: string): void {
  expect(step(s, e)).toEqual({ state: { ...s, tick: s.tick + 1 }, emitted: [], refused: why });
}

function expectRejected(s: ReplicationState, e: ReplicationEvent, error: string): void {
  expect(step(s, e)).toEqual({ state: { ...s, tick: s.tick + 1 }, emitted: [], error });
}

function expectStep(
  s: ReplicationState,
  e: ReplicationEvent,
  state: ReplicationState,
  emitted: readonly Emitted[],
): void {
  expect(step(s, e)).toEqual({ state, emitted });
}

const aborted = (reason: string, vm = 'vm-1'): Emitted => ({ kind: 'CycleAborted', vm, reason });

/** The tracking of vm-1 after WRITTEN: psf generations follow the disk headers (3 and 1). */
const WRITTEN_DISKS = {
  'disk-0': { bitmap: [3, 5], psf: { blocks: [3, 5], gen: 3, checkpoint: { blocks: [], gen: 0 } } },
  'disk-1': { bitmap: [1], psf: { blocks: [1], gen: 1, checkpoint: { blocks: [], gen: 0 } } },
};
/** After the cycle start swapped the bitmaps out. */
const SWAPPED_DISKS = {
  'disk-0': { ...WRITTEN_DISKS['disk-0'], bitmap: [] },
  'disk-1': { ...WRITTEN_DISKS['disk-1'], bitmap: [] },
};
const FULL_TO_SEND = [
  { disk: 'disk-0', block: 3 },
  { disk: 'disk-0', block: 5 },
  { disk: 'disk-1', block: 1 },
];

// ---- every refusal: one line, no events, only the tick moves ----

describe('refusals: the exact line, nothing emitted, the state only ticks', () => {
  test.each<[string, ReplicationEvent[], ReplicationEvent, string]>([
    ['cutting a cut link', [{ type: 'LinkDown' }], { type: 'LinkDown' }, 'link already down'],
    ['raising a raised link', [], { type: 'LinkUp' }, 'link already up'],
    ['NFC failure without a bundle', [CONF], NFC_FAIL, 'vm-1: no complete bundle at NFC'],
    ['NFC failure of an unreplicated VM', [], NFC_FAIL, 'vm-1: no complete bundle at NFC'],
    ['NFC failure of half a bundle', HALF, NFC_FAIL, 'vm-1: no complete bundle at NFC'],
    [
      'powering off a powered-off VM',
      [],
      { type: 'PowerOff', vm: 'vm-2' },
      'vm-2 is already powered off',
    ],
    ['powering on a running VM', [], ON, 'vm-1 is already powered on'],
    [
      'powering on a VM locked by Sync Now',
      [CONF, OFF, SYNC],
      ON,
      'vm-1: power-on refused while Sync Now holds its disks',
    ],
    ['pausing an unreplicated VM', [], PAUSE, 'vm-1 is not replicated'],
    ['pausing a paused VM', [CONF, PAUSE], PAUSE, 'vm-1 is already paused'],
    ['resuming an unreplicated VM', [], RESUME, 'vm-1 is not paused'],
    ['resuming a running replication', [CONF], RESUME, 'vm-1 is not paused'],
    [
      'a seed for a replicated VM',
      [CONF],
      { type: 'SeedCopy', vm: 'vm-1', uuid: 'same' },
      'vm-1 is already replicated; seeds are for new ones',
    ],
    [
      'vMotion of a powered-off VM',
      [],
      { type: 'VMotion', vm: 'vm-2', host: 'esx-01' },
      'vm-2 is powered off; vMotion moves running VMs',
    ],
    [
      'vMotion of a powered-off VM to its own host',
      [],
      { type: 'VMotion', vm: 'vm-2', host: 'esx-02' },
      'vm-2 is powered off; vMotion moves running VMs',
    ],
    [
      'vMotion to the host it runs on',
      [],
      { type: 'VMotion', vm: 'vm-1', host: 'esx-01' },
      'vm-1 already runs on esx-01',
    ],
    ['unconfiguring an unreplicated VM', [], UNCONF, 'vm-1 is not replicated'],
    ['unconfiguring twice', [CONF, UNCONF], UNCONF, 'vm-1 is not replicated'],
    ['a write to a powered-off VM', [], W(0, 'disk-0', 'vm-2'), 'vm-2 is powered off'],
    ['a cycle of an unreplicated VM', [], CS, 'vm-1 is not replicated'],
    ['Sync Now of an unreplicated VM', [], SYNC, 'vm-1 is not replicated'],
    ['a cycle of a paused replication', [CONF, PAUSE], CS, 'vm-1: replication is paused'],
    ['Sync Now of a paused replication', [CONF, OFF, PAUSE], SYNC, 'vm-1: replication is paused'],
    ['a second cycle', STARTED, CS, 'vm-1: a transfer is already in flight'],
    ['Sync Now during a cycle', HALF, SYNC, 'vm-1: a transfer is already in flight'],
    [
      'a cycle while recovering from a crash',
      [CONF, crash('intact')],
      SYNC,
      'vm-1: the source is recovering from a crash',
    ],
    ['a cycle of a powered-off VM', [CONF, OFF], CS, 'vm-1 is powered off (Not Active)'],
    ['a chunk of an unreplicated VM', [], CHUNK, 'vm-1: no transfer in flight'],
    ['a chunk with no cycle', COMMITTED, CHUNK, 'vm-1: no transfer in flight'],
    ['a chunk with the link down', [...WHOLE, { type: 'LinkDown' }], CHUNK, 'vm-1: link down'],
    ['a chunk past the whole bundle', WHOLE, CHUNK, 'vm-1: the bundle is complete, awaiting NFC'],
    ['a commit of an unreplicated VM', [], COMMIT, 'vm-1: no complete bundle staged at the VRS'],
    ['a commit of half a bundle', HALF, COMMIT, 'vm-1: no complete bundle staged at the VRS'],
    ['a commit after the commit', COMMITTED, COMMIT, 'vm-1: no complete bundle staged at the VRS'],
  ])('%s', (_name, before, e, why) => {
    expectRefused(go(before), e, why);
  });

  test.each<[string, ReplicationEvent[], ReplicationEvent]>([
    ['a cycle', [CONF], CS],
    ['Sync Now of a powered-off VM', [CONF, OFF], SYNC],
  ])(
    '%s with the link down is no refusal: the VRS is recorded unreachable (notes F)',
    (_n, before, e) => {
      const s = go([...before, { type: 'LinkDown' }]);
      const reason = 'the VRS is unreachable: the link to the DR site is down';
      expectStep(s, e, next(s, { repl: { unreachable: reason } }), [
        { kind: 'ConnectFailed', vm: 'vm-1', reason },
      ]);
    },
  );
});

describe('rejections: the exact error, nothing emitted, the state only ticks', () => {
  test.each<[string, ReplicationEvent[], ReplicationEvent, string]>([
    [
      'RPO one past 24 h',
      [],
      conf({ rpoMinutes: 1441 }),
      'vm-1: RPO 1441 min is outside the 5 min to 1440 min (24 h) allowed on ESXi 6.7',
    ],
    [
      'RPO under 5 min',
      [],
      conf({ rpoMinutes: 4 }),
      'vm-1: RPO 4 min is outside the 5 min to 1440 min (24 h) allowed on ESXi 6.7',
    ],
    [
      'a fractional RPO',
      [],
      conf({ rpoMinutes: 15.5 }),
      'vm-1: RPO 15.5 min is outside the 5 min to 1440 min (24 h) allowed on ESXi 6.7',
    ],
    [
      'retention of 5 a day for 5 days (25 instances)',
      [],
      conf({ perDay: 5, days: 5 }),
      'vm-1: retention of 5 instance(s) a day for 5 day(s) is outside what VR keeps: whole numbers, at most 24 instances in all',
    ],
    [
      'retention of 25 a day',
      [],
      conf({ perDay: 25, days: 1 }),
      'vm-1: retention of 25 instance(s) a day for 1 day(s) is outside what VR keeps: whole numbers, at most 24 instances in all',
    ],
    [
      'a negative count a day',
      [],
      conf({ perDay: -1, days: 1 }),
      'vm-1: retention of -1 instance(s) a day for 1 day(s) is outside what VR keeps: whole numbers, at most 24 instances in all',
    ],
    [
      'a fractional count a day',
      [],
      conf({ perDay: 1.5, days: 2 }),
      'vm-1: retention of 1.5 instance(s) a day for 2 day(s) is outside what VR keeps: whole numbers, at most 24 instances in all',
    ],
    [
      'instances a day for no days',
      [],
      conf({ perDay: 3, days: 0 }),
      'vm-1: retention of 3 instance(s) a day for 0 day(s): give both, or 0 and 0 to keep only the latest',
    ],
    [
      'a second replication',
      [CONF],
      CONF,
      'vm-1 is already replicated: a disk can belong to one replication only; unconfigure it first',
    ],
    [
      'a seed with nothing at the target',
      [],
      conf({ seed: true }),
      'vm-1/disk-0: seed requested but the target datastore holds no copy',
    ],
    [
      'a seed with another UUID',
      [{ type: 'SeedCopy', vm: 'vm-1', uuid: 'different' }],
      conf({ seed: true }),
      'vm-1/disk-0: seed disk has UUID u-1-clone but the source disk has u-1; a seed must carry the same UUID',
    ],
    [
      'a target disk present without a seed',
      [{ type: 'SeedCopy', vm: 'vm-1', uuid: 'same' }],
      CONF,
      'vm-1/disk-0: the target datastore already holds a disk of that name; use it as a seed or remove it',
    ],
    [
      'vMotion to an unknown host',
      [],
      { type: 'VMotion', vm: 'vm-1', host: 'esx-09' },
      'no host named esx-09; known hosts: esx-01, esx-02',
    ],
    [
      'a crash of an unknown host',
      [],
      crash('lost', 'esx-09'),
      'no host named esx-09; known hosts: esx-01, esx-02',
    ],
    [
      'an event for an unknown VM',
      [],
      { type: 'NfcFail', vm: 'vm-9' },
      'no VM named vm-9; known VMs: vm-1, vm-2',
    ],
    ['a write to an unknown disk', [CONF], W(0, 'disk-9'), 'vm-1 has no disk disk-9'],
    ['a write one past the end', [CONF], W(4, 'disk-1'), 'vm-1/disk-1: block 4 is outside 0..3'],
    ['a write to a negative block', [CONF], W(-1), 'vm-1/disk-0: block -1 is outside 0..7'],
    ['a write to a fractional block', [CONF], W(0.5), 'vm-1/disk-0: block 0.5 is outside 0..7'],
  ])('%s', (_name, before, e, error) => {
    expectRejected(go(before), e, error);
  });
});

// ---- configuration ----

describe('ConfigureReplication: the replication it creates', () => {
  const fresh = (over: Partial<Replication> = {}): Replication => ({
    configuredAt: 30,
    rpoMinutes: 15,
    perDay: 24,
    days: 1,
    seeded: false,
    needsFullSync: true,
    paused: false,
    recovering: false,
    locked: false,
    error: null,
    unreachable: null,
    disks: {
      'disk-0': { bitmap: [], psf: { blocks: [], gen: 0, checkpoint: { blocks: [], gen: 0 } } },
      'disk-1': { bitmap: [], psf: { blocks: [], gen: 0, checkpoint: { blocks: [], gen: 0 } } },
    },
    cycle: null,
    staging: null,
    base: { 'disk-0': {}, 'disk-1': {} },
    instances: [],
    blocksSent: 0,
    nextCycleId: 1,
    deltaMinutes: [],
    ...over,
  });

  test.each<[string, number, number, number]>([
    ['the smallest RPO and no retention', 5, 0, 0],
    ['an RPO of exactly 24 h', 1440, 1, 1],
    ['the largest retention, 24 a day for a day', 15, 24, 1],
    ['the largest retention, 3 a day for 8 days', 15, 3, 8],
  ])('%s is accepted', (_name, rpoMinutes, perDay, days) => {
    const s = go([T(30)]);
    expectStep(
      s,
      conf({ rpoMinutes, perDay, days }),
      next(s, { vm: { repl: fresh({ rpoMinutes, perDay, days }) } }),
      [{ kind: 'Configured', vm: 'vm-1' }],
    );
  });

  test('a seed becomes the base image; a same-UUID seed copies the source disks', () => {
    const seeded = go([
      W(2),
      W(1, 'disk-1'),
      { type: 'SeedCopy', vm: 'vm-1', uuid: 'same' },
      T(30),
    ]);
    expect(vmOf(seeded).targetDisks).toEqual({
      'disk-0': { uuid: 'u-1', sizeBlocks: 8, blocks: { 2: 1 } },
      'disk-1': { uuid: 'u-2', sizeBlocks: 4, blocks: { 1: 2 } },
    });
    expectStep(
      seeded,
      conf({ seed: true }),
      next(seeded, {
        vm: { repl: fresh({ base: { 'disk-0': { 2: 1 }, 'disk-1': { 1: 2 } }, seeded: true }) },
      }),
      [{ kind: 'Configured', vm: 'vm-1' }],
    );
  });

  test('the full sync after a seed sends only the blocks that differ from it', () => {
    const s = go([
      W(2),
      W(1, 'disk-1'),
      { type: 'SeedCopy', vm: 'vm-1', uuid: 'same' },
      conf({ seed: true }),
      W(4),
    ]);
    const toSend = [{ disk: 'disk-0', block: 4 }];
    expect(step(s, CS).emitted).toEqual([
      { kind: 'CycleStarted', vm: 'vm-1', cycle: 'full', pit: 5, blocks: 1, toSend },
    ]);
  });

  test('a different-UUID seed copy carries the clone UUIDs', () => {
    const s = go([W(2)]);
    expectStep(
      s,
      { type: 'SeedCopy', vm: 'vm-1', uuid: 'different' },
      next(s, {
        vm: {
          targetDisks: {
            'disk-0': { uuid: 'u-1-clone', sizeBlocks: 8, blocks: { 2: 1 } },
            'disk-1': { uuid: 'u-2-clone', sizeBlocks: 4, blocks: {} },
          },
        },
      }),
      [],
    );
  });

  test("a reconfigured VM's psf starts at its disk header's generation", () => {
    const s = go([...WRITTEN, UNCONF]);
    expect(vmOf(s).headerGen).toEqual({ 'disk-0': 3, 'disk-1': 1 });
    expectStep(
      s,
      CONF,
      next(s, {
        vm: {
          repl: fresh({
            disks: {
              'disk-0': {
                bitmap: [],
                psf: { blocks: [], gen: 3, checkpoint: { blocks: [], gen: 3 } },
              },
              'disk-1': {
                bitmap: [],
                psf: { blocks: [], gen: 1, checkpoint: { blocks: [], gen: 1 } },
              },
            },
          }),
        },
      }),
      [{ kind: 'Configured', vm: 'vm-1' }],
    );
  });

  test('UnconfigureReplication drops the replication and the target disks, mid-transfer too', () => {
    const s = go(HALF);
    expectStep(s, UNCONF, next(s, { vm: { repl: null, targetDisks: null } }), [
      { kind: 'Unconfigured', vm: 'vm-1' },
    ]);
    const seeded = go([{ type: 'SeedCopy', vm: 'vm-1', uuid: 'same' }, conf({ seed: true })]);
    expectStep(seeded, UNCONF, next(seeded, { vm: { repl: null, targetDisks: null } }), [
      { kind: 'Unconfigured', vm: 'vm-1' },
    ]);
  });
});

// ---- guest writes: bitmap, psf, header, demand log ----

describe('GuestWrite: tracking as sorted, de-duplicated block sets', () => {
  test('writes 5, 3, 5 and disk-1 block 1 leave bitmaps [3, 5] and [1], the psf alike', () => {
    const s = go(WRITTEN);
    expect(s).toEqual({
      ...init(SETUP, CORRECT),
      tick: 6,
      clock: 30,
      nextContent: 5,
      vms: {
        ...s.vms,
        'vm-1': {
          ...vmOf(init(SETUP, CORRECT)),
          disks: {
            'disk-0': { uuid: 'u-1', sizeBlocks: 8, blocks: { 3: 2, 5: 3 } },
            'disk-1': { uuid: 'u-2', sizeBlocks: 4, blocks: { 1: 4 } },
          },
          headerGen: { 'disk-0': 3, 'disk-1': 1 },
          repl: { ...replOf(go([T(30), CONF])), disks: WRITTEN_DISKS },
        },
      },
    });
  });

  test('a write to an unreplicated VM changes the disk only', () => {
    const s = go([T(1)]);
    expectStep(
      s,
      W(7),
      next(s, {
        state: { nextContent: 2 },
        vm: {
          disks: { ...vmOf(s).disks, 'disk-0': { uuid: 'u-1', sizeBlocks: 8, blocks: { 7: 1 } } },
        },
      }),
      [],
    );
  });

  test('during a cycle, only a pending block not yet logged gets its old content logged', () => {
    // HALF: disk-0 blocks 3 and 5 sent, disk-1 block 1 pending.
    let s = go(HALF);
    const demandLogAfter = (e: ReplicationEvent) => {
      s = step(s, e).state;
      return replOf(s).cycle?.demandLog;
    };
    expect(demandLogAfter(W(3))).toEqual({}); // already sent
    expect(demandLogAfter(W(1))).toEqual({}); // block 1, but of disk-0
    expect(demandLogAfter(W(2, 'disk-1'))).toEqual({}); // disk-1, but not a pending block
    expect(demandLogAfter(W(1, 'disk-1'))).toEqual({ 'disk-1': { 1: 4 } });
    expect(demandLogAfter(W(1, 'disk-1'))).toEqual({ 'disk-1': { 1: 4 } }); // first one kept
    // Concurrent writes belong to the next cycle: bitmaps are sorted and de-duplicated.
    expect(replOf(s).disks).toEqual({
      'disk-0': {
        bitmap: [1, 3],
        psf: { blocks: [1, 3, 5], gen: 5, checkpoint: { blocks: [], gen: 0 } },
      },
      'disk-1': {
        bitmap: [1, 2],
        psf: { blocks: [1, 2], gen: 4, checkpoint: { blocks: [], gen: 0 } },
      },
    });
    // The last chunk carries the logged point-in-time content, not the live one.
    const r = step(s, CHUNK);
    expect(r.emitted).toEqual([
      { kind: 'ChunkSent', vm: 'vm-1', blocks: [{ disk: 'disk-1', block: 1 }] },
    ]);
    expect(replOf(r.state).staging?.blocks).toEqual({
      'disk-0': { 3: 2, 5: 3 },
      'disk-1': { 1: 4 },
    });
  });

  test('live-read-transfer keeps no demand log', () => {
    const s = step(go(HALF, variant('live-read-transfer')), W(1, 'disk-1')).state;
    expect(replOf(s).cycle?.demandLog).toEqual({});
  });

  test('fullsync-misses-concurrent-writes still tracks writes outside a full sync', () => {
    const v = variant('fullsync-misses-concurrent-writes');
    expect(replOf(go(WRITTEN, v)).disks).toEqual(WRITTEN_DISKS);
    // ... and during a delta, but not during a full sync.
    expect(replOf(go([...DELTA, W(4)], v)).disks['disk-0']?.bitmap).toEqual([4]);
    expect(replOf(go([...HALF, W(4)], v)).disks['disk-0']?.bitmap).toEqual([]);
  });

  test('fullsync-misses-concurrent-writes: the next delta sends the bitmap, missing the write', () => {
    const s = go([...HALF, W(4), CHUNK, COMMIT], variant('fullsync-misses-concurrent-writes'));
    expect(step(s, CS).emitted).toEqual([
      { kind: 'CycleStarted', vm: 'vm-1', cycle: 'delta', pit: s.tick, blocks: 0, toSend: [] },
    ]);
  });
});

// ---- cycles ----

describe('CycleStart and SyncNow: the cycle, the swap and the lock', () => {
  test('the initial full sync sends the differing blocks, disk by disk', () => {
    const s = go(WRITTEN);
    const cycle = {
      id: 1,
      kind: 'full',
      pit: 6,
      pitClock: 30,
      initial: true,
      syncNow: false,
      toSend: FULL_TO_SEND,
      sent: 0,
      demandLog: {},
    } as const;
    expectStep(
      s,
      CS,
      next(s, { repl: { disks: SWAPPED_DISKS, cycle, nextCycleId: 2, locked: false } }),
      [
        {
          kind: 'CycleStarted',
          vm: 'vm-1',
          cycle: 'full',
          pit: 6,
          blocks: 3,
          toSend: FULL_TO_SEND,
        },
      ],
    );
  });

  test('a delta sends the bitmap, ascending, and takes the next cycle id', () => {
    const s = go(DIRTY);
    expect(replOf(s).disks['disk-0']?.bitmap).toEqual([2, 6]);
    const toSend = [
      { disk: 'disk-0', block: 2 },
      { disk: 'disk-0', block: 6 },
    ];
    const r = step(s, CS);
    expect(r.emitted).toEqual([
      { kind: 'CycleStarted', vm: 'vm-1', cycle: 'delta', pit: 13, blocks: 2, toSend },
    ]);
    expect(replOf(r.state).cycle).toEqual({
      id: 2,
      kind: 'delta',
      pit: 13,
      pitClock: 40,
      initial: false,
      syncNow: false,
      toSend,
      sent: 0,
      demandLog: {},
    });
    expect(replOf(r.state).nextCycleId).toBe(3);
  });

  test('fullsync-sends-all sends every block of every disk', () => {
    const r = step(go(WRITTEN, variant('fullsync-sends-all')), CS);
    const toSend = [
      ...[0, 1, 2, 3, 4, 5, 6, 7].map((block) => ({ disk: 'disk-0', block })),
      ...[0, 1, 2, 3].map((block) => ({ disk: 'disk-1', block })),
    ];
    expect(r.emitted).toEqual([
      { kind: 'CycleStarted', vm: 'vm-1', cycle: 'full', pit: 6, blocks: 12, toSend },
    ]);
  });

  test.each<[string, ReplicationEvent[], ReplicationEvent, Variant, boolean]>([
    ['a cycle of a running VM', [CONF], CS, CORRECT, false],
    ['Sync Now of a running VM', [CONF], SYNC, CORRECT, false],
    ['Sync Now of a powered-off VM', [CONF, OFF], SYNC, CORRECT, true],
    [
      'Sync Now of a powered-off VM, syncnow-without-lock',
      [CONF, OFF],
      SYNC,
      variant('syncnow-without-lock'),
      false,
    ],
  ])('%s: locked is %s', (_name, before, e, v, locked) => {
    const s = go(before, v);
    const syncNow = e.type === 'SyncNow';
    expectStep(
      s,
      e,
      next(s, {
        repl: {
          nextCycleId: 2,
          locked,
          cycle: {
            id: 1,
            kind: 'full',
            pit: s.tick,
            pitClock: 0,
            initial: true,
            syncNow,
            toSend: [],
            sent: 0,
            demandLog: {},
          },
        },
      }),
      [{ kind: 'CycleStarted', vm: 'vm-1', cycle: 'full', pit: s.tick, blocks: 0, toSend: [] }],
    );
  });

  test('a commit releases the Sync Now lock and power-on is allowed again', () => {
    const s = go([CONF, OFF, SYNC, CHUNK]);
    expect(replOf(s).locked).toBe(true);
    const done = step(s, COMMIT).state;
    expect(replOf(done).locked).toBe(false);
    expect(step(done, ON).refused).toBeUndefined();
  });
});

describe('ChunkDelivered: staging at the VRS', () => {
  test('the first chunk stages two blocks of disk-0; the second completes the bundle', () => {
    const s = go(STARTED);
    const cycle = replOf(s).cycle;
    if (!cycle) throw new Error('no cycle');
    const half = next(s, {
      repl: {
        blocksSent: 2,
        cycle: { ...cycle, sent: 2 },
        staging: {
          cycleId: 1,
          kind: 'full',
          pit: 6,
          pitClock: 30,
          complete: false,
          blocks: { 'disk-0': { 3: 2, 5: 3 } },
        },
      },
    });
    expectStep(s, CHUNK, half, [
      { kind: 'ChunkSent', vm: 'vm-1', blocks: FULL_TO_SEND.slice(0, 2) },
    ]);
    const whole = next(half, {
      repl: {
        blocksSent: 3,
        cycle: { ...cycle, sent: 3 },
        staging: {
          cycleId: 1,
          kind: 'full',
          pit: 6,
          pitClock: 30,
          complete: true,
          blocks: { 'disk-0': { 3: 2, 5: 3 }, 'disk-1': { 1: 4 } },
        },
      },
    });
    expectStep(half, CHUNK, whole, [
      { kind: 'ChunkSent', vm: 'vm-1', blocks: FULL_TO_SEND.slice(2) },
    ]);
  });

  test("a complete bundle of an earlier cycle does not block the next cycle's chunks", () => {
    // Power off keeps the whole bundle of cycle 1 at the VRS; cycle 2 starts after power on.
    const s = go([...WHOLE, OFF, ON, CS]);
    expect(replOf(s).staging).toMatchObject({ cycleId: 1, complete: true });
    const r = step(s, CHUNK);
    expect(r.refused).toBeUndefined();
    expect(replOf(r.state).staging).toEqual({
      cycleId: 2,
      kind: 'full',
      pit: 11,
      pitClock: 30,
      complete: false,
      blocks: { 'disk-0': { 3: 2, 5: 3 } },
    });
    expect(replOf(r.state).blocksSent).toBe(5);
  });

  test('a later chunk adds to the blocks already staged for the same disk', () => {
    const s = go([...COMMITTED, W(6), W(2), W(0), CS, CHUNK, CHUNK]);
    expect(replOf(s).staging).toEqual({
      cycleId: 2,
      kind: 'delta',
      pit: 14,
      pitClock: 40,
      complete: true,
      blocks: { 'disk-0': { 0: 7, 2: 6, 6: 5 } },
    });
  });

  describe('commit-as-arrives writes each chunk straight to the target', () => {
    const v = variant('commit-as-arrives');

    test('before the first instance, into the base image, keeping the other disks', () => {
      const s = step(go(STARTED, v), CHUNK).state;
      expect(replOf(s).base).toEqual({ 'disk-0': { 3: 2, 5: 3 }, 'disk-1': {} });
      expect(replOf(s).instances).toEqual([]);
      const s2 = step(s, CHUNK).state;
      expect(replOf(s2).base).toEqual({ 'disk-0': { 3: 2, 5: 3 }, 'disk-1': { 1: 4 } });
    });

    test('after it, into the latest instance only', () => {
      const s = go(DELTA, v);
      const before = replOf(s);
      const latest = before.instances[0];
      expect(before.instances).toHaveLength(1);
      if (!latest) throw new Error('no instance');
      const after = replOf(step(s, CHUNK).state);
      expect(after.base).toEqual(before.base);
      expect(after.instances).toEqual([
        { ...latest, disks: { 'disk-0': { 2: 6, 3: 2, 5: 3, 6: 5 }, 'disk-1': { 1: 4 } } },
      ]);
    });
  });
});

describe('BundleCommit: the instance, the psf checkpoint, MPIT pruning', () => {
  const instance0 = {
    pit: 6,
    pitClock: 30,
    clock: 40,
    disks: { 'disk-0': { 3: 2, 5: 3 }, 'disk-1': { 1: 4 } },
  };

  test('a full sync commits hbr.primary.SyncCompletedEvent and clears needsFullSync', () => {
    const s = go([...WHOLE, T(10)]);
    expectStep(
      s,
      COMMIT,
      next(s, {
        repl: {
          instances: [instance0],
          staging: null,
          cycle: null,
          locked: false,
          error: null,
          needsFullSync: false,
          disks: {
            'disk-0': {
              bitmap: [],
              psf: { blocks: [], gen: 3, checkpoint: { blocks: [], gen: 3 } },
            },
            'disk-1': {
              bitmap: [],
              psf: { blocks: [], gen: 1, checkpoint: { blocks: [], gen: 1 } },
            },
          },
        },
      }),
      [
        {
          kind: 'InstanceCommitted',
          vm: 'vm-1',
          pit: 6,
          cycle: 'full',
          vcEvent: 'hbr.primary.SyncCompletedEvent',
        },
      ],
    );
  });

  test('a delta commits hbr.primary.DeltaCompletedEvent; writes since the start stay in the psf', () => {
    const s = go([...DELTA, W(7), W(0), CHUNK]);
    const r = step(s, COMMIT);
    expect(r.emitted).toEqual([
      {
        kind: 'InstanceCommitted',
        vm: 'vm-1',
        pit: 13,
        cycle: 'delta',
        vcEvent: 'hbr.primary.DeltaCompletedEvent',
      },
    ]);
    expect(replOf(r.state)).toEqual({
      ...replOf(s),
      instances: [
        // Within the hour MPIT (24 a day) keeps only the latest: the full sync's goes.
        {
          pit: 13,
          pitClock: 40,
          clock: 40,
          disks: { 'disk-0': { 2: 6, 3: 2, 5: 3, 6: 5 }, 'disk-1': { 1: 4 } },
        },
      ],
      staging: null,
      cycle: null,
      needsFullSync: false,
      deltaMinutes: [0],
      disks: {
        'disk-0': {
          bitmap: [0, 7],
          psf: { blocks: [0, 7], gen: 7, checkpoint: { blocks: [0, 7], gen: 7 } },
        },
        'disk-1': { bitmap: [], psf: { blocks: [], gen: 1, checkpoint: { blocks: [], gen: 1 } } },
      },
    });
  });

  test('each delta records its minutes from start to commit, the last 15 kept; a full sync none (notes F)', () => {
    const slow = go([...DELTA, T(3), CHUNK, COMMIT]);
    expect(replOf(slow).deltaMinutes).toEqual([3]);
    expect(replOf(go(COMMITTED)).deltaMinutes).toEqual([]);
    const sixteen = Array.from({ length: 16 }, (_, i): ReplicationEvent[] => [
      W(i % 8),
      CS,
      T(i),
      CHUNK,
      COMMIT,
    ]).flat();
    expect(replOf(go([...COMMITTED, ...sixteen])).deltaMinutes).toEqual(
      Array.from({ length: 15 }, (_, i) => i + 1),
    );
  });

  // MPIT (research-notes A2, F): commits at minutes 30 (the full sync), then per case.
  const delta = (b: number) => [W(b), CS, CHUNK, COMMIT];
  const sameHour = [...COMMITTED, ...delta(6), ...delta(7)];
  const hourly = [...COMMITTED, T(60), ...delta(6), T(60), ...delta(7)];
  const dayLater = [...COMMITTED, T(1500), ...delta(6)];
  const pits = (s: ReplicationState) => replOf(s).instances.map((i) => i.pit);

  test.each<[string, ReplicationEvent[], number, number, Variant, number[]]>([
    ['no MPIT keeps only the latest', hourly, 0, 0, CORRECT, [18]],
    [
      '24 a day: three commits within the hour keep only the latest',
      sameHour,
      24,
      1,
      CORRECT,
      [16],
    ],
    [
      '24 a day: the newest of each ended hour, and the latest',
      hourly,
      24,
      1,
      CORRECT,
      [6, 13, 18],
    ],
    ['2 a day: twelve-hour slots, none ended: the latest only', hourly, 2, 1, CORRECT, [18]],
    ['24 a day for 1 day: an hour over a day old drops out', dayLater, 24, 1, CORRECT, [13]],
    ['12 a day for 2 days: the same hour is still kept', dayLater, 12, 2, CORRECT, [6, 13]],
    [
      'the newest instance of an ended hour stays, an older one of the same hour goes',
      [...sameHour, T(60), ...delta(5)],
      24,
      1,
      CORRECT,
      [16, 21],
    ],
    [
      'mpit-prunes-newest keeps as many, from the oldest end: the latest commit is lost',
      sameHour,
      24,
      1,
      variant('mpit-prunes-newest'),
      [6],
    ],
  ])('%s', (_name, events, perDay, days, v, expected) => {
    const run = events.map((e) => (e === CONF ? conf({ perDay, days }) : e));
    expect(pits(go(run, v))).toEqual(expected);
  });

  test('a bundle whose cycle was cut still commits, leaving the tracking as it was', () => {
    const s = go([...WHOLE, OFF]);
    expect(replOf(s).cycle).toBeNull();
    const r = step(s, COMMIT);
    expect(r).toEqual({
      state: next(s, {
        repl: { staging: null, instances: [{ ...instance0, clock: 30 }] },
      }),
      emitted: [
        {
          kind: 'InstanceCommitted',
          vm: 'vm-1',
          pit: 6,
          cycle: 'full',
          vcEvent: 'hbr.primary.SyncCompletedEvent',
        },
      ],
    });
    expect(replOf(r.state).error).toBeNull();
  });
});

// ---- faults that end a cycle ----

describe('cuts: the CycleAborted reason, the bitmap and the staging left behind', () => {
  test('TimeAdvance only moves the clock', () => {
    const s = go(HALF);
    expectStep(s, T(7), next(s, { state: { clock: 37 } }), []);
  });

  test('a link cut mid-transfer drops the partial bundle; the full sync keeps an empty bitmap', () => {
    const s = go(HALF);
    const reason = 'link to the DR site went down mid-transfer';
    expectStep(
      s,
      { type: 'LinkDown' },
      next(s, {
        state: { link: 'down' },
        repl: {
          cycle: null,
          staging: null,
          locked: false,
          unreachable: reason,
          disks: SWAPPED_DISKS,
        },
      }),
      [aborted(reason)],
    );
  });

  test('a link cut leaves a whole bundle and its cycle alone; LinkUp raises the link', () => {
    const s = go(WHOLE);
    const down = next(s, { state: { link: 'down' } });
    expectStep(s, { type: 'LinkDown' }, down, []);
    expectStep(down, { type: 'LinkUp' }, next(down, { state: { link: 'up' } }), []);
  });

  test('a link cut before any chunk, or with only an older bundle staged, cuts the cycle', () => {
    const reason = 'link to the DR site went down mid-transfer';
    for (const events of [STARTED, [...WHOLE, OFF, ON, CS]]) {
      const s = go(events);
      expectStep(
        s,
        { type: 'LinkDown' },
        next(s, {
          state: { link: 'down' },
          repl: { cycle: null, locked: false, unreachable: reason },
        }),
        [aborted(reason)],
      );
    }
  });

  test('a link cut with no replication in flight emits nothing', () => {
    const s = go(COMMITTED);
    expectStep(s, { type: 'LinkDown' }, next(s, { state: { link: 'down' } }), []);
  });

  test.each<[string, ReplicationEvent[]]>([
    ['half a bundle', HALF],
    ['a whole bundle', WHOLE],
  ])(
    'a VRS restart with %s loses the staging and cuts the cycle, no error of its own',
    (_n, events) => {
      const s = go(events);
      const reason = 'VRS restarted; staged data lost';
      expectStep(
        s,
        { type: 'VrsRestart' },
        next(s, { repl: { cycle: null, staging: null, locked: false } }),
        [aborted(reason)],
      );
    },
  );

  test('a VRS restart without a cycle clears a staged bundle and emits nothing', () => {
    const s = go([...WHOLE, OFF]);
    expect(replOf(s).staging?.complete).toBe(true);
    expectStep(s, { type: 'VrsRestart' }, next(s, { repl: { staging: null } }), []);
    const plain = go([]);
    expectStep(plain, { type: 'VrsRestart' }, next(plain, {}), []);
  });

  test('an NFC failure of the current bundle discards it and cuts the cycle', () => {
    const s = go(WHOLE);
    expectStep(
      s,
      NFC_FAIL,
      next(s, { repl: { staging: null, cycle: null, locked: false, error: 'NFC commit failed' } }),
      [aborted('NFC commit failed')],
    );
  });

  test('an NFC failure of a bundle whose cycle is gone only records the write error', () => {
    const s = go([...WHOLE, OFF]);
    expectStep(
      s,
      NFC_FAIL,
      next(s, { repl: { staging: null, error: 'NFC write to the target failed' } }),
      [],
    );
  });

  test('power off cuts a full sync, keeps a whole bundle and drops a partial one', () => {
    const whole = go(WHOLE);
    expectStep(
      whole,
      OFF,
      next(whole, { vm: { power: 'off' }, repl: { cycle: null, locked: false } }),
      [aborted('VM powered off')],
    );
    const half = go(HALF);
    expectStep(
      half,
      OFF,
      next(half, { vm: { power: 'off' }, repl: { cycle: null, staging: null, locked: false } }),
      [aborted('VM powered off')],
    );
  });

  test('power off and on of an unreplicated VM only switch its power', () => {
    const s = go([]);
    const off = next(s, { vm: { power: 'off' } });
    expectStep(s, OFF, off, []);
    expectStep(off, ON, next(off, { vm: { power: 'on' } }), []);
  });

  test('a cut delta puts its blocks back in the bitmap: the union, ascending, per disk', () => {
    // The delta sends disk-0 [2, 6]; writes to 4 and 6 meanwhile give the bitmap [4, 6].
    const s = go([...DELTA, W(4), W(6)]);
    expect(replOf(s).disks['disk-0']?.bitmap).toEqual([4, 6]);
    expect(replOf(s).cycle?.demandLog).toEqual({ 'disk-0': { 6: 5 } });
    const r = step(s, OFF);
    expect(r.emitted).toEqual([aborted('VM powered off')]);
    expect(replOf(r.state).disks).toEqual({
      'disk-0': {
        bitmap: [2, 4, 6],
        psf: { blocks: [2, 4, 6], gen: 7, checkpoint: { blocks: [], gen: 3 } },
      },
      'disk-1': { bitmap: [], psf: { blocks: [], gen: 1, checkpoint: { blocks: [], gen: 1 } } },
    });
  });

  test('bitmap-lost-on-cut keeps only the writes made during the cut delta', () => {
    const s = go([...DELTA, W(4), W(6), OFF], variant('bitmap-lost-on-cut'));
    expect(replOf(s).disks['disk-0']?.bitmap).toEqual([4, 6]);
  });

  test('pause cuts the cycle without an error; resume only unpauses', () => {
    const s = go(HALF);
    const paused = next(s, { repl: { paused: true, cycle: null, staging: null, locked: false } });
    expectStep(s, PAUSE, paused, [aborted('replication paused')]);
    expectStep(paused, RESUME, next(paused, { repl: { paused: false } }), []);
    const idle = go(COMMITTED);
    expectStep(idle, PAUSE, next(idle, { repl: { paused: true } }), []);
  });

  test('a paused VM that was in error keeps its error', () => {
    const s = go([...WHOLE, NFC_FAIL, CS, CHUNK]);
    expect(replOf(s).error).toBe('NFC commit failed');
    const r = step(s, PAUSE);
    expect(replOf(r.state).error).toBe('NFC commit failed');
  });

  test('vMotion moves the VM and restarts its transfer without an error', () => {
    const s = go(HALF);
    expectStep(
      s,
      { type: 'VMotion', vm: 'vm-1', host: 'esx-02' },
      next(s, {
        vm: { host: 'esx-02' },
        repl: { cycle: null, staging: null, locked: false },
      }),
      [aborted('moved to esx-02')],
    );
    const plain = go([]);
    expectStep(
      plain,
      { type: 'VMotion', vm: 'vm-1', host: 'esx-02' },
      next(plain, { vm: { host: 'esx-02' } }),
      [],
    );
  });
});

// ---- host crash and recovery ----

describe('HostCrash and PowerOn: what survives and how recovery restarts', () => {
  test('a crash mid-transfer aborts the cycle; the psf stays, the bitmap goes', () => {
    const s = go([...HALF, W(4)]);
    expect(replOf(s).disks['disk-0']?.bitmap).toEqual([4]);
    expectStep(
      s,
      crash('intact'),
      next(s, {
        vm: { power: 'off' },
        repl: {
          cycle: null,
          staging: null,
          locked: false,
          recovering: true,
          disks: {
            'disk-0': {
              bitmap: [],
              psf: { blocks: [3, 4, 5], gen: 4, checkpoint: { blocks: [], gen: 0 } },
            },
            'disk-1': { bitmap: [], psf: WRITTEN_DISKS['disk-1'].psf },
          },
        },
      }),
      [aborted('host esx-01 crashed')],
    );
  });

  test('a crash between cycles emits nothing and keeps a whole bundle', () => {
    const s = go(COMMITTED);
    const r = step(s, crash('intact'));
    expect(r.emitted).toEqual([]);
    expect(vmOf(r.state).power).toBe('off');
    expect(replOf(r.state).recovering).toBe(true);
    const whole = go([...WHOLE, OFF, ON]);
    const r2 = step(whole, crash('intact'));
    expect(r2.emitted).toEqual([]);
    expect(replOf(r2.state).staging).toEqual(replOf(whole).staging);
  });

  test('a crash of a host with only an unreplicated VM powers it off', () => {
    const s = go([{ type: 'PowerOn', vm: 'vm-2' }]);
    expectStep(s, crash('lost', 'esx-02'), next(s, { vm: { power: 'off' } }, 'vm-2'), []);
  });

  // After DIRTY: disk-0 header 5, psf [2, 6] gen 5, checkpoint [] gen 3; disk-1 all at gen 1.
  const DISK1_CLEAN = {
    bitmap: [],
    psf: { blocks: [], gen: 1, checkpoint: { blocks: [], gen: 1 } },
  };
  test.each<[string, 'intact' | 'stale' | 'lost', Replication['disks'], boolean, Emitted[]]>([
    [
      'an intact psf reloads the bitmap and checkpoints at the header generation',
      'intact',
      {
        'disk-0': {
          bitmap: [2, 6],
          psf: { blocks: [2, 6], gen: 5, checkpoint: { blocks: [2, 6], gen: 5 } },
        },
        'disk-1': DISK1_CLEAN,
      },
      false,
      [],
    ],
    [
      'a stale psf forces a full sync and restarts empty at the header generation',
      'stale',
      {
        'disk-0': { bitmap: [], psf: { blocks: [], gen: 5, checkpoint: { blocks: [], gen: 5 } } },
        'disk-1': DISK1_CLEAN,
      },
      true,
      [
        {
          kind: 'FullSyncRequired',
          vm: 'vm-1',
          reason: 'psf of disk-0 is stale (generation 3, disk header 5)',
        },
      ],
    ],
    [
      'a lost psf forces a full sync; the reason names the last disk found lost',
      'lost',
      {
        'disk-0': { bitmap: [], psf: { blocks: [], gen: 5, checkpoint: { blocks: [], gen: 5 } } },
        'disk-1': DISK1_CLEAN,
      },
      true,
      [{ kind: 'FullSyncRequired', vm: 'vm-1', reason: 'psf of disk-1 is lost' }],
    ],
  ])('%s', (_name, psf, disks, needsFullSync, emitted) => {
    const s = go([...DIRTY, crash(psf)]);
    expectStep(
      s,
      ON,
      next(s, { vm: { power: 'on' }, repl: { disks, needsFullSync, recovering: false } }),
      emitted,
    );
  });

  test('a stale psf trusted by stale-psf-trusted reloads its checkpoint', () => {
    const s = go([...DIRTY, crash('stale')], variant('stale-psf-trusted'));
    const r = step(s, ON);
    expect(r.emitted).toEqual([]);
    expect(replOf(r.state).disks['disk-0']).toEqual({
      bitmap: [],
      psf: { blocks: [], gen: 5, checkpoint: { blocks: [], gen: 5 } },
    });
  });

  test('a crash during the initial full sync needs no new FullSyncRequired', () => {
    const s = go([...HALF, crash('lost')]);
    const r = step(s, ON);
    expect(r.emitted).toEqual([]);
    expect(replOf(r.state)).toEqual({
      ...replOf(s),
      recovering: false,
      needsFullSync: true,
      disks: {
        'disk-0': { bitmap: [], psf: { blocks: [], gen: 3, checkpoint: { blocks: [], gen: 3 } } },
        'disk-1': DISK1_CLEAN,
      },
    });
  });
});
