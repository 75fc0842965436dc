import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, inject, test } from 'vitest';
import {
  applyBlocks,
  type BlockMap,
  checksum,
  differingBlocks,
  imagesEqual,
  readBlock,
  writeBlock,
  writtenBlocks,
  ZERO,
} from '../model/disk.ts';
import { status, statusOf } from '../model/replication/status.ts';
import { init, run, step } from '../model/replication/step.ts';
import type { ReplicationEvent, ReplicationSetup } from '../model/replication/types.ts';
import { CORRECT, ESXI_VERSIONS, variantByName, zooVariants } from '../model/variants.ts';
import { scaledRuns } from './harness.ts';
import { prop } from './prop.ts';
import { CONFIG, GENERAL, scenarioArb } from './replication/arbitraries.ts';

const seed = inject('fcSeed');
const params = { seed, numRuns: scaledRuns(100) };

const ONE_VM: ReplicationSetup = {
  version: '6.7',
  hosts: ['esx-01', 'esx-02'],
  vrs: 'vrs-dr',
  chunkBlocks: 2,
  vms: [
    {
      name: 'vm-1',
      host: 'esx-01',
      poweredOn: true,
      disks: [{ id: 'disk-0', uuid: 'u-1', sizeBlocks: 8 }],
    },
  ],
};

