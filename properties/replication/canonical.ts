// The canonical encoding of a replication state for the exhaustive explorer. Every field of
// the model's state is written, except three counters whose values no step and no invariant
// reads beyond order or equality: the tick (points in time are written as their rank among the
// ones still referenced), the next content token and the blocks-sent total; and the last delta
// durations where nothing reads them (the replication area: only the world's scheduler does). Content tokens,
// psf generations and cycle ids are renamed in order of first appearance (each is only ever
// compared for equality, and a new one is always fresh); hosts are renamed the same way when
// they are interchangeable; VMs with the same disks are tried in every order and the least
// encoding kept (symmetry reduction).
import type { BlockMap, Disk } from '../../model/disk.ts';
import type {
  Cycle,
  DiskTracking,
  Instance,
  Psf,
  Replication,
  ReplicationState,
  Staging,
  VmState,
} from '../../model/replication/types.ts';
import {
  assertKnownFields,
  compareWords,
  type Encoder,
  permutations,
  Renamer,
} from '../explore/encoder.ts';

const FILE = 'properties/replication/canonical.ts';
const known = (...xs: string[]) => new Set(xs);
const FIELDS = {
  state: known('setup', 'variant', 'tick', 'clock', 'nextContent', 'link', 'vms'),
  vm: known('name', 'host', 'power', 'diskOrder', 'disks', 'headerGen', 'targetDisks', 'repl'),
  disk: known('uuid', 'sizeBlocks', 'blocks'),
  repl: known(
    'configuredAt',
    'rpoMinutes',
    'perDay',
    'days',
    'seeded',
    'needsFullSync',
    'paused',
    'recovering',
    'locked',
    'error',
    'unreachable',
    'disks',
    'cycle',
    'staging',
    'base',
    'instances',
    'blocksSent',
    'nextCycleId',
    'deltaMinutes',
  ),
  tracking: known('bitmap', 'psf'),
  psf: known('blocks', 'gen', 'checkpoint'),
  checkpoint: known('blocks', 'gen'),
  cycle: known(
    'id',
    'kind',
    'pit',
    'pitClock',
    'initial',
    'syncNow',
    'toSend',
    'sent',
    'demandLog',
  ),
  staging: known('cycleId', 'kind', 'pit', 'pitClock', 'complete', 'blocks'),
  instance: known('pit', 'pitClock', 'clock', 'disks'),
};

/** Source images of the VMs at one instant, as the oracle keeps them: images[vm][disk]. */
export type Images = Readonly<Record<string, Readonly<Record<string, BlockMap>>>>;

/** What renames tokens across the parts of one encoding (the world adds its own parts). */
export class Canon {
  readonly contents = new Renamer<number>(true);
  readonly hosts: Renamer<string> | null;
  private readonly gens = new Renamer<number>(false);
  private readonly cycles = new Renamer<number>(false);
  /** The referenced points in time, ascending: each is written as its rank. */
  private pits: readonly number[] = [];
  /** Check every field name on this encoding (sampled: it costs a little). */
  audit = false;

  constructor(
    /** The scope's interchangeable hosts, renamed in order of first appearance; null: none. */
    readonly symmetricHosts: readonly string[] | null,
    /**
     * Whether anything in the area reads the last delta durations (`deltaMinutes`): the world's
     * scheduler does; no step of the replication model and no replication property does (the
     * model only appends to them), so there two states that differ only in them behave alike.
     */
    readonly readsDeltas: boolean,
  ) {
    this.hosts = symmetricHosts ? new Renamer<string>(false) : null;
  }

  /** Starts an encoding; `pits` are the referenced points in time, ascending and unique. */
  reset(pits: readonly number[]): void {
    this.contents.reset();
    this.hosts?.reset();
    this.pits = pits;
  }

  /** Runs `write` with other points in time ranked (a second replication in one state). */
  rank(pits: readonly number[], write: () => void): void {
    const saved = this.pits;
    this.pits = pits;
    try {
      write();
    } finally {
      this.pits = saved;
    }
  }

  pit(enc: Encoder, p: number): void {
    const r = this.pits.indexOf(p);
    if (r < 0) throw new Error(`explore: point in time ${p} was not ranked`);
    enc.push(r);
  }

  blocks(enc: Encoder, m: BlockMap | undefined): void {
    if (m === undefined) {
      enc.push(-1);
      return;
    }
    let n = 0;
    const at = enc.len;
    enc.push(0);
    // Integer keys iterate in ascending order (ECMAScript OrdinaryOwnPropertyKeys).
    for (const k in m) {
      enc.push(Number(k));
      enc.push(this.contents.of(m[k as unknown as number] as number));
      n++;
    }
    enc.buf[at] = n;
  }

