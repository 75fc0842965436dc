// Generators for replication scenarios. Bounds (hosts, VMs, blocks, events) live here, not in
// the model. Weights bias runs toward the interleavings that matter: writes to blocks in
// flight, cuts mid-transfer, crashes between commits.
import fc from 'fast-check';
import type {
  EventType,
  ReplicationEvent,
  ReplicationSetup,
  VmSetup,
} from '../../model/replication/types.ts';
import { ESXI_VERSIONS, type EsxiVersion, MAX_RETENTION, rpoRange } from '../../model/variants.ts';
import type { Scenario } from './oracle.ts';

export const HOSTS = ['esx-01', 'esx-02'] as const;

export interface Profile {
  /** Relative frequency of each event type in the body of a scenario. */
  readonly weights: Partial<Record<EventType, number>>;
  /** Upper bound on segments in the body; a segment is one event or one cycle burst. */
  readonly maxSegments: number;
  /** Relative frequency of cycle bursts (start, chunks with events between, commit). */
  readonly burstWeight: number;
  /** Relative frequency of a host crash followed by power-ons of (some of) its VMs. */
  readonly crashWeight: number;
  /** Chance that a burst starts with Sync Now rather than a scheduled cycle. */
  readonly syncNowChance: number;
  /** Chance (0..1) that a VM is seeded before it is configured. */
  readonly seedChance: number;
  /** Chance that a VM starts powered on. */
  readonly poweredOnChance: number;
  /** Configure every VM validly before the body (false: the body may configure, badly). */
  readonly preconfigure: boolean;
  readonly versions?: readonly EsxiVersion[];
}

export const GENERAL: Profile = {
  weights: {
    GuestWrite: 30,
    CycleStart: 14,
    ChunkDelivered: 28,
    BundleCommit: 12,
    TimeAdvance: 3,
    LinkDown: 2,
    LinkUp: 3,
    VrsRestart: 1,
    NfcFail: 1,
    HostCrash: 1,
    PowerOff: 1,
    PowerOn: 2,
    SyncNow: 2,
    Pause: 1,
    Resume: 2,
    VMotion: 1,
  },
  maxSegments: 24,
  burstWeight: 6,
  crashWeight: 1,
  syncNowChance: 0.1,
  seedChance: 0.2,
  poweredOnChance: 0.9,
  preconfigure: true,
};

/** Time passes in long steps, so MPIT slots end between commits (research-notes A2). */
export const RETENTION: Profile = {
  ...GENERAL,
  weights: { ...GENERAL.weights, TimeAdvance: 12 },
};

export const CRASHES: Profile = {
  ...GENERAL,
  weights: { ...GENERAL.weights, HostCrash: 2, PowerOn: 4, LinkDown: 1, Pause: 0, Resume: 0 },
  crashWeight: 4,
};

export const POWER: Profile = {
  ...GENERAL,
  weights: { ...GENERAL.weights, PowerOff: 6, PowerOn: 8, SyncNow: 8, HostCrash: 1 },
  poweredOnChance: 0.5,
  syncNowChance: 0.5,
};

export const SEEDS: Profile = { ...GENERAL, seedChance: 0.7, maxSegments: 12 };

export const CONFIG: Profile = {
  ...GENERAL,
  weights: {
    GuestWrite: 6,
    CycleStart: 3,
    ChunkDelivered: 4,
    BundleCommit: 3,
    SeedCopy: 4,
    ConfigureReplication: 10,
    UnconfigureReplication: 2,
    PowerOff: 1,
    PowerOn: 1,
  },
  maxSegments: 20,
  burstWeight: 2,
  crashWeight: 0,
  preconfigure: false,
};

/** Valid MPIT policies (research-notes A2: "3 per day for 5 days"), none among them. */
export const MPIT_POLICY = fc.constantFrom(
  { perDay: 0, days: 0 },
  { perDay: 24, days: 1 },
  { perDay: 12, days: 2 },
  { perDay: 6, days: 4 },
  { perDay: 3, days: 5 },
  { perDay: 2, days: 1 },
  { perDay: 1, days: 7 },
);

