// The committed corpus (reports/corpus/): counterexamples of the correct model that must keep
// behaving as recorded, like Hypothesis's example database. "open" and "expected" entries must
// still fail with the same invariant at the same step (an open defect, a documented pitfall);
// "fixed" ones must pass. Zoo variants never go here: they are not the model under test.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CORRECT } from '../model/variants.ts';
import { type CounterexampleRecord, counterexampleId, replay, writeAtomic } from './harness.ts';
import { NET_SCENARIOS } from './network/scenarios.ts';
import { InputError, parseJsonFile, readCounterexample } from './record-io.ts';
import type { CorpusMark } from './report/summary.ts';
import { layoutStory } from './scenarios.ts';
import { TUNNEL_LAYOUTS } from './tunnel/scenarios.ts';

export const CORPUS_DIR = join('reports', 'corpus');

export const CORPUS_STATUSES = ['open', 'fixed', 'expected'] as const;
export type CorpusStatus = (typeof CORPUS_STATUSES)[number];

export interface CorpusEntry extends CounterexampleRecord {
  readonly status: CorpusStatus;
  /** The seed layout an "expected" entry tells, when it comes from one. */
  readonly scenario?: string;
}

export function corpusFiles(dir: string = CORPUS_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(dir, f));
}

export function readCorpusEntry(file: string): CorpusEntry {
  const rec = readCounterexample(file);
  const status = (parseJsonFile(file) as { status?: unknown }).status;
  if (typeof status !== 'string' || !(CORPUS_STATUSES as readonly string[]).includes(status)) {
    throw new InputError(
      `${file}: field "status": expected one of ${CORPUS_STATUSES.join(', ')}, got ${JSON.stringify(status) ?? 'nothing'}`,
    );
  }
  if (rec.variant !== CORRECT.name) {
    throw new InputError(
      `${file}: field "variant": expected "correct" (the corpus holds the correct model's stories), got "${rec.variant}"`,
    );
  }
  return { ...rec, status: status as CorpusStatus };
}

/**
 * Replays one corpus entry and says, in one line naming the file and the step, how its
 * behaviour differs from what its status demands; null when it behaves as recorded.
 */
export function corpusMismatch(file: string): string | null {
  const e = readCorpusEntry(file);
  const now = replay(e);
  const was = e.violation;
  if (e.status === 'fixed') {
    return now
      ? `${file}: marked fixed, but ${now.invariant} fails again after step ${now.step} (${now.message})`
      : null;
  }
  if (!now) {
    return `${file}: ${e.status}, recorded failing ${was.invariant} after step ${was.step}, but it now passes: behaviour changed at step ${was.step} (mark it fixed if that is the intent)`;
  }
  if (now.invariant !== was.invariant || now.step !== was.step) {
    const at = Math.min(now.step, was.step);
    return `${file}: ${e.status}, recorded failing ${was.invariant} after step ${was.step}, now ${now.invariant} after step ${now.step}: behaviour changed at step ${at}`;
  }
  return null;
}

/** Saves a correct-model counterexample as "open" unless the corpus already has its id. */
export function saveToCorpus(rec: CounterexampleRecord, dir: string = CORPUS_DIR): CorpusMark {
  const file = join(dir, `${rec.id}.json`);
  if (existsSync(file)) {
    const status = (parseJsonFile(file) as { status?: unknown }).status;
    return status === 'fixed' ? 'regressed' : 'known';
  }
  const entry: CorpusEntry = { ...rec, status: 'open' };
  writeAtomic(file, `${JSON.stringify(entry, null, 2)}\n`);
  return 'new';
}

/** The seed layouts that are "found", each told by its property's check as an expected entry. */
export function scenarioEntries(): CorpusEntry[] {
  // The cloud tunnel's found layouts too (issue 14): layoutStory tells them as C5 stories.
  return [...NET_SCENARIOS, ...TUNNEL_LAYOUTS].flatMap((sc) => {
    const rec = sc.expected === 'found' ? layoutStory(sc.name, CORRECT) : undefined;
    if (!rec) return [];
    // The layout's name is part of the id: layouts judged with no events would share one otherwise.
    const id = counterexampleId(rec.property, CORRECT.name, [{ scenario: sc.name }, ...rec.events]);
    return [{ ...rec, id, status: 'expected', scenario: sc.name }];
  });
}
