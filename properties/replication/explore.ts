// Exhaustive exploration of the replication protocol: the scopes (data), and how a scope's
// states are stepped, checked and encoded. The explored state is the model's state plus what
// the oracle needs of the past: the source images at every point in time an instance, a cycle
// or a staged bundle still refers to (the oracle's history, cut down to what it can ever read).
import { init, step } from '../../model/replication/step.ts';
import type {
  EventType,
  PsfOutcome,
  ReplicationEvent,
  ReplicationSetup,
  ReplicationState,
  SeedUuid,
} from '../../model/replication/types.ts';
import type { EsxiVersion, Variant } from '../../model/variants.ts';
import type { Encoder } from '../explore/encoder.ts';
import { checksOf, goalsOf, type ReadsTable, selected } from '../explore/select.ts';
import type { Scope, StepModel, SteppedArea, Successor } from '../explore/types.ts';
import type { PropertyDef } from '../registry-types.ts';
import {
  auditState,
  Canon,
  encodeLeast,
  type Images,
  referencedPits,
  vmOrders,
} from './canonical.ts';
import type { Commit, StepView } from './oracle.ts';
import { REPLICATION_PROPERTIES } from './properties.ts';

export interface ReplicationScope {
  readonly version: EsxiVersion;
  readonly hosts: readonly string[];
  readonly vms: readonly {
    readonly name: string;
    readonly host: string;
    readonly poweredOn: boolean;
    /** Disk sizes in blocks. */
    readonly disks: readonly number[];
  }[];
  readonly chunkBlocks: number;
  /** The event kinds offered, each over every VM, disk, block and host of the scope. */
  readonly events: readonly EventType[];
  readonly psf?: readonly PsfOutcome[];
  readonly configure?: readonly {
    readonly rpoMinutes: number;
    /** MPIT: instances a day, for so many days (0 and 0: only the latest). */
    readonly perDay: number;
    readonly days: number;
    readonly seed: boolean;
  }[];
  readonly seedCopies?: readonly SeedUuid[];
  /** TimeAdvance steps in minutes, and the clock no state may pass (a constraint). */
  readonly minutes?: readonly number[];
  readonly maxClock?: number;
  /** Registered safety properties checked on every transition (default: all of the area). */
  readonly properties?: readonly string[];
  /** Twins whose goals this scope counts (default: the twins of the properties it checks). */
  readonly twins?: readonly string[];
}

const ALL: readonly EventType[] = [
  'GuestWrite',
  'CycleStart',
  'SyncNow',
  'ChunkDelivered',
  'BundleCommit',
  'NfcFail',
  'LinkDown',
  'LinkUp',
  'HostCrash',
  'VrsRestart',
  'PowerOff',
  'PowerOn',
  'Pause',
  'Resume',
  'SeedCopy',
  'ConfigureReplication',
  'UnconfigureReplication',
  'VMotion',
];

const HOSTS = ['esx-01', 'esx-02'] as const;
const CONFIGURE = [{ rpoMinutes: 15, perDay: 0, days: 0, seed: false }] as const;

