// The replication invariants (R1-R7, R9) and the harness that checks them after every step.
// The oracle is the history of source images, kept here, never by the model.
import { type BlockMap, readBlock } from '../../model/disk.ts';
import { status } from '../../model/replication/status.ts';
import { init, step } from '../../model/replication/step.ts';
import type {
  Instance,
  ReplicationEvent,
  ReplicationSetup,
  ReplicationState,
  StepResult,
  VmState,
} from '../../model/replication/types.ts';
import { reads, type Variant } from '../../model/variants.ts';

export interface Scenario {
  readonly setup: ReplicationSetup;
  readonly events: readonly ReplicationEvent[];
}

/** Source images of every VM after k events: images[vm][disk]. */
export type Images = Readonly<Record<string, Readonly<Record<string, BlockMap>>>>;

export interface StepView {
  /** 1-based position of the event in the scenario. */
  readonly index: number;
  readonly event: ReplicationEvent;
  readonly before: ReplicationState;
  readonly after: ReplicationState;
  readonly result: StepResult;
  /** history[k] = source images after k events; history[after.tick] is now. */
  readonly history: readonly Images[];
  /** The commits of each VM since it was last configured, oldest first, as the oracle saw them. */
  readonly commits: Readonly<Record<string, readonly Commit[]>>;
}

/** A committed instance: its point in time as a step and as a clock minute. */
export interface Commit {
  readonly pit: number;
  readonly pitClock: number;
}

export interface Invariant {
  readonly id: string;
  readonly name: string;
  /** "True iff ..." */
  readonly doc: string;
  /** null when the invariant holds after this step, else why not, in words. */
  check(v: StepView): string | null;
}

export interface Violation {
  readonly step: number;
  readonly invariant: string;
  readonly message: string;
}

function images(state: ReplicationState): Images {
  const out: Record<string, Record<string, BlockMap>> = {};
  for (const vm of Object.values(state.vms)) {
    const d: Record<string, BlockMap> = {};
    for (const id of vm.diskOrder) d[id] = vm.disks[id]?.blocks ?? {};
    out[vm.name] = d;
  }
  return out;
}

/** Blocks (ascending) where two images differ, computed by the oracle on its own. */
function diff(a: BlockMap, b: BlockMap): number[] {
  // The same image differs nowhere (the explorer asks this of every transition).
  if (a === b) return [];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)].map(Number));
  return [...keys].filter((k) => readBlock(a, k) !== readBlock(b, k)).sort((x, y) => x - y);
}

function latest(vm: VmState | undefined): Instance | undefined {
  const r = vm?.repl;
  return r ? r.instances[r.instances.length - 1] : undefined;
}

function committed(v: StepView, vm: string): { pit: number } | undefined {
  for (const e of v.result.emitted) if (e.kind === 'InstanceCommitted' && e.vm === vm) return e;
  return undefined;
}

function fmtBlocks(bs: readonly number[], max = 6): string {
  const head = bs.slice(0, max).join(', ');
  return bs.length > max ? `${head}, … (${bs.length} blocks)` : head;
}

/** Compares an instance with the source at its point in time; the first mismatch in words. */
function instanceMismatch(v: StepView, vmName: string, inst: Instance): string | null {
  const src = v.history[inst.pit]?.[vmName];
  if (!src) return `${vmName}: instance claims point in time ${inst.pit}, which never existed`;
  for (const [disk, img] of Object.entries(src)) {
    const bad = diff(img, inst.disks[disk] ?? {});
    if (bad.length > 0) {
      const b = bad[0] as number;
      const got = readBlock(inst.disks[disk] ?? {}, b);
      const later = v.history.findIndex(
        (h, t) => t > inst.pit && readBlock(h[vmName]?.[disk] ?? {}, b) === got,
      );
      const from =
        got === 0
          ? 'zeros'
          : later >= 0
            ? `data written after the point in time (at step ${later})`
            : 'data from before the point in time';
      return `${vmName}/${disk} block ${b} of the instance committed for the point in time after step ${inst.pit} holds ${from}, not what the source held then; ${bad.length} block(s) differ: ${fmtBlocks(bad)}`;
    }
  }
  return null;
}

