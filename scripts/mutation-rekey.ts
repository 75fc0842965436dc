// One-off: converts mutation/equivalent.json from line-keyed entries ({file, line, column?,
// mutator, replacement, reason}) to code-keyed ones (mutation-key.ts), matching each entry to
// the one mutant StrykerJS's instrumenter makes at that place of the current code. Refuses an
// entry that matches no mutant or several.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeAtomic } from '../properties/harness.ts';
import {
  type Equivalent,
  instrumentedFile,
  type KeyedMutant,
  keyFile,
  keyReport,
  type MutationReport,
  matchEquivalents,
} from './mutation-key.ts';

interface OldEntry {
  readonly file: string;
  readonly line: number;
  readonly column?: number;
  readonly mutator: string;
  readonly replacement: string;
  readonly reason: string;
}

const FILE = 'mutation/equivalent.json';
// The commit the line numbers were measured on: the entries' files as they were then.
const measured = process.argv[2] ?? 'HEAD';
const old = JSON.parse(readFileSync(FILE, 'utf8')) as OldEntry[];
const files = [...new Set(old.map((e) => e.file))];
const textAt = (f: string) =>
  execFileSync('git', ['show', `${measured}:${f}`], { encoding: 'utf8' });
const report = {
  files: Object.fromEntries(
    await Promise.all(files.map(async (f) => [f, await instrumentedFile(f, textAt(f))] as const)),
  ),
};
const keyed = new Map(files.map((f) => [f, keyFile(f, report.files[f] as never)]));
// Where several mutants start at an entry's line with its mutator and replacement, the old
// matching named every one of them that survived: a run restricted to those lines says which.
const survivedRun = process.argv[3]
  ? keyReport(JSON.parse(readFileSync(process.argv[3], 'utf8')) as MutationReport)
  : undefined;
const statusOf = (k: KeyedMutant) =>
  survivedRun
    ?.get(k.key.file)
    ?.find((r) => r.code === k.code && r.key.occurrence === k.key.occurrence)?.mutant.status;
const converted: Equivalent[] = [];
const problems: string[] = [];
for (const e of old) {
  const hits = (keyed.get(e.file) ?? []).filter(
    (k: KeyedMutant) =>
      k.mutant.location.start.line === e.line &&
      (e.column === undefined || k.mutant.location.start.column === e.column) &&
      k.mutant.mutatorName === e.mutator &&
      k.mutant.replacement === e.replacement,
  );
  if (hits.length > 1 && survivedRun) {
    const statuses = hits.map(statusOf);
    process.stderr.write(
      `${e.file}:${e.line} ${e.mutator} ${JSON.stringify(e.replacement)}: ${hits.map((h, i) => `\n    ${statuses[i]} ${JSON.stringify(h.key.original)}${h.key.occurrence ? ` #${h.key.occurrence}` : ''}`).join('')}\n    reason: ${e.reason}\n`,
    );
    if (statuses.some((s) => s === undefined)) problems.push(`${e.file}:${e.line}: not in the run`);
    // On a loaded machine a slow survivor can time out: where none survived, the ones that
    // timed out are the ones the entry named (each reason says which operand it means).
    const undetected = statuses.map((st) => st === 'Survived' || st === 'NoCoverage');
    const named = undetected.some(Boolean) ? undetected : statuses.map((st) => st === 'Timeout');
    for (const [i, h] of hits.entries())
      if (named[i]) converted.push({ ...h.key, reason: e.reason });
    continue;
  }
  if (hits.length !== 1) {
    problems.push(
      `${e.file}:${e.line}${e.column ? `:${e.column}` : ''} ${e.mutator} ${JSON.stringify(e.replacement)}: ${hits.length} mutants\n${hits.map((h) => `    ${h.mutant.location.start.line}:${h.mutant.location.start.column} ${JSON.stringify(h.key)}`).join('\n')}\n    reason: ${e.reason}`,
    );
    continue;
  }
  const { key } = hits[0] as KeyedMutant;
  converted.push({ ...key, reason: e.reason });
}
if (problems.length > 0) {
  process.stderr.write(`${problems.join('\n')}\n`);
  process.exit(1);
}
// Every converted entry names exactly one mutant, and a different one from every other entry.
const survived = new Map(
  [...keyed].map(([f, kms]) => [
    f,
    kms.map((k) => ({ ...k, mutant: { ...k.mutant, status: 'Survived' } })),
  ]),
);
const m = matchEquivalents(survived, converted, () => true);
if (m.stale.length > 0 || m.byMutant.size !== converted.length) {
  process.stderr.write(`${JSON.stringify(m.stale, null, 2)}\n`);
  process.exit(1);
}
writeAtomic(FILE, `${JSON.stringify(converted, null, 2)}\n`);
process.stdout.write(`${converted.length} entries converted\n`);
