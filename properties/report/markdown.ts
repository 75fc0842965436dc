// summary.md and <id>.md, rendered from the summary object: what failed, the tables, then each
// story (counterexample or found layout, with its fix) as its printed text and a Mermaid
// sequence diagram.
import { type CounterexampleRecord, renderCounterexample } from '../harness.ts';
import { depthText, goalsText } from './depth.ts';
import { mdCell, mdFence } from './escape.ts';
import { exhaustiveMarkdown } from './exhaustive.ts';
import { mermaidSequence } from './mermaid.ts';
import { type CounterexampleEntry, type LayoutFix, type Summary, tally } from './summary.ts';
import { coveredText, type Failure, failedAndFound, variantLines } from './verdicts.ts';

export function runLine(s: Summary): string {
  const parts = [
    `${s.startedAt} to ${s.finishedAt}`,
    `status ${s.status}`,
    `budget ${s.budgetSeconds} s`,
    `fast-check ${s.fastCheckVersion}`,
    `seed ${s.seed}`,
    `variant ${s.variant}`,
  ];
  if (s.shard) parts.push(`shard ${s.shard}`);
  if (s.only) parts.push(`only ${s.only.join(',')}`);
  return parts.join('; ');
}

export function tallyLine(s: Summary): string {
  const t = tally(s);
  return `${t.passed} passed, ${t.failed} failed, ${t.interrupted} interrupted; ${t.counterexamples} counterexample(s), ${t.fresh} not in the corpus`;
}

/** The printed story of one counterexample, as replay prints it, and its diagram. */
export function counterexampleMarkdown(c: CounterexampleEntry): string {
  return [
    `# ${c.id}: ${c.property} (${c.variant})`,
    '',
    mdFence(renderCounterexample(c, c.replayPath)),
    '',
    mdFence(mermaidSequence(c), 'mermaid'),
    '',
  ].join('\n');
}

function story(rec: CounterexampleRecord, file?: string): string[] {
  return [mdFence(renderCounterexample(rec, file)), '', mdFence(mermaidSequence(rec), 'mermaid')];
}

function fixLines(fix: LayoutFix | undefined): string[] {
  if (!fix) return [];
  const by =
    fix.by === 'advisor'
      ? 'The verified fix, as the advisor computes it:'
      : 'The verified fix, as `npm run check` prints it for these hosts:';
  return [
    '',
    by,
    ...fix.findings.flatMap((f) => [
      '',
      `- ${mdCell(f.host)}: ${mdCell(f.message)}`,
      '',
      f.commands.length > 0
        ? mdFence(f.commands.join('\n'), 'sh')
        : mdCell(f.note ?? 'no fix verified'),
      ...f.steps.map((x) => `- then: ${mdCell(x)}`),
    ]),
  ];
}

export function summaryMarkdown(s: Summary): string {
  const lines = [
    s.mergedFrom ? '# Property run (merged)' : '# Property run',
    '',
    mdCell(runLine(s)),
    '',
    `**${tallyLine(s)}**`,
    '',
    ...variantLines(s).flatMap((l) => [mdCell(l), '']),
    ...failureLines(s),
    '',
    '## Properties',
    '',
    '| property | kind | status | depth | ms | goals reached |',
    '|---|---|---|---|---:|---|',
    ...s.properties.map(
      (p) =>
        `| ${mdCell(p.title)} | ${p.kind} | ${p.status} | ${mdCell(depthText(p))} | ${p.durationMs} | ${mdCell(goalsText(p))} |`,
    ),
  ];
  if (s.properties.some((p) => p.status === 'interrupted')) {
    lines.push(
      '',
      'An interrupted property was stopped by the budget (or a signal) before it made the runs npm test makes: not a failure, not a pass. Raise `--budget`.',
    );
  }
  if (s.scenarios.length > 0) {
    lines.push(
      '',
      '## Seed layouts',
      '',
      '| scenario | verdict | expected | flow |',
      '|---|---|---|---|',
      ...s.scenarios.map(
        (x) => `| ${mdCell(x.name)} | ${x.verdict} | ${x.expected} | ${mdCell(x.flow ?? '')} |`,
      ),
    );
    for (const x of s.scenarios) {
      if (x.story)
        lines.push('', `### ${mdCell(x.name)}`, '', ...story(x.story), ...fixLines(x.fix));
    }
  }
  if (s.zoo.status === 'ran' || s.zoo.note) {
    lines.push('', '## Defect zoo (self-check)', '');
    if (s.zoo.note) lines.push(mdCell(s.zoo.note), '');
    if (s.zoo.variants.length > 0) {
      lines.push(
        '| variant | caught | by | runs | ms |',
        '|---|---|---|---:|---:|',
        ...s.zoo.variants.map(
          (z) =>
            `| ${mdCell(z.variant)} | ${z.caught ? 'yes' : '**NO**'} | ${mdCell(z.caughtBy.join(', '))} | ${z.runs} | ${z.ms} |`,
        ),
      );
    }
  }
  lines.push(...exhaustiveMarkdown(s.exhaustive));
  lines.push(
    '',
    s.counterexamples.length === 0
      ? 'No counterexamples.'
      : `## Counterexamples (${s.counterexamples.length})`,
  );
  for (const c of s.counterexamples) {
    lines.push(
      '',
      `### ${mdCell(c.id)}: ${mdCell(c.property)} (corpus: ${c.corpus})`,
      '',
      ...story(c, c.replayPath),
    );
  }
  for (const p of s.properties.filter((x) => x.kind === 'sometimes' && x.status !== 'passed')) {
    lines.push('', `Reachability twin ${mdCell(p.id)} reached: ${mdCell(goalsText(p))}`);
  }
  return `${lines.join('\n')}\n`;
}

/** What failed, then the layouts found as their sources document them (not failures). */
function failureLines(s: Summary): string[] {
  const covered = `Covered: ${mdCell(coveredText(s))}.`;
  const { failed, found } = failedAndFound(s);
  const line = (f: Failure) => `- ${f.note}: ${mdCell(f.what)}: ${mdCell(f.verdict)}`;
  return [
    failed.length === 0 ? 'Nothing failed.' : '## What failed',
    '',
    ...failed.map(line),
    ...(failed.length > 0 ? [''] : []),
    ...(found.length > 0
      ? [`### Found, as documented (${found.length})`, '', ...found.map(line), '']
      : []),
    covered,
  ];
}
