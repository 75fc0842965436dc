// Replication events and states in words: protocol steps with names resolved.

import { status } from '../../model/replication/status.ts';
import { init, step } from '../../model/replication/step.ts';
import type {
  Emitted,
  ReplicationEvent,
  ReplicationSetup,
  ReplicationState,
  StepResult,
  VmState,
} from '../../model/replication/types.ts';
import { CORRECT, type Variant, variantByName } from '../../model/variants.ts';
import type { AreaRender, Fact } from '../registry-types.ts';

export function formatEvent(e: ReplicationEvent): string {
  switch (e.type) {
    case 'GuestWrite':
      return `GuestWrite(${e.vm}/${e.disk}, block ${e.block})`;
    case 'TimeAdvance':
      return `TimeAdvance(+${e.minutes} min)`;
    case 'HostCrash':
      return `HostCrash(${e.host}, psf ${e.psf})`;
    case 'LinkDown':
    case 'LinkUp':
    case 'VrsRestart':
      return `${e.type}()`;
    case 'VMotion':
      return `VMotion(${e.vm} -> ${e.host})`;
    case 'SeedCopy':
      return `SeedCopy(${e.vm}, ${e.uuid === 'same' ? 'same UUID' : 'different UUID'})`;
    case 'ConfigureReplication':
      return `ConfigureReplication(${e.vm}, RPO ${e.rpoMinutes} min, ${e.perDay === 0 && e.days === 0 ? 'latest instance only' : `${e.perDay} a day for ${e.days} day(s)`}${e.seed ? ', seed' : ''})`;
    default:
      return `${e.type}(${e.vm})`;
  }
}

export function formatSetup(s: ReplicationSetup): string[] {
  return [
    `ESXi ${s.version}; hosts ${s.hosts.join(', ')}; VRS ${s.vrs}; ${s.chunkBlocks} block(s) per chunk`,
    ...s.vms.map(
      (v) =>
        `${v.name} on ${v.host}, ${v.poweredOn ? 'powered on' : 'powered off'}: ${v.disks
          .map((d) => `${d.id} (${d.sizeBlocks} blocks, UUID ${d.uuid})`)
          .join(', ')}`,
    ),
  ];
}

/** The facts about a VM a reader needs at the failing step, as flat key/value pairs. */
export function vmFacts(vm: VmState, variant: Variant = CORRECT): Record<string, string> {
  const r = vm.repl;
  const out: Record<string, string> = {
    power: vm.power,
    status: status(vm, variant) ?? 'not replicated',
  };
  for (const id of vm.diskOrder) {
    const blocks = Object.entries(vm.disks[id]?.blocks ?? {}).map(([b, c]) => `${b}=w${c}`);
    out[`source ${id}`] = blocks.join(' ') || 'empty';
  }
  if (!r) return out;
  const latest = r.instances[r.instances.length - 1];
  out['recovery point'] = latest ? `after step ${latest.pit}` : 'none';
  for (const id of vm.diskOrder) {
    const img = latest?.disks[id] ?? r.base[id] ?? {};
    out[`replica ${id}`] =
      Object.entries(img)
        .map(([b, c]) => `${b}=w${c}`)
        .join(' ') || 'empty';
    out[`bitmap ${id}`] = (r.disks[id]?.bitmap ?? []).join(',') || '-';
    const psf = r.disks[id]?.psf;
    out[`psf ${id}`] = psf ? `${psf.blocks.join(',') || '-'} (gen ${psf.gen})` : 'lost';
  }
  out.cycle = r.cycle
    ? `${r.cycle.kind} of the point after step ${r.cycle.pit}, ${r.cycle.sent}/${r.cycle.toSend.length} blocks sent${r.cycle.syncNow ? ', Sync Now' : ''}`
    : 'none';
  out.staging = r.staging
    ? `${r.staging.complete ? 'complete' : 'partial'} bundle of the point after step ${r.staging.pit}`
    : 'none';
  out['full sync pending'] = String(r.needsFullSync);
  return out;
}

