// The replication protocol as a pure step function: init(setup, variant) and
// step(state, event). No clock, no randomness, no I/O: same events in, same states out.
import {
  applyBlocks,
  type BlockMap,
  type Disk,
  differingBlocks,
  readBlock,
  writeBlock,
} from '../disk.ts';
import { has, MAX_RETENTION, rpoRange, type Variant } from '../variants.ts';
import { withCycle, withRepl, withState, withVm } from './records.ts';
import type {
  BlockRef,
  Cycle,
  CycleKind,
  DiskTracking,
  Emitted,
  Instance,
  Psf,
  Replication,
  ReplicationEvent,
  ReplicationSetup,
  ReplicationState,
  StepResult,
  VmState,
} from './types.ts';

export function init(setup: ReplicationSetup, variant: Variant): ReplicationState {
  const vms: Record<string, VmState> = {};
  for (const vm of setup.vms) {
    const disks: Record<string, Disk> = {};
    const headerGen: Record<string, number> = {};
    for (const d of vm.disks) {
      disks[d.id] = { uuid: d.uuid, sizeBlocks: d.sizeBlocks, blocks: {} };
      headerGen[d.id] = 0;
    }
    vms[vm.name] = {
      name: vm.name,
      host: vm.host,
      power: vm.poweredOn ? 'on' : 'off',
      diskOrder: vm.disks.map((d) => d.id),
      disks,
      headerGen,
      targetDisks: null,
      repl: null,
    };
  }
  return { setup, variant, tick: 0, clock: 0, nextContent: 1, link: 'up', vms };
}

/** A whole number, 0 or more (MPIT's instances a day and days). */
function whole(n: number): boolean {
  return Number.isInteger(n) && n >= 0;
}

/** Folds step over events from init; the replay path, independent of any generator. */
export function run(
  setup: ReplicationSetup,
  variant: Variant,
  events: readonly ReplicationEvent[],
): ReplicationState {
  let s = init(setup, variant);
  for (const e of events) s = step(s, e).state;
  return s;
}

// ---- small sorted-set helpers over block indices ----

function addBlock(set: readonly number[], b: number): readonly number[] {
  if (set.includes(b)) return set;
  return [...set, b].sort((x, y) => x - y);
}