const vmSetup = (name: string): fc.Arbitrary<VmSetup> =>
  fc.record({
    name: fc.constant(name),
    host: fc.constantFrom(...HOSTS),
    disks: fc.integer({ min: 1, max: 2 }).chain((n) =>
      fc.tuple(...Array.from({ length: n }, () => fc.integer({ min: 1, max: 64 }))).map((sizes) =>
        sizes.map((sizeBlocks, i) => ({
          id: `disk-${i}`,
          uuid: `6000c29${name.replace(/\D/g, '').padStart(2, '0')}-${i}`,
          sizeBlocks,
        })),
      ),
    ),
    poweredOn: fc.constant(true),
  });

export function setupArb(profile: Profile): fc.Arbitrary<ReplicationSetup> {
  return fc
    .record({
      version: fc.constantFrom(...(profile.versions ?? ESXI_VERSIONS)),
      vmCount: fc.integer({ min: 1, max: 3 }),
      chunkBlocks: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 4 })),
    })
    .chain(({ version, vmCount, chunkBlocks }) =>
      fc
        .tuple(
          ...Array.from({ length: vmCount }, (_, i) =>
            fc.tuple(vmSetup(`vm-${i + 1}`), fc.double({ min: 0, max: 1, noNaN: true })),
          ),
        )
        .map((vms) => ({
          version,
          hosts: [...HOSTS],
          vrs: 'vrs-dr',
          chunkBlocks,
          vms: vms.map(([vm, p]) => ({ ...vm, poweredOn: p < profile.poweredOnChance })),
        })),
    );
}

function validRpo(version: EsxiVersion): fc.Arbitrary<number> {
  const { min, max } = rpoRange(version);
  return fc.oneof(fc.constantFrom(min, 15, 60, 240, max), fc.integer({ min, max }));
}

/** RPOs around every version's edges, so both sides of each bound are tried. */
const anyRpo = fc.oneof(
  fc.constantFrom(0, 4, 5, 6, 14, 15, 16, 240, 1439, 1440, 1441),
  fc.integer({ min: -10, max: 3000 }),
);

function eventArb(setup: ReplicationSetup, profile: Profile): fc.Arbitrary<ReplicationEvent> {
  const vm = fc.constantFrom(...setup.vms.map((v) => v.name));
  const refs = setup.vms.flatMap((v) =>
    v.disks.map((d) => ({ vm: v.name, disk: d.id, size: d.sizeBlocks })),
  );
  const write = fc.constantFrom(...refs).chain((r) =>
    // Mostly low blocks, so writes collide with blocks in flight; sometimes anywhere.
    fc
      .oneof(
        { weight: 4, arbitrary: fc.integer({ min: 0, max: Math.min(r.size, 12) - 1 }) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: r.size - 1 }) },
      )
      .map((block): ReplicationEvent => ({ type: 'GuestWrite', vm: r.vm, disk: r.disk, block })),
  );
  const byVm = <T extends EventType>(type: T) =>
    vm.map((name) => ({ type, vm: name }) as ReplicationEvent);
  const all: Record<EventType, fc.Arbitrary<ReplicationEvent>> = {
    GuestWrite: write,
    // Up to four hours: long enough for MPIT slots (an hour at 24 a day) to end.
    TimeAdvance: fc
      .integer({ min: 1, max: 240 })
      .map((minutes) => ({ type: 'TimeAdvance', minutes })),
    CycleStart: byVm('CycleStart'),
    SyncNow: byVm('SyncNow'),
    ChunkDelivered: byVm('ChunkDelivered'),
    BundleCommit: byVm('BundleCommit'),
    NfcFail: byVm('NfcFail'),
    LinkDown: fc.constant({ type: 'LinkDown' }),
    LinkUp: fc.constant({ type: 'LinkUp' }),
    VrsRestart: fc.constant({ type: 'VrsRestart' }),
    HostCrash: fc
      .record({
        host: fc.constantFrom(...setup.hosts),
        psf: fc.constantFrom('intact', 'stale', 'lost'),
      })
      .map(({ host, psf }) => ({ type: 'HostCrash', host, psf }) as ReplicationEvent),
    PowerOff: byVm('PowerOff'),
    PowerOn: byVm('PowerOn'),
    Pause: byVm('Pause'),
    Resume: byVm('Resume'),
    SeedCopy: fc
      .record({ vm, uuid: fc.constantFrom('same', 'same', 'different') })
      .map(({ vm: v, uuid }) => ({ type: 'SeedCopy', vm: v, uuid }) as ReplicationEvent),
    ConfigureReplication: fc
      .record({
        vm,
        rpoMinutes: anyRpo,
        mpit: fc.oneof(
          MPIT_POLICY,
          fc
            .tuple(fc.integer({ min: 0, max: MAX_RETENTION }), fc.integer({ min: 0, max: 8 }))
            .map(([perDay, days]) => ({ perDay, days })),
          fc.constantFrom(
            { perDay: 25, days: 1 },
            { perDay: 5, days: 5 },
            { perDay: -1, days: 1 },
            { perDay: 3, days: 0 },
            { perDay: 1.5, days: 2 },
          ),
        ),
        seed: fc.boolean(),
      })
      .map(
        ({ mpit, ...r }) => ({ type: 'ConfigureReplication', ...r, ...mpit }) as ReplicationEvent,
      ),
    UnconfigureReplication: byVm('UnconfigureReplication'),
    VMotion: fc
      .record({ vm, host: fc.constantFrom(...setup.hosts) })
      .map(({ vm: v, host }) => ({ type: 'VMotion', vm: v, host }) as ReplicationEvent),
  };
  const choices = Object.entries(profile.weights)
    .filter(([, w]) => (w ?? 0) > 0)
    .map(([t, w]) => ({ weight: w as number, arbitrary: all[t as EventType] }));
  return fc.oneof(...choices);
}

