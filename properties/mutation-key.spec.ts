import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import {
  codeText,
  type Equivalent,
  instrumentedFile,
  keyFile,
  keyReport,
  MODULE_LEVEL,
  type MutationReport,
  matchEquivalents,
  NOT_MUTATED,
  OUTSIDE_RUN,
  type ReportMutant,
  TIMED_OUT,
} from '../scripts/mutation-key.ts';

const FILE = 'model/sample.ts';

/** A mutant of `original` (its nth occurrence in source), as StrykerJS's JSON report has it. */
function mutantAt(
  source: string,
  id: string,
  original: string,
  mutatorName: string,
  replacement: string,
  status = 'Survived',
  nth = 1,
): ReportMutant {
  let at = -1;
  for (let i = 0; i < nth; i++) at = source.indexOf(original, at + 1);
  if (at < 0) throw new Error(`no ${original} in the sample`);
  const pos = (offset: number) => {
    const before = source.slice(0, offset).split('\n');
    return { line: before.length, column: (before.at(-1) as string).length + 1 };
  };
  return {
    id,
    mutatorName,
    replacement,
    status,
    location: { start: pos(at), end: pos(at + original.length) },
  };
}

const report = (source: string, mutants: ReportMutant[]): MutationReport => ({
  files: { [FILE]: { source, mutants } },
});

const match = (r: MutationReport, entries: Equivalent[], exists = true) =>
  matchEquivalents(keyReport(r), entries, () => exists);

const BEFORE = `export function pick(a: Item, b: Item): boolean {
  return a.kind === 'vmk' || a.x > b.x;
}
`;

// pick moved below a new function, and its condition broken over lines with a comment in it.
const AFTER = `export function other(): number {
  return 1;
}

export function pick(a: Item, b: Item): boolean {
  return (
    a.kind === "vmk" || // the usual case
    a.x > b.x
  );
}
`;

const reason = 'a hand-made reason';

function entryFor(source: string, m: ReportMutant): Equivalent {
  const km = keyFile(FILE, { source, mutants: [m] })[0];
  if (!km) throw new Error('no key');
  return { ...km.key, reason };
}