export const REPLICATION_SCOPES: readonly Scope<ReplicationScope>[] = [
  {
    name: 'default',
    description:
      '1 VM with a 1-block disk on 2 interchangeable hosts, every event kind but time: writes, cycles, Sync Now, chunks, commits, NFC failures, link cuts, VRS restarts, crashes with each psf outcome, power, pause, seed copies with the same or another UUID, configuration seeded or not (RPO 15 min, only the latest instance kept), unconfigure, vMotion',
    params: {
      version: '6.7',
      hosts: HOSTS,
      vms: [{ name: 'vm-1', host: 'esx-01', poweredOn: true, disks: [1] }],
      chunkBlocks: 1,
      events: ALL,
      psf: ['intact', 'stale', 'lost'],
      configure: [
        { rpoMinutes: 15, perDay: 0, days: 0, seed: false },
        { rpoMinutes: 15, perDay: 0, days: 0, seed: true },
      ],
      seedCopies: ['same', 'different'],
    },
    outOfScope: [
      'R3-reach: an older instance kept from an ended slot',
      'R5-reach: partial bundle dropped',
      'R7-reach: partial full sync',
      'R12-reach: RPO rejected',
    ],
    nightly: true,
  },
  {
    name: 'tiny',
    description:
      '1 VM with a 1-block disk on 2 interchangeable hosts, RPO 15 min with no retained instance; writes, cycles, chunks, commits, NFC failures, link cuts, VRS restarts, crashes with each psf outcome, power off and on, vMotion',
    params: {
      version: '6.7',
      hosts: HOSTS,
      vms: [{ name: 'vm-1', host: 'esx-01', poweredOn: true, disks: [1] }],
      chunkBlocks: 1,
      events: [
        'ConfigureReplication',
        'GuestWrite',
        'CycleStart',
        'SyncNow',
        'ChunkDelivered',
        'BundleCommit',
        'NfcFail',
        'LinkDown',
        'LinkUp',
        'HostCrash',
        'VrsRestart',
        'PowerOff',
        'PowerOn',
        'VMotion',
      ],
      psf: ['intact', 'stale', 'lost'],
      configure: [{ rpoMinutes: 15, perDay: 0, days: 0, seed: false }],
    },
    pinned: 14039,
    outOfScope: [
      'R5-reach: partial bundle dropped',
      'R7-reach: identical seed sends none',
      'R7-reach: partial full sync',
      'R12-reach: RPO rejected',
      'R12-reach: seed UUID rejected',
      'R3-reach: an older instance kept from an ended slot',
      'R9-reach: paused and powered off',
    ],
  },
  {
    name: 'config',
    description:
      'ESXi 6.0 (RPO from 15 min), 1 VM with a 1-block disk on 1 host: configure with an RPO of 5 or 15 min, no MPIT, 25 a day (over 24 instances) or a day count without a daily one, seeded or not; seed copies with the same or another UUID; writes, a full sync, unconfigure',
    params: {
      version: '6.0',
      hosts: ['esx-01'],
      vms: [{ name: 'vm-1', host: 'esx-01', poweredOn: true, disks: [1] }],
      chunkBlocks: 1,
      events: [
        'ConfigureReplication',
        'SeedCopy',
        'GuestWrite',
        'CycleStart',
        'ChunkDelivered',
        'BundleCommit',
        'UnconfigureReplication',
      ],
      configure: [
        { rpoMinutes: 5, perDay: 0, days: 0, seed: false },
        { rpoMinutes: 15, perDay: 0, days: 0, seed: false },
        { rpoMinutes: 15, perDay: 25, days: 1, seed: false },
        { rpoMinutes: 15, perDay: 0, days: 2, seed: false },
        { rpoMinutes: 15, perDay: 0, days: 0, seed: true },
      ],
      seedCopies: ['same', 'different'],
      twins: ['R12-reach'],
    },
  },
  {
    name: 'blocks',
    description:
      '1 VM with a 2-block disk sent one block a chunk, on 1 host: writes to either block, cycles, chunks, commits, link cuts, seed copies and seeded configuration (RPO 15 min, no retained instance)',
    params: {
      version: '6.7',
      hosts: ['esx-01'],
      vms: [{ name: 'vm-1', host: 'esx-01', poweredOn: true, disks: [2] }],
      chunkBlocks: 1,
      events: [
        'ConfigureReplication',
        'SeedCopy',
        'GuestWrite',
        'CycleStart',
        'ChunkDelivered',
        'BundleCommit',
        'LinkDown',
        'LinkUp',
      ],
      configure: [
        { rpoMinutes: 15, perDay: 0, days: 0, seed: false },
        { rpoMinutes: 15, perDay: 0, days: 0, seed: true },
      ],
      seedCopies: ['same'],
      twins: ['R1-reach', 'R2-reach', 'R4-reach', 'R5-reach', 'R7-reach'],
    },
  },
  {
    name: 'mpit',
    description:
      '1 VM with a 1-block disk on 1 host, MPIT of 24 a day for a day or 12 a day for 2 days (RPO 15 min): writes, cycles, chunks, commits, and hours passing, up to minute 120',
    params: {
      version: '6.7',
      hosts: ['esx-01'],
      vms: [{ name: 'vm-1', host: 'esx-01', poweredOn: true, disks: [1] }],
      chunkBlocks: 1,
      events: [
        'ConfigureReplication',
        'GuestWrite',
        'CycleStart',
        'ChunkDelivered',
        'BundleCommit',
        'TimeAdvance',
      ],
      configure: [
        { rpoMinutes: 15, perDay: 24, days: 1, seed: false },
        { rpoMinutes: 15, perDay: 12, days: 2, seed: false },
      ],
      minutes: [60],
      maxClock: 120,
      twins: ['R3-reach'],
    },
  },
  {
    name: 'two-vms',
    description:
      '2 VMs with a 1-block disk each on 2 interchangeable hosts (VMs and hosts reduced by symmetry): configure, writes, cycle starts, crashes with an intact psf, vMotion',
    params: {
      version: '6.7',
      hosts: HOSTS,
      vms: [
        { name: 'vm-1', host: 'esx-01', poweredOn: true, disks: [1] },
        { name: 'vm-2', host: 'esx-01', poweredOn: true, disks: [1] },
      ],
      chunkBlocks: 1,
      events: ['ConfigureReplication', 'GuestWrite', 'CycleStart', 'HostCrash', 'VMotion'],
      configure: [{ rpoMinutes: 15, perDay: 0, days: 0, seed: false }],
      twins: [],
    },
  },
];

