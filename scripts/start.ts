// npm start -- [--budget SECONDS] [--seed S] [--out DIR]
// Runs every registered property against the correct model, deeper than npm test and within
// a time budget, and writes summary.json, summary.md and one file per counterexample.
// Exit 0 when nothing failed, 1 when a property or a seed layout failed, 2 on a usage error.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CORRECT } from '../model/variants.ts';
import {
  chooseSeed,
  FAST_CHECK_VERSION,
  type PropertyResult,
  propertySeed,
  renderCounterexample,
  replayCommand,
  runProperty,
  writeAtomic,
} from '../properties/harness.ts';
import { judge, NET_SCENARIOS, scenarioCase } from '../properties/network/scenarios.ts';
import { PROPERTIES, propertyById } from '../properties/registry.ts';
import { usageError } from './cli.ts';

const USAGE = 'npm start -- [--budget SECONDS] [--seed S] [--out DIR]';
/** How many times npm test's runs a property may get, time permitting. */
const DEPTH = 20;

interface Summary {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly budgetSeconds: number;
  readonly fastCheckVersion: string;
  readonly seed: number;
  readonly properties: readonly object[];
  readonly scenarios: readonly ScenarioRow[];
  readonly counterexamples: readonly object[];
}

interface ScenarioRow {
  readonly name: string;
  readonly verdict: 'found' | 'clean';
  readonly expected: 'found' | 'clean';
  readonly flow?: string;
}

function parse() {
  try {
    return parseArgs({
      options: { budget: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } },
      allowPositionals: false,
    }).values;
  } catch (e) {
    return usageError('start', (e as Error).message, USAGE);
  }
}

/** A found seed layout told as a counterexample of the property it breaks. */
function scenarioStory(name: string): string | undefined {
  const sc = NET_SCENARIOS.find((x) => x.name === name);
  const def = sc?.property ? propertyById(sc.property) : undefined;
  if (!sc || !def?.check) return undefined;
  const c = scenarioCase(sc);
  const violation = def.check(c, CORRECT);
  if (!violation) return undefined;
  return renderCounterexample({
    id: name,
    property: def.id,
    title: `${def.title} (${sc.source} layout ${name})`,
    invariants: def.invariants,
    variant: CORRECT.name,
    area: def.area,
    setup: c.setup,
    events: c.events,
    violation,
    seed: 0,
    path: 'fixture',
    fastCheckVersion: FAST_CHECK_VERSION,
  });
}

function markdown(
  s: Summary,
  results: readonly PropertyResult[],
  files: Map<string, string>,
): string {
  const lines = [
    '# Property run',
    '',
    `${s.startedAt} to ${s.finishedAt}; budget ${s.budgetSeconds} s; fast-check ${s.fastCheckVersion}; seed ${s.seed}`,
    '',
    '| property | kind | status | runs | shrinks | ms |',
    '|---|---|---|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.title.replace(/\|/g, '\\|')} | ${r.kind} | ${r.status} | ${r.numRuns} | ${r.numShrinks} | ${r.durationMs} |`,
    ),
  ];
  lines.push(
    '',
    '## Seed layouts',
    '',
    '| scenario | verdict | expected | flow |',
    '|---|---|---|---|',
  );
  for (const sc of s.scenarios) {
    lines.push(
      `| ${sc.name} | ${sc.verdict} | ${sc.expected} | ${(sc.flow ?? '').replace(/\|/g, '\\|')} |`,
    );
  }
  for (const sc of s.scenarios.filter((x) => x.verdict === 'found')) {
    const story = scenarioStory(sc.name);
    if (story) lines.push('', `### ${sc.name}`, '', '```', story, '```');
  }
  const failed = results.filter((r) => r.counterexample);
  lines.push(
    '',
    failed.length === 0 ? 'No counterexamples.' : `## Counterexamples (${failed.length})`,
  );
  for (const r of failed) {
    const c = r.counterexample;
    if (!c) continue;
    lines.push(
      '',
      `### ${c.id}: ${c.property}`,
      '',
      '```',
      renderCounterexample(c, files.get(c.id)),
      '```',
    );
  }
  for (const r of results.filter((x) => x.kind === 'sometimes' && x.status !== 'passed')) {
    lines.push('', `Reachability twin ${r.id} reached: ${JSON.stringify(r.reached)}`);
  }
  return `${lines.join('\n')}\n`;
}

