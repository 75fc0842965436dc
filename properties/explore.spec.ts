import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CORRECT, DEFECT_INFO, type Defect, zooVariants } from '../model/variants.ts';
import { exploreCli, parseExploreArgs } from '../scripts/explore-cli.ts';
import { EXPLORE_AREAS, exploreArea, runScope, scopeOf } from './explore/areas.ts';
import { Encoder } from './explore/encoder.ts';
import { mergeExhaustive, mergeRows, rowOf } from './explore/summary.ts';
import type { ExploreArea, ExploreRun, Scope } from './explore/types.ts';
import { huntByExplore } from './explore/zoo.ts';
import { FAST_CHECK_VERSION, replay } from './harness.ts';
import { PROPERTIES } from './registry.ts';
import { REPLICATION_EXPLORE, replicationModel } from './replication/explore.ts';
import { reportHtml } from './report/html.ts';
import { summaryMarkdown } from './report/markdown.ts';
import { hasNewFailures, type Summary } from './report/summary.ts';

const scopes = (a: ExploreArea) => a.scopes as readonly Scope<unknown>[];
/** Where an area's scopes live: one file beside its properties. */
const fileOf = (area: string) => `properties/${area}/explore.ts`;
/** The zoo variants an area of the given kind hunts: every registered area joins by itself. */
const variantsOf = (kind: ExploreArea['kind']) =>
  zooVariants().filter((v) => exploreArea(DEFECT_INFO[v.defects[0] as Defect].area)?.kind === kind);

/** The distinct states (stepped) or configurations (enumerated) a run covered. */
const size = (r: ExploreRun) => r.stats?.distinct ?? r.enumeration?.checked ?? 0;

describe('each area has a tiny scope that exhausts in npm test with its state count pinned', () => {
  for (const area of EXPLORE_AREAS) {
    test(`${area.area}/tiny is exhausted with no violation, every goal in scope witnessed, and the pinned count`, () => {
      const scope = scopeOf(area, 'tiny');
      expect(scope, `${area.area} has no tiny scope`).toBeDefined();
      if (!scope) return;
      const r = runScope(area, scope, { variant: CORRECT });
      expect(r.counterexample?.violation, 'a violation on the correct model').toBeUndefined();
      expect(r.exhausted).toBe(true);
      const missed = r.witnesses.filter(
        (w) => w.states === 0 && !scope.outOfScope?.includes(`${w.property}: ${w.goal}`),
      );
      expect(missed, 'goals never reached: those passes would be vacuous').toEqual([]);
      expect(r.status).toBe('passed');
      const unit = r.stats ? 'distinct states' : 'configurations';
      expect(
        size(r),
        `${area.area}/tiny now has ${size(r)} ${unit}, pinned at ${scope.pinned}. Update pinned to ${size(r)} in ${fileOf(area.area)} only if the change to the model (or the scope) that did this was intended.`,
      ).toBe(scope.pinned);
    });
  }
});

describe('the scopes cover the catalogue', () => {
  test('every registered safety property of an explorable area is checked by some scope of it', () => {
    const checked = new Set<string>();
    for (const area of EXPLORE_AREAS)
      for (const scope of scopes(area)) {
        if (area.kind === 'enumerated')
          for (const id of area.space(scope as never).checks) checked.add(id);
        else
          for (const c of area.model(scope as never, CORRECT, { symmetry: true }).checks)
            checked.add(c.property);
      }
    // Routing intent (N2, N3's flows, N4, N6) holds only for the recommended layouts the
    // properties generate, not for every configuration, so the enumeration checks N1, N5, N7,
    // N8 and N8-fixes.
    const notEnumerable = new Set(['N2', 'N3', 'N4', 'N6']);
    const explorable = new Set(EXPLORE_AREAS.map((a) => a.area));
    const missing = PROPERTIES.filter(
      (p) =>
        p.kind === 'always' &&
        explorable.has(p.area) &&
        !notEnumerable.has(p.id) &&
        !checked.has(p.id),
    ).map((p) => p.id);
    expect(missing).toEqual([]);
  });

  test('every goal a scope leaves out is reached by another scope of the same area (by name)', () => {
    for (const area of EXPLORE_AREAS) {
      const all = scopes(area);
      for (const scope of all)
        for (const goal of scope.outOfScope ?? []) {
          const others = all.filter((s) => s !== scope && !s.outOfScope?.includes(goal));
          expect(
            others.length,
            `${area.area}/${scope.name} leaves "${goal}" to no other scope`,
          ).toBeGreaterThan(0);
        }
    }
  });
});