/** What changed, VM by VM, in the step where the invariant failed. */
export function stateDiffAt(
  variantName: string,
  setup: ReplicationSetup,
  events: readonly ReplicationEvent[],
  at: number,
): string[] {
  if (at < 1) return [];
  const variant = variantByName(variantName) ?? CORRECT;
  let s = init(setup, variant);
  for (let i = 0; i < at - 1; i++) s = step(s, events[i] as ReplicationEvent).state;
  const res = step(s, events[at - 1] as ReplicationEvent);
  const out: string[] = [];
  if (res.refused) out.push(`(event refused: ${res.refused})`);
  if (res.error) out.push(`(request rejected: ${res.error})`);
  for (const name of Object.keys(res.state.vms)) {
    const a = s.vms[name];
    const b = res.state.vms[name];
    if (!a || !b) continue;
    const fa = vmFacts(a, variant);
    const fb = vmFacts(b, variant);
    for (const k of new Set([...Object.keys(fa), ...Object.keys(fb)])) {
      if (fa[k] !== fb[k]) out.push(`${name} ${k}: ${fa[k] ?? '-'} -> ${fb[k] ?? '-'}`);
    }
  }
  return out;
}

function formatEmitted(e: Emitted): string {
  switch (e.kind) {
    case 'CycleStarted':
      return `${e.vm}: ${e.cycle} cycle of the point after step ${e.pit} starts, ${e.blocks} block(s) to send`;
    case 'ChunkSent':
      return `${e.vm}: chunk sent (${e.blocks.map((b) => `${b.disk}/${b.block}`).join(', ') || 'empty'})`;
    case 'InstanceCommitted':
      return `${e.vm}: ${e.vcEvent}, instance of the point after step ${e.pit} committed`;
    case 'CycleAborted':
      return `${e.vm}: cycle aborted (${e.reason})`;
    case 'FullSyncRequired':
      return `${e.vm}: full sync required (${e.reason})`;
    default:
      return `${e.vm}: ${e.kind}`;
  }
}

/** Every VM's facts in a state, and what the step that led to it did. */
export function stateFacts(s: ReplicationState, r?: StepResult): Fact[] {
  const out: Fact[] = [
    ['clock', `${s.clock} min`],
    ['link', s.link],
  ];
  for (const vm of Object.values(s.vms))
    for (const [k, v] of Object.entries(vmFacts(vm, s.variant))) out.push([`${vm.name} ${k}`, v]);
  if (r) {
    out.push([
      'step outcome',
      r.refused ? `refused: ${r.refused}` : r.error ? `rejected: ${r.error}` : 'applied',
    ]);
    out.push(['step emitted', r.emitted.map(formatEmitted).join('; ') || 'nothing']);
  }
  return out;
}

export const REPLICATION_RENDER: AreaRender = {
  formatSetup: (s) => formatSetup(s as ReplicationSetup),
  formatEvent: (e) => formatEvent(e as ReplicationEvent),
  stateDiff: (v, setup, events, at) =>
    stateDiffAt(v, setup as ReplicationSetup, events as ReplicationEvent[], at),
  facts: (variantName, setup, events) => {
    let s = init(setup as ReplicationSetup, variantByName(variantName) ?? CORRECT);
    const out = [stateFacts(s)];
    for (const e of events as ReplicationEvent[]) {
      const r = step(s, e);
      s = r.state;
      out.push(stateFacts(s, r));
    }
    return out;
  },
  eventFields: {
    GuestWrite: ['vm', 'disk', 'block'],
    TimeAdvance: ['minutes'],
    CycleStart: ['vm'],
    SyncNow: ['vm'],
    ChunkDelivered: ['vm'],
    BundleCommit: ['vm'],
    NfcFail: ['vm'],
    LinkDown: [],
    LinkUp: [],
    HostCrash: ['host', 'psf'],
    VrsRestart: [],
    PowerOff: ['vm'],
    PowerOn: ['vm'],
    Pause: ['vm'],
    Resume: ['vm'],
    SeedCopy: ['vm', 'uuid'],
    ConfigureReplication: ['vm', 'rpoMinutes', 'perDay', 'days', 'seed'],
    UnconfigureReplication: ['vm'],
    VMotion: ['vm', 'host'],
  },
  reduce: (sc) => {
    const setup = sc.setup as ReplicationSetup;
    if (setup.vms.length <= 1) return [];
    return setup.vms.map((vm) => ({
      setup: { ...setup, vms: setup.vms.filter((v) => v.name !== vm.name) },
      events: sc.events.filter((e) => (e as { vm?: string }).vm !== vm.name),
    }));
  },
};
