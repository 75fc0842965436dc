// report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched). First
// what failed, each with its one-sentence verdict and a link to its card; then the tables; then
// one card per story (counterexample or found layout) with the pictures its area draws, the
// swimlane, the fix or the correct model's first difference, and the printed story. Every value
// goes through the `h` template, which escapes it (markup.ts).
import { type CounterexampleRecord, renderCounterexample } from '../harness.ts';
import { type Difference, firstDifference } from './compare.ts';
import { depthText, goalsText } from './depth.ts';
import { exhaustiveHtml } from './exhaustive.ts';
import { figuresOf, laneNotes } from './figures/index.ts';
import { swimlaneSvg } from './figures/swimlane.ts';
import { runLine, tallyLine } from './markdown.ts';
import { h, type Markup, NOTHING, raw } from './markup.ts';
import { mermaidSequence } from './mermaid.ts';
import type {
  CounterexampleEntry,
  LayoutFix,
  PropertyRow,
  ScenarioRow,
  Summary,
} from './summary.ts';
import { timelineOf } from './timeline.ts';
import {
  cardAnchor,
  coveredText,
  type Failure,
  type FailureKind,
  failedAndFound,
  layoutAnchor,
  variantLines,
  verdictOf,
} from './verdicts.ts';

const CSS = `
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;background:#fff}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.panel h2,.variant h2{margin-top:8px}
h3{font-size:15px;margin:8px 0}h4{font-size:13px;margin:16px 0 4px}
p,li,td,th,h1,h2,h3,h4,figcaption,summary{overflow-wrap:anywhere}
.meta{color:#59636e}.tally{font-weight:600;margin:8px 0 16px}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th,td.word,td.num{overflow-wrap:normal}th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
.st{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;font-weight:600;white-space:nowrap}
.passed{background:#dafbe1;color:#116329}.failed{background:#ffebe9;color:#a40e26}.interrupted{background:#fff8c5;color:#7d4e00}.expected{background:#ddf4ff;color:#0550ae}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:12px;white-space:pre-wrap;overflow-wrap:anywhere;font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f6f8fa;padding:1px 4px;border-radius:4px;overflow-wrap:anywhere}
.panel{border:2px solid #cf222e;border-radius:8px;padding:8px 16px;margin:16px 0;background:#fffafa}
.panel.clean{border-color:#1a7f37;background:#f6fff8}
.panel ul{padding-left:20px;margin:8px 0}.panel li{margin:6px 0}
.variant{border:1px solid #bf8700;background:#fff8c5;border-radius:8px;padding:4px 16px;margin:16px 0}.variant ul{margin:4px 0;padding-left:20px}
.card{border:1px solid #d0d7de;border-radius:8px;padding:8px 16px 16px;margin:16px 0}
.verdict{font-size:15px;font-weight:600;color:#a40e26;margin:4px 0 8px}
figure{margin:12px 0}figcaption{color:#59636e;margin:4px 0}
svg{max-width:100%;height:auto;display:block}
svg{font:12px system-ui,sans-serif}svg .lbl{fill:#59636e}svg .num{font-weight:700;fill:#fff;text-anchor:middle}
ol.steps{font:12.5px ui-monospace,SFMono-Regular,Menlo,monospace;margin:4px 0;padding-left:32px}
ol.steps li{overflow-wrap:anywhere}ol.steps li.failing{color:#a40e26;font-weight:700}
.diff td:first-child{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px;overflow-wrap:normal}
.diff td.mine{background:#ffebe9}.diff td.theirs{background:#dafbe1}
`;

const badge = (status: string, text = status) => h`<span class="st ${status}">${text}</span>`;

function figures(rec: CounterexampleRecord): Markup[] {
  return figuresOf(rec.area).map((f) => {
    let drawn: ReturnType<typeof f.render>;
    try {
      drawn = f.render(rec);
    } catch (e) {
      // A hand-edited record in a merged report must not take the whole page down.
      return h`<p class="meta">(${f.title}: not drawn, ${(e as Error).message})</p>`;
    }
    if (!drawn) return NOTHING;
    return h`<figure class="fig fig-${f.id}"><h4>${f.title}</h4>${drawn.svg}<figcaption>${drawn.caption}</figcaption></figure>`;
  });
}

function steps(rec: CounterexampleRecord): Markup {
  if (rec.events.length === 0) {
    return h`<p class="meta">No events: ${rec.violation.invariant} fails in the configuration as given.</p>`;
  }
  // The tunnel's lanes are its parties, drawn by its sequence figure; the others get swimlanes.
  const lanes =
    rec.area === 'tunnel'
      ? NOTHING
      : h`<figure class="fig fig-timeline"><h4>Timeline</h4>${swimlaneSvg(rec, laneNotes(rec))}</figure>`;
  return h`${lanes}<ol class="steps">${timelineOf(rec).map((t) => h`<li class="${t.failing ? 'failing' : ''}">${t.text}${t.failing ? ` <- ${rec.violation.invariant}` : ''}</li>`)}</ol>`;
}

