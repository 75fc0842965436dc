// report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched) with
// the run's tables, and per counterexample a swimlane timeline, an RPO-lag chart and the
// printed story. Every interpolated value goes through escapeHtml via the `h` template, so
// names from a setup or the model are shown as text, never parsed as markup.
import type { ReplicationEvent, ReplicationSetup } from '../../model/replication/types.ts';
import type { WorldEvent, WorldSetup } from '../../model/world/world.ts';
import { type CounterexampleRecord, renderCounterexample } from '../harness.ts';
import { tunnelSvg } from '../tunnel/diagram.ts';
import { escapeHtml } from './escape.ts';
import { coverageText, runLine, tallyLine } from './markdown.ts';
import { mermaidSequence } from './mermaid.ts';
import { type RpoLag, rpoLag, rpoLagWorld } from './rpo.ts';
import type { CounterexampleEntry, Summary } from './summary.ts';
import { LANES, type Lane, timelineOf } from './timeline.ts';

/** Markup already built by `h`: the only thing interpolated without escaping. */
class Markup {
  constructor(readonly html: string) {}
}

function show(v: unknown): string {
  if (v instanceof Markup) return v.html;
  if (Array.isArray(v)) return v.map(show).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(v);
}

/** Builds markup; every interpolated value is escaped unless it is markup itself. */
function h(strings: TemplateStringsArray, ...values: unknown[]): Markup {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += show(v) + (strings[i + 1] ?? '');
  });
  return new Markup(out);
}

