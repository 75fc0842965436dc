// The nightly run end to end, as a user runs it: two short runs against a zoo variant into one
// output root, whose printed replay commands must all still work and print the very story the
// report holds; runs stopped by Ctrl-C through npm, the way a terminal sends it; and report.html
// in a real headless browser, with the pictures of real counterexamples.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { CORRECT } from '../model/variants.ts';
import type { WorldEvent } from '../model/world/world.ts';
import { corpusFiles } from './corpus.ts';
import {
  type CounterexampleRecord,
  counterexampleId,
  FAST_CHECK_VERSION,
  propertySeed,
  replay,
  runsOf,
} from './harness.ts';
import { scenarioRow } from './nightly.ts';
import { propertyById } from './registry.ts';
import { reportHtml } from './report/html.ts';
import type { CounterexampleEntry, PropertyRow, Summary } from './report/summary.ts';
import { FIXTURES } from './scenarios.ts';
import { seed000World } from './world/properties.ts';
import { loadShortest } from './zoo.ts';

const seed = propertySeed(inject('fcSeed'), 'nightly');
const dir = mkdtempSync(join(tmpdir(), 'hbr-nightly-'));
const CHROMIUM = '/usr/bin/chromium';

interface Exit {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/**
 * Runs a command and collects its output; `onStart` sees the child once it printed its first
 * line. `group` starts it in a process group of its own, as a shell does for a foreground job,
 * so that a signal can go to the whole group the way Ctrl-C sends it.
 */
function run(
  command: string,
  args: readonly string[],
  opts: { onStart?: (child: ChildProcess) => void; group?: boolean } = {},
): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { detached: opts.group === true });
    let onStart = opts.onStart;
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => {
      out += d;
      if (onStart && out.includes('\n')) {
        onStart(child);
        onStart = undefined;
      }
    });
    child.stderr?.on('data', (d) => {
      err += d;
    });
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

const tsx = (script: string, args: readonly string[]) =>
  run(process.execPath, ['--import', 'tsx', script, ...args]);
const nightly = (args: readonly string[]) => tsx('scripts/nightly.ts', args);

/**
 * Ctrl-C: SIGINT to npm, its shell and the run alike, as a terminal sends it; `ms` after the
 * run started, or as soon as it printed `when` (within 30 s).
 */
function ctrlC(ms: number, stopped: { ms: number }, when?: RegExp) {
  return (child: ChildProcess) => {
    let sent = 0;
    const send = () => {
      if (sent !== 0 || child.pid === undefined) return;
      sent = Date.now();
      process.kill(-child.pid, 'SIGINT');
    };
    child.on('close', () => {
      stopped.ms = Date.now() - sent;
    });
    if (when) {
      let seen = '';
      child.stdout?.on('data', (d) => {
        seen += d;
        if (when.test(seen)) send();
      });
    }
    setTimeout(send, when ? 30_000 : ms);
  };
}

const root = join(dir, 'root');
const variantArgs = (s: number) => [
  '--variant',
  'live-read-transfer',
  '--only',
  'R2,R4',
  '--budget',
  '5',
  // The = form: a derived seed may be negative, and "-5" alone reads as a flag.
  `--seed=${s}`,
  '--root',
  root,
];
let first: Exit;
let second: Exit;
let stoppedClean: Exit;
let stoppedFound: Exit;
const cleanStop = { ms: 0 };
const foundStop = { ms: 0 };

