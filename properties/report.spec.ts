// The renderers on a hand-made summary: escaping in every format, the Mermaid grammar we rely
// on, depth in words, the counts the exit code is decided by; the pictures and the comparison
// with the correct model on every stored shortest zoo counterexample; run directories.
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { ReplicationEvent, ReplicationSetup } from '../model/replication/types.ts';
import { CORRECT } from '../model/variants.ts';
import type { WorldEvent } from '../model/world/world.ts';
import {
  type CounterexampleRecord,
  counterexampleId,
  FAST_CHECK_VERSION,
  replay,
} from './harness.ts';
import { propertyById } from './registry.ts';
import { differenceText, firstDifference } from './report/compare.ts';
import { depthText } from './report/depth.ts';
import { escapeHtml, escapeXml, mdCell, mdFence, mermaidText } from './report/escape.ts';
import { blockView } from './report/figures/blocks.ts';
import { TUNNEL_SEQUENCE } from './report/figures/index.ts';
import { pathView } from './report/figures/path.ts';
import { rpoView } from './report/figures/rpo.ts';
import { reportHtml } from './report/html.ts';
import { junitXml } from './report/junit.ts';
import { summaryMarkdown } from './report/markdown.ts';
import { mermaidSequence } from './report/mermaid.ts';
import { claimRunDir, reportIn, switchLatest } from './report/run-dir.ts';
import {
  type CounterexampleEntry,
  hasNewFailures,
  type PropertyRow,
  type Summary,
  tally,
} from './report/summary.ts';
import { FIXTURES, layoutFix, layoutStory } from './scenarios.ts';
import { seed000World } from './world/properties.ts';
import { loadShortest } from './zoo.ts';

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
      testRuns: 500,
      maxRuns: 10000,
      numShrinks: 2,
      seed: 1,
      durationMs: 10,
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
      testRuns: 300,
      maxRuns: 300,
      numShrinks: 0,
      seed: 1,
      durationMs: 10,
      goals: { 'delta committed': 0 },
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
    expect(row?.split(/(?<!\\)\|/).length).toBe(8);
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

describe('depth in words', () => {
  const row = (over: Partial<PropertyRow>): PropertyRow => ({
    ...(summary.properties[0] as PropertyRow),
    status: 'passed',
    counterexample: undefined,
    ...over,
  });

  test('never a fraction: runs against npm test and a nightly, in words', () => {
    for (const numRuns of [0, 109, 500, 1234, 10000]) {
      const text = depthText(row({ numRuns, status: numRuns < 500 ? 'interrupted' : 'passed' }));
      expect(text).not.toMatch(/\d\s*\/\s*\d/);
      expect(text).toMatch(numRuns === 0 ? /not run/ : /npm test/);
    }
    expect(depthText(row({ numRuns: 109, status: 'interrupted' }))).toBe(
      "only 109 runs, fewer than npm test's 500: not a pass",
    );
    expect(depthText(row({ numRuns: 2000 }))).toBe(
      "2,000 runs, 4 times npm test's 500; a nightly with time to spare makes 10,000",
    );
    expect(depthText(row({ numRuns: 500 }))).toMatch(/^500 runs, as many as npm test/);
  });
});

/** Every stored shortest zoo counterexample, as the record a run would have written. */
const zooStories: CounterexampleRecord[] = Object.entries(loadShortest()).flatMap(
  ([variant, k]) => {
    const def = propertyById(k.property);
    const violation = replay({ property: k.property, variant, setup: k.setup, events: k.events });
    if (!def || !violation) return [];
    return [
      {
        id: counterexampleId(def.id, variant, k.events),
        property: def.id,
        title: def.title,
        invariants: def.invariants,
        variant,
        area: def.area,
        setup: k.setup,
        events: k.events,
        violation,
        seed: 0,
        path: 'zoo-shortest',
        fastCheckVersion: FAST_CHECK_VERSION,
      },
    ];
  },
);

/** The VM, disk and first block an invariant's message names: "vm-1/disk-0 ... block 3",
 * "block(s) 3, 4", or for full sync "sent though equal: 3". */
function named(message: string): { vm: string; disk: string; block: number } | null {
  const where = /^([^/\s]+)\/([^:\s]+)/.exec(message);
  const block = /(?:block(?:\(s\))?|sent though equal:|differing but not sent:) (\d+)/.exec(
    message,
  );
  return where && block
    ? { vm: where[1] as string, disk: where[2] as string, block: Number(block[1]) }
    : null;
}

