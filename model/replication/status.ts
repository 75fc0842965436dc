// The replication status a user sees, derived from state (research-notes A5, A7, F). One
// definition for the replication model and the world: the world adds what only it knows (the
// RPO violation it raises, a failover) as facts.
import { has, reads, type Variant } from '../variants.ts';
import type { ReplicationState, VmState } from './types.ts';

export const STATUSES = [
  'Not Active',
  'Initial Full Sync',
  'Full Sync',
  'Sync',
  'OK',
  'Paused',
  'Error',
  'Recovered',
] as const;
export type BaseStatus = (typeof STATUSES)[number];

/** The statuses the UI shows with "(RPO violation)" when late (research-notes A5, F). */
export const WITH_VIOLATION = ['OK', 'Not Active', 'Full Sync', 'Sync', 'Error'] as const;
type Composable = (typeof WITH_VIOLATION)[number];

export type ReplicationStatus = BaseStatus | `${Composable}(RPO violation)`;

/** What the world knows about a VM beyond its replication state. */
export interface WorldFacts {
  /** An RPO violation is raised for it (R8). */
  readonly rpoViolated: boolean;
  /** It was failed over to the DR site. */
  readonly recovered: boolean;
}

const NO_FACTS: WorldFacts = { rpoViolated: false, recovered: false };

/** The status before the RPO violation is added; the rules in order, the first that applies. */
export function baseStatus(vm: VmState, variant: Variant, recovered: boolean): BaseStatus | null {
  const r = vm.repl;
  if (!r) return null;
  // After failover the VM is Recovered (research-notes A5 API enum: RECOVERED).
  if (recovered) return 'Recovered';
  // Powered off and paused: the sources name both states but not which wins; Paused, the
  // admin's explicit act, is an inference (research-notes A5, A7; reading paused-off-not-active).
  if (r.paused && vm.power === 'off' && reads(variant, 'paused-off-not-active'))
    return 'Not Active';
  if (r.paused) return 'Paused';
  // Defect: powering off is taken for a pause.
  if (vm.power === 'off' && !r.cycle && has(variant, 'poweroff-shows-paused')) return 'Paused';
  // A transfer that cannot connect (route, firewall, link): Not Active, not Error (research-notes
  // F: KB 403723; A5: no replication traffic and no open connections).
  if (r.unreachable) return 'Not Active';
  if (r.cycle) {
    if (r.cycle.kind === 'delta') return 'Sync';
    return r.cycle.initial ? 'Initial Full Sync' : 'Full Sync';
  }
  // A powered-off source: no traffic and no open connection (research-notes A5, A7).
  if (vm.power === 'off') return 'Not Active';
  // Error only for failures at the target: an NFC write that failed (research-notes F).
  if (r.error) return 'Error';
  return 'OK';
}

/** The VM's replication status as the UI shows it, or null when it is not replicated. */
export function status(
  vm: VmState,
  variant: Variant,
  facts: WorldFacts = NO_FACTS,
): ReplicationStatus | null {
  const base = baseStatus(vm, variant, facts.recovered);
  if (base === null || !facts.rpoViolated) return base;
  // Only the forms research-notes A5 lists: Paused, Initial Full Sync and Recovered show plain.
  return (WITH_VIOLATION as readonly string[]).includes(base)
    ? `${base as Composable}(RPO violation)`
    : base;
}

/** The status in the replication model alone, which raises no RPO violation (the world does). */
export function statusOf(state: ReplicationState, vm: string): ReplicationStatus | null {
  const v = state.vms[vm];
  return v ? status(v, state.variant) : null;
}