function eventsOf(p: ReplicationScope): ReplicationEvent[] {
  const out: ReplicationEvent[] = [];
  for (const kind of p.events) {
    switch (kind) {
      case 'GuestWrite':
        for (const vm of p.vms)
          vm.disks.forEach((size, d) => {
            for (let block = 0; block < size; block++)
              out.push({ type: 'GuestWrite', vm: vm.name, disk: `disk-${d}`, block });
          });
        break;
      case 'TimeAdvance':
        for (const minutes of p.minutes ?? []) out.push({ type: 'TimeAdvance', minutes });
        break;
      case 'LinkDown':
      case 'LinkUp':
      case 'VrsRestart':
        out.push({ type: kind });
        break;
      case 'HostCrash':
        for (const host of p.hosts)
          for (const psf of p.psf ?? ['intact']) out.push({ type: 'HostCrash', host, psf });
        break;
      case 'SeedCopy':
        for (const vm of p.vms)
          for (const uuid of p.seedCopies ?? ['same'])
            out.push({ type: 'SeedCopy', vm: vm.name, uuid });
        break;
      case 'ConfigureReplication':
        for (const vm of p.vms)
          for (const c of p.configure ?? CONFIGURE)
            out.push({ type: 'ConfigureReplication', vm: vm.name, ...c });
        break;
      case 'VMotion':
        for (const vm of p.vms)
          for (const host of p.hosts) out.push({ type: 'VMotion', vm: vm.name, host });
        break;
      default:
        for (const vm of p.vms) out.push({ type: kind, vm: vm.name } as ReplicationEvent);
    }
  }
  return out;
}

export function setupOf(p: ReplicationScope): ReplicationSetup {
  return {
    version: p.version,
    hosts: [...p.hosts],
    vrs: 'vrs-dr',
    chunkBlocks: p.chunkBlocks,
    vms: p.vms.map((vm, i) => ({
      name: vm.name,
      host: vm.host,
      poweredOn: vm.poweredOn,
      disks: vm.disks.map((sizeBlocks, d) => ({
        id: `disk-${d}`,
        uuid: `6000c29${String(i + 1).padStart(2, '0')}-${d}`,
        sizeBlocks,
      })),
    })),
  };
}

/** An instant the state refers to: its point in time, the source images and the clock then. */
type Kept = readonly [pit: number, images: Images, clock: number];

/** A state as explored: the model's, and what the oracle needs of the past. */
interface Explored {
  readonly m: ReplicationState;
  /** Every instant the state (or a commit below) refers to, ascending. */
  readonly hist: readonly Kept[];
  /** The source images now. */
  readonly img: Images;
  /** The oracle's commits since each VM was configured (StepView.commits), cut by liveCommits. */
  readonly commits: Readonly<Record<string, readonly Commit[]>>;
}

function imagesOf(s: ReplicationState): Images {
  const out: Record<string, Record<string, Readonly<Record<number, number>>>> = {};
  for (const name in s.vms) {
    const vm = s.vms[name] as ReplicationState['vms'][string];
    const d: Record<string, Readonly<Record<number, number>>> = {};
    for (const id of vm.diskOrder) d[id] = vm.disks[id]?.blocks ?? {};
    out[name] = d;
  }
  return out;
}

const NO_IMAGES: Images = {};
const NO_COMMITS: readonly never[] = [];

/** True iff every VM's disks are the objects they were: the source images did not change. */
function sameDisks(a: ReplicationState, b: ReplicationState): boolean {
  for (const k in b.vms) if (a.vms[k]?.disks !== b.vms[k]?.disks) return false;
  return true;
}