describe('the pictures, on every stored shortest zoo counterexample', () => {
  test('there is one stored story per variant, and each still fails', () => {
    expect(zooStories.length).toBe(Object.keys(loadShortest()).length);
  });

  test('the block picture highlights the block the invariant names, on the VM and disk it names', () => {
    const blocky = zooStories.filter((r) => named(r.violation.message) !== null);
    expect(blocky.length).toBeGreaterThan(3);
    for (const r of blocky) {
      const n = named(r.violation.message);
      const v = blockView(r);
      expect(v, `${r.variant}: ${r.violation.message}`).not.toBeNull();
      expect([v?.vm, v?.disk], r.variant).toEqual([n?.vm, n?.disk]);
      expect(v?.wrong, `${r.variant}: ${r.violation.message}`).toContain(n?.block);
      expect(v?.blocks).toContain(n?.block);
    }
  });

  test('the RPO chart agrees with the model on the correct model and disagrees on the defects', () => {
    // Where the age first goes over the RPO, against where the model raised rpoViolatedEvent.
    const starts = (r: CounterexampleRecord) =>
      (rpoView(r)?.series ?? []).map((s) => [
        s.over.map(([a]) => a),
        s.events.filter((e) => e.kind === 'violated').map((e) => e.minute),
      ]);
    const world = zooStories.filter((r) => r.area === 'world');
    expect(world.length).toBeGreaterThan(3);
    for (const r of world)
      for (const [over, raised] of starts({ ...r, variant: CORRECT.name }))
        expect(raised, r.variant).toEqual(over);
    // R8's own property (R8-pace and R8-long judge the scheduler, not when the event is raised).
    const offByOne = zooStories.filter((r) => r.property === 'R8');
    expect(offByOne.map((r) => r.variant)).toEqual(['rpo-violation-off-by-one']);
    for (const r of offByOne)
      expect(
        starts(r).some(([over, raised]) => JSON.stringify(over) !== JSON.stringify(raised)),
      ).toBe(true);
  });

  test('a dropped replication on ok-while-dropped: the age goes over the RPO, shaded, and nothing is raised', () => {
    const def = propertyById('R8');
    const setup = seed000World();
    const events: WorldEvent[] = [
      { type: 'ConfigureReplication', vm: 'vm-1', rpoMinutes: 15, perDay: 0, days: 0, seed: false },
      { type: 'RulesetSet', host: 'esx-01', ruleset: 'HBR', enabled: false },
      { type: 'Tick', minutes: 20 },
    ];
    const base = { property: 'R8', variant: 'ok-while-dropped', setup, events };
    const violation = replay(base);
    expect(violation?.invariant).toBe('R8');
    const rec = {
      ...base,
      id: 'x',
      title: def?.title ?? '',
      invariants: ['R8'],
      area: 'world',
      violation: violation as NonNullable<typeof violation>,
      seed: 0,
      path: '',
      fastCheckVersion: FAST_CHECK_VERSION,
    };
    const s = rpoView(rec)?.series[0];
    expect(s?.over[0]?.[0]).toBe(16);
    expect(s?.events).toEqual([]);
    expect(rpoView({ ...rec, variant: CORRECT.name })?.series[0]?.events[0]).toMatchObject({
      kind: 'violated',
      minute: 16,
    });
    const path = pathView(rec);
    expect(path?.taken.find((x) => x.state === 'drop')?.label).toBe('TCP 31031 dropped');
  });

  test('a routing or firewall story shows a hop that differs from the intended path, or a drop', () => {
    const paths = zooStories.filter((r) => r.area === 'network' || r.area === 'firewall');
    expect(paths.length).toBeGreaterThan(5);
    for (const r of paths) {
      const v = pathView(r);
      if (!v) continue;
      expect(
        v.taken.some((x) => x.state === 'wrong' || x.state === 'drop'),
        `${r.variant}: ${v.flow}`,
      ).toBe(true);
    }
    const drawn = paths.filter((r) => pathView(r) !== null).length;
    expect(drawn).toBeGreaterThanOrEqual(paths.length - 3);
  });

  test('every found seed layout has a story and a picture; the firewall ones a drop at the firewall', () => {
    const found = FIXTURES.filter((f) => f.judge(CORRECT).verdict === 'found');
    expect(found.length).toBe(12);
    for (const f of found) {
      const story = layoutStory(f.name, CORRECT);
      expect(story, f.name).toBeDefined();
      // A tunnel layout's picture is who dialled whom (its sequence), not a host's path.
      if (story?.area === 'tunnel') {
        expect(TUNNEL_SEQUENCE.render(story), f.name).not.toBeNull();
        expect(layoutFix(f.name, CORRECT)?.findings.length, f.name).toBeGreaterThan(0);
        continue;
      }
      const v = story ? pathView(story) : null;
      expect(v, f.name).not.toBeNull();
      if (story?.area === 'firewall') {
        const drop = v?.taken.find((x) => x.state === 'drop');
        expect(drop?.role).toBe('firewall');
        // The drop drawn is the one the verdict speaks of (an NFC layout is not drawn as the
        // to-the-cloud port its hosts never opened).
        const port = /TCP \d+/.exec(drop?.label ?? '')?.[0];
        const named = story.violation.message.match(/TCP \d+/g);
        if (named) expect(named, f.name).toContain(port);
        else expect([story.violation.invariant, port], f.name).toEqual(['F5', 'TCP 10000']);
      } else expect(v?.taken.some((x) => x.state === 'wrong')).toBe(true);
    }
  });

  test('against the correct model, every variant story differs by its failing step, and correct matches itself', () => {
    for (const r of zooStories) {
      const d = firstDifference(r, CORRECT.name);
      expect(d, r.variant).not.toBeNull();
      expect(d?.step).toBeLessThanOrEqual(r.violation.step);
      expect(d?.rows.length).toBeGreaterThan(0);
      expect(differenceText(d as NonNullable<typeof d>)).toContain(`on ${r.variant}`);
      expect(firstDifference({ ...r, variant: CORRECT.name }, CORRECT.name)).toBeNull();
    }
  });
});