function prefixArb(setup: ReplicationSetup, profile: Profile): fc.Arbitrary<ReplicationEvent[]> {
  if (!profile.preconfigure) return fc.constant([]);
  return fc
    .tuple(
      ...setup.vms.map((v) =>
        fc
          .record({
            seeded: fc.double({ min: 0, max: 1, noNaN: true }).map((p) => p < profile.seedChance),
            rpoMinutes: validRpo(setup.version),
            mpit: MPIT_POLICY,
            preWrites: fc.array(
              fc
                .constantFrom(...v.disks)
                .chain((d) =>
                  fc
                    .integer({ min: 0, max: Math.min(d.sizeBlocks, 6) - 1 })
                    .map((block) => ({ disk: d.id, block })),
                ),
              { maxLength: 4 },
            ),
          })
          .map(({ seeded, rpoMinutes, mpit, preWrites }) => {
            const evs: ReplicationEvent[] = [];
            // Data written before protection starts; seeding copies it (seed 002).
            const wasOn = v.poweredOn;
            if (preWrites.length > 0 && !wasOn) evs.push({ type: 'PowerOn', vm: v.name });
            for (const w of preWrites) evs.push({ type: 'GuestWrite', vm: v.name, ...w });
            if (preWrites.length > 0 && !wasOn) evs.push({ type: 'PowerOff', vm: v.name });
            if (seeded) evs.push({ type: 'SeedCopy', vm: v.name, uuid: 'same' });
            evs.push({
              type: 'ConfigureReplication',
              vm: v.name,
              rpoMinutes,
              ...mpit,
              seed: seeded,
            });
            return evs;
          }),
      ),
    )
    .map((parts) => parts.flat());
}

/**
 * A cycle burst: CycleStart, chunks with other events between them, and usually the commit.
 * Random single events alone rarely carry a cycle to its end; bursts make commits common
 * while leaving every interleaving reachable. The result is still a flat list of events.
 */
