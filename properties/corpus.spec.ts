// The committed corpus, replayed before anything else (see the sequencer in vitest.config.ts):
// a fixed defect stays fixed, an open one and a documented pitfall stay found, at the same step.
// It folds the model's step over stored events only, so the whole file takes well under a
// second and depends on no other spec: "first" is cheap even when files run in parallel.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CORPUS_DIR, corpusFiles, corpusMismatch, scenarioEntries } from './corpus.ts';
import { InputError } from './record-io.ts';

const files = corpusFiles();

describe('the committed corpus replays exactly as recorded', () => {
  test('the corpus holds entries to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  test.each(files)('%s', (file) => {
    const mismatch = corpusMismatch(file);
    if (mismatch) throw new Error(mismatch);
  });

  test('every found seed layout that names its property has an expected entry', () => {
    const missing = scenarioEntries()
      .filter((e) => !files.includes(join(CORPUS_DIR, `${e.id}.json`)))
      .map((e) => e.scenario);
    expect(missing, 'run npm run corpus:seed to add them').toEqual([]);
  });
});

describe('a corpus entry whose behaviour changed is named, with the step', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hbr-corpus-'));
  const source = files.find((f) => JSON.parse(readFileSync(f, 'utf8')).status === 'expected');
  const entry = source ? JSON.parse(readFileSync(source, 'utf8')) : undefined;
  const write = (name: string, patch: object) => {
    const f = join(dir, name);
    writeFileSync(f, JSON.stringify({ ...entry, ...patch }));
    return f;
  };

  test('a fixed entry that fails again', () => {
    const f = write('fixed.json', { status: 'fixed' });
    expect(corpusMismatch(f)).toMatch(
      new RegExp(
        `fixed\\.json: marked fixed, but ${entry.violation.invariant} fails again after step ${entry.violation.step}`,
      ),
    );
  });

  test('an expected entry recorded at another step', () => {
    const f = write('moved.json', { violation: { ...entry.violation, step: 99 } });
    expect(corpusMismatch(f)).toMatch(
      new RegExp(
        `moved\\.json: expected, recorded failing .* after step 99, now .* after step ${entry.violation.step}: behaviour changed at step ${entry.violation.step}`,
      ),
    );
  });

  test('an open entry that now passes', () => {
    const f = write('passes.json', {
      status: 'open',
      events: [],
      setup: { ...entry.setup, topology: null },
    });
    expect(corpusMismatch(f)).toMatch(
      /passes\.json: open, recorded failing .* but it now passes: behaviour changed at step/,
    );
  });

  test('an entry without a status, or of a zoo variant, is refused with the field named', () => {
    expect(() => corpusMismatch(write('nostatus.json', { status: 'maybe' }))).toThrow(InputError);
    expect(() => corpusMismatch(write('nostatus.json', { status: 'maybe' }))).toThrow(
      /field "status": expected one of open, fixed, expected/,
    );
    expect(() => corpusMismatch(write('variant.json', { variant: 'first-match-route' }))).toThrow(
      /field "variant": expected "correct"/,
    );
  });
});