describe('the firewall scope', () => {
  test('visits every ruleset combination its events can make on both hosts, F1-F3, F5 and F6 holding on each', () => {
    const area = EXPLORE_AREAS.find((a) => a.area === 'firewall') as ExploreArea;
    const r = runScope(area, scopeOf(area, 'default') as Scope<unknown>, { variant: CORRECT });
    expect(r.status).toBe('passed');
    // HBR and NFC on or off, the to-cloud ruleset absent, on or off: 12 per host, 144 for two.
    expect(r.extra?.rulesetCombinations).toBe('144 of the 144 possible');
  });
});

/**
 * Every hunt in npm test is bounded: each variant's scope (ZOO_SCOPES) finds it within a few
 * thousand distinct states, and a hunt that needs more than this fails rather than run long.
 */
const HUNT_BOUND = 20_000;

describe('breadth-first exploration finds every zoo variant of the stepped areas, no longer than fast-check', () => {
  for (const variant of variantsOf('stepped')) {
    test(`${variant.name} is found with a trace no longer than the shortest known`, () => {
      const row = huntByExplore(variant, { maxStates: HUNT_BOUND });
      expect(
        row.found,
        `${variant.name} survived the first ${HUNT_BOUND} states of ${row.area}/${row.scope}`,
      ).toBe(true);
      expect(
        row.shortestKnown,
        `no shortest known counterexample for ${variant.name}`,
      ).toBeDefined();
      expect(row.length as number).toBeLessThanOrEqual(row.shortestKnown as number);
      // Caught for the right reason: by an invariant the defect should break.
      expect(DEFECT_INFO[variant.defects[0] as Defect].expectedInvariants).toContain(
        (row.invariant as string).replace(/-.*/, ''),
      );
      // The trace is an ordinary counterexample: replaying it fails the same way.
      const rec = row.record;
      if (!rec) return;
      expect(replay(rec)).toEqual(rec.violation);
      expect(replay({ ...rec, variant: CORRECT.name })).toBeNull();
    });
  }
});

describe('the routing enumeration catches every network variant', () => {
  for (const variant of variantsOf('enumerated')) {
    const by = [
      ...new Set([...DEFECT_INFO[variant.defects[0] as Defect].expectedInvariants, 'N7']),
    ];
    test(`${variant.name} is caught on some configuration (it should break ${by.join(' or ')})`, () => {
      const row = huntByExplore(variant, { maxStates: HUNT_BOUND });
      expect(
        row.found,
        `${variant.name} passed the first ${HUNT_BOUND} configurations of ${row.area}/${row.scope}`,
      ).toBe(true);
      const rec = row.record;
      if (rec) expect(replay(rec)).toEqual(rec.violation);
    });
  }
});

describe('symmetry reduction', () => {
  const area = REPLICATION_EXPLORE as unknown as ExploreArea;
  const scope = scopeOf(area, 'two-vms') as Scope<unknown>;
  const run = (symmetry: boolean) => runScope(area, scope, { variant: CORRECT, symmetry });

  test('the states a reduced search stands for are exactly the states of the unreduced one', () => {
    const reduced = run(true);
    const full = run(false);
    expect(reduced.exhausted && full.exhausted).toBe(true);
    const stoodFor = Math.round(
      (reduced.stats?.symmetryRatio ?? 0) * (reduced.stats?.distinct ?? 0),
    );
    expect(stoodFor).toBe(full.stats?.distinct);
    expect(reduced.stats?.distinct).toBeLessThan(full.stats?.distinct ?? 0);
    expect(reduced.status).toBe(full.status);
  });
});

