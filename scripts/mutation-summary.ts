// npm run -s mutation:summary (run by npm run mutation after StrykerJS)
// Reads StrykerJS's report (reports/mutation/mutation.json; for a run cut short, the per-mutant
// results.jsonl that mutation/survivor-log.mjs writes as it goes) and the committed list of
// equivalent mutants (mutation/equivalent.json: mutants no test can kill, each with its
// reason), and writes reports/mutation/summary.json and reports/mutation/survivors.md: the score
// as StrykerJS counts it, the score with the listed equivalents set aside, and every surviving
// mutant left to triage. Exit 0; 2 when a file is missing or malformed; 1 when a listed
// equivalent no longer matches any surviving mutant (the list has gone stale).
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { writeAtomic } from '../properties/harness.ts';
import { inputError } from './cli.ts';

const REPORT = 'reports/mutation/mutation.json';
const RESULTS = 'reports/mutation/results.jsonl';
const EQUIVALENT = 'mutation/equivalent.json';

interface Mutant {
  readonly id: string;
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: string;
  readonly location: { readonly start: { readonly line: number; readonly column: number } };
}

interface Report {
  readonly files: Readonly<Record<string, { readonly mutants: readonly Mutant[] }>>;
}

interface Equivalent {
  readonly file: string;
  readonly line: number;
  /** Only where two mutants share file, line, mutator and replacement. */
  readonly column?: number;
  readonly mutator: string;
  readonly replacement: string;
  readonly reason: string;
}

function readJson(file: string, expected: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return inputError(`${file}: not found; expected ${expected}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    return inputError(`${file}: not JSON (${(e as Error).message}); expected ${expected}`);
  }
}

function loadEquivalents(): Equivalent[] {
  const raw = readJson(EQUIVALENT, 'an array of {file, line, mutator, replacement, reason}');
  if (!Array.isArray(raw)) return inputError(`${EQUIVALENT}: expected an array`);
  return raw.map((e, i) => {
    const ok =
      e &&
      typeof e.file === 'string' &&
      Number.isInteger(e.line) &&
      typeof e.mutator === 'string' &&
      typeof e.replacement === 'string' &&
      typeof e.reason === 'string' &&
      (e.column === undefined || Number.isInteger(e.column)) &&
      e.reason.trim() !== '';
    if (!ok)
      return inputError(
        `${EQUIVALENT}: entry ${i}: expected {file, line, mutator, replacement, reason} with a reason`,
      );
    return e as Equivalent;
  });
}

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
const score = (detected: number, undetected: number) =>
  detected + undetected === 0
    ? 100
    : Math.round((detected / (detected + undetected)) * 10000) / 100;

/** The results a run cut short logged so far, shaped as StrykerJS's report. */
function partialReport(): Report {
  const files: Record<string, { mutants: Mutant[] }> = {};
  const text = readFileSync(RESULTS, 'utf8');
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let r: {
      id: string;
      status: string;
      file: string;
      line: number;
      column: number;
      mutator: string;
      replacement: string;
    };
    try {
      r = JSON.parse(line);
    } catch {
      return inputError(`${RESULTS}:${i + 1}: expected one JSON object per line`);
    }
    const file = relative(process.cwd(), r.file).split('\\').join('/');
    files[file] ??= { mutants: [] };
    files[file].mutants.push({
      id: r.id,
      status: r.status,
      mutatorName: r.mutator,
      replacement: r.replacement,
      location: { start: { line: r.line, column: r.column } },
    });
  }
  return { files };
}

function main(): number {
  const complete = existsSync(REPORT) || !existsSync(RESULTS);
  const report = complete
    ? (readJson(REPORT, 'a StrykerJS JSON report: run npm run mutation') as Report)
    : partialReport();
  if (!report || typeof report.files !== 'object')
    return inputError(`${REPORT}: expected a StrykerJS JSON report with "files"`);
  const equivalents = loadEquivalents();
  const used = new Set<Equivalent>();
  const rows: {
    file: string;
    detected: number;
    survived: number;
    noCoverage: number;
    equivalent: number;
  }[] = [];
  const left: string[] = [];
  for (const [file, f] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
    const row = { file, detected: 0, survived: 0, noCoverage: 0, equivalent: 0 };
    for (const m of f.mutants) {
      if (DETECTED.has(m.status)) row.detected++;
      if (!UNDETECTED.has(m.status)) continue;
      const eq = equivalents.find(
        (e) =>
          e.file === file &&
          e.line === m.location.start.line &&
          (e.column === undefined || e.column === m.location.start.column) &&
          e.mutator === m.mutatorName &&
          e.replacement === (m.replacement ?? ''),
      );
      if (eq) {
        used.add(eq);
        row.equivalent++;
        continue;
      }
      if (m.status === 'Survived') row.survived++;
      else row.noCoverage++;
      left.push(
        `| ${file}:${m.location.start.line}:${m.location.start.column} | ${m.status} | ${m.mutatorName} | \`${(m.replacement ?? '').replace(/\s+/g, ' ').replace(/\|/g, '\\|').slice(0, 80)}\` |`,
      );
    }
    rows.push(row);
  }
  const sum = (k: 'detected' | 'survived' | 'noCoverage' | 'equivalent') =>
    rows.reduce((n, r) => n + r[k], 0);
  const total = {
    detected: sum('detected'),
    survived: sum('survived'),
    noCoverage: sum('noCoverage'),
    equivalent: sum('equivalent'),
  };
  const summary = {
    // false: a run cut short, summed from results.jsonl; only the mutants it reached count.
    complete,
    mutants: rows.reduce((n, r) => n + r.detected + r.survived + r.noCoverage + r.equivalent, 0),
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
    // Only a complete run can tell that a listed equivalent no longer survives.
    stale: complete ? equivalents.filter((e) => !used.has(e)) : [],
  };
  writeAtomic('reports/mutation/summary.json', `${JSON.stringify(summary, null, 2)}\n`);
  writeAtomic(
    'reports/mutation/survivors.md',
    [
      `# Surviving mutants (${left.length})`,
      '',
      `Score ${summary.score}; ${summary.scoreWithoutEquivalents} without the ${total.equivalent} listed equivalent mutants (${EQUIVALENT}).`,
      '',
      '| where | status | mutator | replacement |',
      '|---|---|---|---|',
      ...left,
      '',
    ].join('\n'),
  );
  if (!complete)
    process.stdout.write(
      `a run cut short: ${summary.mutants} mutants tested so far (${RESULTS}); no ${REPORT}\n`,
    );
  process.stdout.write(
    `mutation score ${summary.score} (${total.detected} detected, ${total.survived} survived, ${total.noCoverage} without coverage, ${total.equivalent} listed as equivalent); ${summary.scoreWithoutEquivalents} without the equivalents\n`,
  );
  for (const r of summary.files)
    process.stdout.write(
      `  ${r.file.padEnd(34)} ${String(r.scoreWithoutEquivalents).padStart(6)}  (${r.survived} survived, ${r.noCoverage} no coverage, ${r.equivalent} equivalent)\n`,
    );
  process.stdout.write('reports/mutation/summary.json, reports/mutation/survivors.md\n');
  if (summary.stale.length > 0) {
    for (const e of summary.stale)
      process.stderr.write(
        `${EQUIVALENT}: ${e.file}:${e.line} ${e.mutator} "${e.replacement}" matches no surviving mutant; remove it\n`,
      );
    return 1;
  }
  return 0;
}

process.exitCode = main();
