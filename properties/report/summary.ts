// The one structured object a property run produces. summary.json is this object as JSON;
// every other report (Markdown, HTML, JUnit) is rendered from it and from nothing else.

import type { ExhaustiveReport } from '../explore/summary.ts';
import type { CounterexampleRecord } from '../harness.ts';
import type { ZooEntry } from '../zoo.ts';
import { exhaustiveFailed } from './exhaustive.ts';

export type RunStatus = 'running' | 'completed' | 'interrupted';
export type PropertyStatus = 'passed' | 'failed' | 'interrupted';

export interface PropertyRow {
  readonly id: string;
  readonly title: string;
  readonly area: string;
  readonly kind: 'always' | 'sometimes';
  readonly invariants: readonly string[];
  readonly variant: string;
  readonly status: PropertyStatus;
  /** Runs made in this run. */
  readonly numRuns: number;
  /** Runs npm test makes of this property: the depth a pass needs. */
  readonly testRuns: number;
  /** The most runs a budgeted run makes of it: what a nightly with time to spare reaches. */
  readonly maxRuns: number;
  readonly numShrinks: number;
  readonly seed: number;
  readonly durationMs: number;
  /** A reachability twin's goals: how many runs reached each. */
  readonly goals?: Readonly<Record<string, number>>;
  /** The id of its counterexample, when it failed with one. */
  readonly counterexample?: string;
}

/** The fix for a found layout, per finding, as the advisor or `npm run check` computes it. */
export interface LayoutFix {
  /** advisor: model/network/advisor.ts on the modelled hosts; check: `npm run check`'s result. */
  readonly by: 'advisor' | 'check';
  readonly findings: readonly {
    readonly host: string;
    /** Every invariant the flow breaks; the message ends with them in brackets. */
    readonly invariants: readonly string[];
    readonly message: string;
    /** Applied to the model and seen to remove the finding; empty when none was verified. */
    readonly commands: readonly string[];
    /** Labelled steps that are not commands (a local.sh line, a reboot), after the commands. */
    readonly steps: readonly string[];
    readonly note?: string;
  }[];
}

export interface ScenarioRow {
  readonly name: string;
  /** Where the layout comes from: a seed text. */
  readonly source?: string;
  readonly verdict: 'found' | 'clean';
  readonly expected: 'found' | 'clean';
  readonly flow?: string;
  /** A found layout told as a story: its events and the invariant it breaks (data, not text). */
  readonly story?: CounterexampleRecord;
  readonly fix?: LayoutFix;
}

/** Where a counterexample stands against the committed corpus. */
export type CorpusMark =
  | 'new'
  | 'known'
  | 'regressed'
  /** Runs on a zoo variant never write to the corpus: it holds the correct model's stories. */
  | 'variant-run';

export interface CounterexampleEntry extends CounterexampleRecord {
  /** The file the replay command reads. */
  readonly replayPath: string;
  /** The exact shell command that replays it. */
  readonly replay: string;
  readonly corpus: CorpusMark;
}

/** One zoo variant's line: the hunt's result without the per-property details. */
export type ZooRow = Omit<ZooEntry, 'results'>;

export interface ZooReport {
  readonly status: 'ran' | 'skipped';
  /** Why it was skipped, or which variants the budget left out. */
  readonly note?: string;
  readonly variants: readonly ZooRow[];
}

export interface Summary {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly status: RunStatus;
  readonly budgetSeconds: number;
  readonly fastCheckVersion: string;
  readonly seed: number;
  /** "K/N" for one shard of a split run, null for a whole run. */
  readonly shard: string | null;
  readonly variant: string;
  readonly only: readonly string[] | null;
  readonly properties: readonly PropertyRow[];
  readonly scenarios: readonly ScenarioRow[];
  readonly counterexamples: readonly CounterexampleEntry[];
  readonly zoo: ZooReport;
  /** Exhaustive exploration of small scopes (properties/explore/), when the run did any. */
  readonly exhaustive?: ExhaustiveReport;
  /** For a merged report: the shard outputs it was made from. */
  readonly mergedFrom?: readonly {
    readonly dir: string;
    readonly shard: string | null;
    readonly seed: number;
    readonly status: RunStatus;
  }[];
}

export interface Tally {
  readonly passed: number;
  readonly failed: number;
  readonly interrupted: number;
  readonly counterexamples: number;
  /** Counterexamples not already in the corpus as open or expected. */
  readonly fresh: number;
  readonly scenariosFailed: number;
  readonly zooMissed: number;
}

/** The counts every renderer and the exit code agree on. */
export function tally(s: Summary): Tally {
  const count = (st: PropertyStatus) => s.properties.filter((p) => p.status === st).length;
  const scenariosFailed = s.scenarios.filter((x) => x.verdict !== x.expected).length;
  return {
    passed: count('passed') + s.scenarios.length - scenariosFailed,
    failed: count('failed') + scenariosFailed,
    interrupted: count('interrupted'),
    counterexamples: s.counterexamples.length,
    fresh: s.counterexamples.filter((c) => c.corpus !== 'known').length,
    scenariosFailed,
    zooMissed: s.zoo.variants.filter((z) => !z.caught).length,
  };
}

/** True iff the run found something not already known: a new counterexample, a twin that
 * missed its goals, a seed layout whose verdict flipped, or a zoo variant that escaped. */
export function hasNewFailures(s: Summary): boolean {
  const t = tally(s);
  const twinsFailed = s.properties.filter(
    (p) => p.status === 'failed' && p.counterexample === undefined,
  ).length;
  return (
    t.fresh > 0 ||
    twinsFailed > 0 ||
    t.scenariosFailed > 0 ||
    t.zooMissed > 0 ||
    exhaustiveFailed(s.exhaustive)
  );
}
