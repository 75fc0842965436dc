// The nightly run end to end, as a user runs it: a short run against a zoo variant, whose
// printed replay command must print the very story the report holds; a run stopped by SIGINT;
// and the HTML report in a real headless browser.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { corpusFiles } from './corpus.ts';
import { propertySeed } from './harness.ts';
import { reportHtml } from './report/html.ts';
import type { Summary } from './report/summary.ts';

const seed = propertySeed(inject('fcSeed'), 'nightly');
const dir = mkdtempSync(join(tmpdir(), 'hbr-nightly-'));
const CHROMIUM = '/usr/bin/chromium';

interface Exit {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

function nightly(args: readonly string[], onStart?: (child: ChildProcess) => void): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/nightly.ts', ...args]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (onStart && out.includes('\n')) {
        onStart(child);
        onStart = undefined;
      }
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

const variantOut = join(dir, 'variant');
const interruptedOut = join(dir, 'interrupted');
let variantRun: Exit;
let interruptedRun: Exit;
let stopMs = 0;

beforeAll(async () => {
  // Both runs at once: the interrupted one mostly waits for its signal.
  [variantRun, interruptedRun] = await Promise.all([
    nightly([
      '--variant',
      'live-read-transfer',
      '--only',
      'R2',
      '--budget',
      '5',
      // The = form: a derived seed may be negative, and "-5" alone reads as a flag.
      `--seed=${seed}`,
      '--out',
      variantOut,
    ]),
    nightly(
      [
        '--budget',
        '3600',
        `--seed=${seed}`,
        '--out',
        interruptedOut,
        '--corpus',
        join(dir, 'corpus'),
      ],
      (child) => {
        setTimeout(() => {
          const sent = Date.now();
          child.kill('SIGINT');
          child.on('close', () => {
            stopMs = Date.now() - sent;
          });
        }, 3000);
      },
    ),
  ]);
}, 30_000);

const readSummary = (d: string) =>
  JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')) as Summary;

describe('npm run nightly on a zoo variant', () => {
  test('finds counterexamples, exits 1, and leaves the corpus alone', () => {
    expect(variantRun.err).not.toMatch(/\n\s+at /);
    expect(variantRun.code).toBe(1);
    const s = readSummary(variantOut);
    expect(s.status).toBe('completed');
    expect(s.variant).toBe('live-read-transfer');
    expect(s.properties.map((p) => [p.id, p.status])).toEqual([['R2', 'failed']]);
    expect(s.counterexamples.length).toBe(1);
    const c = s.counterexamples[0];
    expect(c?.corpus).toBe('variant-run');
    expect(corpusFiles().some((f) => f.endsWith(`${c?.id}.json`))).toBe(false);
    for (const f of ['summary.md', 'report.html', 'junit.xml']) {
      expect(existsSync(join(variantOut, f)), f).toBe(true);
    }
    expect(readFileSync(join(variantOut, 'junit.xml'), 'utf8')).toMatch(
      /<failure message="R2 violated after step \d+/,
    );
  });

  test('the printed replay command prints exactly the timeline the report holds', () => {
    const printed = /npm run replay -- (\S+\.json)/.exec(variantRun.out);
    expect(printed, variantRun.out).not.toBeNull();
    const command = printed?.[0] ?? '';
    const s = readSummary(variantOut);
    expect(s.counterexamples[0]?.replay).toBe(command);
    const md = readFileSync((printed?.[1] ?? '').replace(/\.json$/, '.md'), 'utf8');
    const story = /^(`{3,})\n([\s\S]*?)\n\1$/m.exec(md)?.[2] ?? '';
    expect(story).toMatch(/\nTimeline:\n +1\. /);
    const r = spawnSync(command, { shell: true, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${story}\n\nreplay: reproduced`);
  });
});