describe('sharding', () => {
  const area = EXPLORE_AREAS.find((a) => a.area === 'world') as ExploreArea;
  const scope = scopeOf(area, 'tiny') as Scope<unknown>;

  test('two shards of a split search are each exhausted, deterministic, and merge into an exhausted run', () => {
    const whole = runScope(area, scope, { variant: CORRECT });
    const a = runScope(area, scope, { variant: CORRECT, shard: { index: 1, count: 2 } });
    const b = runScope(area, scope, { variant: CORRECT, shard: { index: 2, count: 2 } });
    const again = runScope(area, scope, { variant: CORRECT, shard: { index: 2, count: 2 } });
    expect(again.stats?.distinct).toBe(b.stats?.distinct);
    const [merged] = mergeRows([rowOf(a), rowOf(b)]);
    expect(merged?.exhausted).toBe(true);
    // Each state is counted in the shard that reaches it; one both shards reach counts twice.
    expect(merged?.stats?.distinct).toBeGreaterThanOrEqual(whole.stats?.distinct ?? 0);
    expect(mergeRows([rowOf(a)])[0]?.exhausted).toBe(true);
    expect(mergeRows([rowOf(a), { ...rowOf(a), shard: '1/3' }])[0]?.exhausted).toBe(false);
  });

  test('a shard of the enumeration checks every configuration whose index falls to it', () => {
    const net = EXPLORE_AREAS.find((x) => x.area === 'network') as ExploreArea;
    const scope = scopeOf(net, 'tiny') as Scope<unknown>;
    const parts = [1, 2, 3].map((index) =>
      runScope(net, scope, { variant: CORRECT, shard: { index, count: 3 } }),
    );
    expect(parts.reduce((n, r) => n + (r.enumeration?.checked ?? 0), 0)).toBe(scope.pinned);
  });
});

describe('the canonical encoding', () => {
  test('a state field the encoder does not know stops the run with a message saying where to teach it', () => {
    const scope = scopeOf(REPLICATION_EXPLORE as unknown as ExploreArea, 'tiny') as Scope<never>;
    const model = replicationModel(scope, CORRECT, { symmetry: true });
    const x = model.init();
    const grown = { ...x, m: { ...x.m, vms: { 'vm-1': { ...x.m.vms['vm-1'], nfcHop: 1 } } } };
    expect(() => model.encode(grown as typeof x, new Encoder())).toThrow(
      /VmState has a field "nfcHop".*properties\/replication\/canonical\.ts/,
    );
  });
});