beforeAll(async () => {
  // Two nightlies back to back into one root, while two others wait for their Ctrl-C.
  const backToBack = (async () => {
    first = await nightly(variantArgs(seed));
    second = await nightly(variantArgs(seed + 1));
  })();
  const npm = (args: string[], stop: { ms: number }, when?: RegExp) =>
    run('npm', ['run', '-s', 'nightly', '--', ...args], {
      group: true,
      onStart: ctrlC(3000, stop, when),
    });
  [stoppedClean, stoppedFound] = await Promise.all([
    npm(
      [
        '--budget',
        '3600',
        `--seed=${seed}`,
        '--root',
        join(dir, 'clean'),
        '--corpus',
        join(dir, 'corpus'),
      ],
      cleanStop,
    ),
    npm(
      [
        '--variant',
        'live-read-transfer',
        '--budget',
        '3600',
        `--seed=${seed}`,
        '--out',
        join(dir, 'found'),
      ],
      foundStop,
      /counterexample \w+ \(/,
    ),
    backToBack,
  ]);
}, 90_000);

const readSummary = (d: string) =>
  JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')) as Summary;
const runsIn = (r: string) =>
  readdirSync(join(r, 'nightly'))
    .sort()
    .map((x) => join(r, 'nightly', x));

describe('two nightly runs on a zoo variant into one output root', () => {
  test('find counterexamples, exit 1, and leave the corpus alone', () => {
    for (const r of [first, second]) {
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.code).toBe(1);
    }
    for (const d of runsIn(root)) {
      const s = readSummary(d);
      expect(s.status).toBe('completed');
      expect(s.variant).toBe('live-read-transfer');
      expect(s.properties.map((p) => p.id)).toEqual(['R2', 'R4']);
      expect(s.counterexamples.length).toBeGreaterThan(0);
      for (const c of s.counterexamples) {
        expect(c.corpus).toBe('variant-run');
        expect(corpusFiles().some((f) => f.endsWith(`${c.id}.json`))).toBe(false);
      }
      for (const f of ['summary.md', 'report.html', 'junit.xml'])
        expect(existsSync(join(d, f)), f).toBe(true);
      expect(readFileSync(join(d, 'junit.xml'), 'utf8')).toMatch(
        /<failure message="R[24] violated after step \d+/,
      );
    }
  });

  test('each writes a directory of its own, and latest points at the second', () => {
    const runs = runsIn(root);
    expect(runs.length).toBe(2);
    expect(
      runs.every((d) => /\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ-live-read-transfer(-\d+)?$/.test(d)),
    ).toBe(true);
    expect(lstatSync(join(root, 'latest')).isSymbolicLink()).toBe(true);
    expect(join(root, readlinkSync(join(root, 'latest')))).toBe(runs[1]);
    expect(second.out).toContain(`report in ${join(root, 'latest', 'report.html')}`);
  });

  test('every counterexample of both still replays with the command it printed, after both ran', async () => {
    const printed = [first, second].flatMap((r) =>
      [...r.out.matchAll(/npm run replay -- (\S+\.json)/g)].map((m) => m[0]),
    );
    const recorded = runsIn(root).flatMap((d) =>
      readSummary(d).counterexamples.map((c) => c.replay),
    );
    expect(printed.length).toBeGreaterThan(1);
    expect(printed.sort()).toEqual([...recorded].sort());
    const replays = await Promise.all(
      printed.map((command) => {
        const file = command.replace('npm run replay -- ', '');
        return tsx('scripts/replay.ts', [file]).then((r) => ({ file, ...r }));
      }),
    );
    for (const r of replays) {
      expect(r.code, `${r.file}\n${r.err}`).toBe(0);
      const md = readFileSync(r.file.replace(/\.json$/, '.md'), 'utf8');
      const story = /^(`{3,})\n([\s\S]*?)\n\1$/m.exec(md)?.[2] ?? '';
      expect(story).toMatch(/\nTimeline:\n +1\. /);
      expect(r.out).toContain(`${story}\n\nreplay: reproduced`);
    }
  });

  test('the printed command itself, through npm and the shell, replays', () => {
    const command = /npm run replay -- \S+\.json/.exec(first.out)?.[0] ?? '';
    const r = spawnSync(command, { shell: true, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/replay: reproduced/);
  });
});

describe('Ctrl-C through npm: the exit code says whether the run found something', () => {
  test('a run that found nothing new stops within seconds, writes its report, and exits 130', () => {
    expect(stoppedClean.err).not.toMatch(/\n\s+at /);
    expect(cleanStop.ms).toBeLessThan(6000);
    expect(stoppedClean.out).toMatch(/SIGINT received/);
    const [d] = runsIn(join(dir, 'clean'));
    const s = readSummary(d as string);
    expect(s.status).toBe('interrupted');
    expect(s.properties.length).toBeGreaterThan(1);
    expect(s.properties.some((p) => p.status === 'interrupted')).toBe(true);
    // On the correct model a counterexample would be a real finding: then 1, as documented.
    expect(s.counterexamples.length, JSON.stringify(s.counterexamples.map((c) => c.id))).toBe(0);
    expect(stoppedClean.code).toBe(130);
    expect(stoppedClean.out).toMatch(/exit 130: stopped by SIGINT, nothing new found/);
  });

  test('a run that found a counterexample before Ctrl-C keeps it and exits 1', () => {
    expect(stoppedFound.err).not.toMatch(/\n\s+at /);
    expect(foundStop.ms).toBeLessThan(6000);
    const s = readSummary(join(dir, 'found'));
    expect(s.status).toBe('interrupted');
    expect(s.counterexamples.length).toBeGreaterThan(0);
    const files = readdirSync(join(dir, 'found', 'counterexamples')).filter((f) =>
      f.endsWith('.json'),
    );
    expect(files.length).toBe(s.counterexamples.length);
    expect(stoppedFound.code).toBe(1);
    expect(stoppedFound.out).toMatch(/exit 1: something new failed/);
  });
});

describe('npm run report:merge', () => {
  test('re-renders shard outputs into one report whose replay paths point into it', async () => {
    const merged = join(dir, 'merged');
    const parts = runsIn(root);
    const r = await tsx('scripts/report-merge.ts', [merged, ...parts]);
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    const s = readSummary(merged);
    expect(s.mergedFrom?.map((m) => m.dir)).toEqual(parts);
    const c = s.counterexamples[0];
    expect(c?.replayPath).toBe(join(merged, 'counterexamples', `${c?.id}.json`));
    for (const f of ['summary.md', 'report.html', 'junit.xml', `counterexamples/${c?.id}.md`]) {
      expect(existsSync(join(merged, f)), f).toBe(true);
    }
    const again = await tsx('scripts/report-merge.ts', [merged, ...parts]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already holds the report of a run started at/);
  });
});

describe('bad input gets a one-line error and exit code 2, never a stack trace', () => {
  const broken = join(dir, 'broken');
  const cases: [string, string[], RegExp][] = [
    ['nightly', ['--shard', '5/4'], /--shard takes K\/N with 1 <= K <= N/],
    ['nightly', ['--only', 'R2,R99'], /no property "R99"/],
    ['nightly', ['--variant', 'teleport'], /no variant named "teleport"/],
    ['nightly', ['--budget', '0'], /--budget takes a positive number/],
    ['nightly', ['--out', join(dir, 'found')], /already holds the report of a run started at/],
    ['nightly', ['--out', join(dir, 'x'), '--root', dir], /--out and --root exclude each other/],
    ['report-merge', [join(dir, 'm'), broken], /broken\/summary\.json:2:2: expected JSON/],
  ];
  test('for every flag and file', async () => {
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, 'summary.json'), '{\n}}');
    const runs = await Promise.all(
      cases.map(([script, args]) => tsx(`scripts/${script}.ts`, args)),
    );
    runs.forEach((r, i) => {
      const [, args, message] = cases[i] as [string, string[], RegExp];
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.err.split('\n')[0]).toMatch(message);
    });
  });
});

describe('--help: usage on stdout, exit 0, for every command', () => {
  test('start, nightly, replay, report:merge, corpus:seed, bench, zoo, mutation:keys and mutation:summary', async () => {
    const usage: [string, RegExp][] = [
      ['start', /^usage: npm start -- /],
      ['nightly', /^usage: npm run nightly -- /],
      ['replay', /^usage: npm run replay -- /],
      ['report-merge', /^usage: npm run report:merge -- /],
      ['corpus-seed', /^usage: npm run corpus:seed/],
      ['bench', /^usage: npm run -s bench -- /],
      ['zoo', /^usage: npm run -s zoo -- /],
      ['mutation-keys', /^usage: npm run mutation:keys -- /],
      ['mutation-summary', /^usage: npm run -s mutation:summary/],
    ];
    const runs = await Promise.all(
      usage.map(([script]) => tsx(`scripts/${script}.ts`, ['--help'])),
    );
    runs.forEach((r, i) => {
      const [script, line] = usage[i] as [string, RegExp];
      expect(r.code, script).toBe(0);
      expect(r.err, script).toBe('');
      expect(r.out, script).toMatch(line);
      expect(r.out.split('\n').length, script).toBeGreaterThan(3);
    });
  });
});

// ---- report.html in a browser, with the pictures of real counterexamples ----

/** The first block a verdict names: "block 3", "block(s) 3, 4", "sent though equal: 3". */
const NAMED_BLOCK = /(?:block(?:\(s\))?|sent though equal:|differing but not sent:) (\d+)/;

/** A stored shortest zoo counterexample, or a hand-told one, as the entry a run writes. */
function entry(
  property: string,
  variant: string,
  setup: unknown,
  events: readonly unknown[],
): CounterexampleEntry {
  const def = propertyById(property);
  const violation = replay({ property, variant, setup, events });
  if (!def || !violation) throw new Error(`${property} does not fail on ${variant}`);
  const id = counterexampleId(property, variant, events);
  return {
    id,
    property,
    title: def.title,
    invariants: def.invariants,
    variant,
    area: def.area,
    setup,
    events,
    violation,
    seed: 0,
    path: 'stored',
    fastCheckVersion: FAST_CHECK_VERSION,
    replayPath: `reports/x/counterexamples/${id}.json`,
    replay: `npm run replay -- reports/x/counterexamples/${id}.json`,
    corpus: 'variant-run',
  };
}

/**
 * A report holding a story of every kind: the stored shortest counterexample of every zoo
 * variant, an RPO story whose violation is never raised (ok-while-dropped on the seed 000
 * world with HBR disabled), and every seed layout judged on the correct model.
 */
function storiesSummary(): Summary {
  const shortest = Object.entries(loadShortest()).map(([variant, k]) =>
    entry(k.property, variant, k.setup, k.events),
  );
  const dropped: WorldEvent[] = [
    { type: 'ConfigureReplication', vm: 'vm-1', rpoMinutes: 15, perDay: 0, days: 0, seed: false },
    { type: 'RulesetSet', host: 'esx-01', ruleset: 'HBR', enabled: false },
    { type: 'Tick', minutes: 40 },
  ];
  const counterexamples = [...shortest, entry('R8', 'ok-while-dropped', seed000World(), dropped)];
  const properties: PropertyRow[] = counterexamples.map((c) => {
    const def = propertyById(c.property);
    const testRuns = def ? runsOf(def) : 0;
    return {
      id: c.property,
      title: c.title,
      area: c.area,
      kind: 'always',
      invariants: c.invariants,
      variant: c.variant,
      status: 'failed',
      numRuns: 3,
      testRuns,
      maxRuns: testRuns * 20,
      numShrinks: 0,
      seed: 0,
      durationMs: 1,
      counterexample: c.id,
    };
  });
  return {
    startedAt: '2026-11-29T00:00:00.000Z',
    finishedAt: '2026-11-29T00:01:00.000Z',
    status: 'completed',
    budgetSeconds: 60,
    fastCheckVersion: FAST_CHECK_VERSION,
    seed: 0,
    shard: null,
    variant: [...new Set(counterexamples.map((c) => c.variant))].join(','),
    only: null,
    properties,
    scenarios: FIXTURES.flatMap((f) => scenarioRow(f.name, CORRECT) ?? []),
    counterexamples,
    zoo: { status: 'skipped', variants: [] },
  };
}

/** In the page: every card (and the failure panel) whose content is wider than the card. */
function overflowing(): string[] {
  const bad: string[] = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth) bad.push(`page ${doc.scrollWidth}`);
  for (const card of document.querySelectorAll<HTMLElement>('section.card, #failures')) {
    const edge = card.getBoundingClientRect().right;
    if (card.scrollWidth > card.clientWidth + 1) bad.push(`${card.id} scrolls`);
    // An SVG scales as a whole: its own box is what must fit, not its shapes'.
    for (const el of card.querySelectorAll('*:not(svg *)')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > edge + 1)
        bad.push(
          `${card.id}: <${el.tagName.toLowerCase()} class="${el.getAttribute('class') ?? ''}"> ends at ${Math.round(r.right)} > ${Math.round(edge)}`,
        );
    }
  }
  return bad;
}

describe('report.html in headless Chromium', () => {
  const HOSTILE = '<img src=x onerror=window.pwned=1>';
  const shots = join(dir, 'screenshots');

  test('no card is wider than the page; the failure panel names every failure; the pictures show what the stories say', async ({
    skip,
  }) => {
    skip(!existsSync(CHROMIUM), `no ${CHROMIUM}: install chromium to run the browser check`);
    const { chromium } = await import('playwright-core');
    const stories = storiesSummary();
    const storiesFile = join(dir, 'stories.html');
    writeFileSync(storiesFile, reportHtml(stories));
    const s = readSummary(runsIn(root)[0] as string);
    const c = s.counterexamples[0] as CounterexampleRecord;
    // The same story on a host and VM with markup in their names, rendered directly.
    const setup = c.setup as { hosts: string[]; vms: { host: string; name: string }[] };
    const rename = (x: string) => (x === setup.vms[0]?.host ? HOSTILE : x);
    const hostile: Summary = {
      ...s,
      counterexamples: [
        {
          ...(s.counterexamples[0] as CounterexampleEntry),
          setup: {
            ...setup,
            hosts: setup.hosts.map(rename),
            vms: setup.vms.map((v) => ({ ...v, host: rename(v.host) })),
          },
          title: `${c.title} ${HOSTILE}`,
        },
      ],
    };
    const hostileFile = join(dir, 'hostile.html');
    writeFileSync(hostileFile, reportHtml(hostile));
    mkdirSync(shots, { recursive: true });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage();
      for (const width of [1280, 720]) {
        await page.setViewportSize({ width, height: 900 });
        for (const file of [storiesFile, join(runsIn(root)[0] as string, 'report.html')]) {
          await page.goto(`file://${file}`);
          const over = await page.evaluate(overflowing);
          expect(over, `${file} at ${width} px`).toEqual([]);
        }
      }

      // The check can fail: unwrapped text and unscaled pictures overflow at 720 px.
      await page.goto(`file://${storiesFile}`);
      await page.addStyleTag({
        content: 'pre,p{white-space:pre!important}svg{max-width:none!important}',
      });
      expect((await page.evaluate(overflowing)).length).toBeGreaterThan(0);

      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`file://${storiesFile}`);
      await page.screenshot({ path: join(shots, 'top.png') });
      // The panel names every failing property and layout, each linked to an existing card.
      const panel = await page.evaluate(() =>
        [...document.querySelectorAll('#failures li')].map((li) => ({
          text: li.textContent ?? '',
          target:
            document.getElementById(li.querySelector('a')?.getAttribute('href')?.slice(1) ?? '') !==
            null,
        })),
      );
      for (const p of stories.properties)
        expect(
          panel.some((x) => x.text.includes(p.title)),
          p.id,
        ).toBe(true);
      for (const x of stories.scenarios.filter((y) => y.verdict === 'found'))
        expect(
          panel.some((y) => y.text.includes(`layout ${x.name}`)),
          x.name,
        ).toBe(true);
      expect(panel.every((x) => x.target)).toBe(true);

      // Each block picture highlights, in red, the block its invariant's verdict names.
      const blocks = await page.evaluate(() =>
        [...document.querySelectorAll('section.card')]
          .filter((card) => card.querySelector('svg.blocks'))
          .map((card) => ({
            id: card.id,
            verdict: card.querySelector('.verdict')?.textContent ?? '',
            wrong: [...card.querySelectorAll('svg.blocks g.block.wrong rect')].map((r) => ({
              block: Number(r.parentElement?.getAttribute('data-block')),
              row: r.parentElement?.getAttribute('data-row'),
              stroke: getComputedStyle(r).stroke,
            })),
          })),
      );
      expect(blocks.length).toBeGreaterThan(3);
      for (const b of blocks) {
        const named = NAMED_BLOCK.exec(b.verdict);
        expect(named, b.verdict).not.toBeNull();
        const hit = b.wrong.filter((w) => w.block === Number(named?.[1]));
        expect(hit.map((w) => w.row).sort(), `${b.id}: ${b.verdict}`).toEqual(['left', 'right']);
        expect(hit.every((w) => w.stroke === 'rgb(207, 34, 46)')).toBe(true);
      }

      // The RPO story whose violation is never raised: a shaded interval, and no event in it.
      const rpo = await page.evaluate(() =>
        [...document.querySelectorAll('section.card')]
          .filter((card) => card.querySelector('svg.rpo'))
          .map((card) => ({
            id: card.id,
            verdict: card.querySelector('.verdict')?.textContent ?? '',
            shaded: [...card.querySelectorAll('svg.rpo rect.over')].map(
              (r) => r.getBoundingClientRect().width,
            ),
            raised: card.querySelectorAll('svg.rpo g.raised.violated').length,
          })),
      );
      const silent = rpo.find((x) => /no rpoViolatedEvent was raised/.test(x.verdict));
      expect(silent, JSON.stringify(rpo.map((x) => x.verdict))).toBeDefined();
      expect(silent?.shaded.length).toBeGreaterThan(0);
      expect(Math.min(...(silent?.shaded ?? [0]))).toBeGreaterThan(2);
      expect(silent?.raised).toBe(0);

      // Routing and firewall stories: the path taken beside the intended one, the drop drawn.
      const paths = await page.evaluate(() =>
        [...document.querySelectorAll('section.card')]
          .filter((card) => card.querySelector('svg.path'))
          .map((card) => ({
            id: card.id,
            area: card.getAttribute('data-area'),
            rows: [
              ...new Set(
                [...card.querySelectorAll('svg.path g.hop')].map((g) => g.getAttribute('data-row')),
              ),
            ],
            wrong: card.querySelectorAll('svg.path g.hop.wrong[data-row="taken"]').length,
            dropAt: [...card.querySelectorAll('svg.path g.hop.drop')].map((g) =>
              g.getAttribute('data-role'),
            ),
            fix: card.querySelector('.fig-fix pre')?.textContent ?? '',
            note: card.querySelector('.fig-fix p.meta:last-of-type')?.textContent ?? '',
          })),
      );
      for (const name of ['seed-000-before', 'seed-004-pinned-higher', 'seed-003-65u1-auto']) {
        const p = paths.find((x) => x.id === `layout-${name}`);
        expect(p, name).toBeDefined();
        expect(p?.rows).toEqual(['taken', 'intended']);
        // Seed 004's pinned-higher layout has no esxcli fix VMware supports: the card says why.
        if (name === 'seed-004-pinned-higher') expect(p?.note, name).toMatch(/seed 004/);
        else expect(p?.fix, name).toMatch(/^esxcli /);
      }
      expect(paths.find((x) => x.id === 'layout-seed-003-65u1-auto')?.dropAt).toEqual(['firewall']);
      expect(paths.find((x) => x.id === 'layout-seed-000-before')?.wrong).toBeGreaterThan(0);

      for (const [name, sel] of [
        ['blocks', 'section.card:has(svg.blocks)'],
        ['rpo', 'section.card:has(svg.rpo rect.over)'],
        ['path-routing', '#layout-seed-000-before'],
        ['path-firewall', '#layout-seed-003-65u1-auto'],
      ] as const) {
        await page
          .locator(sel)
          .first()
          .screenshot({ path: join(shots, `${name}.png`) });
      }

      await page.goto(`file://${hostileFile}`);
      const seen = await page.evaluate(() => ({
        pwned: (window as { pwned?: unknown }).pwned,
        images: document.querySelectorAll('img').length,
        text: document.body.textContent ?? '',
      }));
      expect(seen.pwned).toBeUndefined();
      expect(seen.images).toBe(0);
      expect(seen.text).toContain(HOSTILE);

      const junit = readFileSync(join(runsIn(root)[0] as string, 'junit.xml'), 'utf8');
      const xmlErrors = await page.evaluate(
        (xml) =>
          new DOMParser()
            .parseFromString(xml, 'application/xml')
            .getElementsByTagName('parsererror').length,
        junit,
      );
      expect(xmlErrors).toBe(0);
    } finally {
      await browser.close();
    }
  });
});