describe('a nightly run stopped by SIGINT', () => {
  test('stops within seconds and leaves a parseable summary with status "interrupted"', () => {
    expect(interruptedRun.err).not.toMatch(/\n\s+at /);
    expect(stopMs).toBeLessThan(6000);
    expect(interruptedRun.out).toMatch(/SIGINT received/);
    const s = readSummary(interruptedOut);
    expect(s.status).toBe('interrupted');
    expect(s.properties.length).toBeGreaterThan(1);
    expect(s.properties.some((p) => p.status === 'interrupted')).toBe(true);
    // Every counterexample it found (none, on the correct model, one hopes) is kept.
    const files = existsSync(join(interruptedOut, 'counterexamples'))
      ? readdirSync(join(interruptedOut, 'counterexamples')).filter((f) => f.endsWith('.json'))
      : [];
    expect(files.length).toBe(s.counterexamples.length);
    expect(interruptedRun.code).toBe(s.counterexamples.length > 0 ? 1 : 130);
  });
});

function tsx(script: string, args: readonly string[]): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('npm run report:merge', () => {
  test('re-renders shard outputs into one report whose replay paths point into it', async () => {
    const merged = join(dir, 'merged');
    const r = await tsx('scripts/report-merge.ts', [merged, variantOut]);
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    const s = readSummary(merged);
    expect(s.mergedFrom?.map((m) => m.dir)).toEqual([variantOut]);
    const c = s.counterexamples[0];
    expect(c?.replayPath).toBe(join(merged, 'counterexamples', `${c?.id}.json`));
    for (const f of ['summary.md', 'report.html', 'junit.xml', `counterexamples/${c?.id}.md`]) {
      expect(existsSync(join(merged, f)), f).toBe(true);
    }
  });
});

describe('bad input gets a one-line error and exit code 2, never a stack trace', () => {
  const broken = join(dir, 'broken');
  const cases: [string, string[], RegExp][] = [
    ['nightly', ['--shard', '5/4'], /--shard takes K\/N with 1 <= K <= N/],
    ['nightly', ['--only', 'R2,R99'], /no property "R99"/],
    ['nightly', ['--variant', 'teleport'], /no variant named "teleport"/],
    ['nightly', ['--budget', '0'], /--budget takes a positive number/],
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

describe('report.html in headless Chromium', () => {
  const HOSTILE = '<img src=x onerror=window.pwned=1>';

  test('draws the swimlane timelines and the RPO chart, and shows a hostile host name as text', async ({
    skip,
  }) => {
    skip(!existsSync(CHROMIUM), `no ${CHROMIUM}: install chromium to run the browser check`);
    const { chromium } = await import('playwright-core');
    const s = readSummary(variantOut);
    const c = s.counterexamples[0];
    if (!c) throw new Error('the variant run found no counterexample');
    // The same story on a host and VM with markup in their names, rendered directly.
    const setup = c.setup as { hosts: string[]; vms: { host: string; name: string }[] };
    const rename = (x: string) => (x === setup.vms[0]?.host ? HOSTILE : x);
    const hostile: Summary = {
      ...s,
      counterexamples: [
        {
          ...c,
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
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`file://${join(variantOut, 'report.html')}`);
      const sizes = await page.evaluate(() =>
        [...document.querySelectorAll('svg.timeline, svg.rpo')].map((e) => {
          const r = e.getBoundingClientRect();
          return { cls: e.getAttribute('class'), w: r.width, h: r.height };
        }),
      );
      expect(sizes.filter((x) => x.cls === 'timeline').length).toBe(1);
      expect(sizes.filter((x) => x.cls === 'rpo').length).toBe(1);
      for (const x of sizes) {
        expect(x.w, `${x.cls} width`).toBeGreaterThan(100);
        expect(x.h, `${x.cls} height`).toBeGreaterThan(100);
      }
      const drawn = await page.evaluate(() => ({
        events: document.querySelectorAll('svg.timeline g.event').length,
        failing: document.querySelectorAll('svg.timeline g.event.failing').length,
        lag: document.querySelectorAll('svg.rpo .lag-point').length,
      }));
      expect(drawn.events).toBe(s.counterexamples[0]?.events.length);
      expect(drawn.failing).toBe(1);
      expect(drawn.lag).toBeGreaterThan(0);

      await page.goto(`file://${hostileFile}`);
      const seen = await page.evaluate(() => ({
        pwned: (window as { pwned?: unknown }).pwned,
        images: document.querySelectorAll('img').length,
        text: document.body.textContent ?? '',
      }));
      expect(seen.pwned).toBeUndefined();
      expect(seen.images).toBe(0);
      expect(seen.text).toContain(HOSTILE);

      const junit = readFileSync(join(variantOut, 'junit.xml'), 'utf8');
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
