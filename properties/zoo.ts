// The defect zoo as a check: run every safety property against a variant and see which ones
// catch it. Shared by the zoo command and the spec that gates npm test.
import { readFileSync } from 'node:fs';
import { DEFECT_INFO, type Variant } from '../model/variants.ts';
import {
  type CounterexampleRecord,
  type PropertyResult,
  propertySeed,
  runProperty,
  writeAtomic,
} from './harness.ts';
import { PROPERTIES } from './registry.ts';
import { FIXTURES } from './scenarios.ts';

export interface ZooEntry {
  readonly variant: string;
  /** True iff a property failed or a judged seed layout flipped its verdict. */
  readonly caught: boolean;
  /** The failing properties' IDs, then `scenario:<name>` for each layout that flipped. */
  readonly caughtBy: readonly string[];
  /** True iff some registered property failed: the generated search caught it, not a layout. */
  readonly caughtByProperties: boolean;
  /** Whether the seed layouts were judged at all (false with `layouts: false`). */
  readonly layoutsJudged: boolean;
  /** Runs the quickest catching property needed, the failing one included. */
  readonly runs: number;
  /** Milliseconds that property took to find and shrink its counterexample. */
  readonly ms: number;
  /** Events in its shrunk counterexample. */
  readonly shrunkEvents: number;
  readonly seed: number;
  readonly results: readonly PropertyResult[];
}

export interface HuntOptions {
  /**
   * Stop at the first catch by one of the invariants the defect is expected to break, trying
   * those first (the gate in npm test and mutation runs). The zoo command leaves it off, so
   * that its caughtBy lists every property that catches the variant. The gate's claim is "within
   * npm test's budget", so it runs npm test's count even where a mutation run scales runs down:
   * a catch costs only the runs it takes, and a mutant that stops the catch is killed.
   */
  readonly firstExpected?: boolean;
  /**
   * Judge the seed layouts too (default true). False leaves them out, so that a catch is the
   * properties' alone (`npm run zoo -- --properties-only`).
   */
  readonly layouts?: boolean;
}

/** True iff the property checks one of the invariants the variant's defects should break. */
function checksExpected(invariants: readonly string[], expected: ReadonlySet<string>): boolean {
  return invariants.some((i) => expected.has(i));
}

export function huntVariant(variant: Variant, seed: number, opts: HuntOptions = {}): ZooEntry {
  const results: PropertyResult[] = [];
  // A defect lives in one area's model; the other areas' properties cannot see it.
  const areas = new Set(
    variant.defects.flatMap((d) => [DEFECT_INFO[d].area, ...(DEFECT_INFO[d].alsoAreas ?? [])]),
  );
  const expected = new Set(variant.defects.flatMap((d) => DEFECT_INFO[d].expectedInvariants));
  const candidates = PROPERTIES.filter(
    (def) => def.kind === 'always' && (areas.size === 0 || areas.has(def.area as never)),
  );
  const ordered = opts.firstExpected
    ? [
        ...candidates.filter((d) => checksExpected(d.invariants, expected)),
        ...candidates.filter((d) => !checksExpected(d.invariants, expected)),
      ]
    : candidates;
  for (const def of ordered) {
    const r = runProperty(def, {
      variant,
      seed: propertySeed(seed, def.id),
      ...(opts.firstExpected ? { numRuns: def.numRuns } : {}),
    });
    results.push(r);
    if (opts.firstExpected && r.status === 'failed' && checksExpected(def.invariants, expected))
      break;
  }
  const failed = results.filter((r) => r.status === 'failed');
  const best = [...failed].sort((a, b) => a.numRuns - b.numRuns || a.durationMs - b.durationMs)[0];
  // A seed layout whose verdict flips is a catch too (expected verdicts are data), but one
  // someone wrote down; caughtByProperties says whether the generated search found it alone.
  const layoutsJudged = opts.layouts ?? true;
  const flipped = layoutsJudged
    ? FIXTURES.filter((s) => s.judge(variant).verdict !== s.expected).map(
        (s) => `scenario:${s.name}`,
      )
    : [];
  return {
    variant: variant.name,
    caught: failed.length > 0 || flipped.length > 0,
    caughtBy: [...failed.map((r) => r.id), ...flipped],
    caughtByProperties: failed.length > 0,
    layoutsJudged,
    runs: best?.numRuns ?? 0,
    ms: best?.durationMs ?? 0,
    shrunkEvents: best?.counterexample?.events.length ?? 0,
    seed,
    results,
  };
}

/**
 * The catching properties that check an invariant the variant's defects should break: the gate
 * in npm test wants at least one, so that a variant is caught for the right reason.
 */
export function expectedCatches(entry: ZooEntry, variant: Variant): string[] {
  const expected = new Set(variant.defects.flatMap((d) => DEFECT_INFO[d].expectedInvariants));
  return entry.results
    .filter((r) => r.status === 'failed' && checksExpected(r.invariants, expected))
    .map((r) => r.id);
}

/**
 * The shortest counterexample known for each variant, kept as data beside the variants
 * (properties/zoo-shortest.json) and replayed by the zoo spec, so a length quoted in the README
 * is one anyone can rerun: `shortestKnown` is its number of events. `npm run zoo --
 * --record-shortest` replaces an entry when a hunt finds a shorter one.
 */
export interface KnownCounterexample {
  readonly property: string;
  readonly setup: unknown;
  readonly events: readonly unknown[];
}

export const SHORTEST_FILE = new URL('./zoo-shortest.json', import.meta.url);

export function loadShortest(): Record<string, KnownCounterexample> {
  return JSON.parse(readFileSync(SHORTEST_FILE, 'utf8')) as Record<string, KnownCounterexample>;
}

/** The shortest counterexample among hunts' failing properties (fewest events, then setup size). */
export function shortestOf(entries: readonly ZooEntry[]): CounterexampleRecord | undefined {
  const found = entries.flatMap((e) => e.results.flatMap((r) => r.counterexample ?? []));
  const size = (c: CounterexampleRecord) => JSON.stringify(c.setup).length;
  return [...found].sort((a, b) => a.events.length - b.events.length || size(a) - size(b))[0];
}

/** Keeps `found` as the variant's known shortest if it is shorter; returns the length kept. */
export function recordShortest(
  known: Record<string, KnownCounterexample>,
  variant: string,
  found: CounterexampleRecord | undefined,
): number | undefined {
  const old = known[variant];
  if (found && (!old || found.events.length < old.events.length)) {
    known[variant] = { property: found.property, setup: found.setup, events: found.events };
  }
  return known[variant]?.events.length;
}

export function saveShortest(known: Record<string, KnownCounterexample>): void {
  const sorted = Object.fromEntries(Object.entries(known).sort(([a], [b]) => a.localeCompare(b)));
  writeAtomic(SHORTEST_FILE.pathname, `${JSON.stringify(sorted, null, 2)}\n`);
}