/** True iff the step changed nothing but the tick (a crash of a host no VM runs on, say). */
function unchanged(a: ReplicationState, b: ReplicationState): boolean {
  if (a.link !== b.link || a.clock !== b.clock || a.nextContent !== b.nextContent) return false;
  for (const k in b.vms) if (a.vms[k] !== b.vms[k]) return false;
  return true;
}

/**
 * The commits R3 can still read, after a step that left the clock at `now`: its expected kept
 * set is the latest commit and, for each ended slot of the last perDay x days, the newest
 * commit of that slot (expectedRetained). Later checks see later minutes, so a slot older than
 * today's window never counts again, and within a slot only its newest commit can be chosen.
 * A VM no longer replicated has none that count: configuring it again starts a new list.
 */
export function liveCommits<C extends { readonly pitClock: number }>(
  commits: readonly C[],
  repl: { readonly perDay: number; readonly days: number } | null | undefined,
  now: number,
): readonly C[] {
  if (!repl) return NO_COMMITS;
  const n = commits.length;
  if (n <= 1) return commits;
  const last = commits[n - 1] as C;
  if (repl.perDay === 0) return [last];
  const slotOf = (minute: number) => Math.floor((minute * repl.perDay) / 1440);
  const oldest = slotOf(now) - repl.perDay * repl.days;
  const newest = new Map<number, number>();
  commits.forEach((c, i) => {
    newest.set(slotOf(c.pitClock), i);
  });
  const out = commits.filter(
    (c, i) => i === n - 1 || (slotOf(c.pitClock) >= oldest && newest.get(slotOf(c.pitClock)) === i),
  );
  return out.length === n ? commits : out;
}

/**
 * What each replication check and goal reads (properties/explore/types.ts `Reads`). R6 is a
 * state invariant (the source now against the replica, and what tracks the difference); R9 and
 * R12 judge refusals and rejections, and so do the goals that count them (a refused power-on
 * can also look like a resume from the psf); every other check and goal judges a step by what
 * it emitted or changed, and a refused or rejected step emits and changes nothing.
 */
const READS: ReadsTable = {
  R1: 'change',
  R2: 'change',
  R3: 'change',
  R4: 'change',
  R5: 'change',
  R6: 'state',
  R7: 'change',
  R9: 'any',
  R12: 'any',
  'R1-reach: quiet commit': 'change',
  'R2-reach: commit after copy-before-write': 'change',
  'R3-reach: retention pruned an instance': 'change',
  'R3-reach: an older instance kept from an ended slot': 'change',
  'R4-reach: delta committed': 'change',
  'R4-reach: transfer cut mid-cycle': 'change',
  'R5-reach: partial bundle dropped': 'change',
  'R6-reach: full sync forced by psf': 'change',
  'R7-reach: identical seed sends none': 'change',
  'R7-reach: partial full sync': 'change',
  'R9-reach: paused and powered off': 'state',
  'R9-reach: a power-off cut a transfer': 'change',
  'R9-reach: Sync Now completed while off': 'change',
  'R12-reach: accepted': 'change',
};

/** How often the field audit runs once the first states have all been audited. */
const AUDIT_FIRST = 4096;
const AUDIT_EVERY = 997;