describe('report.html: the failure panel comes first and names every failure', () => {
  test('a failing property, with its verdict sentence and a link to its card', () => {
    const html = reportHtml(summary);
    const panel = html.indexOf('id="failures"');
    expect(panel).toBeGreaterThan(0);
    expect(panel).toBeLessThan(html.indexOf('<h2>Properties</h2>'));
    expect(html).toContain(`href="#cex-${cex.id}"`);
    expect(html).toContain(`id="cex-${cex.id}"`);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  test('layouts found as documented are listed apart, and alone they are no failure', () => {
    const documented = { name: 'seed-000-before', verdict: 'found', expected: 'found' } as const;
    const passing: Summary = {
      ...summary,
      properties: summary.properties.filter((p) => p.status !== 'failed'),
      counterexamples: [],
      scenarios: [documented],
    };
    const clean = reportHtml(passing);
    expect(clean).toMatch(
      /<section class="panel clean" id="failures"><h2>Nothing failed<\/h2><h3>Found, as documented \(1\)<\/h3>/,
    );
    expect(clean).toContain('layout seed-000-before');
    expect(summaryMarkdown(passing)).toMatch(
      /Nothing failed\.\n\n### Found, as documented \(1\)\n\n- found, as documented: layout seed-000-before/,
    );
    // With a real failure beside it, the panel is red and counts the failure only.
    const html = reportHtml({ ...summary, scenarios: [...summary.scenarios, documented] });
    expect(html).toMatch(/<section class="panel" id="failures"><h2>What failed \(2\)<\/h2>/);
    expect(html).toContain('<h3>Found, as documented (1)</h3>');
  });

  test('a variant run says what the variant does wrong', () => {
    const html = reportHtml({ ...summary, variant: 'live-read-transfer' });
    expect(html).toContain('the transfer reads live blocks, not the cycle&#39;s point in time');
  });
});

describe('run directories', () => {
  const root = mkdtempSync(join(tmpdir(), 'hbr-runs-'));
  const at = new Date('2026-11-29T10:00:00.000Z');

  test('two runs started in the same second get two directories, named by time and shard', () => {
    const label = { kind: 'nightly', shard: { index: 2, count: 4 }, variant: null };
    const a = claimRunDir(root, at, label);
    const b = claimRunDir(root, at, label);
    expect(a).not.toBe(b);
    expect(readdirSync(join(root, 'nightly')).sort()).toEqual([
      '2026-11-29T10-00-00Z-shard-2-of-4',
      '2026-11-29T10-00-00Z-shard-2-of-4-2',
    ]);
  });

  test('latest is a link switched to the newest run; an old directory there is moved, not lost', () => {
    mkdirSync(join(root, 'latest'));
    writeFileSync(join(root, 'latest', 'summary.json'), '{"startedAt":"2026-01-02T03:04:05.000Z"}');
    const run = claimRunDir(root, at, { kind: 'start', shard: null, variant: null });
    const moved = switchLatest(root, run);
    expect(moved).toMatch(/2026-01-02T03-04-05Z-moved$/);
    expect(reportIn(moved as string)).toBe('2026-01-02T03:04:05.000Z');
    expect(lstatSync(join(root, 'latest')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(root, 'latest'))).toBe(join('start', '2026-11-29T10-00-00Z'));
    const next = claimRunDir(root, at, { kind: 'start', shard: null, variant: 'tie-highest-vmk' });
    expect(switchLatest(root, next)).toBeNull();
    expect(readlinkSync(join(root, 'latest'))).toBe(
      join('start', '2026-11-29T10-00-00Z-tie-highest-vmk'),
    );
  });
});
