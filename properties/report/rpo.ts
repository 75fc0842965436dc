// The RPO lag a replication or world counterexample lives through, recomputed by folding the
// model's step over its events: after each step, how old the data of each VM's latest
// committed instance is (the clock minus the instance's point in time, as R8 measures it).
import { init, latestInstance, step } from '../../model/replication/step.ts';
import type {
  ReplicationEvent,
  ReplicationSetup,
  ReplicationState,
} from '../../model/replication/types.ts';
import { CORRECT, variantByName } from '../../model/variants.ts';
import { initWorld, type WorldEvent, type WorldSetup, worldStep } from '../../model/world/world.ts';

export interface RpoSeries {
  readonly vm: string;
  /** The configured RPO once replication is configured, else null. */
  readonly rpoMinutes: number | null;
  /** lag[k]: minutes between the clock and the latest instance's point in time after k
   * steps; null while the VM has no committed instance. */
  readonly lag: readonly (number | null)[];
}

export interface RpoLag {
  /** The model's logical clock after k steps, in minutes. */
  readonly clock: readonly number[];
  readonly series: readonly RpoSeries[];
}

export function rpoLag(
  setup: ReplicationSetup,
  variantName: string,
  events: readonly ReplicationEvent[],
): RpoLag {
  const states: ReplicationState[] = [init(setup, variantByName(variantName) ?? CORRECT)];
  for (const e of events) states.push(step(states[states.length - 1] as ReplicationState, e).state);
  return sampleLag(setup, states);
}

/** The same for a world counterexample, whose replication state is driven by its clock. */
export function rpoLagWorld(
  setup: WorldSetup,
  variantName: string,
  events: readonly WorldEvent[],
): RpoLag {
  let w = initWorld(setup, variantByName(variantName) ?? CORRECT);
  const states: ReplicationState[] = [w.repl];
  for (const e of events) {
    w = worldStep(w, e).state;
    states.push(w.repl);
  }
  return sampleLag(setup.replication, states);
}

function sampleLag(setup: ReplicationSetup, states: readonly ReplicationState[]): RpoLag {
  let state = states[0] as ReplicationState;
  const names = setup.vms.map((v) => v.name);
  const lag: Record<string, (number | null)[]> = Object.fromEntries(names.map((n) => [n, []]));
  const rpo: Record<string, number | null> = Object.fromEntries(names.map((n) => [n, null]));
  const clock: number[] = [];
  const sample = () => {
    clock.push(state.clock);
    for (const n of names) {
      const repl = state.vms[n]?.repl;
      if (repl) rpo[n] = repl.rpoMinutes;
      const latest = repl ? latestInstance(repl) : undefined;
      lag[n]?.push(latest ? state.clock - latest.pitClock : null);
    }
  };
  for (const st of states) {
    state = st;
    sample();
  }
  return {
    clock,
    series: names.map((n) => ({ vm: n, rpoMinutes: rpo[n] ?? null, lag: lag[n] ?? [] })),
  };
}