  host(enc: Encoder, h: string): void {
    if (this.hosts) enc.push(this.hosts.of(h));
    else enc.str(h);
  }

  /** An error message, with interchangeable host names renamed like the hosts themselves. */
  text(enc: Encoder, s: string | null): void {
    if (s === null || !this.hosts || !this.symmetricHosts) {
      enc.optStr(s);
      return;
    }
    let t = s;
    for (const h of this.symmetricHosts)
      if (t.includes(h)) t = t.split(h).join(`\u0000${this.hosts.of(h)}`);
    enc.str(t);
  }

  private gen(enc: Encoder, g: number): void {
    enc.push(this.gens.of(g));
  }

  vm(enc: Encoder, vm: VmState): void {
    if (this.audit) assertKnownFields('VmState', vm, FIELDS.vm, FILE);
    this.host(enc, vm.host);
    enc.push(vm.power === 'on' ? 1 : 0);
    for (const id of vm.diskOrder) {
      const d = vm.disks[id] as Disk;
      if (this.audit) assertKnownFields('Disk', d, FIELDS.disk, FILE);
      this.blocks(enc, d.blocks);
    }
    this.gens.reset();
    for (const id of vm.diskOrder) this.gen(enc, vm.headerGen[id] ?? 0);
    if (vm.targetDisks === null) enc.push(-2);
    else {
      for (const id of vm.diskOrder) {
        const t = vm.targetDisks[id];
        const src = vm.disks[id] as Disk;
        if (!t) {
          enc.push(-1);
          continue;
        }
        // A UUID is a name of its VM's disk: only whether the copy carries the same one counts.
        if (t.uuid === src.uuid) enc.push(0);
        else enc.str(t.uuid.split(src.uuid).join('#'));
        enc.push(t.sizeBlocks);
        this.blocks(enc, t.blocks);
      }
    }
    const r = vm.repl;
    if (r === null) enc.push(-3);
    else this.repl(enc, vm, r);
  }

  private repl(enc: Encoder, vm: VmState, r: Replication): void {
    if (this.audit) assertKnownFields('Replication', r, FIELDS.repl, FILE);
    enc.num(r.configuredAt);
    enc.num(r.rpoMinutes);
    enc.num(r.perDay);
    enc.num(r.days);
    enc.push(
      (r.needsFullSync ? 1 : 0) |
        (r.paused ? 2 : 0) |
        (r.recovering ? 4 : 0) |
        (r.locked ? 8 : 0) |
        (r.seeded ? 16 : 0),
    );
    this.text(enc, r.error);
    this.text(enc, r.unreachable);
    if (this.readsDeltas) {
      enc.push(r.deltaMinutes.length);
      for (const m of r.deltaMinutes) enc.num(m);
    }
    for (const id of vm.diskOrder) {
      const t = r.disks[id] as DiskTracking;
      if (this.audit) assertKnownFields('DiskTracking', t, FIELDS.tracking, FILE);
      enc.push(t.bitmap.length);
      for (const b of t.bitmap) enc.push(b);
      this.psf(enc, t.psf);
    }
    this.cycles.reset();
    this.cycle(enc, vm, r.cycle);
    this.staging(enc, vm, r.staging);
    for (const id of vm.diskOrder) this.blocks(enc, r.base[id]);
    enc.push(r.instances.length);
    for (const inst of r.instances) this.instance(enc, vm, inst);
  }

  private psf(enc: Encoder, p: Psf | null): void {
    if (p === null) {
      enc.push(-1);
      return;
    }
    if (this.audit) {
      assertKnownFields('Psf', p, FIELDS.psf, FILE);
      assertKnownFields('Psf.checkpoint', p.checkpoint, FIELDS.checkpoint, FILE);
    }
    enc.push(p.blocks.length);
    for (const b of p.blocks) enc.push(b);
    this.gen(enc, p.gen);
    enc.push(p.checkpoint.blocks.length);
    for (const b of p.checkpoint.blocks) enc.push(b);
    this.gen(enc, p.checkpoint.gen);
  }

  private diskIndex(vm: VmState, id: string): number {
    return vm.diskOrder.indexOf(id);
  }

