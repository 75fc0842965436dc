// A StrykerJS reporter that appends each mutant no test killed to
// reports/mutation/survivors.jsonl as soon as it is known, so triage can start while a long
// run is still going. The full reports (mutation.json, mutation.html) still come at the end.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { declareClassPlugin, PluginKind } from '@stryker-mutator/api/plugin';

const FILE = 'reports/mutation/survivors.jsonl';

class SurvivorLog {
  onDryRunCompleted() {
    mkdirSync('reports/mutation', { recursive: true });
    writeFileSync(FILE, '');
  }

  onMutantTested(m) {
    if (m.status !== 'Survived' && m.status !== 'NoCoverage') return;
    const line = {
      id: m.id,
      status: m.status,
      file: m.fileName,
      line: m.location.start.line,
      column: m.location.start.column,
      mutator: m.mutatorName,
      replacement: m.replacement,
    };
    appendFileSync(FILE, `${JSON.stringify(line)}\n`);
  }
}

export const strykerPlugins = [
  declareClassPlugin(PluginKind.Reporter, 'survivor-log', SurvivorLog),
];