function union(a: readonly number[], b: readonly number[]): readonly number[] {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

/** The image the target datastore shows now: the latest instance, else the seed or nothing. */
export function targetImage(repl: Replication, disk: string): BlockMap {
  const latest = repl.instances[repl.instances.length - 1];
  return latest ? (latest.disks[disk] ?? {}) : (repl.base[disk] ?? {});
}

export function latestInstance(repl: Replication): Instance | undefined {
  return repl.instances[repl.instances.length - 1];
}

// ---- the step ----

interface Ctx {
  state: ReplicationState;
  /** The state's VMs until the first change (setVm), then a copy: a step that changes no VM shares them. */
  vms: Record<string, VmState>;
  copied: boolean;
  emitted: Emitted[];
}

function refuse(state: ReplicationState, why: string): StepResult {
  return { state: withState(state, { tick: state.tick + 1 }), emitted: [], refused: why };
}

function reject(state: ReplicationState, error: string): StepResult {
  return { state: withState(state, { tick: state.tick + 1 }), emitted: [], error };
}

export function step(state: ReplicationState, event: ReplicationEvent): StepResult {
  const ctx: Ctx = { state, vms: state.vms as Record<string, VmState>, copied: false, emitted: [] };
  const out = apply(ctx, event);
  if (out) return out;
  return {
    state: withState(ctx.state, { vms: ctx.vms, tick: state.tick + 1 }),
    emitted: ctx.emitted,
  };
}

/**
 * `chunks` ChunkDelivered events of one VM at once, as a minute of the world sends them: the
 * state (tick included) and the events of stepping through them one by one, in one copy of the
 * state. When a chunk before the last would be refused or would complete the bundle, it steps
 * through them one by one instead (the events of every step, the last step's refusal).
 */
export function deliverChunks(state: ReplicationState, vm: string, chunks: number): StepResult {
  if (chunks === 1) return step(state, { type: 'ChunkDelivered', vm });
  const r = state.vms[vm]?.repl;
  const c = r?.cycle;
  const accepted =
    c !== undefined &&
    c !== null &&
    state.link === 'up' &&
    !(r?.staging?.cycleId === c.id && r.staging.complete) &&
    (chunks - 1) * state.setup.chunkBlocks < c.toSend.length - c.sent;
  if (chunks > 1 && accepted) {
    const ctx: Ctx = {
      state,
      vms: state.vms as Record<string, VmState>,
      copied: false,
      emitted: [],
    };
    chunkDelivered(ctx, ctx.vms[vm] as VmState, chunks);
    return {
      state: withState(ctx.state, { vms: ctx.vms, tick: state.tick + chunks }),
      emitted: ctx.emitted,
    };
  }
  let out: StepResult = { state, emitted: [] };
  const emitted: Emitted[] = [];
  for (let i = 0; i < chunks; i++) {
    out = step(out.state, { type: 'ChunkDelivered', vm });
    emitted.push(...out.emitted);
  }
  return { ...out, emitted };
}

function setVm(ctx: Ctx, vm: VmState): void {
  if (!ctx.copied) {
    ctx.vms = { ...ctx.vms };
    ctx.copied = true;
  }
  ctx.vms[vm.name] = vm;
}

function setRepl(ctx: Ctx, vm: VmState, repl: Replication | null): VmState {
  const next = withVm(vm, { repl });
  setVm(ctx, next);
  return next;
}

/** Returns a StepResult when the event is refused or rejected, else mutates ctx. */
function apply(ctx: Ctx, e: ReplicationEvent): StepResult | undefined {
  const s = ctx.state;
  switch (e.type) {
    case 'TimeAdvance':
      // Time passing changes the clock alone: the next state in one copy.
      return { state: withState(s, { clock: s.clock + e.minutes, tick: s.tick + 1 }), emitted: [] };
    case 'LinkDown': {
      if (s.link === 'down') return refuse(s, 'link already down');
      ctx.state = withState(s, { link: 'down' });
      // A cut drops every transfer still arriving; a bundle the VRS already holds whole is
      // on the DR side and can still go to NFC (seed 001: VRS hands off a complete cycle).
      for (const vm of Object.values(ctx.vms)) {
        const r = vm.repl;
        if (r?.cycle && !(r.staging?.cycleId === r.cycle.id && r.staging.complete)) {
          abortCycle(ctx, vm, 'link to the DR site went down mid-transfer', 'unreachable');
        }
      }
      return;
    }
    case 'LinkUp':
      if (s.link === 'up') return refuse(s, 'link already up');
      ctx.state = withState(s, { link: 'up' });
      return;
    case 'VrsRestart':
      // Staging lives in the VRS's memory and scratch space: a restart loses it (R5). The VRS
      // is back at once, so the next transfer connects: no status of its own (inference).
      for (const vm of Object.values(ctx.vms)) {
        if (!vm.repl) continue;
        const v = setRepl(ctx, vm, withRepl(vm.repl, { staging: null }));
        if (v.repl?.cycle) abortCycle(ctx, v, 'VRS restarted; staged data lost', 'none');
      }
      return;
    case 'HostCrash':
      return hostCrash(ctx, e.host, e.psf);
    default:
      break;
  }
  const vm = ctx.vms[e.vm];
  if (!vm) return reject(s, `no VM named ${e.vm}; known VMs: ${Object.keys(s.vms).join(', ')}`);
  switch (e.type) {
    case 'GuestWrite':
      return guestWrite(ctx, vm, e.disk, e.block);
    case 'CycleStart':
      return startCycle(ctx, vm, false);
    case 'SyncNow':
      return startCycle(ctx, vm, true);
    case 'ChunkDelivered':
      return chunkDelivered(ctx, vm);
    case 'BundleCommit':
      return bundleCommit(ctx, vm);
    case 'NfcFail': {
      const r = vm.repl;
      if (!r?.staging?.complete) return refuse(s, `${vm.name}: no complete bundle at NFC`);
      // NFC writes into a redo log first; a failed write discards it (research-notes A3).
      const v = setRepl(
        ctx,
        vm,
        withRepl(r, { staging: null, error: 'NFC write to the target failed' }),
      );
      if (v.repl?.cycle?.id === r.staging.cycleId) abortCycle(ctx, v, 'NFC commit failed', 'error');
      return;
    }
    case 'PowerOff': {
      if (vm.power === 'off') return refuse(s, `${vm.name} is already powered off`);
      let v: VmState = withVm(vm, { power: 'off' });
      setVm(ctx, v);
      // A powered-off VM moves no data (research-notes A7): its transfer stops here, which is
      // no failure, so no Error after the next power-on (research-notes F).
      if (v.repl?.cycle) v = abortCycle(ctx, v, 'VM powered off', 'none');
      return;
    }
    case 'PowerOn':
      return powerOn(ctx, vm);
    case 'Pause': {
      const r = vm.repl;
      if (!r) return refuse(s, `${vm.name} is not replicated`);
      if (r.paused) return refuse(s, `${vm.name} is already paused`);
      const v = setRepl(ctx, vm, withRepl(r, { paused: true }));
      if (r.cycle) abortCycle(ctx, v, 'replication paused', 'none');
      return;
    }
    case 'Resume': {
      const r = vm.repl;
      if (!r?.paused) return refuse(s, `${vm.name} is not paused`);
      setRepl(ctx, vm, withRepl(r, { paused: false }));
      return;
    }
    case 'SeedCopy': {
      if (vm.repl) return refuse(s, `${vm.name} is already replicated; seeds are for new ones`);
      const copy: Record<string, Disk> = {};
      for (const id of vm.diskOrder) {
        const d = vm.disks[id] as Disk;
        copy[id] = { ...d, uuid: e.uuid === 'same' ? d.uuid : `${d.uuid}-clone` };
      }
      setVm(ctx, withVm(vm, { targetDisks: copy }));
      return;
    }
    case 'ConfigureReplication':
      return configure(ctx, vm, e.rpoMinutes, e.perDay, e.days, e.seed);
    case 'VMotion': {
      if (!s.setup.hosts.includes(e.host))
        return reject(s, `no host named ${e.host}; known hosts: ${s.setup.hosts.join(', ')}`);
      if (vm.power === 'off')
        return refuse(s, `${vm.name} is powered off; vMotion moves running VMs`);
      if (vm.host === e.host) return refuse(s, `${vm.name} already runs on ${e.host}`);
      // The psf lives in the VM's home on shared storage and the bitmap moves with the VM's
      // memory, so nothing is lost; the transfer restarts from the new host (task 4's brief).
      let v: VmState = withVm(vm, { host: e.host });
      setVm(ctx, v);
      if (v.repl?.cycle) v = abortCycle(ctx, v, `moved to ${e.host}`, 'none');
      return;
    }
    case 'UnconfigureReplication': {
      if (!vm.repl) return refuse(s, `${vm.name} is not replicated`);
      // Unconfiguring removes the replica disks at the target (they no longer exist).
      setVm(ctx, withVm(vm, { repl: null, targetDisks: null }));
      ctx.emitted.push({ kind: 'Unconfigured', vm: vm.name });
      return;
    }
  }
}

function configure(
  ctx: Ctx,
  vm: VmState,
  rpo: number,
  perDay: number,
  days: number,
  seed: boolean,
): StepResult | undefined {
  const s = ctx.state;
  const version = s.setup.version;
  if (vm.repl) {
    return reject(
      s,
      `${vm.name} is already replicated: a disk can belong to one replication only; unconfigure it first`,
    );
  }
  const range = rpoRange(version, s.variant);
  if (!Number.isInteger(rpo) || rpo < range.min || rpo > range.max) {
    return reject(
      s,
      `${vm.name}: RPO ${rpo} min is outside the ${range.min} min to ${range.max} min (24 h) allowed on ESXi ${version}`,
    );
  }
  // MPIT: N instances a day for D days, at most 24 in all (research-notes A2: "3 per day for
  // 5 days"; F).
  if (!whole(perDay) || !whole(days) || perDay * days > MAX_RETENTION) {
    return reject(
      s,
      `${vm.name}: retention of ${perDay} instance(s) a day for ${days} day(s) is outside what VR keeps: whole numbers, at most ${MAX_RETENTION} instances in all`,
    );
  }
  if ((perDay === 0) !== (days === 0)) {
    return reject(
      s,
      `${vm.name}: retention of ${perDay} instance(s) a day for ${days} day(s): give both, or 0 and 0 to keep only the latest`,
    );
  }
  const base: Record<string, BlockMap> = {};
  for (const id of vm.diskOrder) {
    const src = vm.disks[id] as Disk;
    const tgt = vm.targetDisks?.[id];
    if (seed) {
      if (!tgt) {
        return reject(s, `${vm.name}/${id}: seed requested but the target datastore holds no copy`);
      }
      // A seed must be a copy with the same disk UUID (seed 002, research-notes A7).
      if (tgt.uuid !== src.uuid) {
        return reject(
          s,
          `${vm.name}/${id}: seed disk has UUID ${tgt.uuid} but the source disk has ${src.uuid}; a seed must carry the same UUID`,
        );
      }
      base[id] = tgt.blocks;
    } else {
      if (tgt) {
        // A same-name disk present without seeding fails the replication (research-notes A7).
        return reject(
          s,
          `${vm.name}/${id}: the target datastore already holds a disk of that name; use it as a seed or remove it`,
        );
      }
      base[id] = {};
    }
  }
  const disks: Record<string, DiskTracking> = {};
  for (const id of vm.diskOrder) {
    const gen = vm.headerGen[id] ?? 0;
    disks[id] = { bitmap: [], psf: { blocks: [], gen, checkpoint: { blocks: [], gen } } };
  }
  setRepl(ctx, vm, {
    configuredAt: s.clock,
    rpoMinutes: rpo,
    perDay,
    days,
    seeded: seed,
    // Initial configuration always starts with a full sync (research-notes A4).
    needsFullSync: true,
    paused: false,
    recovering: false,
    locked: false,
    error: null,
    unreachable: null,
    disks,
    cycle: null,
    staging: null,
    base,
    instances: [],
    blocksSent: 0,
    nextCycleId: 1,
    deltaMinutes: [],
  });
  ctx.emitted.push({ kind: 'Configured', vm: vm.name });
  return;
}

function guestWrite(ctx: Ctx, vm: VmState, diskId: string, block: number): StepResult | undefined {
  const s = ctx.state;
  const disk = vm.disks[diskId];
  if (!disk) return reject(s, `${vm.name} has no disk ${diskId}`);
  if (!Number.isInteger(block) || block < 0 || block >= disk.sizeBlocks) {
    return reject(s, `${vm.name}/${diskId}: block ${block} is outside 0..${disk.sizeBlocks - 1}`);
  }
  if (vm.power === 'off') return refuse(s, `${vm.name} is powered off`);
  const content = s.nextContent;
  ctx.state = withState(s, { nextContent: content + 1 });
  const old = readBlock(disk.blocks, block);
  let headerGen = vm.headerGen;
  let repl = vm.repl;
  if (repl) {
    let cycle = repl.cycle;
    const variant = s.variant;
    if (cycle && !has(variant, 'live-read-transfer')) {
      const pending = cycle.toSend.slice(cycle.sent);
      const logged = cycle.demandLog[diskId] ?? {};
      if (pending.some((r) => r.disk === diskId && r.block === block) && !(block in logged)) {
        // Copy-before-write keeps the cycle's point in time (inference, research-notes A3).
        cycle = withCycle(cycle, {
          demandLog: { ...cycle.demandLog, [diskId]: { ...logged, [block]: old } },
        });
      }
    }
    const untracked = has(variant, 'fullsync-misses-concurrent-writes') && cycle?.kind === 'full';
    let disks = repl.disks;
    if (!untracked) {
      const t = repl.disks[diskId] as DiskTracking;
      const gen = (vm.headerGen[diskId] ?? 0) + 1;
      // The filter records the change in the bitmap and, write-through, in the psf; the disk
      // header carries the psf's generation so a psf with a torn tail is detectably stale
      // (inference, research-notes A3/A4: "full sync ... when recovering from a crash").
      const psf: Psf | null = t.psf
        ? { blocks: addBlock(t.psf.blocks, block), gen, checkpoint: t.psf.checkpoint }
        : null;
      disks = { ...disks, [diskId]: { bitmap: addBlock(t.bitmap, block), psf } };
      headerGen = { ...headerGen, [diskId]: gen };
    }
    repl = withRepl(repl, { cycle, disks });
  }
  const written: Disk = {
    uuid: disk.uuid,
    sizeBlocks: disk.sizeBlocks,
    blocks: writeBlock(disk.blocks, block, content),
  };
  setVm(ctx, withVm(vm, { headerGen, repl, disks: { ...vm.disks, [diskId]: written } }));
  return;
}

function startCycle(ctx: Ctx, vm: VmState, syncNow: boolean): StepResult | undefined {
  const s = ctx.state;
  const r = vm.repl;
  if (!r) return refuse(s, `${vm.name} is not replicated`);
  if (r.paused) return refuse(s, `${vm.name}: replication is paused`);
  if (r.cycle) return refuse(s, `${vm.name}: a transfer is already in flight`);
  if (r.recovering) return refuse(s, `${vm.name}: the source is recovering from a crash`);
  // A powered-off VM is Not Active; only Sync Now starts it, and locks its disks (seed 003).
  if (vm.power === 'off' && !syncNow) return refuse(s, `${vm.name} is powered off (Not Active)`);
  if (s.link === 'down') {
    // The transfer cannot connect: the replication is Not Active until one does (notes F).
    const reason = 'the VRS is unreachable: the link to the DR site is down';
    setRepl(ctx, vm, withRepl(r, { unreachable: reason }));
    ctx.emitted.push({ kind: 'ConnectFailed', vm: vm.name, reason });
    return;
  }
  const kind: CycleKind = r.needsFullSync ? 'full' : 'delta';
  const toSend: BlockRef[] = [];
  const disks: Record<string, DiskTracking> = { ...r.disks };
  for (const id of vm.diskOrder) {
    const src = vm.disks[id] as Disk;
    const t = r.disks[id] as DiskTracking;
    let blocks: readonly number[];
    if (kind === 'full') {
      // Full sync: both sides checksum every block; only mismatches go (seeds 001, 002).
      blocks = has(s.variant, 'fullsync-sends-all')
        ? Array.from({ length: src.sizeBlocks }, (_, i) => i)
        : differingBlocks(src.blocks, targetImage(r, id));
    } else {
      blocks = t.bitmap;
    }
    for (const b of blocks) toSend.push({ disk: id, block: b });
    // The bitmap swaps at cycle start: writes from now on belong to the next cycle (notes A3).
    disks[id] = { bitmap: [], psf: t.psf };
  }
  const cycle: Cycle = {
    id: r.nextCycleId,
    kind,
    pit: s.tick,
    pitClock: s.clock,
    initial: r.instances.length === 0,
    syncNow,
    toSend,
    sent: 0,
    demandLog: {},
  };
  setRepl(
    ctx,
    vm,
    withRepl(r, {
      disks,
      cycle,
      unreachable: null,
      nextCycleId: r.nextCycleId + 1,
      locked: syncNow && vm.power === 'off' && !has(s.variant, 'syncnow-without-lock'),
    }),
  );
  ctx.emitted.push({
    kind: 'CycleStarted',
    vm: vm.name,
    cycle: kind,
    pit: s.tick,
    blocks: toSend.length,
    toSend,
  });
  return;
}

/** Delivers `chunks` chunks (deliverChunks); ChunkDelivered delivers one. */
function chunkDelivered(ctx: Ctx, vm: VmState, chunks = 1): StepResult | undefined {
  const s = ctx.state;
  const r = vm.repl;
  const c = r?.cycle;
  if (!r || !c) return refuse(s, `${vm.name}: no transfer in flight`);
  if (s.link === 'down') return refuse(s, `${vm.name}: link down`);
  const already = r.staging?.cycleId === c.id ? r.staging : null;
  if (already?.complete) return refuse(s, `${vm.name}: the bundle is complete, awaiting NFC`);
  const size = s.setup.chunkBlocks;
  const chunk = c.toSend.slice(c.sent, c.sent + chunks * size);
  // Ongoing deltas travel on 44046, full sync on 31031 (research-notes A1).
  // Copies each touched disk's staged blocks once per chunk (not per block), then fills them.
  const staged: Record<string, Record<number, number>> = already
    ? ({ ...already.blocks } as Record<string, Record<number, number>>)
    : {};
  const copied: string[] = [];
  const liveRead = has(s.variant, 'live-read-transfer');
  for (const ref of chunk) {
    const live = readBlock((vm.disks[ref.disk] as Disk).blocks, ref.block);
    const logged = c.demandLog[ref.disk];
    const content = !liveRead && logged && ref.block in logged ? (logged[ref.block] ?? 0) : live;
    if (!copied.includes(ref.disk)) {
      staged[ref.disk] = { ...(staged[ref.disk] ?? {}) };
      copied.push(ref.disk);
    }
    (staged[ref.disk] as Record<number, number>)[ref.block] = content;
  }
  const sent = c.sent + chunk.length;
  let instances = r.instances;
  let base = r.base;
  if (has(s.variant, 'commit-as-arrives')) {
    // Defect: blocks land on the target disk as they arrive, bypassing the staging area.
    const latest = latestInstance(r);
    const patch = (img: Readonly<Record<string, BlockMap>>) => {
      const next: Record<string, BlockMap> = { ...img };
      for (const ref of chunk) {
        next[ref.disk] = writeBlock(
          next[ref.disk] ?? {},
          ref.block,
          staged[ref.disk]?.[ref.block] ?? 0,
        );
      }
      return next;
    };
    if (latest) instances = [...instances.slice(0, -1), { ...latest, disks: patch(latest.disks) }];
    else base = patch(base);
  }
  setRepl(
    ctx,
    vm,
    withRepl(r, {
      instances,
      base,
      blocksSent: r.blocksSent + chunk.length,
      unreachable: null,
      cycle: withCycle(c, { sent }),
      staging: {
        cycleId: c.id,
        kind: c.kind,
        pit: c.pit,
        pitClock: c.pitClock,
        complete: sent >= c.toSend.length,
        blocks: staged,
      },
    }),
  );
  if (chunks === 1) ctx.emitted.push({ kind: 'ChunkSent', vm: vm.name, blocks: chunk });
  else
    for (let i = 0; i < chunks; i++)
      ctx.emitted.push({
        kind: 'ChunkSent',
        vm: vm.name,
        blocks: chunk.slice(i * size, (i + 1) * size),
      });
  return;
}

function bundleCommit(ctx: Ctx, vm: VmState): StepResult | undefined {
  const s = ctx.state;
  const r = vm.repl;
  const st = r?.staging;
  if (!r || !st?.complete) return refuse(s, `${vm.name}: no complete bundle staged at the VRS`);
  // NFC (902) writes the whole bundle through a redo log and commits it at once (notes A3).
  const disks: Record<string, BlockMap> = {};
  for (const id of vm.diskOrder) {
    const patch = st.blocks[id];
    disks[id] = patch ? applyBlocks(targetImage(r, id), patch) : targetImage(r, id);
  }
  const all = [...r.instances, { pit: st.pit, pitClock: st.pitClock, clock: s.clock, disks }];
  const kept = retained(all, s.clock, r.perDay, r.days);
  // Defect: pruning keeps as many, but from the oldest end.
  const instances = has(s.variant, 'mpit-prunes-newest') ? all.slice(0, kept.length) : kept;
  // The scheduler keeps the last 15 delta durations (research-notes F).
  let deltaMinutes = r.deltaMinutes;
  if (st.kind === 'delta') {
    deltaMinutes = r.deltaMinutes.slice(Math.max(0, r.deltaMinutes.length + 1 - 15));
    (deltaMinutes as number[]).push(s.clock - st.pitClock);
  }
  const changes: { -readonly [K in keyof Replication]?: Replication[K] } = {
    instances,
    staging: null,
    unreachable: null,
    deltaMinutes,
  };
  if (r.cycle?.id === st.cycleId) {
    const tracking: Record<string, DiskTracking> = {};
    for (const id of vm.diskOrder) {
      const t = r.disks[id] as DiskTracking;
      // What was sent is now safe at the target; the psf keeps only what changed since.
      const psf: Psf | null = t.psf
        ? { blocks: t.bitmap, gen: t.psf.gen, checkpoint: { blocks: t.bitmap, gen: t.psf.gen } }
        : null;
      tracking[id] = { bitmap: t.bitmap, psf };
    }
    changes.disks = tracking;
    changes.cycle = null;
    changes.locked = false;
    changes.error = null;
    changes.needsFullSync = r.cycle.kind === 'full' ? false : r.needsFullSync;
  }
  setRepl(ctx, vm, withRepl(r, changes));
  ctx.emitted.push({
    kind: 'InstanceCommitted',
    vm: vm.name,
    pit: st.pit,
    cycle: st.kind,
    vcEvent:
      st.kind === 'full' ? 'hbr.primary.SyncCompletedEvent' : 'hbr.primary.DeltaCompletedEvent',
  });
  return;
}

/** The slot of the day (1440 / perDay minutes each) that minute `t` falls in. */
function slotOf(t: number, perDay: number): number {
  return Math.floor((t * perDay) / 1440);
}

/**
 * MPIT retention: the latest instance, and for each of the last perDay x days slots of the day
 * (1440 / perDay minutes each) that have ended by `now`, the newest instance whose point in time
 * falls in it. Research-notes A2 gives the policy ("3 per day for 5 days": 15 instances plus the
 * latest) but not how VR picks the instance of a slot: the newest of each ended slot is an
 * inference. Oldest first, as instances are kept.
 */
export function retained(
  all: readonly Instance[],
  now: number,
  perDay: number,
  days: number,
): Instance[] {
  const latest = all[all.length - 1];
  if (!latest) return [];
  // No MPIT: the latest instance alone.
  if (perDay === 0) return [latest];
  const current = slotOf(now, perDay);
  const newest = new Map<number, Instance>();
  for (const i of all) {
    const k = slotOf(i.pitClock, perDay);
    if (perDay === 0 || k >= current || k < current - perDay * days) continue;
    const had = newest.get(k);
    if (!had || i.pitClock > had.pitClock || (i.pitClock === had.pitClock && i.pit > had.pit))
      newest.set(k, i);
  }
  const keep = new Set<Instance>([...newest.values(), latest]);
  return all.filter((i) => keep.has(i));
}

/**
 * Ends the VM's transfer without a commit; its blocks go back to the bitmap. `effect` says what
 * the user sees: an Error (a failure at the target), Not Active (the VRS cannot be reached), or
 * nothing of its own.
 */
function abortCycle(
  ctx: Ctx,
  vm: VmState,
  reason: string,
  effect: 'error' | 'unreachable' | 'none',
): VmState {
  const r = vm.repl as Replication;
  const c = r.cycle as Cycle;
  const disks: Record<string, DiskTracking> = {};
  for (const id of vm.diskOrder) {
    const t = r.disks[id] as DiskTracking;
    const inflight = c.toSend.filter((x) => x.disk === id).map((x) => x.block);
    // Correct: a cut puts the cycle's blocks back, so the next cycle resends them.
    const bitmap = has(ctx.state.variant, 'bitmap-lost-on-cut')
      ? t.bitmap
      : c.kind === 'full'
        ? t.bitmap // the next attempt is again a full sync, which re-checksums everything
        : union(t.bitmap, inflight);
    disks[id] = { bitmap, psf: t.psf };
  }
  const staging = r.staging?.cycleId === c.id && !r.staging.complete ? null : r.staging;
  const next = setRepl(
    ctx,
    vm,
    withRepl(r, {
      disks,
      cycle: null,
      staging,
      locked: false,
      error: effect === 'error' ? reason : r.error,
      unreachable: effect === 'unreachable' ? reason : r.unreachable,
    }),
  );
  ctx.emitted.push({ kind: 'CycleAborted', vm: vm.name, reason });
  return next;
}

function hostCrash(
  ctx: Ctx,
  host: string,
  psf: 'intact' | 'stale' | 'lost',
): StepResult | undefined {
  const s = ctx.state;
  if (!s.setup.hosts.includes(host)) {
    return reject(s, `no host named ${host}; known hosts: ${s.setup.hosts.join(', ')}`);
  }
  for (const vm of Object.values(ctx.vms)) {
    if (vm.host !== host) continue;
    let v: VmState = withVm(vm, { power: 'off' });
    setVm(ctx, v);
    const r = v.repl;
    if (!r) continue;
    if (r.cycle) {
      ctx.emitted.push({ kind: 'CycleAborted', vm: v.name, reason: `host ${host} crashed` });
    }
    // The bitmap and demand log were in host memory: gone. The psf is on the datastore.
    const disks: Record<string, DiskTracking> = {};
    for (const id of v.diskOrder) {
      const t = r.disks[id] as DiskTracking;
      let p = t.psf;
      if (psf === 'lost') p = null;
      else if (psf === 'stale' && p)
        p = { blocks: p.checkpoint.blocks, gen: p.checkpoint.gen, checkpoint: p.checkpoint };
      disks[id] = { bitmap: [], psf: p };
    }
    const staging = r.staging?.complete ? r.staging : null;
    v = setRepl(
      ctx,
      v,
      withRepl(r, { disks, cycle: null, staging, locked: false, recovering: true }),
    );
  }
  return;
}

function powerOn(ctx: Ctx, vm: VmState): StepResult | undefined {
  const s = ctx.state;
  if (vm.power === 'on') return refuse(s, `${vm.name} is already powered on`);
  const r = vm.repl;
  // Sync Now on a powered-off VM locks its disks until the sync ends (seed 003).
  if (r?.locked) return refuse(s, `${vm.name}: power-on refused while Sync Now holds its disks`);
  let v: VmState = withVm(vm, { power: 'on' });
  setVm(ctx, v);
  if (r?.recovering) {
    // Recovery: the agent reloads the bitmap from the psf, or falls back to full sync when
    // the psf is lost or stale (research-notes A4; seed 002).
    const disks: Record<string, DiskTracking> = {};
    let fullSync = r.needsFullSync;
    let reason = '';
    for (const id of v.diskOrder) {
      const t = r.disks[id] as DiskTracking;
      const stale = t.psf !== null && t.psf.gen !== (v.headerGen[id] ?? 0);
      if (t.psf === null) {
        fullSync = true;
        reason = `psf of ${id} is lost`;
        disks[id] = { bitmap: [], psf: emptyPsf(v.headerGen[id] ?? 0) };
      } else if (stale && !has(s.variant, 'stale-psf-trusted')) {
        fullSync = true;
        reason = `psf of ${id} is stale (generation ${t.psf.gen}, disk header ${v.headerGen[id]})`;
        disks[id] = { bitmap: [], psf: emptyPsf(v.headerGen[id] ?? 0) };
      } else {
        const gen = v.headerGen[id] ?? 0;
        disks[id] = {
          bitmap: t.psf.blocks,
          psf: { blocks: t.psf.blocks, gen, checkpoint: { blocks: t.psf.blocks, gen } },
        };
      }
    }
    v = setRepl(ctx, v, withRepl(r, { disks, needsFullSync: fullSync, recovering: false }));
    if (fullSync && !r.needsFullSync) {
      ctx.emitted.push({ kind: 'FullSyncRequired', vm: v.name, reason });
    }
  }
  return;
}

function emptyPsf(gen: number): Psf {
  return { blocks: [], gen, checkpoint: { blocks: [], gen } };
}
