// The replication status a user sees, derived from state (research-notes A5).
import type { ReplicationState, VmState } from './types.ts';

export const STATUSES = [
  'Not Active',
  'Initial Full Sync',
  'Full Sync',
  'Sync',
  'OK',
  'Paused',
  'Error',
] as const;
export type ReplicationStatus = (typeof STATUSES)[number];

/** The VM's replication status, or null when it is not replicated. */
export function status(vm: VmState): ReplicationStatus | null {
  const r = vm.repl;
  if (!r) return null;
  if (r.paused) return 'Paused';
  if (r.cycle) {
    if (r.cycle.kind === 'delta') return 'Sync';
    return r.cycle.initial ? 'Initial Full Sync' : 'Full Sync';
  }
  // Not Active: a powered-off source, no traffic and no open connection (notes A5, A7).
  if (vm.power === 'off') return 'Not Active';
  if (r.error) return 'Error';
  return 'OK';
}

export function statusOf(state: ReplicationState, vm: string): ReplicationStatus | null {
  const v = state.vms[vm];
  return v ? status(v) : null;
}
