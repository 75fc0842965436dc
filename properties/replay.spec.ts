import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { variantByName } from '../model/variants.ts';
import {
  type CounterexampleRecord,
  propertySeed,
  renderCounterexample,
  replay,
  runProperty,
  saveCounterexample,
} from './harness.ts';
import { propertyById } from './registry.ts';

const seed = inject('fcSeed');
const dir = mkdtempSync(join(tmpdir(), 'hbr-replay-'));

function cli(script: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let rec: CounterexampleRecord;
let file: string;

beforeAll(() => {
  const def = propertyById('R2');
  const variant = variantByName('live-read-transfer');
  if (!def || !variant) throw new Error('registry lost R2 or live-read-transfer');
  const r = runProperty(def, { variant, seed: propertySeed(seed, 'replay') });
  if (!r.counterexample) throw new Error(`R2 did not catch live-read-transfer with seed ${seed}`);
  rec = r.counterexample;
  file = saveCounterexample(rec, dir);
});

describe('replaying a stored counterexample', () => {
  test('folding step over the stored events fails the same way, without fast-check', () => {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as CounterexampleRecord;
    expect(replay(stored)).toEqual(rec.violation);
  });

  test('npm run replay prints exactly the timeline the failure printed, and exits 0', () => {
    const r = cli('scripts/replay.ts', file);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    expect(r.out).toContain(renderCounterexample(rec, file));
    expect(r.out).toMatch(/replay: reproduced/);
  });

  test('a counterexample that no longer fails exits 1 and says so', () => {
    const fixed = join(dir, 'fixed.json');
    writeFileSync(fixed, JSON.stringify({ ...rec, variant: 'correct' }));
    const r = cli('scripts/replay.ts', fixed);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/now passes; it was recorded failing R2/);
  });

  test('--against correct prints, side by side, the first step where the correct model differs', () => {
    const r = cli('scripts/replay.ts', file, '--against', 'correct');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const head = /First difference from correct, after step (\d+): (.+)\n/.exec(r.out);
    expect(head, r.out).not.toBeNull();
    const at = Number(head?.[1]);
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThanOrEqual(rec.violation.step);
    expect(r.out).toMatch(/\n {2}fact +on live-read-transfer +on correct\n/);
    // The differing fact is a replica block: the live read sent a later write than the instant.
    expect(r.out).toMatch(/replica disk-\d+ +\S+=w\d+/);
    expect(r.out).toMatch(/On correct the same events pass R2: no invariant it checks is broken\./);
  });

  test("--against names no variant, or the record's own: a one-line error and exit 2", () => {
    const none = cli('scripts/replay.ts', file, '--against', 'teleport');
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/--against: no variant named "teleport"/);
    const same = cli('scripts/replay.ts', file, '--against', 'live-read-transfer');
    expect(same.code).toBe(2);
    expect(same.err.trim().split('\n')).toHaveLength(1);
    expect(same.err).toMatch(/is of live-read-transfer already/);
  });

  test('the shrunk story is short: at most a dozen events', () => {
    expect(rec.events.length).toBeLessThanOrEqual(12);
  });
});

describe('bad input gets a one-line error and exit code 2, never a stack trace', () => {
  const cases: [string, string, RegExp][] = [
    ['missing.json', '', /missing\.json: cannot read it \(ENOENT\)/],
    ['broken.json', '{\n  "property": "R2",\n  oops\n}', /broken\.json:3:3: expected JSON/],
    ['wrong-event.json', '', /field "events\[0\]\.type": expected one of GuestWrite/],
    [
      'wrong-property.json',
      '',
      /field "property": expected the id of a registered safety property/,
    ],
  ];
  test.each(cases)('%s', (name, text, message) => {
    const f = join(dir, name);
    if (name === 'wrong-event.json')
      writeFileSync(f, JSON.stringify({ ...rec, events: [{ type: 'Teleport' }] }));
    else if (name === 'wrong-property.json')
      writeFileSync(f, JSON.stringify({ ...rec, property: 'R99' }));
    else if (text) writeFileSync(f, text);
    const r = cli('scripts/replay.ts', f);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(message);
  });

  test('usage errors of the scripts exit 2 with the usage line', () => {
    expect(cli('scripts/replay.ts').code).toBe(2);
    const zoo = cli('scripts/zoo.ts', '--seed', 'soon');
    expect(zoo.code).toBe(2);
    expect(zoo.err).toMatch(/--seed takes an integer, got "soon"/);
    const start = cli('scripts/start.ts', '--budget', 'zero');
    expect(start.code).toBe(2);
    expect(start.err).toMatch(/--budget takes a positive number/);
  });
});