function burstArb(setup: ReplicationSetup, profile: Profile): fc.Arbitrary<ReplicationEvent[]> {
  return fc.constantFrom(...setup.vms).chain((vm) => {
    // Blocks dirtied just before the cycle and written again during it: the writes that race
    // the transfer (the copy-before-write case) and make bundles span several chunks.
    const hot = fc
      .constantFrom(...vm.disks)
      .chain((d) =>
        fc
          .integer({ min: 0, max: Math.min(d.sizeBlocks, 8) - 1 })
          .map((block) => ({ disk: d.id, block })),
      );
    const write = hot.map((w): ReplicationEvent => ({ type: 'GuestWrite', vm: vm.name, ...w }));
    const v = vm.name;
    // A fault in the middle of the transfer, followed at once by its repair.
    const fault = fc.constantFrom<ReplicationEvent[]>(
      [{ type: 'LinkDown' }, { type: 'LinkUp' }],
      [{ type: 'VrsRestart' }],
      [{ type: 'NfcFail', vm: v }],
      [
        { type: 'Pause', vm: v },
        { type: 'Resume', vm: v },
      ],
      [
        { type: 'PowerOff', vm: v },
        { type: 'PowerOn', vm: v },
      ],
      // An admin powering the VM on mid-transfer: refused while Sync Now holds a powered-off
      // VM's disks (R9), a no-op for a VM that is on.
      [{ type: 'PowerOn', vm: v }],
    );
    return fc
      .record({
        before: fc.array(write, { maxLength: 8 }),
        syncNow: fc.double({ min: 0, max: 1, noNaN: true }).map((p) => p < profile.syncNowChance),
        // Sync Now of a VM just powered off, which locks its disks until the sync ends (seed 003).
        offFirst: fc.boolean(),
        body: fc.array(
          fc.oneof(
            {
              weight: 6,
              arbitrary: fc.constant([{ type: 'ChunkDelivered', vm: v } as ReplicationEvent]),
            },
            { weight: 3, arbitrary: write.map((e) => [e]) },
            { weight: 1, arbitrary: fault },
            { weight: 1, arbitrary: eventArb(setup, profile).map((e) => [e]) },
          ),
          { minLength: 1, maxLength: 14 },
        ),
        commit: fc.double({ min: 0, max: 1, noNaN: true }).map((p) => p < 0.85),
      })
      .map(({ before, syncNow, offFirst, body, commit }) => [
        ...before,
        ...(syncNow && offFirst ? [{ type: 'PowerOff', vm: v } as ReplicationEvent] : []),
        { type: syncNow ? 'SyncNow' : 'CycleStart', vm: v } as ReplicationEvent,
        ...body.flat(),
        ...(commit ? [{ type: 'BundleCommit', vm: v } as ReplicationEvent] : []),
      ]);
  });
}

/** Writes, a host crash, then power-on of some of the VMs it ran: where psf recovery happens. */
function crashArb(setup: ReplicationSetup): fc.Arbitrary<ReplicationEvent[]> {
  return fc.constantFrom(...setup.hosts).chain((host) => {
    const onHost = setup.vms.filter((v) => v.host === host);
    // Writes just before the crash: what a psf with a torn tail would miss.
    const writes =
      onHost.length === 0
        ? fc.constant([])
        : fc.array(
            fc.constantFrom(...onHost).chain((v) =>
              fc.constantFrom(...v.disks).chain((d) =>
                fc.integer({ min: 0, max: Math.min(d.sizeBlocks, 8) - 1 }).map(
                  (block): ReplicationEvent => ({
                    type: 'GuestWrite',
                    vm: v.name,
                    disk: d.id,
                    block,
                  }),
                ),
              ),
            ),
            { maxLength: 4 },
          );
    return fc
      .record({
        writes,
        psf: fc.constantFrom('intact', 'stale', 'lost'),
        restart: fc.array(fc.boolean(), { minLength: onHost.length, maxLength: onHost.length }),
      })
      .map(({ writes: ws, psf, restart }) => [
        ...ws,
        { type: 'HostCrash', host, psf } as ReplicationEvent,
        ...onHost
          .filter((_, i) => restart[i])
          .map((v) => ({ type: 'PowerOn', vm: v.name }) as ReplicationEvent),
      ]);
  });
}

/** A scenario: a setup, a valid configuration of every VM (per profile), then random events. */
export function scenarioArb(profile: Profile): fc.Arbitrary<Scenario> {
  return setupArb(profile).chain((setup) => {
    const segment = fc.oneof(
      ...[
        { weight: 8, arbitrary: eventArb(setup, profile).map((e) => [e]) },
        { weight: profile.burstWeight, arbitrary: burstArb(setup, profile) },
        { weight: profile.crashWeight, arbitrary: crashArb(setup) },
      ].filter((c) => c.weight > 0),
    );
    return fc
      .tuple(
        prefixArb(setup, profile),
        fc.array(segment, { maxLength: profile.maxSegments, size: 'max' }),
      )
      .map(([prefix, body]) => ({ setup, events: [...prefix, ...body.flat()] }));
  });
}
