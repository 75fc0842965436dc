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
import { checksOf, goalsOf, selected } from '../explore/select.ts';
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
import type { StepView } from './oracle.ts';
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
    readonly retention: number;
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
const CONFIGURE = [{ rpoMinutes: 15, retention: 1, seed: false }] as const;

export const REPLICATION_SCOPES: readonly Scope<ReplicationScope>[] = [
  {
    name: 'default',
    description:
      '1 VM with a 1-block disk on 2 interchangeable hosts, every event kind but time: writes, cycles, Sync Now, chunks, commits, NFC failures, link cuts, VRS restarts, crashes with each psf outcome, power, pause, seed copies with the same or another UUID, configuration seeded or not (RPO 15 min, 1 retained instance), unconfigure, vMotion',
    params: {
      version: '6.7',
      hosts: HOSTS,
      vms: [{ name: 'vm-1', host: 'esx-01', poweredOn: true, disks: [1] }],
      chunkBlocks: 1,
      events: ALL,
      psf: ['intact', 'stale', 'lost'],
      configure: [
        { rpoMinutes: 15, retention: 1, seed: false },
        { rpoMinutes: 15, retention: 1, seed: true },
      ],
      seedCopies: ['same', 'different'],
    },
    outOfScope: [
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
      configure: [{ rpoMinutes: 15, retention: 0, seed: false }],
    },
    pinned: 13670,
    outOfScope: [
      'R5-reach: partial bundle dropped',
      'R7-reach: identical seed sends none',
      'R7-reach: partial full sync',
      'R12-reach: RPO rejected',
      'R12-reach: seed UUID rejected',
    ],
  },
  {
    name: 'config',
    description:
      'ESXi 6.0 (RPO from 15 min), 1 VM with a 1-block disk on 1 host: configure with an RPO of 5 or 15 min, retention 0 or 25, seeded or not; seed copies with the same or another UUID; writes, a full sync, unconfigure',
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
        { rpoMinutes: 5, retention: 0, seed: false },
        { rpoMinutes: 15, retention: 0, seed: false },
        { rpoMinutes: 15, retention: 25, seed: false },
        { rpoMinutes: 15, retention: 0, seed: true },
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
        { rpoMinutes: 15, retention: 0, seed: false },
        { rpoMinutes: 15, retention: 0, seed: true },
      ],
      seedCopies: ['same'],
      twins: ['R1-reach', 'R2-reach', 'R4-reach', 'R5-reach', 'R7-reach'],
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
      configure: [{ rpoMinutes: 15, retention: 0, seed: false }],
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

/** A state as explored: the model's, and the oracle's images of the instants it refers to. */
interface Explored {
  readonly m: ReplicationState;
  /** [point in time, source images then], ascending: every instant the state refers to. */
  readonly hist: readonly (readonly [number, Images])[];
  /** The source images now. */
  readonly img: Images;
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
  const canon = new Canon(opts.symmetry ? setup.hosts : null);
  let encoded = 0;
  const maxClock = p.maxClock ?? Number.POSITIVE_INFINITY;
  const start = init(setup, variant);
  const orders = vmOrders(start, opts.symmetry);
  const pitsOf: number[] = [];
  const pitsCache = new WeakMap<object, number[]>();
  const history: Images[] = [];
  const written: number[] = [];
  return {
    setup,
    init: () => ({ m: start, hist: [], img: imagesOf(start) }),
    events: () => events,
    kind: (e) => e.type,
    kinds: [...new Set(events.map((e) => e.type))],
    next(x, e): Successor<Explored, StepView> {
      const r = step(x.m, e);
      const after = r.state;
      const stutter = r.refused !== undefined || r.error !== undefined || unchanged(x.m, after);
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
      const view: StepView = {
        index: after.tick,
        event: e,
        before: x.m,
        after,
        result: r,
        history,
      };
      // A self-loop is never stored or expanded: the state it returns is not looked at.
      if (stutter) return { state: x, view, stutter };
      pitsOf.length = 0;
      referencedPits(after, pitsOf);
      const wanted = pitsOf.length < 2 ? pitsOf : [...new Set(pitsOf)].sort((a, b) => a - b);
      const same = wanted.length === x.hist.length && wanted.every((w, i) => x.hist[i]?.[0] === w);
      const hist = same
        ? x.hist
        : wanted.map((pit): readonly [number, Images] => {
            if (pit === x.m.tick) return [pit, x.img];
            const had = x.hist.find(([q]) => q === pit);
            if (!had) throw new Error(`explore: no source images kept for point in time ${pit}`);
            return had;
          });
      return { state: { m: after, hist, img }, view, stutter };
    },
    checks: checksOf<StepView>(checks),
    goals: goalsOf<StepView>(twins),
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
        for (const [, im] of x.hist) canon.images(enc, x.m, order, im);
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