describe('npm run explore', () => {
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/explore.ts', ...args], {
      encoding: 'utf8',
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const inProcess = async (...args: string[]) => {
    let out = '';
    const code = await exploreCli(args, (t) => {
      out += t;
    });
    return { code, out };
  };

  test('--help prints the usage and the scopes, and exits 0', async () => {
    const r = await inProcess('--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^npm run explore -- \[--area A\]/);
    expect(r.out).toContain('replication/tiny:');
  });

  test.each([
    [['--area', 'tunnel-x'], /^--area: no area "tunnel-x" \(areas: replication, /],
    [['--scope', 'huge'], /^--scope: no scope "huge" \(scopes: replication\/default, /],
    [['--shard', '3/2'], /^--shard takes I\/N with 1 <= I <= N, such as 2\/4, got "3\/2"$/],
    [['--max-states', '0'], /^--max-states takes a positive number, got "0"$/],
    [['--budget', 'soon'], /^--budget takes a positive number, got "soon"$/],
    [['--variant', 'nope'], /^--variant: no variant named "nope" \(variants: correct, /],
    [['--colour'], /^Unknown option '--colour'/],
  ])('%j is a usage error saying what was wrong', (args, message) => {
    expect(() => parseExploreArgs(args)).toThrow(message);
  });

  test('a usage error is one line and the usage on stderr, exit 2, no stack trace', () => {
    const r = cli('--shard', '3/2');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^explore: --shard takes I\/N[^\n]*\nusage: npm run explore -- /);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  test('a violation is printed as the shortest trace with a replay command that reproduces it, exit 1', async () => {
    const out = mkdtempSync(join(tmpdir(), 'hbr-explore-'));
    const r = await inProcess(
      '--area',
      'replication',
      '--scope',
      'tiny',
      '--variant',
      'fullsync-sends-all',
      '--out',
      out,
    );
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /R7 violated \(property R7\) after 2 event\(s\), the shortest trace in this scope/,
    );
    const m = /Replay: npm run replay -- (\S+)/.exec(r.out);
    expect(m).not.toBeNull();
    const rep = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/replay.ts', m?.[1] as string],
      {
        encoding: 'utf8',
      },
    );
    expect(rep.status).toBe(0);
    expect(rep.stdout).toMatch(/replay: reproduced \(R7 fails after step 2, as recorded\)/);
  });

  test('--json prints one object with the statistics of every run', async () => {
    const r = await inProcess('--area', 'firewall', '--scope', 'tiny', '--json');
    expect(r.code).toBe(0);
    const o = JSON.parse(r.out) as { runs: ExploreRun[] };
    expect(o.runs).toHaveLength(1);
    const s = o.runs[0]?.stats;
    const fw = EXPLORE_AREAS.find((a) => a.area === 'firewall') as ExploreArea;
    expect(s?.distinct).toBe(scopeOf(fw, 'tiny')?.pinned);
    expect(Object.keys(s ?? {})).toEqual(
      expect.arrayContaining([
        'generated',
        'distinct',
        'queue',
        'depth',
        'outdegree',
        'coverage',
        'collisionProbability',
      ]),
    );
  });

  test('--max-states stops a search short and the verdict says it was not exhausted', async () => {
    const r = await inProcess('--area', 'replication', '--scope', 'tiny', '--max-states', '200');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /replication\/tiny on correct: NOT exhausted \(stopped by max-states\); R1, .* hold for the 200 distinct states visited, and nothing is claimed beyond them/,
    );
  });
});

describe('the Exhaustive section of the reports', () => {
  const HOSTILE = '<img src=x onerror=window.pwned=1> | a scope';
  const area = EXPLORE_AREAS.find((a) => a.area === 'firewall') as ExploreArea;
  const run = runScope(area, scopeOf(area, 'tiny') as Scope<unknown>, { variant: CORRECT });
  const row = { ...rowOf(run), description: HOSTILE };
  const base: Summary = {
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:10:00.000Z',
    status: 'completed',
    budgetSeconds: 600,
    fastCheckVersion: FAST_CHECK_VERSION,
    seed: 1,
    shard: null,
    variant: 'correct',
    only: null,
    properties: [],
    scenarios: [],
    counterexamples: [],
    zoo: { status: 'skipped', variants: [] },
  };

  test('summary.md and report.html show each scope with its verdict and statistics, names as text', () => {
    const s: Summary = { ...base, exhaustive: { status: 'ran', runs: [row] } };
    const md = summaryMarkdown(s);
    expect(md).toContain('## Exhaustive exploration');
    expect(md).toMatch(
      /\| firewall\/tiny \| correct \| F1, F2, F2-direction, F3, F5, F6 hold for all 7 distinct states \(exhausted\) \| 7 \| 30 \|/,
    );
    expect(md).not.toContain('<img');
    const html = reportHtml(s);
    expect(html).toContain('<h2>Exhaustive exploration</h2>');
    expect(html).toContain('&lt;img src=x onerror=window.pwned=1&gt; | a scope');
    expect(html).not.toContain('<img');
    expect(hasNewFailures(s)).toBe(false);
  });

  test('a failed exploration fails the run, and a skipped one says why', () => {
    const failed = { ...row, status: 'failed' as const, counterexample: 'abc123', traceLength: 2 };
    expect(hasNewFailures({ ...base, exhaustive: { status: 'ran', runs: [failed] } })).toBe(true);
    const md = summaryMarkdown({
      ...base,
      exhaustive: { status: 'skipped', note: 'runs with a budget of at least 300 s', runs: [] },
    });
    expect(md).toMatch(/## Exhaustive exploration\n\nruns with a budget of at least 300 s/);
  });

  test('merging the summaries of two shards sums their rows per scope', () => {
    const a = { ...row, shard: '1/2' };
    const b = { ...row, shard: '2/2' };
    const merged = mergeExhaustive([
      { status: 'ran', runs: [a] },
      { status: 'ran', runs: [b] },
      undefined,
    ]);
    expect(merged?.runs).toHaveLength(1);
    expect(merged?.runs[0]?.stats?.distinct).toBe(2 * (row.stats?.distinct ?? 0));
    expect(merged?.runs[0]?.exhausted).toBe(true);
    expect(merged?.runs[0]?.shards).toBe(2);
  });
});
