// Events, setup and state of the replication model. Events are plain JSON, a closed union
// named with protocol verbs; a counterexample is a list of them.
import type { BlockMap, Disk } from '../disk.ts';
import type { EsxiVersion, Variant } from '../variants.ts';

export interface DiskSetup {
  readonly id: string;
  readonly uuid: string;
  readonly sizeBlocks: number;
}

export interface VmSetup {
  readonly name: string;
  readonly host: string;
  readonly disks: readonly DiskSetup[];
  readonly poweredOn: boolean;
}

/** What a run starts from: hosts at the primary site, one VRS at the DR site, the VMs. */
export interface ReplicationSetup {
  readonly version: EsxiVersion;
  readonly hosts: readonly string[];
  readonly vrs: string;
  readonly vms: readonly VmSetup[];
  /** How many blocks one ChunkDelivered carries. */
  readonly chunkBlocks: number;
}

export type PsfOutcome = 'intact' | 'stale' | 'lost';
export type SeedUuid = 'same' | 'different';

export type ReplicationEvent =
  | {
      readonly type: 'GuestWrite';
      readonly vm: string;
      readonly disk: string;
      readonly block: number;
    }
  | { readonly type: 'TimeAdvance'; readonly minutes: number }
  | { readonly type: 'CycleStart'; readonly vm: string }
  | { readonly type: 'SyncNow'; readonly vm: string }
  | { readonly type: 'ChunkDelivered'; readonly vm: string }
  | { readonly type: 'BundleCommit'; readonly vm: string }
  | { readonly type: 'NfcFail'; readonly vm: string }
  | { readonly type: 'LinkDown' }
  | { readonly type: 'LinkUp' }
  | { readonly type: 'HostCrash'; readonly host: string; readonly psf: PsfOutcome }
  | { readonly type: 'VrsRestart' }
  | { readonly type: 'PowerOff'; readonly vm: string }
  | { readonly type: 'PowerOn'; readonly vm: string }
  | { readonly type: 'Pause'; readonly vm: string }
  | { readonly type: 'Resume'; readonly vm: string }
  | { readonly type: 'SeedCopy'; readonly vm: string; readonly uuid: SeedUuid }
  | {
      readonly type: 'ConfigureReplication';
      readonly vm: string;
      readonly rpoMinutes: number;
      /** MPIT: keep this many instances a day (0 with days 0: only the latest). */
      readonly perDay: number;
      /** ... for this many days; perDay x days is at most 24 (research-notes A2, F). */
      readonly days: number;
      readonly seed: boolean;
    }
  | { readonly type: 'UnconfigureReplication'; readonly vm: string }
  /** vMotion or a DRS move to another host of the primary site. */
  | { readonly type: 'VMotion'; readonly vm: string; readonly host: string };

export type EventType = ReplicationEvent['type'];

export interface BlockRef {
  readonly disk: string;
  readonly block: number;
}

/** The persistent state file: pointers to changed blocks, never data (research-notes A3). */
export interface Psf {
  readonly blocks: readonly number[];
  /** Bumped with every update; the disk header keeps the same number (see GuestWrite). */
  readonly gen: number;
  /** What the file held at its last checkpoint (cycle commit): what survives a torn tail. */
  readonly checkpoint: { readonly blocks: readonly number[]; readonly gen: number };
}

export interface DiskTracking {
  /** The in-memory changed-block bitmap of the vSCSI filter (seed 001). */
  readonly bitmap: readonly number[];
  readonly psf: Psf | null;
}

export type CycleKind = 'full' | 'delta';

/** A transfer in flight from the source host to the VRS. */
export interface Cycle {
  readonly id: number;
  readonly kind: CycleKind;
  /** The tick whose source image this cycle's instance must equal (research-notes A2). */
  readonly pit: number;
  /** The logical clock (minutes) at that instant: the age of an instance is measured from it. */
  readonly pitClock: number;
  readonly initial: boolean;
  readonly syncNow: boolean;
  readonly toSend: readonly BlockRef[];
  readonly sent: number;
  /** Copy-before-write: pre-write content of blocks not yet sent (inference, notes A3). */
  readonly demandLog: Readonly<Record<string, BlockMap>>;
}

/** What the VRS has received for one cycle; handed to NFC only once complete (seed 001). */
export interface Staging {
  readonly cycleId: number;
  readonly kind: CycleKind;
  readonly pit: number;
  readonly pitClock: number;
  readonly complete: boolean;
  readonly blocks: Readonly<Record<string, BlockMap>>;
}

