// The "Exhaustive" part of a run's summary: one row per explored scope (its statistics, what
// it checked, its witnesses, its counterexample's id), and summing the rows of the shards of a
// split run back into one per scope, as report:merge does.
import { collisionProbability } from './fingerprint.ts';
import type { ExploreRun, ExploreStats, KindCoverage, Witness } from './types.ts';

/** A run as the summary keeps it: the counterexample itself goes to the summary's list. */
export type ExhaustiveRow = Omit<ExploreRun, 'counterexample'> & {
  /** The id of its counterexample in the summary's counterexamples. */
  readonly counterexample?: string;
  /** Events in that counterexample. */
  readonly traceLength?: number;
  /** Shards summed into this row (a merged report). */
  readonly shards?: number;
};

export interface ExhaustiveReport {
  readonly status: 'ran' | 'skipped';
  /** Why it was skipped, or what the budget left out. */
  readonly note?: string;
  readonly runs: readonly ExhaustiveRow[];
}

export function rowOf(r: ExploreRun): ExhaustiveRow {
  const { counterexample, ...rest } = r;
  return counterexample
    ? { ...rest, counterexample: counterexample.id, traceLength: counterexample.events.length }
    : rest;
}

/** Why a goal with no witness is not a failure of this run, or '' when it is. */
export function outOfScopeText(
  r: Pick<ExploreRun, 'outOfScope'>,
  w: Pick<Witness, 'property' | 'goal'>,
): string {
  return r.outOfScope?.includes(`${w.property}: ${w.goal}`)
    ? 'out of this scope: another scope of the area reaches it'
    : '';
}

/** Outdegree figures from a histogram: histogram[k] = states expanded with k successors. */
export function outdegreeOf(hist: readonly number[]): ExploreStats['outdegree'] {
  let n = 0;
  let sum = 0;
  let min = -1;
  let max = 0;
  hist.forEach((c, k) => {
    if (!c) return;
    n += c;
    sum += c * k;
    if (min < 0) min = k;
    max = k;
  });
  let acc = 0;
  let p95 = 0;
  for (let k = 0; k < hist.length; k++) {
    acc += hist[k] ?? 0;
    if (acc >= 0.95 * n) {
      p95 = k;
      break;
    }
  }
  return {
    min: Math.max(0, min),
    mean: n ? Math.round((sum / n) * 100) / 100 : 0,
    max,
    p95,
    histogram: hist,
  };
}

function sumStats(xs: readonly ExploreStats[]): ExploreStats {
  const total = (f: (s: ExploreStats) => number) => xs.reduce((a, s) => a + f(s), 0);
  const hist: number[] = [];
  for (const s of xs)
    s.outdegree.histogram.forEach((c, k) => {
      hist[k] = (hist[k] ?? 0) + c;
    });
  const coverage: Record<string, KindCoverage> = {};
  for (const s of xs)
    for (const [k, c] of Object.entries(s.coverage)) {
      const a = coverage[k] ?? { generated: 0, enabled: 0, distinct: 0 };
      coverage[k] = {
        generated: a.generated + c.generated,
        enabled: a.enabled + c.enabled,
        distinct: a.distinct + c.distinct,
      };
    }
  const distinct = total((s) => s.distinct);
  const generated = total((s) => s.generated);
  const ms = total((s) => s.ms);
  const weighted = (f: (s: ExploreStats) => number) =>
    distinct ? Math.round((total((s) => f(s) * s.distinct) / distinct) * 1000) / 1000 : 1;
  return {
    generated,
    distinct,
    queue: total((s) => s.queue),
    constrained: total((s) => s.constrained),
    depth: Math.max(0, ...xs.map((s) => s.depth)),
    outdegree: outdegreeOf(hist.map((c) => c ?? 0)),
    coverage,
    neverEnabled: Object.entries(coverage)
      .filter(([, c]) => c.enabled === 0)
      .map(([k]) => k),
    ms,
    // Machine-seconds: shards run side by side, each rate is its own.
    distinctPerSec: Math.round((distinct / Math.max(ms, 1e-3)) * 1000),
    collisionProbability: collisionProbability(distinct, generated),
    symmetryRatio: weighted((s) => s.symmetryRatio),
    bytesPerState: weighted((s) => s.bytesPerState),
    heapPeakMiB: Math.max(0, ...xs.map((s) => s.heapPeakMiB)),
  };
}

/**
 * One row per (area, scope, variant) from the rows of several shards. A split stepped search
 * counts a state reached from two shards' roots in each, so its distinct total is an upper
 * bound; it is exhausted only when every shard of the split is present and exhausted.
 */
export function mergeRows(rows: readonly ExhaustiveRow[]): ExhaustiveRow[] {
  const groups = new Map<string, ExhaustiveRow[]>();
  for (const r of rows) {
    const k = `${r.area}\u0000${r.scope}\u0000${r.variant}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const first = g[0] as ExhaustiveRow;
    if (g.length === 1) return first;
    const count = Number(first.shard?.split('/')[1] ?? 1);
    const indices = new Set(g.map((r) => r.shard?.split('/')[0]));
    const complete = g.every((r) => r.shard !== null) && indices.size === count;
    const exhausted = complete && g.every((r) => r.exhausted);
    const witnesses: Witness[] = first.witnesses.map((w) => ({
      ...w,
      states: g.reduce(
        (a, r) =>
          a +
          (r.witnesses.find((x) => x.property === w.property && x.goal === w.goal)?.states ?? 0),
        0,
      ),
    }));
    const failed = g.find((r) => r.counterexample !== undefined);
    const shortest = [...g]
      .filter((r) => r.traceLength !== undefined)
      .sort((a, b) => (a.traceLength ?? 0) - (b.traceLength ?? 0))[0];
    const missed = witnesses.some((w) => w.states === 0 && !outOfScopeText(first, w));
    const stats = g.every((r) => r.stats)
      ? sumStats(g.map((r) => r.stats as ExploreStats))
      : undefined;
    const enumeration = first.enumeration
      ? {
          ...first.enumeration,
          checked: g.reduce((a, r) => a + (r.enumeration?.checked ?? 0), 0),
          ms: g.reduce((a, r) => a + (r.enumeration?.ms ?? 0), 0),
          perSec: g.reduce((a, r) => a + (r.enumeration?.perSec ?? 0), 0),
        }
      : undefined;
    return {
      ...first,
      shard: null,
      shards: g.length,
      exhausted: exhausted && !failed,
      bound: failed ? 'violation' : exhausted ? null : (g.find((r) => r.bound)?.bound ?? 'signal'),
      status: failed || (exhausted && missed) ? 'failed' : exhausted ? 'passed' : 'interrupted',
      witnesses,
      ...(stats ? { stats } : {}),
      ...(enumeration ? { enumeration } : {}),
      ...(shortest?.counterexample
        ? {
            counterexample: shortest.counterexample,
            traceLength: shortest.traceLength,
            statesUntilFound: shortest.statesUntilFound,
          }
        : {}),
    } as ExhaustiveRow;
  });
}

/** The exhaustive parts of several shards' summaries as one. */
export function mergeExhaustive(
  parts: readonly (ExhaustiveReport | undefined)[],
): ExhaustiveReport | undefined {
  const present = parts.filter((p): p is ExhaustiveReport => p !== undefined);
  if (present.length === 0) return undefined;
  const notes = [...new Set(present.map((p) => p.note).filter((n) => n !== undefined))];
  return {
    status: present.some((p) => p.status === 'ran') ? 'ran' : 'skipped',
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
    runs: mergeRows(present.flatMap((p) => p.runs)),
  };
}
