// An explore run in words, the way TLC reports a model-checking run: the verdict and what it
// covered, states generated, distinct and left on the queue, depth, outdegree, coverage per
// event kind, and the collision estimate; a violation as the ordinary counterexample story.
import { renderCounterexample } from '../harness.ts';
import { outOfScopeText } from './summary.ts';
import type { ExploreRun } from './types.ts';

const int = (n: number) => n.toLocaleString('en-US');

/** The first line: what ran, on what, and how it ended. */
export function headline(r: ExploreRun): string {
  const where = `${r.area}/${r.scope}${r.shard ? ` (shard ${r.shard})` : ''}`;
  const checks = r.checked.map((c) => c.property).join(', ');
  const size = r.stats
    ? `${int(r.stats.distinct)} distinct states`
    : `${int(r.enumeration?.checked ?? 0)} of ${int(r.enumeration?.size ?? 0)} configurations`;
  if (r.counterexample) {
    const v = r.counterexample.violation;
    return `${where} on ${r.variant}: ${v.invariant} violated (property ${r.counterexample.property}) after ${r.counterexample.events.length} event(s), the shortest trace in this scope (found after ${int(r.statesUntilFound ?? 0)} ${r.stats ? 'distinct states' : 'configurations'})`;
  }
  if (r.exhausted) {
    const missed = r.witnesses.filter((w) => w.states === 0 && !outOfScopeText(r, w));
    return missed.length > 0
      ? `${where} on ${r.variant}: exhausted (${size}); ${checks} hold, but ${missed.length} reachability goal(s) were never reached, so those passes are vacuous`
      : r.shard
        ? `${where} on ${r.variant}: ${checks} hold for all ${size} of this shard's part of the scope (that part exhausted; the other shards cover the rest)`
        : `${where} on ${r.variant}: ${checks} hold for all ${size} of the scope (exhausted)`;
  }
  return `${where} on ${r.variant}: NOT exhausted (stopped by ${r.bound}); ${checks} hold for the ${size} visited, and nothing is claimed beyond them`;
}

export function runText(r: ExploreRun, file?: string): string {
  const lines = [headline(r), `  scope: ${r.description}`];
  const s = r.stats;
  if (s) {
    lines.push(
      '  Estimates of the probability that two distinct states had the same fingerprint:',
      `  calculated (optimistic):  val = ${s.collisionProbability.toExponential(1)}`,
      `${int(s.generated)} states generated, ${int(s.distinct)} distinct states found, ${int(s.queue)} states left on queue${s.constrained > 0 ? ` (${int(s.constrained)} outside the scope's constraint, checked but not expanded)` : ''}.`,
      `The depth of the ${r.exhausted ? 'complete ' : ''}state graph search is ${s.depth}.`,
      `The average outdegree of the ${r.exhausted ? 'complete ' : ''}state graph is ${s.outdegree.mean} (minimum is ${s.outdegree.min}, the maximum ${s.outdegree.max} and the 95th percentile is ${s.outdegree.p95}).`,
      `Symmetry reduction: each state stored stands for ${s.symmetryRatio} state(s) (interchangeable VMs and hosts renamed).`,
      `Memory: ${s.bytesPerState} bytes per distinct state in the visited set and trace links; heap peak ${s.heapPeakMiB} MiB.`,
      `Finished in ${(s.ms / 1000).toFixed(1)} s: ${int(s.distinctPerSec)} distinct states per second.`,
      'Coverage by event kind: generated, enabled (not refused), distinct states found first by it:',
    );
    const width = Math.max(...Object.keys(s.coverage).map((k) => k.length));
    for (const [k, c] of Object.entries(s.coverage))
      lines.push(
        `  ${k.padEnd(width)} ${int(c.generated).padStart(11)} ${int(c.enabled).padStart(11)} ${int(c.distinct).padStart(9)}`,
      );
    lines.push(
      s.neverEnabled.length > 0
        ? `Never enabled in this scope: ${s.neverEnabled.join(', ')}.`
        : 'Every event kind of the scope was enabled somewhere.',
    );
  }
  const e = r.enumeration;
  if (e) {
    lines.push(
      `Scope size: ${int(e.size)} configurations = ${e.dimensions}.`,
      `Checked ${int(e.checked)} configuration(s)${r.shard ? ` (shard ${r.shard}: every ${r.shard.split('/')[1]}th)` : ''} in ${(e.ms / 1000).toFixed(1)} s: ${int(e.perSec)} per second.`,
    );
  }
  for (const [k, v] of Object.entries(r.extra ?? {})) lines.push(`${k}: ${v}.`);
  lines.push(
    `Witnesses (${s ? 'distinct states' : 'configurations'} where each reachability goal holds):`,
  );
  for (const w of r.witnesses) {
    const oos = w.states === 0 ? outOfScopeText(r, w) : '';
    lines.push(
      `  ${w.property} ${w.goal}: ${int(w.states)}${w.states === 0 ? (oos ? ` (${oos})` : '  <- NEVER REACHED') : ''}`,
    );
  }
  if (r.counterexample) lines.push('', renderCounterexample(r.counterexample, file));
  return lines.join('\n');
}
