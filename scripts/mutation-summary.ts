// npm run -s mutation:summary (run by npm run mutation after StrykerJS)
// Reads StrykerJS's report (reports/mutation/mutation.json; for a run cut short, the mutant plan
// and per-mutant results that mutation/survivor-log.mjs writes as it goes) and the committed
// list of equivalent mutants (mutation/equivalent.json: mutants no test can kill, each named by
// its code as scripts/mutation-key.ts keys it, with its reason), and writes
// reports/mutation/summary.json and reports/mutation/survivors.md: the score as StrykerJS counts
// it, the score with the listed equivalents set aside, every surviving mutant left to triage
// (with the key an entry for it would take), and every stale entry. Exit 0; 2 when a file is
// missing or malformed; 1 when a listed equivalent is stale.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeAtomic } from '../properties/harness.ts';
import { helpRequested, inputError, printHelp } from './cli.ts';
import {
  type Equivalent,
  entryProblem,
  instrumentedFile,
  type KeyedMutant,
  keyFile,
  keyReport,
  type MutantKey,
  type MutationReport,
  matchEquivalents,
  type ReportMutant,
} from './mutation-key.ts';

const REPORT = 'reports/mutation/mutation.json';
const PLAN = 'reports/mutation/plan.json';
const RESULTS = 'reports/mutation/results.jsonl';
const EQUIVALENT = 'mutation/equivalent.json';

function readText(file: string, expected: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return inputError(`${file}: not found; expected ${expected}`);
  }
}

function readJson(file: string, expected: string): unknown {
  const text = readText(file, expected);
  try {
    return JSON.parse(text);
  } catch (e) {
    return inputError(`${file}: not JSON (${(e as Error).message}); expected ${expected}`);
  }
}

function loadEquivalents(): Equivalent[] {
  const raw = readJson(
    EQUIVALENT,
    'an array of {file, function, mutator, original, replacement, occurrence?, reason}',
  );
  if (!Array.isArray(raw)) return inputError(`${EQUIVALENT}: expected an array`);
  return raw.map((e, i) => {
    const problem = entryProblem(e);
    if (problem) return inputError(`${EQUIVALENT}: entry ${i}: ${problem}`);
    return e as Equivalent;
  });
}

function checkReport(report: unknown, file: string): MutationReport {
  const files = (report as MutationReport | null)?.files;
  if (!files || typeof files !== 'object')
    return inputError(`${file}: expected a StrykerJS JSON report with "files"`);
  for (const [name, f] of Object.entries(files))
    if (typeof f?.source !== 'string' || !Array.isArray(f.mutants))
      return inputError(`${file}: file ${name}: expected "source" and "mutants"`);
  return report as MutationReport;
}

/**
 * The latest run as a report. A run that finished wrote mutation.json after plan.json; a run cut
 * short left the plan of every mutant and the results it reached (the rest are Pending).
 */
function latestRun(): { report: MutationReport; complete: boolean } {
  const finished =
    existsSync(REPORT) && (!existsSync(PLAN) || statSync(REPORT).mtimeMs >= statSync(PLAN).mtimeMs);
  if (finished || !existsSync(PLAN))
    return {
      report: checkReport(
        readJson(REPORT, 'a StrykerJS JSON report: run npm run mutation'),
        REPORT,
      ),
      complete: true,
    };
  const plan = checkReport(readJson(PLAN, 'the mutant plan survivor-log writes'), PLAN);
  const status = new Map<string, string>();
  const text = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '';
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    try {
      const r = JSON.parse(line) as { id: string; status: string };
      status.set(r.id, r.status);
    } catch {
      return inputError(`${RESULTS}:${i + 1}: expected one JSON object per line`);
    }
  }
  const files = Object.fromEntries(
    Object.entries(plan.files).map(([name, f]) => [
      name,
      { ...f, mutants: f.mutants.map((m) => ({ ...m, status: status.get(m.id) ?? m.status })) },
    ]),
  );
  return { report: { files }, complete: false };
}

const DETECTED = new Set(['Killed', 'Timeout']);
const score = (detected: number, undetected: number) =>
  detected + undetected === 0
    ? 100
    : Math.round((detected / (detected + undetected)) * 10000) / 100;

const keyText = (k: MutantKey) =>
  `${k.file} ${k.function} ${k.mutator} "${k.original}" -> "${k.replacement}"${k.occurrence ? ` (occurrence ${k.occurrence})` : ''}`;
const cell = (s: string, max = 80) =>
  `\`${(s.length > max ? `${s.slice(0, max - 1)}…` : s).replace(/\|/g, '\\|')}\``;

const HELP = `usage: npm run -s mutation:summary   (npm run mutation runs it after StrykerJS)

Reads ${REPORT} (or, for a run cut short, ${PLAN} and ${RESULTS}) and ${EQUIVALENT}, and
writes reports/mutation/summary.json and reports/mutation/survivors.md: the score as StrykerJS
counts it, the score with the listed equivalents set aside, every surviving mutant left to
triage (with the key an entry for it would take), and every stale entry.

Exit 0; 1 when a listed equivalent is stale; 2 when a file is missing or malformed.`;