describe('equivalent mutants are matched by their code, not by where it is', () => {
  test('a key names the enclosing function, the mutator, the original text and the replacement', () => {
    const m = mutantAt(BEFORE, '1', "a.kind === 'vmk'", 'ConditionalExpression', 'false');
    expect(entryFor(BEFORE, m)).toEqual({
      file: FILE,
      function: 'pick',
      mutator: 'ConditionalExpression',
      original: "a.kind === 'vmk'",
      replacement: 'false',
      reason,
    });
  });

  test('an entry still matches after its function moves and is reformatted', () => {
    const entry = entryFor(
      BEFORE,
      mutantAt(BEFORE, '1', "a.kind === 'vmk' || a.x > b.x", 'ConditionalExpression', 'false'),
    );
    const moved = mutantAt(
      AFTER,
      '7',
      'a.kind === "vmk" || // the usual case\n    a.x > b.x',
      'ConditionalExpression',
      'false',
    );
    const m = match(report(AFTER, [moved]), [entry]);
    expect(m.stale).toEqual([]);
    expect(m.byMutant.get('7')).toBe(entry);
  });

  test('an entry whose code changed is reported stale', () => {
    const entry = entryFor(
      BEFORE,
      mutantAt(BEFORE, '1', "a.kind === 'vmk'", 'ConditionalExpression', 'false'),
    );
    const changed = BEFORE.replace("a.kind === 'vmk'", "a.kind === 'vmknic'");
    const m = match(
      report(changed, [
        mutantAt(changed, '1', "a.kind === 'vmknic'", 'ConditionalExpression', 'false'),
      ]),
      [entry],
    );
    expect(m.byMutant.size).toBe(0);
    expect(m.stale).toEqual([{ entry, why: 'no mutant has this code any more' }]);
  });

  test('an entry whose mutant a test now kills is stale: it was not equivalent', () => {
    const m0 = mutantAt(BEFORE, '1', 'a.x > b.x', 'EqualityOperator', 'a.x >= b.x');
    const entry = entryFor(BEFORE, m0);
    const m = match(report(BEFORE, [{ ...m0, status: 'Killed' }]), [entry]);
    expect(m.stale.map((s) => s.why)).toEqual([
      'Killed: a test tells it apart, so it is not equivalent',
    ]);
  });

  test('an entry whose mutant timed out is not judged: StrykerJS counts a timeout as detected', () => {
    const m0 = mutantAt(BEFORE, '1', 'a.x > b.x', 'EqualityOperator', 'a.x >= b.x');
    const m = match(report(BEFORE, [{ ...m0, status: 'Timeout' }]), [entryFor(BEFORE, m0)]);
    expect(m.stale).toEqual([]);
    expect(m.unjudged.map((u) => u.why)).toEqual([TIMED_OUT]);
  });

  test('a run restricted to some lines leaves the other entries of the file unjudged, not stale', async () => {
    const tested = mutantAt(BEFORE, '1', 'a.x > b.x', 'EqualityOperator', 'a.x >= b.x');
    const elsewhere = entryFor(
      BEFORE,
      mutantAt(BEFORE, '2', "a.kind === 'vmk'", 'ConditionalExpression', 'false'),
    );
    const gone = { ...elsewhere, original: "a.kind === 'vmknic'" };
    const every = new Map([[FILE, keyFile(FILE, await instrumentedFile(FILE, BEFORE))]]);
    const m = matchEquivalents(
      keyReport(report(BEFORE, [tested])),
      [elsewhere, gone],
      () => true,
      every,
    );
    expect(m.unjudged).toEqual([{ entry: elsewhere, why: OUTSIDE_RUN }]);
    expect(m.stale).toEqual([{ entry: gone, why: 'no mutant has this code any more' }]);
  });

  test('where a function holds the original text twice, occurrence says which, whatever the run mutated', () => {
    const source = `export function both(a: number[]): string {
  return (a[0] ?? '') + (a[1] ?? '');
}
`;
    const first = mutantAt(
      source,
      '1',
      "''",
      'StringLiteral',
      '"Stryker was here!"',
      'Survived',
      1,
    );
    const second = mutantAt(
      source,
      '2',
      "''",
      'StringLiteral',
      '"Stryker was here!"',
      'Survived',
      2,
    );
    const keys = keyFile(FILE, { source, mutants: [second, first] });
    expect(keys.map((k) => [k.mutant.id, k.key.occurrence])).toEqual([
      ['1', 1],
      ['2', 2],
    ]);
    const secondEntry = { ...(keys[1]?.key as Equivalent), reason };
    const m = match(report(source, [first, second]), [secondEntry]);
    expect([...m.byMutant.keys()]).toEqual(['2']);
    const { occurrence: _, ...unsaid } = secondEntry;
    expect(match(report(source, [first, second]), [unsaid]).stale.map((s) => s.why)).toEqual([
      'both holds this code more than once now: say which with "occurrence"',
    ]);
    // A run restricted to the second one's line keys it the same.
    expect(keyFile(FILE, { source, mutants: [second] })[0]?.key.occurrence).toBe(2);
  });

  test('an entry is not judged when its file was not mutated, and stale when its file is gone', () => {
    const entry = {
      ...entryFor(BEFORE, mutantAt(BEFORE, '1', 'a.x > b.x', 'EqualityOperator', 'a.x >= b.x')),
      file: 'model/elsewhere.ts',
    };
    const r = report(BEFORE, []);
    expect(match(r, [entry], true)).toMatchObject({
      stale: [],
      unjudged: [{ entry, why: NOT_MUTATED }],
    });
    expect(match(r, [entry], false).stale).toEqual([{ entry, why: 'its file is gone' }]);
  });

  test('nested, object-literal and module-level code is named by the path of named scopes', () => {
    const source = `const LIMIT = 'x';
export const RENDER = {
  format(e: string): string {
    const inner = (s: string) => s.trim();
    return [e].map((x) => inner(x)).join(',');
  },
};
`;
    const keys = keyFile(FILE, {
      source,
      mutants: [
        mutantAt(source, '1', "'x'", 'StringLiteral', '""'),
        mutantAt(source, '2', 's.trim()', 'MethodExpression', 's'),
        mutantAt(source, '3', "','", 'StringLiteral', '""'),
      ],
    });
    expect(keys.map((k) => k.key.function)).toEqual([
      MODULE_LEVEL,
      'RENDER.format.inner',
      'RENDER.format',
    ]);
  });

  test('an original is shown on one line, without comments or trailing commas', () => {
    expect(codeText('f(\n  a, // first\n  b,\n)')).toBe('f(a, b)');
    expect(codeText('{\n  return x;\n}')).toBe('{ return x; }');
    const regexAndTemplate = `a?.b(/x\\d/g, \`t\${1}u\`)`;
    expect(codeText(regexAndTemplate)).toBe(regexAndTemplate);
  });

  test("StrykerJS's own instrumenter places its mutants where the keys expect them", async () => {
    const f = await instrumentedFile(FILE, BEFORE);
    const keys = keyFile(FILE, f).map((k) => k.key);
    expect(keys).toContainEqual({
      file: FILE,
      function: 'pick',
      mutator: 'EqualityOperator',
      original: 'a.x > b.x',
      replacement: 'a.x >= b.x',
    });
    expect(keys).toContainEqual({
      file: FILE,
      function: 'pick',
      mutator: 'StringLiteral',
      original: "'vmk'",
      replacement: '""',
    });
  });
});

