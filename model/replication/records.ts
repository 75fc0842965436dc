// Immutable updates of the replication model's records: `withRepl(r, { cycle })` is
// `{ ...r, cycle }`, written out field by field. Node 20's V8 copies an object spread that
// overrides fields 10 to 20 times slower than it builds the same literal (notes/p-perf.md), and
// the world makes several such updates per simulated minute. A field left out of the changes, or
// given as undefined, keeps its value: no field of these records is ever undefined.
//
// Every field is listed in its type's declaration order, which is the order the model creates
// the records in, so the keys come out in the order the spread gave them too. `All` makes a new
// field, even an optional one, a compile error here until it is listed.
import type { Cycle, Replication, ReplicationState, VmState } from './types.ts';

/** Every field of T, optional ones too: a literal of this type must list them all. */
export type All<T> = { [K in keyof T]-?: T[K] };

/** The change if given, else the value it replaces. */
export function or<T>(change: T | undefined, value: T): T {
  return change === undefined ? value : change;
}

export function withState(s: ReplicationState, c: Partial<ReplicationState>): ReplicationState {
  const out: All<ReplicationState> = {
    setup: or(c.setup, s.setup),
    variant: or(c.variant, s.variant),
    tick: or(c.tick, s.tick),
    clock: or(c.clock, s.clock),
    nextContent: or(c.nextContent, s.nextContent),
    link: or(c.link, s.link),
    vms: or(c.vms, s.vms),
  };
  return out;
}

export function withVm(vm: VmState, c: Partial<VmState>): VmState {
  const out: All<VmState> = {
    name: or(c.name, vm.name),
    host: or(c.host, vm.host),
    power: or(c.power, vm.power),
    diskOrder: or(c.diskOrder, vm.diskOrder),
    disks: or(c.disks, vm.disks),
    headerGen: or(c.headerGen, vm.headerGen),
    targetDisks: or(c.targetDisks, vm.targetDisks),
    repl: or(c.repl, vm.repl),
  };
  return out;
}

export function withRepl(r: Replication, c: Partial<Replication>): Replication {
  const out: All<Replication> = {
    configuredAt: or(c.configuredAt, r.configuredAt),
    rpoMinutes: or(c.rpoMinutes, r.rpoMinutes),
    perDay: or(c.perDay, r.perDay),
    days: or(c.days, r.days),
    seeded: or(c.seeded, r.seeded),
    needsFullSync: or(c.needsFullSync, r.needsFullSync),
    paused: or(c.paused, r.paused),
    recovering: or(c.recovering, r.recovering),
    locked: or(c.locked, r.locked),
    error: or(c.error, r.error),
    unreachable: or(c.unreachable, r.unreachable),
    disks: or(c.disks, r.disks),
    cycle: or(c.cycle, r.cycle),
    staging: or(c.staging, r.staging),
    base: or(c.base, r.base),
    instances: or(c.instances, r.instances),
    blocksSent: or(c.blocksSent, r.blocksSent),
    nextCycleId: or(c.nextCycleId, r.nextCycleId),
    deltaMinutes: or(c.deltaMinutes, r.deltaMinutes),
  };
  return out;
}

export function withCycle(cy: Cycle, c: Partial<Cycle>): Cycle {
  const out: All<Cycle> = {
    id: or(c.id, cy.id),
    kind: or(c.kind, cy.kind),
    pit: or(c.pit, cy.pit),
    pitClock: or(c.pitClock, cy.pitClock),
    initial: or(c.initial, cy.initial),
    syncNow: or(c.syncNow, cy.syncNow),
    toSend: or(c.toSend, cy.toSend),
    sent: or(c.sent, cy.sent),
    demandLog: or(c.demandLog, cy.demandLog),
  };
  return out;
}