export const R1: Invariant = {
  id: 'R1',
  name: 'convergence',
  doc: 'True iff, whenever a cycle commits and no guest write has hit the VM since that cycle started, the latest replica equals the source block for block.',
  check(v) {
    for (const vm of Object.values(v.after.vms)) {
      const c = committed(v, vm.name);
      const inst = latest(vm);
      if (!c || !inst || inst.pit !== c.pit) continue;
      const then = v.history[c.pit]?.[vm.name] ?? {};
      const now = v.history[v.after.tick]?.[vm.name] ?? {};
      const quiet = Object.keys(now).every((d) => diff(then[d] ?? {}, now[d] ?? {}).length === 0);
      if (!quiet) continue;
      for (const d of vm.diskOrder) {
        const bad = diff(now[d] ?? {}, inst.disks[d] ?? {});
        if (bad.length > 0) {
          return `${vm.name}/${d}: a cycle committed with no writes since it started, yet the replica differs from the source in block(s) ${fmtBlocks(bad)}`;
        }
      }
    }
    return null;
  },
};

export const R2: Invariant = {
  id: 'R2',
  name: 'point-in-time consistency',
  doc: 'True iff every newly committed replica instance equals the source image as it was at the instant its cycle started: never a mixture of two instants.',
  check(v) {
    for (const vm of Object.values(v.after.vms)) {
      if (!committed(v, vm.name)) continue;
      const inst = latest(vm);
      if (inst) {
        const m = instanceMismatch(v, vm.name, inst);
        if (m) return m;
      }
    }
    return null;
  },
};

/**
 * The instances MPIT keeps after a commit at minute `now`, as point-in-time steps, ascending:
 * the latest, and the newest of each of the last perDay x days slots of 1440 / perDay minutes
 * that have ended (research-notes A2: "3 per day for 5 days" keeps 15 and the latest; F). Which
 * instance of a slot stays is an inference the model shares.
 */
export function expectedRetained(
  commits: readonly Commit[],
  now: number,
  perDay: number,
  days: number,
): number[] {
  const latest = commits[commits.length - 1];
  if (!latest) return [];
  const keep = new Set([latest.pit]);
  if (perDay > 0) {
    const slotOf = (minute: number) => Math.floor((minute * perDay) / 1440);
    const ended = new Set<number>();
    for (let k = slotOf(now) - perDay * days; k < slotOf(now); k++) ended.add(k);
    const taken = new Set<number>();
    for (const c of [...commits].reverse()) {
      const k = slotOf(c.pitClock);
      if (ended.has(k) && !taken.has(k)) {
        taken.add(k);
        keep.add(c.pit);
      }
    }
  }
  return [...keep].sort((a, b) => a - b);
}

export const R3: Invariant = {
  id: 'R3',
  name: 'monotonic recovery point, MPIT retention',
  doc: "True iff the latest committed instance's point in time never moves backwards while the VM stays replicated, a commit never leaves it behind the instance just committed, and after each commit the instances kept are exactly the latest and the newest of each of the last N x D ended slots of the day (N a day for D days).",
  check(v) {
    for (const vm of Object.values(v.after.vms)) {
      if (!vm.repl) continue;
      const a = v.before.vms[vm.name]?.repl ? latest(v.before.vms[vm.name]) : undefined;
      const b = latest(vm);
      if (a && (!b || b.pit < a.pit)) {
        return `${vm.name}: the recovery point moved back from step ${a.pit} to ${b ? `step ${b.pit}` : 'nothing'}`;
      }
      const c = committed(v, vm.name);
      if (c && (!b || b.pit < c.pit)) {
        return `${vm.name}: the instance of step ${c.pit} was committed, yet the recovery point is ${b ? `step ${b.pit}` : 'nothing'}`;
      }
      if (!c) continue;
      const r = vm.repl;
      const want = expectedRetained(v.commits[vm.name] ?? [], v.after.clock, r.perDay, r.days);
      const got = r.instances.map((i) => i.pit);
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        return `${vm.name}: at minute ${v.after.clock} the instances kept are those of steps ${got.join(', ')}, but ${r.perDay === 0 ? 'without MPIT only the latest stays' : `${r.perDay} a day for ${r.days} day(s) keeps the latest and the newest of each ended slot`}: steps ${want.join(', ')}`;
      }
    }
    return null;
  },
};