function differenceTable(d: Difference): Markup {
  const where =
    d.step === 0
      ? 'already in the setup as given, before any event'
      : h`after step ${d.step}, <code>${d.event ?? ''}</code>${d.step > 1 ? ` (the steps before leave both in the same state)` : ''}`;
  return h`<figure class="fig fig-difference"><h4>What the correct model does differently</h4><p>The same events on ${d.against}: the first difference is ${where}.</p><table class="diff"><tr><th>fact</th><th>on ${d.variant}</th><th>on ${d.against}</th></tr>${d.rows.map(
    (r) =>
      h`<tr><td>${r.label}</td><td class="mine">${r.mine ?? '(none)'}</td><td class="theirs">${r.theirs ?? '(none)'}</td></tr>`,
  )}</table></figure>`;
}

/** A variant's story beside the correct model's; `quiet`: say nothing when they agree. */
function comparison(rec: CounterexampleRecord, quiet: boolean): Markup {
  if (rec.variant === 'correct') return NOTHING;
  let d: Difference | null;
  try {
    d = firstDifference(rec, 'correct');
  } catch (e) {
    return h`<p class="meta">(comparison with the correct model not drawn: ${(e as Error).message})</p>`;
  }
  if (!d && quiet) return NOTHING;
  return d
    ? differenceTable(d)
    : h`<p class="meta">The same events leave ${rec.variant} and the correct model in the same state after every step.</p>`;
}

function fixBlock(fix: LayoutFix | undefined): Markup {
  if (!fix || fix.findings.length === 0) return NOTHING;
  const by =
    fix.by === 'advisor'
      ? 'as the advisor computes it for these hosts (applied to the model: the finding goes, none appears)'
      : 'as `npm run check` prints it for these hosts written out as esxcli output (applied to the model and seen to work)';
  return h`<figure class="fig fig-fix"><h4>The verified fix</h4><p class="meta">${by}</p>${fix.findings.map(
    (f) =>
      h`<p><b>${f.host}</b>: ${f.message}</p>${f.commands.length > 0 ? h`<pre class="fix">${f.commands.join('\n')}</pre>` : h`<p class="meta">${f.note ?? 'no fix was verified'}</p>`}${f.steps.length > 0 ? h`<ul class="steps-after">${f.steps.map((x) => h`<li>${x}</li>`)}</ul>` : NOTHING}`,
  )}</figure>`;
}

/** One story: heading, verdict, pictures, fix or difference, timeline, printed story. */
function card(
  rec: CounterexampleRecord,
  opts: {
    id: string;
    heading: string;
    meta: Markup;
    file?: string;
    fix?: LayoutFix;
    /** A seed layout: told because it is found, compared with the correct model only if they differ. */
    layout?: boolean;
  },
): Markup {
  return h`<section class="card" id="${opts.id}" data-area="${rec.area}" data-property="${rec.property}"><h3>${opts.heading}</h3>
<p class="verdict">${verdictOf(rec)}</p>
<p class="meta">${opts.meta}</p>
${figures(rec)}${fixBlock(opts.fix)}${comparison(rec, opts.layout === true)}${steps(rec)}
<h4>The printed story</h4><pre>${renderCounterexample(rec, opts.file)}</pre>
<details><summary>Mermaid source</summary><pre>${mermaidSequence(rec)}</pre></details></section>`;
}

function counterexampleCard(c: CounterexampleEntry): Markup {
  return card(c, {
    id: cardAnchor(c.id),
    heading: `${c.title}`,
    meta: h`counterexample ${c.id}; variant ${c.variant}; corpus: ${c.corpus}; replay: <code>${c.replay}</code>${c.variant !== 'correct' ? h`; compare: <code>${c.replay} --against correct</code>` : NOTHING}`,
    file: c.replayPath,
  });
}

function layoutCard(x: ScenarioRow): Markup {
  if (!x.story) return NOTHING;
  return card(x.story, {
    id: layoutAnchor(x.name),
    heading: `Layout ${x.name}${x.source ? ` (${x.source})` : ''}`,
    meta: h`${x.story.title}; judged ${x.verdict}, expected ${x.expected}`,
    layout: true,
    ...(x.fix ? { fix: x.fix } : {}),
  });
}

const TAG: Readonly<Record<FailureKind, string>> = {
  failed: 'failed',
  known: 'expected',
  found: 'expected',
  flipped: 'failed',
};