function main(): void {
  const args = parse();
  const budget = args.budget === undefined ? 60 : Number(args.budget);
  if (!Number.isFinite(budget) || budget <= 0) {
    usageError('start', `--budget takes a positive number of seconds, got "${args.budget}"`, USAGE);
  }
  if (args.seed !== undefined && !/^-?\d+$/.test(args.seed)) {
    usageError('start', `--seed takes an integer, got "${args.seed}"`, USAGE);
  }
  const seed = args.seed !== undefined ? Number(args.seed) : chooseSeed();
  const out = args.out ?? join('reports', 'latest');
  const startedAt = new Date().toISOString();
  const perProperty = Math.max(1, Math.floor((budget * 1000) / PROPERTIES.length));
  process.stdout.write(
    `running ${PROPERTIES.length} properties, ${budget} s budget, fast-check seed ${seed}\n`,
  );
  const results: PropertyResult[] = [];
  const files = new Map<string, string>();
  for (const def of PROPERTIES) {
    const r = runProperty(def, {
      variant: CORRECT,
      seed: propertySeed(seed, def.id),
      numRuns: def.numRuns * DEPTH,
      timeLimitMs: perProperty,
    });
    // A time-boxed run that still did at least npm test's runs counts as a pass.
    const status = r.status === 'interrupted' && r.numRuns >= def.numRuns ? 'passed' : r.status;
    results.push({ ...r, status });
    if (r.counterexample) {
      const file = join(out, 'counterexamples', `${r.counterexample.id}.json`);
      writeAtomic(file, `${JSON.stringify(r.counterexample, null, 2)}\n`);
      files.set(r.counterexample.id, file);
      writeAtomic(
        file.replace(/\.json$/, '.md'),
        `${renderCounterexample(r.counterexample, file)}\n`,
      );
    }
    process.stdout.write(
      `  ${status.padEnd(11)} ${String(r.numRuns).padStart(6)} runs  ${r.title}\n`,
    );
  }
  const scenarios: ScenarioRow[] = NET_SCENARIOS.map((sc) => {
    const v = judge(sc, CORRECT);
    return {
      name: v.name,
      verdict: v.verdict,
      expected: v.expected,
      ...(v.flow ? { flow: v.flow } : {}),
    };
  });
  for (const sc of scenarios) {
    process.stdout.write(
      `  ${sc.verdict === sc.expected ? 'passed' : 'failed'}      scenario ${sc.name}: ${sc.verdict}\n`,
    );
  }
  const summary: Summary = {
    startedAt,
    finishedAt: new Date().toISOString(),
    budgetSeconds: budget,
    fastCheckVersion: FAST_CHECK_VERSION,
    seed,
    properties: results.map((r) => ({
      id: r.id,
      title: r.title,
      kind: r.kind,
      invariants: r.invariants,
      variant: r.variant,
      status: r.status,
      numRuns: r.numRuns,
      numShrinks: r.numShrinks,
      seed: r.seed,
      durationMs: r.durationMs,
      ...(r.reached ? { reached: r.reached } : {}),
      ...(r.counterexample
        ? { counterexample: { id: r.counterexample.id, events: r.counterexample.events } }
        : {}),
    })),
    scenarios,
    counterexamples: results.flatMap((r) => {
      const c = r.counterexample;
      if (!c) return [];
      const file = files.get(c.id) ?? '';
      return [{ ...c, replayPath: file, replay: replayCommand(file) }];
    }),
  };
  writeAtomic(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeAtomic(join(out, 'summary.md'), markdown(summary, results, files));
  // A property cut short by the budget before npm test's own run count is not a failure,
  // but it is not a pass either: it is reported apart.
  const failed =
    results.filter((r) => r.status === 'failed').length +
    scenarios.filter((x) => x.verdict !== x.expected).length;
  const interrupted = results.filter((r) => r.status === 'interrupted').length;
  const passed = results.length + scenarios.length - failed - interrupted;
  process.stdout.write(
    `${passed} passed, ${failed} failed${interrupted ? `, ${interrupted} interrupted (raise --budget)` : ''}; report in ${join(out, 'summary.md')}\n`,
  );
  process.exitCode = failed === 0 ? 0 : 1;
}

main();