/** Coordinates rounded for a compact file; they are computed here, never read from input. */
const n = (x: number) => Math.round(x * 10) / 10;

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;background:#fff}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{font-size:15px;margin:24px 0 8px}
.meta{color:#59636e}.tally{font-weight:600;margin:8px 0 16px}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
.st{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;font-weight:600}
.passed{background:#dafbe1;color:#116329}.failed{background:#ffebe9;color:#a40e26}.interrupted{background:#fff8c5;color:#7d4e00}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:12px;overflow:auto;font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f6f8fa;padding:1px 4px;border-radius:4px}
.cex{border:1px solid #d0d7de;border-radius:8px;padding:8px 16px 16px;margin:16px 0}
.figure{overflow-x:auto;margin:8px 0}
ol.steps{columns:2;font:12.5px ui-monospace,SFMono-Regular,Menlo,monospace;margin:4px 0}
ol.steps li{break-inside:avoid}ol.steps li.failing{color:#a40e26;font-weight:700}
svg text{font:12px system-ui,sans-serif}svg .lbl{fill:#59636e}svg .num{font-weight:700;fill:#fff;text-anchor:middle}
`;

const LANE_H = 40;
const LABEL_W = 120;
const STEP_W = 44;
const HEAD = 26;

/** The swimlane: one lane per role, each event a numbered mark in its lane, the failing
 * step in red with its column shaded. */
export function timelineSvg(rec: CounterexampleRecord): Markup {
  const steps = timelineOf(rec);
  // Short stories (or none, a layout judged as given) still get room for the caption.
  const cols = Math.max(steps.length, 10);
  const width = LABEL_W + cols * STEP_W + 16;
  const height = HEAD + LANES.length * LANE_H + 8;
  const laneY = (l: Lane) => HEAD + LANES.findIndex((x) => x.id === l) * LANE_H + LANE_H / 2;
  const colX = (step: number) => LABEL_W + (step - 0.5) * STEP_W;
  const lanes = LANES.map(
    (l, i) =>
      h`<rect x="0" y="${n(HEAD + i * LANE_H)}" width="${width}" height="${LANE_H}" fill="${i % 2 ? '#ffffff' : '#f6f8fa'}"/><text class="lbl" x="8" y="${n(HEAD + i * LANE_H + LANE_H / 2 + 4)}">${l.label}</text>`,
  );
  const marks = steps.map((t) => {
    const x = colX(t.step);
    const y = laneY(t.lane);
    const fill = t.failing ? '#cf222e' : '#0969da';
    const band = t.failing
      ? h`<rect x="${n(x - STEP_W / 2)}" y="${HEAD}" width="${STEP_W}" height="${LANES.length * LANE_H}" fill="#ffebe9" opacity="0.8"/><text x="${n(x)}" y="16" text-anchor="middle" fill="#cf222e" font-weight="700">${rec.violation.invariant}</text>`
      : h``;
    const arrow = t.flow
      ? h`<line x1="${n(x)}" y1="${n(laneY(t.flow[0]))}" x2="${n(x)}" y2="${n(laneY(t.flow[1]) - 14)}" stroke="${fill}" stroke-width="2" marker-end="url(#arrow-${t.failing ? 'red' : 'blue'})"/>`
      : h``;
    return {
      band,
      mark: h`<g class="event${t.failing ? ' failing' : ''}">${arrow}<circle cx="${n(x)}" cy="${n(y)}" r="${t.failing ? 14 : 12}" fill="${fill}" stroke="${t.failing ? '#82071e' : '#ffffff'}" stroke-width="${t.failing ? 3 : 1}"><title>${t.step}. ${t.text}</title></circle><text class="num" x="${n(x)}" y="${n(y + 4)}">${t.step}</text></g>`,
    };
  });
  const empty =
    steps.length === 0
      ? h`<text x="${LABEL_W + 8}" y="${HEAD + 16}" fill="#cf222e">${rec.violation.invariant} fails in the configuration as given (no events)</text>`
      : h``;
  return h`<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="timeline of ${rec.id}">
<defs><marker id="arrow-blue" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#0969da"/></marker><marker id="arrow-red" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#cf222e"/></marker></defs>
${lanes}${marks.map((m) => m.band)}${marks.map((m) => m.mark)}${empty}</svg>`;
}

/** The smallest 1, 2 or 5 times a power of ten at or above x: round axis labels. */
function niceCeil(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  return ([1, 2, 5, 10].find((m) => m * p >= x) ?? 10) * p;
}

const SERIES_COLORS = ['#0969da', '#8250df', '#1a7f37', '#bc4c00', '#bf3989'];

/** Minutes since the latest instance was committed, after each step, per VM; the RPO as a
 * dashed line; the failing step as a red rule. */
export function rpoSvg(lag: RpoLag, failingStep: number): Markup {
  const W = 680;
  const H = 230;
  const L = 52;
  const R = 150;
  const T = 16;
  const B = 40;
  const steps = Math.max(lag.clock.length - 1, 1);
  const values = lag.series.flatMap((s) => [
    ...s.lag.filter((x): x is number => x !== null),
    s.rpoMinutes ?? 0,
  ]);
  const maxY = niceCeil(Math.max(1, ...values) * 1.05);
  const x = (k: number) => L + (k * (W - L - R)) / steps;
  const y = (m: number) => T + (1 - m / maxY) * (H - T - B);
  const every = Math.max(1, Math.ceil(steps / 20));
  const xTicks = Array.from({ length: steps + 1 }, (_, k) => k).filter(
    (k) => k % every === 0 || k === steps,
  );
  const yTicks = [0, maxY / 4, maxY / 2, (3 * maxY) / 4, maxY];
  const axes = h`<line x1="${L}" y1="${n(y(0))}" x2="${W - R}" y2="${n(y(0))}" stroke="#59636e"/><line x1="${L}" y1="${T}" x2="${L}" y2="${n(y(0))}" stroke="#59636e"/>
${xTicks.map((k) => h`<line x1="${n(x(k))}" y1="${n(y(0))}" x2="${n(x(k))}" y2="${n(y(0) + 4)}" stroke="#59636e"/><text class="lbl" x="${n(x(k))}" y="${n(y(0) + 16)}" text-anchor="middle">${k}</text>`)}
${yTicks.map((m) => h`<line x1="${L - 4}" y1="${n(y(m))}" x2="${L}" y2="${n(y(m))}" stroke="#59636e"/><text class="lbl" x="${L - 6}" y="${n(y(m) + 4)}" text-anchor="end">${Math.round(m * 10) / 10}</text>`)}
<text class="lbl" x="${n((L + W - R) / 2)}" y="${H - 6}" text-anchor="middle">after step</text><text class="lbl" transform="translate(14 ${n((T + H - B) / 2)}) rotate(-90)" text-anchor="middle">lag (min)</text>`;
  const fail =
    failingStep > 0
      ? h`<line x1="${n(x(failingStep))}" y1="${T}" x2="${n(x(failingStep))}" y2="${n(y(0))}" stroke="#cf222e" stroke-dasharray="4 3"/>`
      : h``;
  const series = lag.series.map((s, i) => {
    const color = SERIES_COLORS[i % SERIES_COLORS.length] ?? '#0969da';
    const runs: [number, number][][] = [];
    let cur: [number, number][] = [];
    s.lag.forEach((m, k) => {
      if (m === null) {
        if (cur.length) runs.push(cur);
        cur = [];
      } else cur.push([k, m]);
    });
    if (cur.length) runs.push(cur);
    const lines = runs.map(
      (pts) =>
        h`<polyline class="lag" fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([k, m]) => `${n(x(k))},${n(y(m))}`).join(' ')}"/>${pts.map(([k, m]) => h`<circle class="lag-point" cx="${n(x(k))}" cy="${n(y(m))}" r="3" fill="${color}"><title>${s.vm} after step ${k}: ${m} min</title></circle>`)}`,
    );
    const rpo =
      s.rpoMinutes !== null
        ? h`<line class="rpo-line" x1="${L}" y1="${n(y(s.rpoMinutes))}" x2="${W - R}" y2="${n(y(s.rpoMinutes))}" stroke="${color}" stroke-dasharray="6 4" opacity="0.7"/>`
        : h``;
    const legendY = T + 8 + i * 34;
    const legend = h`<line x1="${W - R + 12}" y1="${legendY}" x2="${W - R + 32}" y2="${legendY}" stroke="${color}" stroke-width="2"/><text x="${W - R + 38}" y="${legendY + 4}">${s.vm}</text><text class="lbl" x="${W - R + 38}" y="${legendY + 18}">${s.rpoMinutes !== null ? `RPO ${s.rpoMinutes} min` : 'not configured'}</text>`;
    return h`${rpo}${lines}${legend}`;
  });
  const none = lag.series.every((s) => s.lag.every((m) => m === null))
    ? h`<text class="lbl" x="${n((L + W - R) / 2)}" y="${n((T + H - B) / 2)}" text-anchor="middle">no instance committed in this story</text>`
    : h``;
  return h`<svg class="rpo" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="RPO lag">${axes}${fail}${series}${none}</svg>`;
}

