// A StrykerJS reporter that writes each mutant's result the moment it is known:
// reports/mutation/results.jsonl (every mutant) and reports/mutation/survivors.jsonl (those no
// test killed). Triage can start while a long run is going, and a run cut short still leaves
// what it measured (npm run mutation:summary reads results.jsonl when mutation.json is absent).
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { declareClassPlugin, PluginKind } from '@stryker-mutator/api/plugin';

const DIR = 'reports/mutation';
const RESULTS = `${DIR}/results.jsonl`;
const SURVIVORS = `${DIR}/survivors.jsonl`;

class SurvivorLog {
  onDryRunCompleted() {
    mkdirSync(DIR, { recursive: true });
    writeFileSync(RESULTS, '');
    writeFileSync(SURVIVORS, '');
  }

  onMutantTested(m) {
    const line = `${JSON.stringify({
      id: m.id,
      status: m.status,
      file: m.fileName,
      line: m.location.start.line,
      column: m.location.start.column,
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