function panel(s: Summary): Markup {
  const { failed, found } = failedAndFound(s);
  const short = s.properties.filter((p) => p.status === 'interrupted');
  const shortNote =
    short.length > 0
      ? h`<p><b>Not checked to npm test's depth</b> (the budget or a signal stopped them; neither passed nor failed): ${short.map((p, i) => h`${i > 0 ? ', ' : ''}<a href="#prop-${p.id}">${p.id}</a>`)}.</p>`
      : NOTHING;
  const item = (f: Failure) =>
    h`<li data-kind="${f.kind}">${badge(TAG[f.kind], f.note)} <a href="#${f.anchor}">${f.what}</a>: <span class="why">${f.verdict}</span></li>`;
  const foundList =
    found.length > 0
      ? h`<h3>Found, as documented (${found.length})</h3><ul>${found.map(item)}</ul>`
      : NOTHING;
  return failed.length === 0
    ? h`<section class="panel clean" id="failures"><h2>Nothing failed</h2>${foundList}<p>Covered: ${coveredText(s)}.</p>${shortNote}</section>`
    : h`<section class="panel" id="failures"><h2>What failed (${failed.length})</h2><ul>${failed.map(item)}</ul>${foundList}<p class="meta">Covered: ${coveredText(s)}.</p>${shortNote}</section>`;
}

function variantBanner(s: Summary): Markup {
  const [head, ...lines] = variantLines(s);
  if (head === undefined) return NOTHING;
  return h`<section class="variant"><p><b>${head}</b></p><ul>${lines.map((l) => {
    const at = l.indexOf(': ');
    return h`<li><b>${l.slice(0, at)}</b>: ${l.slice(at + 2)}</li>`;
  })}</ul></section>`;
}

function propertyRow(p: PropertyRow): Markup {
  return h`<tr id="prop-${p.id}"><td>${p.title}</td><td class="word">${p.kind === 'always' ? 'safety' : 'reachability'}</td><td>${badge(p.status)}</td><td>${depthText(p)}${p.goals ? h`<br><span class="meta">goals: ${goalsText(p)}</span>` : NOTHING}</td><td class="num">${p.durationMs}</td><td>${p.counterexample ? h`<a href="#cex-${p.counterexample}">${p.counterexample}</a>` : ''}</td></tr>`;
}

export function reportHtml(s: Summary): string {
  const scenarios =
    s.scenarios.length === 0
      ? NOTHING
      : h`<h2 id="layouts">Seed layouts</h2><table><tr><th>layout</th><th>verdict</th><th>expected</th><th>judged</th><th>flow</th></tr>${s.scenarios.map(
          (x) =>
            h`<tr><td>${x.story ? h`<a href="#${layoutAnchor(x.name)}">${x.name}</a>` : x.name}</td><td>${x.verdict}</td><td>${x.expected}</td><td>${badge(x.verdict === x.expected ? 'passed' : 'failed')}</td><td>${x.flow ?? ''}</td></tr>`,
        )}</table>${s.scenarios.map(layoutCard)}`;
  const zoo =
    s.zoo.status === 'ran' || s.zoo.note
      ? h`<h2 id="zoo">Defect zoo (self-check)</h2>${s.zoo.note ? h`<p class="meta">${s.zoo.note}</p>` : ''}${
          s.zoo.variants.length > 0
            ? h`<table><tr><th>variant</th><th>caught</th><th>by</th><th>runs</th><th>ms</th></tr>${s.zoo.variants.map(
                (z) =>
                  h`<tr><td>${z.variant}</td><td>${badge(z.caught ? 'passed' : 'failed')}</td><td>${z.caughtBy.join(', ')}</td><td class="num">${z.runs}</td><td class="num">${z.ms}</td></tr>`,
              )}</table>`
            : ''
        }`
      : NOTHING;
  const sections: Markup[] = [
    variantBanner(s),
    panel(s),
    h`<h2>Properties</h2><table><tr><th>property</th><th>kind</th><th>status</th><th>depth</th><th>ms</th><th>counterexample</th></tr>${s.properties.map(propertyRow)}</table>`,
    scenarios,
    zoo,
    raw(exhaustiveHtml(s.exhaustive)),
    h`<h2>Counterexamples (${s.counterexamples.length})</h2>${s.counterexamples.length === 0 ? h`<p>No counterexamples.</p>` : s.counterexamples.map(counterexampleCard)}`,
  ];
  const page = h`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>hbr-verify: ${s.mergedFrom ? 'merged ' : ''}property run ${s.startedAt}</title><style>${raw(CSS)}</style></head>
<body><main>
<h1>hbr-verify property run${s.mergedFrom ? ' (merged)' : ''}</h1>
<p class="meta">${runLine(s)}</p>
<p class="tally">${tallyLine(s)}</p>
${sections}
</main></body></html>
`;
  return page.html;
}