export const R4: Invariant = {
  id: 'R4',
  name: 'no lost writes',
  doc: 'True iff every guest write acknowledged before a cycle started (and not overwritten before then) is in the instance that cycle commits.',
  check(v) {
    for (const vm of Object.values(v.after.vms)) {
      const c = committed(v, vm.name);
      const inst = latest(vm);
      if (!c || !inst) continue;
      const src = v.history[c.pit]?.[vm.name] ?? {};
      for (const [disk, img] of Object.entries(src)) {
        for (const k of Object.keys(img).map(Number)) {
          const want = readBlock(img, k);
          if (readBlock(inst.disks[disk] ?? {}, k) !== want) {
            const at = v.history.findIndex((h) => readBlock(h[vm.name]?.[disk] ?? {}, k) === want);
            return `${vm.name}/${disk}: the write to block ${k} at step ${at} was acknowledged before the cycle of step ${c.pit} started, but the instance it committed does not hold it`;
          }
        }
      }
    }
    return null;
  },
};

export const R5: Invariant = {
  id: 'R5',
  name: 'staging isolation',
  doc: "True iff the target's latest replica image changes only when a whole bundle commits: a partial bundle, a cut, a VRS restart or an NFC failure never shows at the target.",
  check(v) {
    for (const vm of Object.values(v.after.vms)) {
      const prev = v.before.vms[vm.name];
      if (!vm.repl || !prev?.repl || committed(v, vm.name)) continue;
      for (const d of vm.diskOrder) {
        const a = latest(prev)?.disks[d] ?? prev.repl.base[d] ?? {};
        const b = latest(vm)?.disks[d] ?? vm.repl.base[d] ?? {};
        const bad = diff(a, b);
        if (bad.length > 0) {
          return `${vm.name}/${d}: the target changed in block(s) ${fmtBlocks(bad)} without a commit (${v.event.type})`;
        }
      }
    }
    return null;
  },
};

export const R6: Invariant = {
  id: 'R6',
  name: 'crash safety',
  doc: 'True iff every replicated VM whose source is running normally (not recovering, no full sync pending) tracks every block in which its source differs from the replica, so no change is ever missed; a lost or stale psf leaves a full sync pending.',
  check(v) {
    for (const vm of Object.values(v.after.vms)) {
      const r = vm.repl;
      if (!r || r.recovering || r.needsFullSync) continue;
      const now = v.history[v.after.tick]?.[vm.name] ?? {};
      for (const d of vm.diskOrder) {
        const target = latest(vm)?.disks[d] ?? r.base[d] ?? {};
        const tracked = new Set<number>(r.disks[d]?.bitmap ?? []);
        for (const ref of r.cycle?.toSend ?? []) if (ref.disk === d) tracked.add(ref.block);
        const missed = diff(now[d] ?? {}, target).filter((b) => !tracked.has(b));
        if (missed.length > 0) {
          return `${vm.name}/${d}: block(s) ${fmtBlocks(missed)} differ from the replica but no bitmap, psf or transfer tracks them, and no full sync is pending: they will never be replicated`;
        }
      }
    }
    return null;
  },
};

export const R7: Invariant = {
  id: 'R7',
  name: 'full-sync economy',
  doc: 'True iff a full sync sends exactly the blocks whose content differs between the source at its start and the target (none for an identical same-UUID seed).',
  check(v) {
    for (const e of v.result.emitted) {
      if (e.kind !== 'CycleStarted' || e.cycle !== 'full') continue;
      const vm = v.before.vms[e.vm];
      const r = vm?.repl;
      if (!vm || !r) continue;
      const src = v.history[e.pit]?.[e.vm] ?? {};
      for (const d of vm.diskOrder) {
        const target = latest(vm)?.disks[d] ?? r.base[d] ?? {};
        const want = diff(src[d] ?? {}, target);
        const got = e.toSend
          .filter((x) => x.disk === d)
          .map((x) => x.block)
          .sort((x, y) => x - y);
        const extra = got.filter((b) => !want.includes(b));
        const missing = want.filter((b) => !got.includes(b));
        if (extra.length > 0 || missing.length > 0) {
          return `${e.vm}/${d}: full sync sends ${got.length} block(s) but ${want.length} differ; ${extra.length > 0 ? `sent though equal: ${fmtBlocks(extra)}` : ''}${extra.length > 0 && missing.length > 0 ? '; ' : ''}${missing.length > 0 ? `differing but not sent: ${fmtBlocks(missing)}` : ''}`;
        }
      }
    }
    return null;
  },
};

