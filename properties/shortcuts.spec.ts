// The model's shortcuts for speed against the definitions they stand for (notes/p-perf.md):
// - the record updates of model/replication/records.ts: `withRepl(r, { k: v })` must be
//   `{ ...r, k: v }` for every field k (null included as a change), with the same keys in the
//   same order, each holding the same value, on every record of generated replications;
// - deliverChunks: k chunks at once must be k ChunkDelivered steps, on every variant;
// - the verdicts the world keeps per firewall and host state (model/world/world.ts, memoCheck)
//   must be the verdicts worked out afresh, on every state of generated worlds.
// The world's strides are checked against its minutes one by one in world.spec.ts.
import fc from 'fast-check';
import { expect, inject } from 'vitest';
import { withCycle, withRepl, withState, withVm } from '../model/replication/records.ts';
import { deliverChunks, init, step } from '../model/replication/step.ts';
import type { ReplicationState, StepResult } from '../model/replication/types.ts';
import { CORRECT, readingVariants, zooVariants } from '../model/variants.ts';
import { initWorld, memoCheck, worldStep } from '../model/world/world.ts';
import { scaledRuns } from './harness.ts';
import { prop } from './prop.ts';
import { GENERAL, scenarioArb } from './replication/arbitraries.ts';
import { faultyWorld, healthyReprotect } from './world/properties.ts';

type Update<T> = (x: T, c: Partial<T>) => T;

/** Why `got` is not `want`'s shallow copy (the same keys in the same order, the same values). */
function difference(got: object, want: object): string | null {
  const keys = Object.keys(got).join();
  if (keys !== Object.keys(want).join()) return `keys ${keys}, not ${Object.keys(want).join()}`;
  for (const [k, v] of Object.entries(want))
    if (!Object.is((got as Record<string, unknown>)[k], v)) return `field ${k} differs`;
  return null;
}

/** Every single-field change (to null and to a marker), and none, against the spread. */
function differences<T extends object>(x: T, update: Update<T>, out: string[]): void {
  const marker = { changed: true };
  const none = difference(update(x, {}), x);
  if (none) out.push(`no change: ${none}`);
  for (const k of Object.keys(x))
    for (const v of [null, marker]) {
      const d = difference(update(x, { [k]: v } as Partial<T>), { ...x, [k]: v });
      if (d) out.push(`${k} to ${JSON.stringify(v)}: ${d}`);
    }
}

prop([scenarioArb(GENERAL)], { seed: inject('fcSeed'), numRuns: scaledRuns(40) })(
  'withState, withVm, withRepl and withCycle are the spreads they stand for, on every record of a run',
  (c) => {
    let s = init(c.setup, CORRECT);
    const found: string[] = [];
    for (const e of c.events) {
      s = step(s, e).state;
      differences(s, withState, found);
      for (const vm of Object.values(s.vms)) {
        differences(vm, withVm, found);
        if (vm.repl) differences(vm.repl, withRepl, found);
        if (vm.repl?.cycle) differences(vm.repl.cycle, withCycle, found);
      }
    }
    expect(found).toEqual([]);
  },
);

/** k ChunkDelivered steps, one by one: the definition deliverChunks stands for. */
function oneByOne(s: ReplicationState, vm: string, k: number): StepResult {
  let out: StepResult = { state: s, emitted: [] };
  const emitted = [];
  for (let i = 0; i < k; i++) {
    out = step(out.state, { type: 'ChunkDelivered', vm });
    emitted.push(...out.emitted);
  }
  return { ...out, emitted };
}

prop(
  [
    scenarioArb(GENERAL),
    fc.constantFrom(CORRECT, ...zooVariants(), ...readingVariants()),
    fc.integer({ min: 1, max: 6 }),
  ],
  { seed: inject('fcSeed'), numRuns: scaledRuns(60) },
)(
  'deliverChunks(k) = k ChunkDelivered steps: the same state (tick, key order), the same events, on every variant',
  (c, v, k) => {
    let s = init(c.setup, v);
    const found: string[] = [];
    for (const e of c.events) {
      s = step(s, e).state;
      for (const vm of Object.keys(s.vms)) {
        if (!s.vms[vm]?.repl?.cycle) continue;
        const fast = deliverChunks(s, vm, k);
        const slow = oneByOne(s, vm, k);
        if (JSON.stringify(fast) !== JSON.stringify(slow))
          found.push(`${vm} at tick ${s.tick}, ${k} chunk(s): ${JSON.stringify(fast.emitted)}`);
        else expect(fast).toStrictEqual(slow);
      }
    }
    expect(found).toEqual([]);
  },
);

prop(
  [
    fc.oneof(faultyWorld, healthyReprotect),
    fc.constantFrom(CORRECT, ...zooVariants(), ...readingVariants()),
  ],
  { seed: inject('fcSeed'), numRuns: scaledRuns(120) },
)(
  'the paths the world keeps per firewall and host state are the paths worked out afresh, on every state of a run (routing, sending on each port, NFC)',
  (c, v) => {
    let w = initWorld(c.setup, v);
    const check = () => {
      const { kept, fresh } = memoCheck(w);
      expect(kept).toEqual(fresh);
    };
    check();
    for (const e of c.events) {
      w = worldStep(w, e).state;
      check();
    }
  },
);
