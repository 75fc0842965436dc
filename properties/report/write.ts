// Writing a report directory: every file rendered from the summary object at the last moment,
// each written atomically so that a reader (or a killed run) never leaves half a file.
import { join } from 'node:path';
import { type CounterexampleRecord, replayCommand, writeAtomic } from '../harness.ts';
import { reportHtml } from './html.ts';
import { junitXml } from './junit.ts';
import { counterexampleMarkdown, summaryMarkdown } from './markdown.ts';
import type { CorpusMark, CounterexampleEntry, Summary } from './summary.ts';

export function counterexampleFile(dir: string, id: string): string {
  return join(dir, 'counterexamples', `${id}.json`);
}

/** A record placed in a report directory: where it is stored and how to replay it. */
export function placeCounterexample(
  rec: CounterexampleRecord,
  dir: string,
  corpus: CorpusMark,
): CounterexampleEntry {
  const file = counterexampleFile(dir, rec.id);
  return { ...rec, replayPath: file, replay: replayCommand(file), corpus };
}

/** <id>.json holds the record alone (what replay reads); <id>.md its story and diagram. */
export function writeCounterexample(c: CounterexampleEntry): void {
  const { replayPath: _p, replay: _r, corpus: _c, ...rec } = c;
  writeAtomic(c.replayPath, `${JSON.stringify(rec, null, 2)}\n`);
  writeAtomic(c.replayPath.replace(/\.json$/, '.md'), counterexampleMarkdown(c));
}

export function writeSummaryJson(s: Summary, dir: string): void {
  writeAtomic(join(dir, 'summary.json'), `${JSON.stringify(s, null, 2)}\n`);
}

/** The whole report: summary.json, summary.md, report.html, junit.xml and the counterexamples. */
export function writeReport(s: Summary, dir: string): void {
  for (const c of s.counterexamples) writeCounterexample(c);
  writeAtomic(join(dir, 'summary.md'), summaryMarkdown(s));
  writeAtomic(join(dir, 'report.html'), reportHtml(s));
  writeAtomic(join(dir, 'junit.xml'), junitXml(s));
  // Last, so that a summary.json saying "completed" means every other file is there.
  writeSummaryJson(s, dir);
}