  private cycle(enc: Encoder, vm: VmState, c: Cycle | null): void {
    if (c === null) {
      enc.push(-1);
      return;
    }
    if (this.audit) assertKnownFields('Cycle', c, FIELDS.cycle, FILE);
    enc.push(this.cycles.of(c.id));
    enc.push((c.kind === 'full' ? 1 : 0) | (c.initial ? 2 : 0) | (c.syncNow ? 4 : 0));
    this.pit(enc, c.pit);
    enc.num(c.pitClock);
    enc.push(c.toSend.length);
    for (const ref of c.toSend) {
      enc.push(this.diskIndex(vm, ref.disk));
      enc.push(ref.block);
    }
    enc.push(c.sent);
    for (const id of vm.diskOrder) this.blocks(enc, c.demandLog[id]);
  }

  private staging(enc: Encoder, vm: VmState, s: Staging | null): void {
    if (s === null) {
      enc.push(-1);
      return;
    }
    if (this.audit) assertKnownFields('Staging', s, FIELDS.staging, FILE);
    enc.push(this.cycles.of(s.cycleId));
    enc.push((s.kind === 'full' ? 1 : 0) | (s.complete ? 2 : 0));
    this.pit(enc, s.pit);
    enc.num(s.pitClock);
    for (const id of vm.diskOrder) this.blocks(enc, s.blocks[id]);
  }

  private instance(enc: Encoder, vm: VmState, i: Instance): void {
    if (this.audit) assertKnownFields('Instance', i, FIELDS.instance, FILE);
    this.pit(enc, i.pit);
    enc.num(i.pitClock);
    enc.num(i.clock);
    for (const id of vm.diskOrder) this.blocks(enc, i.disks[id]);
  }

  /** Images (per VM in `order`, per disk) renamed with the contents of the rest. */
  images(enc: Encoder, s: ReplicationState, order: readonly string[], img: Images): void {
    for (const name of order) {
      const vm = s.vms[name] as VmState;
      const per = img[name];
      for (const id of vm.diskOrder) this.blocks(enc, per?.[id]);
    }
  }
}

/** Every point in time a replication state refers to: what the oracle must keep images of. */
export function referencedPits(s: ReplicationState, into: number[] = []): number[] {
  for (const name in s.vms) {
    const r = (s.vms[name] as VmState).repl;
    if (!r) continue;
    if (r.cycle) into.push(r.cycle.pit);
    if (r.staging) into.push(r.staging.pit);
    for (const i of r.instances) into.push(i.pit);
  }
  return into;
}

/**
 * The orders in which the VMs may be written: all orders of VMs whose disks look alike (same
 * ids and sizes), each class kept in place. One order when symmetry is off or nothing is alike.
 */
export function vmOrders(s: ReplicationState, symmetry: boolean): string[][] {
  const names = s.setup.vms.map((v) => v.name);
  if (!symmetry || names.length < 2) return [names];
  const shape = (n: string) =>
    JSON.stringify(s.setup.vms.find((v) => v.name === n)?.disks.map((d) => [d.id, d.sizeBlocks]));
  const classes = new Map<string, string[]>();
  for (const n of names) classes.set(shape(n), [...(classes.get(shape(n)) ?? []), n]);
  let orders: string[][] = [[]];
  for (const members of classes.values()) {
    const perms = permutations(members);
    orders = orders.flatMap((o) => perms.map((p) => [...o, ...p]));
  }
  return orders;
}

/** Falling factorial n (n-1) ... (n-k+1): injective renamings of k used names into n. */
function falling(n: number, k: number): number {
  let r = 1;
  for (let i = 0; i < k; i++) r *= n - i;
  return r;
}

/** The injective renamings of the hosts in use into the interchangeable hosts (1 if none). */
function hostFactor(canon: Canon): number {
  return canon.symmetricHosts ? falling(canon.symmetricHosts.length, canon.hosts?.count ?? 0) : 1;
}

/**
 * Writes the least encoding over the VM orders and returns the orbit size: distinct encodings
 * among the orders times the injective renamings of the hosts in use.
 */
export function encodeLeast(
  enc: Encoder,
  canon: Canon,
  orders: readonly (readonly string[])[],
  write: (order: readonly string[]) => void,
): number {
  if (orders.length === 1) {
    write(orders[0] as readonly string[]);
    return hostFactor(canon);
  }
  const start = enc.len;
  let best: Int32Array | null = null;
  const distinct = new Set<string>();
  let factor = 1;
  for (const order of orders) {
    enc.len = start;
    write(order);
    const words = enc.buf.slice(start, enc.len);
    distinct.add(words.join(','));
    if (best === null || compareWords(words, best) < 0) {
      best = words;
      factor = hostFactor(canon);
    }
  }
  enc.len = start;
  for (const w of best as Int32Array) enc.push(w);
  return distinct.size * factor;
}

export function auditState(s: ReplicationState): void {
  assertKnownFields('ReplicationState', s, FIELDS.state, FILE);
}
