// The renderers on a hand-made summary: escaping in every format, the Mermaid grammar we rely
// on, the RPO lag replayed from events, and the counts the exit code is decided by.
import { describe, expect, test } from 'vitest';
import type { ReplicationEvent, ReplicationSetup } from '../model/replication/types.ts';
import { FAST_CHECK_VERSION } from './harness.ts';
import { escapeHtml, escapeXml, mdCell, mdFence, mermaidText } from './report/escape.ts';
import { reportHtml } from './report/html.ts';
import { junitXml } from './report/junit.ts';
import { summaryMarkdown } from './report/markdown.ts';
import { mermaidSequence } from './report/mermaid.ts';
import { rpoLag } from './report/rpo.ts';
import { type CounterexampleEntry, hasNewFailures, type Summary, tally } from './report/summary.ts';

const HOSTILE = '<img src=x onerror=alert(1)>;#%%`|"';

const setup: ReplicationSetup = {
  version: '6.5',
  hosts: [HOSTILE, 'esx-02'],
  vrs: 'vrs-dr',
  vms: [
    {
      name: 'vm-1',
      host: HOSTILE,
      poweredOn: true,
      disks: [{ id: 'disk-0', uuid: 'u-0', sizeBlocks: 2 }],
    },
  ],
  chunkBlocks: 4,
};

const events: ReplicationEvent[] = [
  {
    type: 'ConfigureReplication',
    vm: 'vm-1',
    rpoMinutes: 15,
    perDay: 0,
    days: 0,
    seed: false,
  },
  { type: 'CycleStart', vm: 'vm-1' },
  { type: 'ChunkDelivered', vm: 'vm-1' },
  { type: 'BundleCommit', vm: 'vm-1' },
  { type: 'TimeAdvance', minutes: 20 },
  { type: 'GuestWrite', vm: 'vm-1', disk: 'disk-0', block: 1 },
  { type: 'HostCrash', host: HOSTILE, psf: 'lost' },
];

const cex: CounterexampleEntry = {
  id: 'abc123def456',
  property: 'R4',
  title: `R4 a made-up story ${HOSTILE}`,
  invariants: ['R4'],
  variant: 'correct',
  area: 'replication',
  setup,
  events,
  violation: { step: 7, invariant: 'R4', message: `lost on ${HOSTILE}` },
  seed: 1,
  path: '0',
  fastCheckVersion: FAST_CHECK_VERSION,
  replayPath: 'out/counterexamples/abc123def456.json',
  replay: 'npm run replay -- out/counterexamples/abc123def456.json',
  corpus: 'known',
};

const summary: Summary = {
  startedAt: '2025-01-01T00:00:00.000Z',
  finishedAt: '2025-01-01T00:01:00.000Z',
  status: 'completed',
  budgetSeconds: 60,
  fastCheckVersion: FAST_CHECK_VERSION,
  seed: 7,
  shard: null,
  variant: 'correct',
  only: null,
  properties: [
    {
      id: 'R4',
      title: `R4 ${HOSTILE}`,
      area: 'replication',
      kind: 'always',
      invariants: ['R4'],
      variant: 'correct',
      status: 'failed',
      numRuns: 3,
      numShrinks: 2,
      seed: 1,
      durationMs: 10,
      coverage: { runs: 3, target: 10000 },
      counterexample: cex.id,
    },
    {
      id: 'R4-reach',
      title: 'R4 reachability: a twin',
      area: 'replication',
      kind: 'sometimes',
      invariants: ['R4'],
      variant: 'correct',
      status: 'interrupted',
      numRuns: 5,
      numShrinks: 0,
      seed: 1,
      durationMs: 10,
      coverage: { 'delta committed': 0 },
    },
  ],
  scenarios: [{ name: HOSTILE, verdict: 'found', expected: 'clean', flow: HOSTILE }],
  counterexamples: [cex],
  zoo: { status: 'skipped', variants: [] },
};

describe('escaping, one function per format', () => {
  test('HTML and XML escape markup and quotes; XML drops forbidden control characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
    expect(escapeXml('a\u0001b\u001fc<')).toBe('abc&lt;');
  });

  test('Markdown cells keep their column and show markup as text; fences outgrow backticks', () => {
    expect(mdCell('a|b\n<c>')).toBe('a\\|b &lt;c&gt;');
    expect(mdFence('x ``` y').startsWith('````\n')).toBe(true);
  });

  test('Mermaid text has no separator, comment, quote or markup characters left', () => {
    const t = mermaidText(HOSTILE);
    expect(t.replace(/#\w+;/g, '')).not.toMatch(/[<>;%`"#]/);
    expect(mermaidText('#35;')).toBe('#35;35#59;');
  });
});

describe('the renderers, from one summary object', () => {
  test('the Mermaid diagram is one participant per role and one line per event', () => {
    const lines = mermaidSequence(cex).split('\n');
    expect(lines[0]).toBe('sequenceDiagram');
    const participant = /^ {2}participant P\d+ as [^;<>#]+$/;
    const step = /^ {2,4}(Note over P\d+|P\d+->>P\d+): [^\n]+$/;
    for (const l of lines.slice(1)) {
      expect(l).toMatch(
        /^( {2}rect rgb\(\d+, \d+, \d+\)| {2}end)$|^ {2}participant|^ {2,4}(Note|P)/,
      );
      if (l.includes('participant')) expect(l).toMatch(participant);
      else if (!/rect|end$/.test(l)) expect(l).toMatch(step);
    }
    expect(lines.filter((l) => step.test(l))).toHaveLength(events.length);
    expect(lines.join('\n')).toContain('P0->>');
  });

  test('summary.md tables keep their columns, and markup shows as text', () => {
    const md = summaryMarkdown(summary);
    const row = md.split('\n').find((l) => l.startsWith('| R4 '));
    expect(row?.split(/(?<!\\)\|/).length).toBe(9);
    // Fenced blocks show their text verbatim; everywhere else markup must be escaped.
    expect(md.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '')).not.toMatch(/<img/);
    expect(md).toContain('```mermaid');
  });

  test('junit.xml escapes every text and counts failures and skips', () => {
    const xml = junitXml(summary);
    expect(xml).not.toMatch(/<img/);
    expect(xml).toMatch(
      /<testsuite name="properties" tests="2" failures="1" errors="0" skipped="1"/,
    );
    expect(xml).toMatch(/<testsuite name="seed layouts" tests="1" failures="1"/);
  });

  test('report.html escapes every text from the model, the events and the setup', () => {
    const html = reportHtml(summary);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });
});

describe('the RPO lag, replayed from the events', () => {
  test('is unknown before the first commit, then grows with the clock', () => {
    const lag = rpoLag(setup, 'correct', events);
    expect(lag.clock).toEqual([0, 0, 0, 0, 0, 20, 20, 20]);
    const s = lag.series[0];
    expect(s?.rpoMinutes).toBe(15);
    expect(s?.lag).toEqual([null, null, null, null, 0, 20, 20, 20]);
  });
});

describe('what counts as new', () => {
  test('a counterexample the corpus knows is not new; a twin that missed its goals is', () => {
    expect(tally(summary)).toMatchObject({ failed: 2, interrupted: 1, fresh: 0 });
    expect(hasNewFailures({ ...summary, scenarios: [] })).toBe(false);
    expect(hasNewFailures(summary)).toBe(true);
    expect(
      hasNewFailures({
        ...summary,
        scenarios: [],
        counterexamples: [{ ...cex, corpus: 'new' }],
      }),
    ).toBe(true);
  });
});