export function replicationModel(
  scope: Scope<ReplicationScope>,
  variant: Variant,
  opts: { symmetry: boolean },
): StepModel<Explored, ReplicationEvent, StepView> {
  const p = scope.params;
  const setup = setupOf(p);
  const events = eventsOf(p);
  const { checks, twins } = selected(
    REPLICATION_PROPERTIES as readonly PropertyDef[],
    p.properties,
    p.twins,
  );
  const canon = new Canon(opts.symmetry ? setup.hosts : null, false);
  let encoded = 0;
  const maxClock = p.maxClock ?? Number.POSITIVE_INFINITY;
  const start = init(setup, variant);
  const orders = vmOrders(start, opts.symmetry);
  const pitsOf: number[] = [];
  const pitsCache = new WeakMap<object, number[]>();
  const history: Images[] = [];
  const written: number[] = [];
  /** The clock at point in time `pit` (the oracle's clocks[pit]): the state's, or a kept one. */
  const clockAt = (x: Explored, pit: number): number => {
    if (pit === x.m.tick) return x.m.clock;
    const had = x.hist.find(([q]) => q === pit);
    if (!had) throw new Error(`explore: no clock kept for point in time ${pit}`);
    return had[2];
  };
  return {
    setup,
    init: () => ({ m: start, hist: [], img: imagesOf(start), commits: {} }),
    events: () => events,
    kind: (e) => e.type,
    kinds: [...new Set(events.map((e) => e.type))],
    next(x, e): Successor<Explored, StepView> {
      const r = step(x.m, e);
      const after = r.state;
      const stutter =
        r.refused !== undefined ||
        r.error !== undefined ||
        (r.emitted.length === 0 && unchanged(x.m, after));
      const img = stutter || sameDisks(x.m, after) ? x.img : imagesOf(after);
      // The oracle's history as the checks index it, by tick: one array reused from transition
      // to transition (a view is looked at before the next one is made), holes reading as no
      // images.
      for (const i of written) history[i] = NO_IMAGES;
      written.length = 0;
      while (history.length <= after.tick) history.push(NO_IMAGES);
      for (const [pit, im] of x.hist) {
        history[pit] = im;
        written.push(pit);
      }
      history[x.m.tick] = x.img;
      history[after.tick] = img;
      written.push(x.m.tick, after.tick);
      // The oracle's commit lists, as its fold keeps them (reset by a configuration).
      let commits = x.commits;
      for (const em of r.emitted) {
        if (em.kind === 'Configured') commits = { ...commits, [em.vm]: NO_COMMITS };
        else if (em.kind === 'InstanceCommitted') {
          const c: Commit = { pit: em.pit, pitClock: clockAt(x, em.pit) };
          commits = { ...commits, [em.vm]: [...(commits[em.vm] ?? NO_COMMITS), c] };
        }
      }
      const view: StepView = {
        index: after.tick,
        event: e,
        before: x.m,
        after,
        result: r,
        history,
        commits,
      };
      // A self-loop is never stored or expanded: the state it returns is not looked at.
      if (stutter) return { state: x, view, stutter };
      if (commits !== x.commits) {
        const live: Record<string, readonly Commit[]> = {};
        for (const name in commits)
          live[name] = liveCommits(
            commits[name] as readonly Commit[],
            after.vms[name]?.repl ?? null,
            after.clock,
          );
        commits = live;
      }
      pitsOf.length = 0;
      referencedPits(after, pitsOf);
      for (const name in commits)
        for (const c of commits[name] as readonly Commit[]) pitsOf.push(c.pit);
      const wanted = pitsOf.length < 2 ? pitsOf : [...new Set(pitsOf)].sort((a, b) => a - b);
      const same = wanted.length === x.hist.length && wanted.every((w, i) => x.hist[i]?.[0] === w);
      const hist = same
        ? x.hist
        : wanted.map((pit): Kept => {
            if (pit === x.m.tick) return [pit, x.img, x.m.clock];
            const had = x.hist.find(([q]) => q === pit);
            if (!had) throw new Error(`explore: no source images kept for point in time ${pit}`);
            return had;
          });
      return { state: { m: after, hist, img, commits }, view, stutter };
    },
    checks: checksOf<StepView>(checks, READS),
    goals: goalsOf<StepView>(twins, READS),
    within: (x) => x.m.clock <= maxClock,
    encode(x: Explored, enc: Encoder): number {
      encoded++;
      canon.audit = encoded < AUDIT_FIRST || encoded % AUDIT_EVERY === 0;
      if (canon.audit) auditState(x.m);
      const pits = pitsCache.get(x.hist) ?? x.hist.map(([q]) => q);
      pitsCache.set(x.hist, pits);
      return encodeLeast(enc, canon, orders, (order) => {
        canon.reset(pits);
        enc.push(x.m.link === 'up' ? 1 : 0);
        enc.num(x.m.clock);
        for (const name of order) canon.vm(enc, x.m.vms[name] as ReplicationState['vms'][string]);
        enc.push(x.hist.length);
        for (const [, im, clock] of x.hist) {
          canon.images(enc, x.m, order, im);
          enc.num(clock);
        }
        for (const name of order) {
          const cs = x.commits[name] ?? NO_COMMITS;
          enc.push(cs.length);
          for (const c of cs) {
            canon.pit(enc, c.pit);
            enc.num(c.pitClock);
          }
        }
      });
    },
  };
}

export const REPLICATION_EXPLORE: SteppedArea<ReplicationScope> = {
  kind: 'stepped',
  area: 'replication',
  scopes: REPLICATION_SCOPES,
  model: (scope, variant, opts) =>
    replicationModel(scope, variant, opts) as unknown as StepModel<unknown, unknown, unknown>,
};