/** A committed replica instance at the DR site. */
export interface Instance {
  readonly pit: number;
  readonly pitClock: number;
  /** When it was committed. */
  readonly clock: number;
  readonly disks: Readonly<Record<string, BlockMap>>;
}

export interface Replication {
  /** The clock when replication was configured: the RPO clock starts there. */
  readonly configuredAt: number;
  readonly rpoMinutes: number;
  /** MPIT retention: perDay instances a day for days days (research-notes A2, F). */
  readonly perDay: number;
  readonly days: number;
  /** Configured with a seed disk at the target (research-notes A7). */
  readonly seeded: boolean;
  readonly needsFullSync: boolean;
  readonly paused: boolean;
  /** Set when the source lost its in-memory state (crash) until power-on reloads the psf. */
  readonly recovering: boolean;
  /** Power-on is refused while a Sync Now of a powered-off VM runs (seed 003). */
  readonly locked: boolean;
  /** A failure at the target (an NFC write), shown as Error until a commit succeeds. */
  readonly error: string | null;
  /**
   * Why the last transfer could not connect to the VRS (route, firewall, link), shown as Not
   * Active until traffic moves again (research-notes F).
   */
  readonly unreachable: string | null;
  readonly disks: Readonly<Record<string, DiskTracking>>;
  readonly cycle: Cycle | null;
  readonly staging: Staging | null;
  /** What the target datastore held before the first commit: a seed, or nothing. */
  readonly base: Readonly<Record<string, BlockMap>>;
  /** Oldest first; the last is the latest. MPIT retention decides which older ones stay. */
  readonly instances: readonly Instance[];
  readonly blocksSent: number;
  readonly nextCycleId: number;
  /**
   * How long the last deltas took, start to commit, in minutes, oldest first: at most 15, what
   * the scheduler estimates the next one from (research-notes F).
   */
  readonly deltaMinutes: readonly number[];
}

export interface VmState {
  readonly name: string;
  readonly host: string;
  readonly power: 'on' | 'off';
  readonly diskOrder: readonly string[];
  readonly disks: Readonly<Record<string, Disk>>;
  /** The psf generation recorded in each disk's header; a psf with another one is stale. */
  readonly headerGen: Readonly<Record<string, number>>;
  /** Disks already present at the target datastore (a seed copy), by source disk id. */
  readonly targetDisks: Readonly<Record<string, Disk>> | null;
  readonly repl: Replication | null;
}

export interface ReplicationState {
  readonly setup: ReplicationSetup;
  readonly variant: Variant;
  /** Logical instant: the number of events applied so far. */
  readonly tick: number;
  /** Logical wall clock in minutes, advanced only by TimeAdvance. */
  readonly clock: number;
  readonly nextContent: number;
  readonly link: 'up' | 'down';
  readonly vms: Readonly<Record<string, VmState>>;
}

export type Emitted =
  | {
      readonly kind: 'CycleStarted';
      readonly vm: string;
      readonly cycle: CycleKind;
      readonly pit: number;
      readonly blocks: number;
      readonly toSend: readonly BlockRef[];
    }
  | { readonly kind: 'ChunkSent'; readonly vm: string; readonly blocks: readonly BlockRef[] }
  | {
      readonly kind: 'InstanceCommitted';
      readonly vm: string;
      readonly pit: number;
      readonly cycle: CycleKind;
      /** hbr.primary.SyncCompletedEvent or DeltaCompletedEvent (research-notes A6). */
      readonly vcEvent: string;
    }
  | { readonly kind: 'CycleAborted'; readonly vm: string; readonly reason: string }
  /** A transfer fell due but could not connect to the VRS (the replication is Not Active). */
  | { readonly kind: 'ConnectFailed'; readonly vm: string; readonly reason: string }
  | { readonly kind: 'FullSyncRequired'; readonly vm: string; readonly reason: string }
  | { readonly kind: 'Configured'; readonly vm: string }
  | { readonly kind: 'Unconfigured'; readonly vm: string };

export interface StepResult {
  readonly state: ReplicationState;
  readonly emitted: readonly Emitted[];
  /** Why the event changed nothing, when a guard refused it (the state is returned as is). */
  readonly refused?: string;
  /** A user-facing one-line error for a rejected request (R12); the state is unchanged. */
  readonly error?: string;
}