export const R9: Invariant = {
  id: 'R9',
  name: 'power state',
  doc: 'True iff a powered-off VM without a Sync Now transfer shows Not Active, or Paused when its replication is paused (an inference; Not Active under the paused-off-not-active reading), and moves no data; powering a VM off or on never puts its replication in Error; Sync Now on a powered-off VM starts a sync, and power-on is refused until that sync ends.',
  check(v) {
    for (const vm of Object.values(v.after.vms)) {
      const prev = v.before.vms[vm.name];
      const r = vm.repl;
      if (!prev || !r || !prev.repl) continue;
      const syncNowOff = prev.power === 'off' && prev.repl.cycle?.syncNow === true;
      if (v.event.type === 'PowerOn' && v.event.vm === vm.name && syncNowOff && vm.power === 'on') {
        return `${vm.name} powered on while a Sync Now of the powered-off VM was still running; its disks should have been locked until the sync ended`;
      }
      if (vm.power === 'off' && !r.cycle) {
        // research-notes A7: powered off is Not Active; paused wins over it by inference.
        const want =
          r.paused && !reads(v.after.variant, 'paused-off-not-active') ? 'Paused' : 'Not Active';
        const st = status(vm, v.after.variant);
        if (st !== want)
          return `${vm.name} is powered off${r.paused ? ' and its replication paused' : ''}, but its replication shows ${st}, not ${want}`;
      }
      if (
        (v.event.type === 'PowerOff' || v.event.type === 'PowerOn') &&
        v.event.vm === vm.name &&
        !prev.repl.error &&
        r.error
      ) {
        return `${vm.name}: ${v.event.type} put its replication in Error (${r.error}); a power cycle is no failure at the target (research-notes F)`;
      }
      if (
        prev.power === 'off' &&
        vm.power === 'off' &&
        r.blocksSent > prev.repl.blocksSent &&
        !prev.repl.cycle?.syncNow
      ) {
        return `${vm.name} is powered off with no Sync Now, yet ${r.blocksSent - prev.repl.blocksSent} block(s) moved`;
      }
      if (
        v.event.type === 'SyncNow' &&
        v.event.vm === vm.name &&
        prev.power === 'off' &&
        !prev.repl.cycle &&
        !prev.repl.paused &&
        !prev.repl.recovering &&
        v.before.link === 'up' &&
        !r.cycle
      ) {
        return `${vm.name}: Sync Now on the powered-off VM did not start a sync (${v.result.refused ?? 'no reason given'})`;
      }
    }
    return null;
  },
};

export const REPLICATION_INVARIANTS: readonly Invariant[] = [R1, R2, R3, R4, R5, R6, R7, R9];

export type Observer = (v: StepView) => void;

/**
 * Folds step over the scenario, checking the invariants after every step; returns the first
 * violation, or null. `observe` sees every step (reachability twins count with it).
 */
export function simulate(
  scenario: Scenario,
  variant: Variant,
  invariants: readonly Invariant[],
  observe?: Observer,
): Violation | null {
  let state = init(scenario.setup, variant);
  const history: Images[] = [images(state)];
  // clocks[k]: the clock after k events, which a cycle started at step k takes as its minute.
  const clocks: number[] = [state.clock];
  const commits: Record<string, Commit[]> = {};
  for (let i = 0; i < scenario.events.length; i++) {
    const event = scenario.events[i] as ReplicationEvent;
    const result = step(state, event);
    history.push(images(result.state));
    clocks.push(result.state.clock);
    for (const e of result.emitted) {
      if (e.kind === 'Configured') commits[e.vm] = [];
      if (e.kind === 'InstanceCommitted')
        commits[e.vm] = [...(commits[e.vm] ?? []), { pit: e.pit, pitClock: clocks[e.pit] ?? 0 }];
    }
    const view: StepView = {
      index: i + 1,
      event,
      before: state,
      after: result.state,
      result,
      history,
      commits,
    };
    observe?.(view);
    for (const inv of invariants) {
      const message = inv.check(view);
      if (message) return { step: i + 1, invariant: inv.id, message };
    }
    state = result.state;
  }
  return null;
}

