// A StrykerJS reporter that writes what a run knows the moment it knows it, so that triage can
// start while a long run is going and a run cut short still leaves what it measured (npm run
// mutation:summary reads these when mutation.json is missing or older than the plan):
// - reports/mutation/plan.json, once the mutants are planned: every mutant of the run with the
//   source of its file, shaped as StrykerJS's JSON report (lines and columns from 1), status
//   Pending unless known before testing (Ignored, or reused by an incremental run);
// - reports/mutation/results.jsonl: each mutant's result as it is tested;
// - reports/mutation/survivors.jsonl: those no test killed.
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { declareClassPlugin, PluginKind } from '@stryker-mutator/api/plugin';

const DIR = 'reports/mutation';
const PLAN = `${DIR}/plan.json`;
const RESULTS = `${DIR}/results.jsonl`;
const SURVIVORS = `${DIR}/survivors.jsonl`;

const fileOf = (name) => relative(process.cwd(), name).split('\\').join('/');
// StrykerJS counts from 0 inside, from 1 in its JSON report.
const at = (p) => ({ line: p.line + 1, column: p.column + 1 });

class SurvivorLog {
  onDryRunCompleted() {
    mkdirSync(DIR, { recursive: true });
    writeFileSync(RESULTS, '');
    writeFileSync(SURVIVORS, '');
  }

  onMutationTestingPlanReady({ mutantPlans }) {
    const files = {};
    for (const { mutant: m } of mutantPlans) {
      const file = fileOf(m.fileName);
      files[file] ??= { source: readFileSync(m.fileName, 'utf8'), mutants: [] };
      files[file].mutants.push({
        id: m.id,
        mutatorName: m.mutatorName,
        replacement: m.replacement,
        status: m.status ?? 'Pending',
        location: { start: at(m.location.start), end: at(m.location.end) },
      });
    }
    mkdirSync(DIR, { recursive: true });
    const tmp = `${PLAN}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ files })}\n`);
    renameSync(tmp, PLAN);
  }

  onMutantTested(m) {
    const start = at(m.location.start);
    const line = `${JSON.stringify({
      id: m.id,
      status: m.status,
      file: fileOf(m.fileName),
      line: start.line,
      column: start.column,
      mutator: m.mutatorName,
      replacement: m.replacement,
    })}\n`;
    appendFileSync(RESULTS, line);
    if (m.status === 'Survived' || m.status === 'NoCoverage') appendFileSync(SURVIVORS, line);
  }
}

export const strykerPlugins = [
  declareClassPlugin(PluginKind.Reporter, 'survivor-log', SurvivorLog),
];
