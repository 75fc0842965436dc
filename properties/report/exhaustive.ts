// The "Exhaustive" section of summary.md and report.html, rendered from the summary's
// exhaustive rows: per explored scope the verdict and what it covered, TLC's statistics, the
// witnesses, and a link to its counterexample.

import type { ExhaustiveReport, ExhaustiveRow } from '../explore/summary.ts';
import { outOfScopeText } from '../explore/summary.ts';
import { escapeHtml, mdCell } from './escape.ts';

const int = (n: number) => n.toLocaleString('en-US');

/** The verdict in words: what holds for how much, or what broke, or why it stopped. */
export function verdictText(r: ExhaustiveRow): string {
  const checks = r.checked.map((c) => c.property).join(', ');
  const size = r.stats
    ? `${int(r.stats.distinct)} distinct states`
    : `${int(r.enumeration?.checked ?? 0)} of ${int(r.enumeration?.size ?? 0)} configurations`;
  if (r.counterexample)
    return `violated: counterexample ${r.counterexample} (${r.traceLength} events, the shortest in scope)`;
  const missed = r.witnesses.filter((w) => w.states === 0 && !outOfScopeText(r, w));
  if (r.exhausted && missed.length > 0)
    return `${checks} hold for all ${size}, but goal(s) never reached: ${missed.map((w) => `${w.property} ${w.goal}`).join('; ')}`;
  if (r.exhausted && r.shards)
    return `${checks} hold for every state of the scope (exhausted by ${r.shards} shards; ${size} counted, a state two shards reach counted by each)`;
  if (r.exhausted && r.shard)
    return `${checks} hold for all ${size} of shard ${r.shard}'s part of the scope (that part exhausted)`;
  if (r.exhausted) return `${checks} hold for all ${size} (exhausted)`;
  return `not exhausted (stopped by ${r.bound}): ${checks} hold for the ${size} visited`;
}

function statsCells(r: ExhaustiveRow): string[] {
  const s = r.stats;
  if (s)
    return [
      int(s.distinct),
      int(s.generated),
      String(s.depth),
      int(s.queue),
      `${s.outdegree.min}/${s.outdegree.mean}/${s.outdegree.max}/${s.outdegree.p95}`,
      String(s.symmetryRatio),
      s.collisionProbability.toExponential(1),
      (s.ms / 1000).toFixed(1),
      int(s.distinctPerSec),
    ];
  const e = r.enumeration;
  return [
    `${int(e?.checked ?? 0)} of ${int(e?.size ?? 0)} configs`,
    '-',
    '-',
    '-',
    '-',
    '-',
    '-',
    ((e?.ms ?? 0) / 1000).toFixed(1),
    int(e?.perSec ?? 0),
  ];
}

const HEAD = [
  'scope',
  'variant',
  'verdict',
  'distinct',
  'generated',
  'depth',
  'queue',
  'outdegree min/mean/max/p95',
  'symmetry',
  'collision p',
  's',
  'per s',
];

function details(r: ExhaustiveRow): string[] {
  const out = [
    `${r.area}/${r.scope}${r.shards ? ` (${r.shards} shards summed)` : ''}: ${r.description}`,
  ];
  const w = r.witnesses
    .map(
      (x) =>
        `${x.property} ${x.goal}: ${int(x.states)}${x.states === 0 && outOfScopeText(r, x) ? ' (out of scope)' : ''}`,
    )
    .join('; ');
  if (w) out.push(`witnesses: ${w}`);
  if (r.stats?.neverEnabled.length) out.push(`never enabled: ${r.stats.neverEnabled.join(', ')}`);
  if (r.enumeration) out.push(`scope size: ${r.enumeration.dimensions}`);
  for (const [k, v] of Object.entries(r.extra ?? {})) out.push(`${k}: ${v}`);
  return out;
}

/** The section's Markdown lines (none when the run has no exhaustive part). */
export function exhaustiveMarkdown(x: ExhaustiveReport | undefined): string[] {
  if (!x) return [];
  const lines = ['', '## Exhaustive exploration', ''];
  if (x.note) lines.push(mdCell(x.note), '');
  if (x.runs.length === 0) return lines;
  lines.push(
    `| ${HEAD.join(' | ')} |`,
    `|${HEAD.map((_, i) => (i >= 3 ? '---:' : '---')).join('|')}|`,
    ...x.runs.map(
      (r) =>
        `| ${mdCell(`${r.area}/${r.scope}`)} | ${mdCell(r.variant)} | ${mdCell(verdictText(r))} | ${statsCells(r).map(mdCell).join(' | ')} |`,
    ),
  );
  for (const r of x.runs) lines.push('', ...details(r).map((l) => `- ${mdCell(l)}`));
  return lines;
}

/** The section as HTML, every value escaped (the caller inserts it as markup). */
export function exhaustiveHtml(x: ExhaustiveReport | undefined): string {
  if (!x) return '';
  const e = escapeHtml;
  const cls = (r: ExhaustiveRow) =>
    r.status === 'passed' ? 'passed' : r.status === 'failed' ? 'failed' : 'interrupted';
  const rows = x.runs
    .map(
      (r) =>
        `<tr><td>${e(`${r.area}/${r.scope}`)}</td><td>${e(r.variant)}</td><td><span class="st ${cls(r)}">${e(r.status)}</span> ${r.counterexample ? `<a href="#cex-${e(r.counterexample)}">${e(verdictText(r))}</a>` : e(verdictText(r))}</td>${statsCells(
          r,
        )
          .map((c) => `<td class="num">${e(c)}</td>`)
          .join('')}</tr>`,
    )
    .join('');
  const notes = x.runs.map((r) => `<li>${details(r).map(e).join('<br>')}</li>`).join('');
  return `<h2>Exhaustive exploration</h2>${x.note ? `<p class="meta">${e(x.note)}</p>` : ''}${
    x.runs.length > 0
      ? `<table class="exhaustive"><tr>${HEAD.map((h) => `<th>${e(h)}</th>`).join('')}</tr>${rows}</table><ul class="meta">${notes}</ul>`
      : ''
  }`;
}

/** True iff an exhaustive run found a violation or left a goal unreached. */
export function exhaustiveFailed(x: ExhaustiveReport | undefined): boolean {
  return x?.runs.some((r) => r.status === 'failed') === true;
}