/** Allowed RPO per version, from research-notes A2, kept apart from the model's own table. */
const RPO_MIN_MINUTES: Readonly<Record<string, number>> = {
  '5.5': 15,
  '6.0': 15,
  '6.5': 5,
  '6.5U1': 5,
  '6.7': 5,
  '7.0': 5,
};
const RPO_MAX_MINUTES = 24 * 60;
const MPIT_MAX = 24;

function sameExceptTick(a: ReplicationState, b: ReplicationState): boolean {
  // Field by field, so that the parts a rejection leaves as the same objects cost nothing.
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  keys.delete('tick');
  for (const k of keys) {
    const x = a[k as keyof ReplicationState];
    const y = b[k as keyof ReplicationState];
    if (x !== y && JSON.stringify(x) !== JSON.stringify(y)) return false;
  }
  return true;
}

/** What a correct VRMS must say of a configuration request, or null when it must accept it. */
export function expectedConfigError(
  state: ReplicationState,
  e: Extract<ReplicationEvent, { type: 'ConfigureReplication' }>,
): { reason: string; mention: string } | null {
  const vm = state.vms[e.vm];
  if (!vm) return { reason: 'unknown VM', mention: e.vm };
  if (vm.repl) return { reason: 'already replicated', mention: 'already replicated' };
  const min = RPO_MIN_MINUTES[state.setup.version] ?? 5;
  if (!Number.isInteger(e.rpoMinutes) || e.rpoMinutes < min || e.rpoMinutes > RPO_MAX_MINUTES) {
    return { reason: `RPO outside ${min}-${RPO_MAX_MINUTES} min`, mention: `${min} min` };
  }
  // MPIT: N a day for D days, at most 24 instances (research-notes A2, F).
  const whole = (n: number) => Number.isInteger(n) && n >= 0;
  if (!whole(e.perDay) || !whole(e.days) || e.perDay * e.days > MPIT_MAX) {
    return { reason: 'retention over 24 instances or not whole', mention: String(MPIT_MAX) };
  }
  if ((e.perDay === 0) !== (e.days === 0))
    return { reason: 'retention with only one of per day and days', mention: 'both' };
  for (const id of vm.diskOrder) {
    const tgt = vm.targetDisks?.[id];
    if (e.seed && !tgt) return { reason: 'no seed present', mention: 'seed' };
    if (e.seed && tgt && tgt.uuid !== vm.disks[id]?.uuid)
      return { reason: 'seed UUID differs', mention: 'UUID' };
    if (!e.seed && tgt) return { reason: 'disk already at target', mention: 'seed' };
  }
  return null;
}

export const R12: Invariant = {
  id: 'R12',
  name: 'configuration validity',
  doc: 'True iff a configuration request outside what the version allows (RPO range, retention, seed UUID, a disk already replicated) is rejected with a one-line error naming what was wrong and what is allowed, leaving the state untouched, and every valid one is accepted.',
  check(v) {
    if (v.event.type !== 'ConfigureReplication') return null;
    const want = expectedConfigError(v.before, v.event);
    const err = v.result.error;
    if (want) {
      if (!err)
        return `${v.event.vm}: the request should be rejected (${want.reason}) but was accepted`;
      if (err.includes('\n'))
        return `${v.event.vm}: the error is not one line: ${JSON.stringify(err)}`;
      if (!err.includes(want.mention)) {
        return `${v.event.vm}: the error "${err}" does not say what is allowed (expected it to mention "${want.mention}")`;
      }
      if (!sameExceptTick(v.before, v.after))
        return `${v.event.vm}: a rejected request changed the state`;
      return null;
    }
    if (err) return `${v.event.vm}: a valid request was rejected: ${err}`;
    if (!v.after.vms[v.event.vm]?.repl)
      return `${v.event.vm}: a valid request did not configure replication`;
    return null;
  },
};