const configure = (vm = 'vm-1'): ReplicationEvent => ({
  type: 'ConfigureReplication',
  vm,
  rpoMinutes: 15,
  perDay: 24,
  days: 1,
  seed: false,
});

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe('the model is pure and deterministic', () => {
  test('model/ imports no test library and reads no clock or randomness', () => {
    for (const f of files('model')) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/from ['"](fast-check|vitest|@fast-check\/vitest)['"]/);
      expect(text, f).not.toMatch(/Math\.random|Date\.now|new Date\(|performance\.now|node:fs/);
    }
  });

  prop([scenarioArb(GENERAL)], params)(
    'the same events give the same states, step by step',
    (s) => {
      const a = run(s.setup, CORRECT, s.events);
      const b = run(s.setup, CORRECT, s.events);
      expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    },
  );

  prop([scenarioArb(GENERAL), fc.constantFrom(CORRECT, ...zooVariants())], params)(
    'step never throws and never mutates the state it is given, on any variant',
    (s, variant) => {
      let state = init(s.setup, variant);
      for (const e of s.events) {
        const frozen = JSON.stringify(state);
        const next = step(state, e);
        expect(JSON.stringify(state)).toBe(frozen);
        expect(next.state.tick).toBe(state.tick + 1);
        state = next.state;
      }
    },
  );

  prop([scenarioArb(CONFIG)], params)(
    'a refused or rejected event changes nothing but the tick',
    (s) => {
      let state = init(s.setup, CORRECT);
      for (const e of s.events) {
        const r = step(state, e);
        if (r.refused || r.error) {
          expect(JSON.stringify({ ...r.state, tick: 0 })).toBe(
            JSON.stringify({ ...state, tick: 0 }),
          );
          expect(r.emitted).toEqual([]);
        }
        state = r.state;
      }
    },
  );
});

describe('disks are sparse block images', () => {
  test('a 2 TiB disk with three written blocks costs three entries, and full sync compares only those', () => {
    const blocksIn2TiB = (2 * 1024 ** 4) / 4096;
    let img = {};
    for (const b of [0, 12_345, blocksIn2TiB - 1]) img = writeBlock(img, b, b + 1);
    expect(Object.keys(img)).toHaveLength(3);
    expect(differingBlocks(img, {})).toEqual([0, 12_345, blocksIn2TiB - 1]);
    expect(differingBlocks(img, { ...img })).toEqual([]);
  });

  test('writing zeros clears a block, and equality ignores never-written blocks', () => {
    const a = writeBlock({ 3: 7 }, 3, 0);
    expect(a).toEqual({});
    expect(imagesEqual({ 1: 5 }, { 1: 5, 2: 0 })).toBe(true);
    expect(imagesEqual({ 1: 5 }, { 1: 6 })).toBe(false);
    expect(checksum(5)).not.toBe(checksum(6));
  });

  // The sparse images against the obvious dense model: an array of tokens, zeros included.
  const SIZE = 12;
  const token = fc.oneof(fc.constant(ZERO), fc.integer({ min: 1, max: 4 }));
  const writes = fc.array(fc.tuple(fc.nat(SIZE - 1), token), { maxLength: 10 });
  const build = (ws: readonly (readonly [number, number])[]) => {
    let img: BlockMap = {};
    const dense: number[] = Array(SIZE).fill(ZERO);
    for (const [b, v] of ws) {
      img = writeBlock(img, b, v);
      dense[b] = v;
    }
    return { img, dense };
  };
  const range = Array.from({ length: SIZE }, (_, i) => i);

  prop([writes, writes], params)(
    'reads, written blocks, equality, differing blocks and patches agree with a dense array',
    (wa, wb) => {
      const a = build(wa);
      const b = build(wb);
      for (const i of range) expect(readBlock(a.img, i)).toBe(a.dense[i]);
      expect(writtenBlocks(a.img)).toEqual(range.filter((i) => a.dense[i] !== ZERO));
      expect(imagesEqual(a.img, b.img)).toBe(range.every((i) => a.dense[i] === b.dense[i]));
      expect(imagesEqual(b.img, a.img)).toBe(imagesEqual(a.img, b.img));
      expect(differingBlocks(a.img, b.img)).toEqual(range.filter((i) => a.dense[i] !== b.dense[i]));
      // A patch as the VRS stages it: zeros clear, other tokens overwrite, the rest stays.
      const patch: Record<number, number> = {};
      for (const [k, v] of wb) patch[k] = v;
      const patched = applyBlocks(a.img, patch);
      expect(writtenBlocks(patched)).toEqual(
        range.filter((i) => (i in patch ? patch[i] : a.dense[i]) !== ZERO),
      );
      for (const i of range) expect(readBlock(patched, i)).toBe(i in patch ? patch[i] : a.dense[i]);
      // Writing zeros where nothing was written allocates nothing.
      const blank = range.find((i) => a.dense[i] === ZERO);
      if (blank !== undefined) expect(writeBlock(a.img, blank, ZERO)).toBe(a.img);
    },
  );
});

describe('statuses follow the research notes (A5, A7) and seed 003', () => {
  test('a VM that is not replicated, or not there, has no status', () => {
    const s = init(ONE_VM, CORRECT);
    expect(statusOf(s, 'vm-1')).toBeNull();
    expect(statusOf(s, 'vm-9')).toBeNull();
  });

  test('configured while powered off is Not Active; power-on starts the initial full sync', () => {
    const setup = { ...ONE_VM, vms: [{ ...ONE_VM.vms[0], poweredOn: false }] } as ReplicationSetup;
    let s = init(setup, CORRECT);
    s = step(s, configure()).state;
    expect(statusOf(s, 'vm-1')).toBe('Not Active');
    expect(step(s, { type: 'CycleStart', vm: 'vm-1' }).refused).toMatch(/powered off/);
    s = step(s, { type: 'PowerOn', vm: 'vm-1' }).state;
    s = step(s, { type: 'CycleStart', vm: 'vm-1' }).state;
    expect(statusOf(s, 'vm-1')).toBe('Initial Full Sync');
    s = step(s, { type: 'ChunkDelivered', vm: 'vm-1' }).state;
    s = step(s, { type: 'BundleCommit', vm: 'vm-1' }).state;
    expect(statusOf(s, 'vm-1')).toBe('OK');
    s = step(s, { type: 'GuestWrite', vm: 'vm-1', disk: 'disk-0', block: 1 }).state;
    s = step(s, { type: 'CycleStart', vm: 'vm-1' }).state;
    expect(statusOf(s, 'vm-1')).toBe('Sync');
    s = step(s, { type: 'Pause', vm: 'vm-1' }).state;
    expect(statusOf(s, 'vm-1')).toBe('Paused');
  });

  test('Sync Now on a powered-off VM syncs it and refuses power-on until the sync ends', () => {
    const setup = { ...ONE_VM, vms: [{ ...ONE_VM.vms[0], poweredOn: false }] } as ReplicationSetup;
    let s = run(setup, CORRECT, [configure(), { type: 'SyncNow', vm: 'vm-1' }]);
    expect(statusOf(s, 'vm-1')).toBe('Initial Full Sync');
    const refused = step(s, { type: 'PowerOn', vm: 'vm-1' });
    expect(refused.refused).toMatch(/Sync Now/);
    s = run(setup, CORRECT, [
      configure(),
      { type: 'SyncNow', vm: 'vm-1' },
      { type: 'ChunkDelivered', vm: 'vm-1' },
      { type: 'BundleCommit', vm: 'vm-1' },
    ]);
    expect(statusOf(s, 'vm-1')).toBe('Not Active');
    expect(step(s, { type: 'PowerOn', vm: 'vm-1' }).refused).toBeUndefined();
  });

  test('a cut mid-transfer shows Not Active, not Error, until traffic moves again (notes F)', () => {
    const cut = run(ONE_VM, CORRECT, [
      configure(),
      { type: 'CycleStart', vm: 'vm-1' },
      { type: 'LinkDown' },
    ]);
    expect(statusOf(cut, 'vm-1')).toBe('Not Active');
    const up = step(cut, { type: 'LinkUp' }).state;
    expect(statusOf(up, 'vm-1')).toBe('Not Active');
    const resumed = step(up, { type: 'CycleStart', vm: 'vm-1' }).state;
    expect(statusOf(resumed, 'vm-1')).toBe('Initial Full Sync');
  });

  test('a transfer that falls due with the link down is Not Active, and says why', () => {
    const r = step(run(ONE_VM, CORRECT, [configure(), { type: 'LinkDown' }]), {
      type: 'CycleStart',
      vm: 'vm-1',
    });
    const why = 'the VRS is unreachable: the link to the DR site is down';
    expect([r.refused, r.emitted]).toEqual([
      undefined,
      [{ kind: 'ConnectFailed', vm: 'vm-1', reason: why }],
    ]);
    expect(statusOf(r.state, 'vm-1')).toBe('Not Active');
  });

  test('powered off mid-transfer: Not Active, then OK after power-on, never Error (notes F)', () => {
    let s = run(ONE_VM, CORRECT, [configure(), { type: 'CycleStart', vm: 'vm-1' }]);
    s = step(s, { type: 'PowerOff', vm: 'vm-1' }).state;
    expect(statusOf(s, 'vm-1')).toBe('Not Active');
    s = step(s, { type: 'PowerOn', vm: 'vm-1' }).state;
    expect(statusOf(s, 'vm-1')).toBe('OK');
  });

  test('paused and powered off: Paused by default, Not Active under the other reading (an inference)', () => {
    const events: ReplicationEvent[] = [
      configure(),
      { type: 'Pause', vm: 'vm-1' },
      { type: 'PowerOff', vm: 'vm-1' },
    ];
    expect(statusOf(run(ONE_VM, CORRECT, events), 'vm-1')).toBe('Paused');
    const other = variantByName('paused-off-not-active');
    if (!other) throw new Error('reading paused-off-not-active missing');
    expect(statusOf(run(ONE_VM, other, events), 'vm-1')).toBe('Not Active');
    expect(statusOf(run(ONE_VM, other, events.slice(0, 2)), 'vm-1')).toBe('Paused');
  });

  test('only a failure at the target shows Error: an NFC write that failed', () => {
    const s = run(ONE_VM, CORRECT, [
      configure(),
      { type: 'CycleStart', vm: 'vm-1' },
      { type: 'ChunkDelivered', vm: 'vm-1' },
      { type: 'NfcFail', vm: 'vm-1' },
    ]);
    expect(statusOf(s, 'vm-1')).toBe('Error');
  });

  test('the world adds what only it knows: the RPO violation and a failover (notes A5, F)', () => {
    const vm = run(ONE_VM, CORRECT, [configure()]).vms['vm-1'];
    if (!vm) throw new Error('vm-1 missing');
    const late = { rpoViolated: true, recovered: false };
    expect(status(vm, CORRECT, late)).toBe('OK(RPO violation)');
    expect(status({ ...vm, power: 'off' }, CORRECT, late)).toBe('Not Active(RPO violation)');
    const r = vm.repl as NonNullable<typeof vm.repl>;
    expect(status({ ...vm, repl: { ...r, error: 'x' } }, CORRECT, late)).toBe(
      'Error(RPO violation)',
    );
    expect(status({ ...vm, repl: { ...r, paused: true } }, CORRECT, late)).toBe('Paused');
    expect(status(vm, CORRECT, { rpoViolated: true, recovered: true })).toBe('Recovered');
  });
});

describe('R12 configuration errors are one line and say what is allowed', () => {
  const on = (version: ReplicationSetup['version']) => init({ ...ONE_VM, version }, CORRECT);

  test.each(ESXI_VERSIONS)(
    'ESXi %s: RPO bounds are enforced with a message naming the range',
    (version) => {
      const min = version === '5.5' || version === '6.0' ? 15 : 5;
      const tooLow = step(on(version), { ...configure(), rpoMinutes: min - 1 } as ReplicationEvent);
      expect(tooLow.error).toBe(
        `vm-1: RPO ${min - 1} min is outside the ${min} min to 1440 min (24 h) allowed on ESXi ${version}`,
      );
      expect(
        step(on(version), { ...configure(), rpoMinutes: min } as ReplicationEvent).error,
      ).toBeUndefined();
      expect(
        step(on(version), { ...configure(), rpoMinutes: 1441 } as ReplicationEvent).error,
      ).toMatch(/1441 min/);
    },
  );

  test('retention beyond 24 instances, a seed with another UUID, and a second replication are rejected', () => {
    expect(step(on('6.7'), { ...configure(), perDay: 3, days: 9 } as ReplicationEvent).error).toBe(
      'vm-1: retention of 3 instance(s) a day for 9 day(s) is outside what VR keeps: whole numbers, at most 24 instances in all',
    );
    const cloned = run(ONE_VM, CORRECT, [{ type: 'SeedCopy', vm: 'vm-1', uuid: 'different' }]);
    expect(step(cloned, { ...configure(), seed: true } as ReplicationEvent).error).toBe(
      'vm-1/disk-0: seed disk has UUID u-1-clone but the source disk has u-1; a seed must carry the same UUID',
    );
    const twice = run(ONE_VM, CORRECT, [configure()]);
    expect(step(twice, configure()).error).toMatch(/already replicated/);
  });
});

describe('faults and refusals mid-transfer (research-notes A3, A7; R5)', () => {
  // vm-1 configured, its initial full sync started, one chunk (2 of 3 blocks) at the VRS.
  const writes: ReplicationEvent[] = [0, 1, 2].map((block) => ({
    type: 'GuestWrite',
    vm: 'vm-1',
    disk: 'disk-0',
    block,
  }));
  const midway = () =>
    run(ONE_VM, CORRECT, [
      ...writes,
      configure(),
      { type: 'CycleStart', vm: 'vm-1' },
      { type: 'ChunkDelivered', vm: 'vm-1' },
    ]);
  const repl = (s: ReturnType<typeof midway>) => s.vms['vm-1']?.repl;

  test('a VRS restart loses the staged chunk and cuts the transfer, with no error of its own', () => {
    const before = midway();
    expect(repl(before)?.staging).not.toBeNull();
    const r = step(before, { type: 'VrsRestart' });
    expect(r.refused).toBeUndefined();
    expect(repl(r.state)?.staging).toBeNull();
    expect(repl(r.state)?.cycle).toBeNull();
    expect([repl(r.state)?.error, repl(r.state)?.unreachable]).toEqual([null, null]);
    expect(r.emitted).toEqual([
      { kind: 'CycleAborted', vm: 'vm-1', reason: 'VRS restarted; staged data lost' },
    ]);
  });

  test('NFC failure needs a complete bundle; then it discards the bundle and cuts the cycle', () => {
    const before = midway();
    expect(step(before, { type: 'NfcFail', vm: 'vm-1' }).refused).toBe(
      'vm-1: no complete bundle at NFC',
    );
    const whole = step(before, { type: 'ChunkDelivered', vm: 'vm-1' }).state;
    expect(repl(whole)?.staging?.complete).toBe(true);
    const r = step(whole, { type: 'NfcFail', vm: 'vm-1' });
    expect(repl(r.state)?.staging).toBeNull();
    expect(repl(r.state)?.cycle).toBeNull();
    expect(repl(r.state)?.error).toBe('NFC commit failed');
    expect(repl(r.state)?.instances).toEqual([]);
  });

  test('power off and pause stop the transfer without an error; repeats are refused', () => {
    const off = step(midway(), { type: 'PowerOff', vm: 'vm-1' });
    expect(repl(off.state)?.cycle).toBeNull();
    expect(repl(off.state)?.error).toBeNull();
    expect(step(off.state, { type: 'PowerOff', vm: 'vm-1' }).refused).toBe(
      'vm-1 is already powered off',
    );
    const paused = step(midway(), { type: 'Pause', vm: 'vm-1' });
    expect(repl(paused.state)?.cycle).toBeNull();
    expect(repl(paused.state)?.paused).toBe(true);
    expect(repl(paused.state)?.error).toBeNull();
    expect(step(paused.state, { type: 'Pause', vm: 'vm-1' }).refused).toBe(
      'vm-1 is already paused',
    );
    expect(step(init(ONE_VM, CORRECT), { type: 'Pause', vm: 'vm-1' }).refused).toBe(
      'vm-1 is not replicated',
    );
  });

  test('the link: a cut drops the arriving bundle; cutting a cut link or raising a raised one is refused', () => {
    const s = midway();
    expect(step(s, { type: 'LinkUp' }).refused).toBe('link already up');
    const down = step(s, { type: 'LinkDown' });
    expect(down.state.link).toBe('down');
    expect(repl(down.state)?.cycle).toBeNull();
    expect(step(down.state, { type: 'LinkDown' }).refused).toBe('link already down');
    expect(step(down.state, { type: 'LinkUp' }).state.link).toBe('up');
  });
});