async function main(): Promise<number> {
  if (helpRequested(process.argv.slice(2))) printHelp(HELP);
  const { report, complete } = latestRun();
  const equivalents = loadEquivalents();
  const keyed = keyReport(report);
  let matching = matchEquivalents(keyed, equivalents, existsSync);
  // A run restricted to some lines reports only their mutants: where an entry found none, ask
  // StrykerJS's instrumenter for every mutant of the code the run saw, to tell gone from untested.
  const unsure = [...new Set(matching.stale.map((s) => s.entry.file))].filter((f) => keyed.has(f));
  if (unsure.length > 0) {
    const every = new Map<string, KeyedMutant[]>();
    for (const f of unsure) {
      const source = report.files[f]?.source ?? '';
      every.set(f, keyFile(f, await instrumentedFile(f, source)));
    }
    matching = matchEquivalents(keyed, equivalents, existsSync, every);
  }
  const rows: {
    file: string;
    detected: number;
    survived: number;
    noCoverage: number;
    equivalent: number;
    pending: number;
  }[] = [];
  const survivors: (MutantKey & { status: string; line: number; column: number })[] = [];
  for (const [file, kms] of [...keyed].sort(([a], [b]) => a.localeCompare(b))) {
    const row = { file, detected: 0, survived: 0, noCoverage: 0, equivalent: 0, pending: 0 };
    for (const { key, mutant: m } of kms) {
      if (DETECTED.has(m.status)) row.detected++;
      else if (m.status === 'Pending') row.pending++;
      else if (m.status === 'Survived' || m.status === 'NoCoverage') {
        if (matching.byMutant.has(m.id)) row.equivalent++;
        else {
          if (m.status === 'Survived') row.survived++;
          else row.noCoverage++;
          survivors.push({ ...key, status: m.status, ...at(m) });
        }
      }
    }
    rows.push(row);
  }
  const sum = (k: 'detected' | 'survived' | 'noCoverage' | 'equivalent' | 'pending') =>
    rows.reduce((n, r) => n + r[k], 0);
  const total = {
    detected: sum('detected'),
    survived: sum('survived'),
    noCoverage: sum('noCoverage'),
    equivalent: sum('equivalent'),
  };
  const summary = {
    // false: a run cut short; only the mutants it reached count, the rest are pending.
    complete,
    // Mutants StrykerJS scores (detected or not); static and erroneous ones are not among them.
    mutants: total.detected + total.survived + total.noCoverage + total.equivalent,
    pending: sum('pending'),
    // As StrykerJS counts it: equivalents count against the suite.
    score: score(total.detected, total.survived + total.noCoverage + total.equivalent),
    // With the listed equivalent mutants set aside (each has its reason in the list).
    scoreWithoutEquivalents: score(total.detected, total.survived + total.noCoverage),
    ...total,
    files: rows.map((r) => ({
      ...r,
      score: score(r.detected, r.survived + r.noCoverage + r.equivalent),
      scoreWithoutEquivalents: score(r.detected, r.survived + r.noCoverage),
    })),
    // Each with the key an entry in the list would take; line and column only to find it.
    survivors,
    stale: matching.stale.map((s) => ({ ...s.entry, why: s.why })),
    // How many entries this run could not judge, by why (their file not mutated in it, their
    // mutant not reached yet or timed out).
    unjudged: Object.fromEntries(
      [...new Set(matching.unjudged.map((u) => u.why))].map((why) => [
        why,
        matching.unjudged.filter((u) => u.why === why).length,
      ]),
    ),
  };
  writeAtomic('reports/mutation/summary.json', `${JSON.stringify(summary, null, 2)}\n`);
  writeAtomic(
    'reports/mutation/survivors.md',
    [
      `# Surviving mutants (${survivors.length})`,
      '',
      `Score ${summary.score}; ${summary.scoreWithoutEquivalents} without the ${total.equivalent} listed equivalent mutants (${EQUIVALENT}). To list one, copy its key from summary.json's "survivors" into ${EQUIVALENT} with a reason.`,
      '',
      '| where | status | function | mutator | original | replacement |',
      '|---|---|---|---|---|---|',
      ...survivors.map(
        (s) =>
          `| ${s.file}:${s.line}:${s.column} | ${s.status} | ${s.function}${s.occurrence ? ` (#${s.occurrence})` : ''} | ${s.mutator} | ${cell(s.original)} | ${cell(s.replacement)} |`,
      ),
      '',
    ].join('\n'),
  );
  if (!complete)
    process.stdout.write(
      `a run cut short: ${summary.mutants} mutants tested so far, ${summary.pending} pending (${RESULTS}); no complete ${REPORT}\n`,
    );
  process.stdout.write(
    `mutation score ${summary.score} (${total.detected} detected, ${total.survived} survived, ${total.noCoverage} without coverage, ${total.equivalent} listed as equivalent); ${summary.scoreWithoutEquivalents} without the equivalents\n`,
  );
  for (const r of summary.files)
    process.stdout.write(
      `  ${r.file.padEnd(34)} ${String(r.scoreWithoutEquivalents).padStart(6)}  (${r.survived} survived, ${r.noCoverage} no coverage, ${r.equivalent} equivalent)\n`,
    );
  for (const [why, n] of Object.entries(summary.unjudged))
    process.stdout.write(`${n} of ${equivalents.length} listed equivalents not judged: ${why}\n`);
  process.stdout.write('reports/mutation/summary.json, reports/mutation/survivors.md\n');
  if (matching.stale.length > 0) {
    for (const s of matching.stale)
      process.stderr.write(`${EQUIVALENT}: stale entry ${keyText(s.entry)}: ${s.why}\n`);
    return 1;
  }
  return 0;
}

function at(m: ReportMutant): { line: number; column: number } {
  return { line: m.location.start.line, column: m.location.start.column };
}

process.exitCode = await main();