function steps(rec: CounterexampleRecord): Markup {
  if (rec.events.length === 0) return h``;
  return h`<ol class="steps">${timelineOf(rec).map((t) => h`<li class="${t.failing ? 'failing' : ''}">${t.text}${t.failing ? ` <- ${rec.violation.invariant}` : ''}</li>`)}</ol>`;
}

function story(rec: CounterexampleRecord, file?: string): Markup {
  const chart =
    rec.area === 'replication' || rec.area === 'world'
      ? h`<h4>RPO lag</h4><div class="figure">${rpoSvg(
          rec.area === 'world'
            ? rpoLagWorld(rec.setup as WorldSetup, rec.variant, rec.events as WorldEvent[])
            : rpoLag(rec.setup as ReplicationSetup, rec.variant, rec.events as ReplicationEvent[]),
          rec.violation.step,
        )}</div>`
      : h``;
  // The cloud tunnel draws who dialled whom instead of the replication lanes.
  const figure =
    rec.area === 'tunnel'
      ? h`<h4>Who dialled whom</h4><div class="figure">${new Markup(tunnelSvg(rec))}</div>`
      : h`<div class="figure">${timelineSvg(rec)}</div>`;
  return h`${figure}${steps(rec)}${chart}
<pre>${renderCounterexample(rec, file)}</pre>
<details><summary>Mermaid source</summary><pre>${mermaidSequence(rec)}</pre></details>`;
}

function counterexample(c: CounterexampleEntry): Markup {
  return h`<section class="cex" id="cex-${c.id}"><h3>${c.id}: ${c.title}</h3>
<p class="meta">variant ${c.variant}; corpus: ${c.corpus}; replay: <code>${c.replay}</code></p>
${story(c, c.replayPath)}</section>`;
}

const badge = (status: string) => h`<span class="st ${status}">${status}</span>`;

export function reportHtml(s: Summary): string {
  const props = s.properties.map(
    (p) =>
      h`<tr><td>${p.title}</td><td>${p.kind}</td><td>${badge(p.status)}</td><td class="num">${p.numRuns}</td><td class="num">${p.numShrinks}</td><td class="num">${p.durationMs}</td><td>${coverageText(p)}</td><td>${p.counterexample ? h`<a href="#cex-${p.counterexample}">${p.counterexample}</a>` : ''}</td></tr>`,
  );
  const scenarios =
    s.scenarios.length === 0
      ? h``
      : h`<h2>Seed layouts</h2><table><tr><th>scenario</th><th>verdict</th><th>expected</th><th>judged</th><th>flow</th></tr>${s.scenarios.map(
          (x) =>
            h`<tr><td>${x.name}</td><td>${x.verdict}</td><td>${x.expected}</td><td>${badge(x.verdict === x.expected ? 'passed' : 'failed')}</td><td>${x.flow ?? ''}</td></tr>`,
        )}</table>${s.scenarios.map((x) =>
          x.story
            ? h`<section class="cex"><h3>${x.name}</h3><p class="meta">${x.story.title}</p>${story(x.story)}</section>`
            : h``,
        )}`;
  const zoo =
    s.zoo.status === 'ran' || s.zoo.note
      ? h`<h2>Defect zoo (self-check)</h2>${s.zoo.note ? h`<p class="meta">${s.zoo.note}</p>` : ''}${
          s.zoo.variants.length > 0
            ? h`<table><tr><th>variant</th><th>caught</th><th>by</th><th>runs</th><th>ms</th></tr>${s.zoo.variants.map(
                (z) =>
                  h`<tr><td>${z.variant}</td><td>${badge(z.caught ? 'passed' : 'failed')}</td><td>${z.caughtBy.join(', ')}</td><td class="num">${z.runs}</td><td class="num">${z.ms}</td></tr>`,
              )}</table>`
            : ''
        }`
      : h``;
  const page = h`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>hbr-verify: ${s.mergedFrom ? 'merged ' : ''}property run ${s.startedAt}</title><style>${new Markup(CSS)}</style></head>
<body><main>
<h1>hbr-verify property run${s.mergedFrom ? ' (merged)' : ''}</h1>
<p class="meta">${runLine(s)}</p>
<p class="tally">${tallyLine(s)}</p>
<h2>Properties</h2>
<table><tr><th>property</th><th>kind</th><th>status</th><th>runs</th><th>shrinks</th><th>ms</th><th>coverage</th><th>counterexample</th></tr>${props}</table>
${scenarios}${zoo}
<h2>Counterexamples (${s.counterexamples.length})</h2>
${s.counterexamples.length === 0 ? h`<p>No counterexamples.</p>` : s.counterexamples.map(counterexample)}
</main></body></html>
`;
  return page.html;
}