describe('npm run mutation:summary', () => {
  test('sums a run cut short from its plan, names the survivors by key and fails on a stale entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hbr-mutation-'));
    const write = (file: string, text: string) => {
      mkdirSync(join(dir, file, '..'), { recursive: true });
      writeFileSync(join(dir, file), text);
    };
    const equivalent = mutantAt(
      BEFORE,
      '1',
      'a.x > b.x',
      'EqualityOperator',
      'a.x >= b.x',
      'Pending',
    );
    const survivor = mutantAt(
      BEFORE,
      '2',
      "a.kind === 'vmk'",
      'ConditionalExpression',
      'false',
      'Pending',
    );
    const untested = mutantAt(BEFORE, '3', "'vmk'", 'StringLiteral', '""', 'Pending');
    write(FILE, BEFORE);
    write(
      'reports/mutation/plan.json',
      JSON.stringify(report(BEFORE, [equivalent, survivor, untested])),
    );
    write(
      'reports/mutation/results.jsonl',
      `${JSON.stringify({ id: '1', status: 'Survived' })}\n${JSON.stringify({ id: '2', status: 'Survived' })}\n`,
    );
    const listed = entryFor(BEFORE, equivalent);
    const gone = { ...listed, original: 'a.y > b.y', replacement: 'a.y >= b.y' };
    write('mutation/equivalent.json', JSON.stringify([listed, gone]));
    const tsx = pathToFileURL(join(process.cwd(), 'node_modules/tsx/dist/loader.mjs')).href;
    const r = spawnSync(
      process.execPath,
      ['--import', tsx, join(process.cwd(), 'scripts/mutation-summary.ts')],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toContain('a run cut short: 2 mutants tested so far, 1 pending');
    expect(r.stdout).toContain(
      'mutation score 0 (0 detected, 1 survived, 0 without coverage, 1 listed as equivalent); 0 without the equivalents',
    );
    expect(r.stderr).toBe(
      'mutation/equivalent.json: stale entry model/sample.ts pick EqualityOperator "a.y > b.y" -> "a.y >= b.y": no mutant has this code any more\n',
    );
    const summary = JSON.parse(readFileSync(join(dir, 'reports/mutation/summary.json'), 'utf8'));
    expect(summary.survivors).toEqual([
      {
        file: FILE,
        function: 'pick',
        mutator: 'ConditionalExpression',
        original: "a.kind === 'vmk'",
        replacement: 'false',
        status: 'Survived',
        line: 2,
        column: 10,
      },
    ]);
    expect(readFileSync(join(dir, 'reports/mutation/survivors.md'), 'utf8')).toContain(
      "| model/sample.ts:2:10 | Survived | pick | ConditionalExpression | `a.kind === 'vmk'` | `false` |",
    );
  });
});
