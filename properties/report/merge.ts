// Reading shard outputs back and merging them into one summary: what `npm run report:merge`
// renders. Every mistake in a summary.json is a one-line InputError naming file and field.
import { variantByName } from '../../model/variants.ts';
import { type ExhaustiveReport, mergeExhaustive } from '../explore/summary.ts';
import { replayCommand } from '../harness.ts';
import { InputError, parseJsonFile } from '../record-io.ts';
import { PROPERTIES, propertyById } from '../registry.ts';
import type { CounterexampleEntry, PropertyRow, Summary, ZooRow } from './summary.ts';
import { counterexampleFile } from './write.ts';

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function readSummary(file: string): Summary {
  const raw = parseJsonFile(file);
  const bad = (field: string, expected: string, got: unknown) =>
    new InputError(
      `${file}: field "${field}": expected ${expected}, got ${JSON.stringify(got)?.slice(0, 80) ?? 'nothing'}`,
    );
  if (!isObj(raw)) throw bad('(top level)', 'an object', raw);
  for (const f of ['startedAt', 'finishedAt', 'status', 'variant', 'fastCheckVersion'] as const) {
    if (typeof raw[f] !== 'string') throw bad(f, 'a string', raw[f]);
  }
  if (!['running', 'completed', 'interrupted'].includes(raw.status as string)) {
    throw bad('status', '"running", "completed" or "interrupted"', raw.status);
  }
  for (const f of ['budgetSeconds', 'seed'] as const) {
    if (typeof raw[f] !== 'number') throw bad(f, 'a number', raw[f]);
  }
  for (const f of ['properties', 'scenarios', 'counterexamples'] as const) {
    if (!Array.isArray(raw[f])) throw bad(f, 'an array', raw[f]);
  }
  (raw.properties as unknown[]).forEach((p, i) => {
    if (
      !isObj(p) ||
      typeof p.id !== 'string' ||
      typeof p.title !== 'string' ||
      !['passed', 'failed', 'interrupted'].includes(p.status as string) ||
      typeof p.numRuns !== 'number' ||
      typeof p.testRuns !== 'number' ||
      typeof p.maxRuns !== 'number'
    ) {
      throw bad(
        `properties[${i}]`,
        'an object with "id", "title", "status" (passed, failed or interrupted), "numRuns", "testRuns" and "maxRuns"',
        p,
      );
    }
  });
  (raw.scenarios as unknown[]).forEach((x, i) => {
    if (!isObj(x) || typeof x.name !== 'string' || typeof x.verdict !== 'string') {
      throw bad(`scenarios[${i}]`, 'an object with "name", "verdict" and "expected"', x);
    }
  });
  (raw.counterexamples as unknown[]).forEach((c, i) => {
    const at = `counterexamples[${i}]`;
    if (!isObj(c) || typeof c.id !== 'string' || !/^[\w.-]+$/.test(c.id)) {
      throw bad(`${at}.id`, 'a file-name-safe id', isObj(c) ? c.id : c);
    }
    if (typeof c.property !== 'string' || !propertyById(c.property)?.check) {
      throw bad(`${at}.property`, 'the id of a registered safety property', c.property);
    }
    if (typeof c.variant !== 'string' || !variantByName(c.variant)) {
      throw bad(`${at}.variant`, '"correct" or the name of a zoo variant', c.variant);
    }
    if (!Array.isArray(c.events)) throw bad(`${at}.events`, 'an array of events', c.events);
    const v = c.violation;
    if (!isObj(v) || typeof v.step !== 'number' || typeof v.invariant !== 'string') {
      throw bad(`${at}.violation`, 'an object with "step" and "invariant"', v);
    }
  });
  if (raw.exhaustive !== undefined) {
    const x = raw.exhaustive;
    if (!isObj(x) || !Array.isArray(x.runs)) throw bad('exhaustive', 'an object with "runs"', x);
    (x.runs as unknown[]).forEach((r, i) => {
      if (!isObj(r) || typeof r.area !== 'string' || typeof r.scope !== 'string')
        throw bad(`exhaustive.runs[${i}]`, 'an object with "area" and "scope"', r);
    });
  }
  const zoo = isObj(raw.zoo) ? raw.zoo : { status: 'skipped', variants: [] };
  if (!Array.isArray(zoo.variants)) throw bad('zoo.variants', 'an array', zoo.variants);
  return { ...(raw as unknown as Summary), zoo: zoo as unknown as Summary['zoo'] };
}

const catalogueIndex = (id: string) => {
  const i = PROPERTIES.findIndex((p) => p.id === id);
  return i < 0 ? PROPERTIES.length : i;
};

/** One summary from several shards' summaries, its counterexamples placed under `out`. */
export function mergeSummaries(
  parts: readonly { readonly dir: string; readonly summary: Summary }[],
  out: string,
): Summary {
  const all = parts.map((p) => p.summary);
  const properties = new Map<string, PropertyRow>();
  for (const p of all.flatMap((s) => s.properties)) {
    const key = `${p.id}\u0000${p.variant}`;
    const seen = properties.get(key);
    // The same property in two shards (overlapping --only): the failing run tells more.
    if (!seen || (seen.status !== 'failed' && p.status === 'failed')) properties.set(key, p);
  }
  const counterexamples = new Map<string, CounterexampleEntry>();
  for (const c of all.flatMap((s) => s.counterexamples)) {
    if (counterexamples.has(c.id)) continue;
    const file = counterexampleFile(out, c.id);
    counterexamples.set(c.id, { ...c, replayPath: file, replay: replayCommand(file) });
  }
  const scenarios = new Map(all.flatMap((s) => s.scenarios).map((x) => [x.name, x]));
  const zooRows = new Map<string, ZooRow>(
    all.flatMap((s) => s.zoo.variants).map((z) => [z.variant, z]),
  );
  const notes = [...new Set(all.map((s) => s.zoo.note).filter((x) => x !== undefined))];
  const variants = [...new Set(all.map((s) => s.variant))];
  const only = all.some((s) => s.only === null)
    ? null
    : [...new Set(all.flatMap((s) => s.only ?? []))];
  const times = (f: 'startedAt' | 'finishedAt') => all.map((s) => s[f]).sort();
  const exhaustive: ExhaustiveReport | undefined = mergeExhaustive(all.map((s) => s.exhaustive));
  return {
    startedAt: times('startedAt')[0] ?? new Date().toISOString(),
    finishedAt: times('finishedAt').at(-1) ?? new Date().toISOString(),
    status: all.every((s) => s.status === 'completed') ? 'completed' : 'interrupted',
    budgetSeconds: Math.max(0, ...all.map((s) => s.budgetSeconds)),
    fastCheckVersion: all[0]?.fastCheckVersion ?? '',
    seed: all[0]?.seed ?? 0,
    shard: null,
    variant: variants.join(','),
    only,
    properties: [...properties.values()].sort(
      (a, b) => catalogueIndex(a.id) - catalogueIndex(b.id),
    ),
    scenarios: [...scenarios.values()],
    counterexamples: [...counterexamples.values()],
    zoo: {
      status: all.some((s) => s.zoo.status === 'ran') ? 'ran' : 'skipped',
      ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
      variants: [...zooRows.values()],
    },
    ...(exhaustive ? { exhaustive } : {}),
    mergedFrom: parts.map((p) => ({
      dir: p.dir,
      shard: p.summary.shard,
      seed: p.summary.seed,
      status: p.summary.status,
    })),
  };
}
