// The command line of `npm run explore`: flags, the runs, text or JSON, the counterexample
// files and the exit code. Exit 0 when nothing failed (a run stopped by --max-states or
// --budget says so and claims nothing beyond what it visited), 1 when an invariant was
// violated or a reachability goal was never reached, 2 on a usage error.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CORRECT,
  DEFECT_INFO,
  type Defect,
  type Variant,
  variantByName,
  zooVariants,
} from '../model/variants.ts';
import {
  EXPLORE_AREAS,
  exploreArea,
  runScopeInSlices,
  scopeOf,
} from '../properties/explore/areas.ts';
import { runText } from '../properties/explore/text.ts';
import type { ExploreArea, ExploreRun, Scope, Shard } from '../properties/explore/types.ts';
import { huntByExplore } from '../properties/explore/zoo.ts';
import { placeCounterexample, writeCounterexample } from '../properties/report/write.ts';
import { usageError } from './cli.ts';

/** A signal is seen within this long: the search runs in slices with the event loop between. */
const SLICE_MS = 250;

export const USAGE =
  'npm run explore -- [--area A] [--scope NAME] [--variant V] [--json] [--max-states N] [--budget S] [--shard I/N] [--out DIR] [--no-symmetry] | --zoo';

const HELP = `${USAGE}

Visits every state of a small scope breadth-first on the models' own step functions, checks
every invariant the properties check on every transition, counts the states where each
reachability goal holds, and prints TLC's statistics. A violation is the shortest trace in the
scope, written as a counterexample record (replay it with npm run replay -- FILE).

  --area A         one area: ${EXPLORE_AREAS.map((a) => a.area).join(', ')} (default: every area)
  --scope NAME     a scope of the area(s) (default: each area's default scope); with no --area,
                   every area that has a scope of that name
  --variant V      correct (default) or a zoo variant
  --json           one JSON object with every run, instead of text
  --max-states N   stop a search once N distinct states are stored, an enumeration after N
                   configurations (default 5000000)
  --budget S       stop after S seconds in all
  --shard I/N      explore the I-th of N deterministic parts (frontier or configuration index)
  --out DIR        where counterexamples are written (default reports/explore)
  --no-symmetry    keep interchangeable VMs and hosts apart (measures the reduction)
  --zoo            hunt every zoo variant in its scope and print the table: variant, scope,
                   states until found, trace length, fast-check's shortest (exit 1 if one is
                   missed or longer)

Scopes:
${EXPLORE_AREAS.flatMap((a) => (a.scopes as readonly Scope<unknown>[]).map((s) => `  ${a.area}/${s.name}: ${s.description}`)).join('\n')}
`;

export interface Options {
  readonly zoo: boolean;
  readonly runs: readonly { readonly area: ExploreArea; readonly scope: Scope<unknown> }[];
  readonly variant: NonNullable<ReturnType<typeof variantByName>>;
  readonly json: boolean;
  readonly maxStates: number;
  readonly budgetMs: number | undefined;
  readonly shard: Shard | null;
  readonly out: string;
  readonly symmetry: boolean;
}

/** A mistake on the command line, said in one line. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The options, or the help text when asked for it; throws UsageError on a mistake. */
export function parseExploreArgs(argv: readonly string[]): Options | { help: string } {
  const fail = (what: string): never => {
    throw new UsageError(what);
  };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv.filter((a) => a !== '--'),
      options: {
        area: { type: 'string' },
        scope: { type: 'string' },
        variant: { type: 'string' },
        json: { type: 'boolean' },
        'max-states': { type: 'string' },
        budget: { type: 'string' },
        shard: { type: 'string' },
        out: { type: 'string' },
        'no-symmetry': { type: 'boolean' },
        zoo: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    }).values;
  } catch (e) {
    return fail((e as Error).message.replace(/\s*\n\s*/g, ' '));
  }
  if (values.help) return { help: HELP };
  const areaName = values.area as string | undefined;
  const scopeName = values.scope as string | undefined;
  let areas = EXPLORE_AREAS;
  if (areaName !== undefined) {
    const a = exploreArea(areaName);
    if (!a)
      fail(`--area: no area "${areaName}" (areas: ${EXPLORE_AREAS.map((x) => x.area).join(', ')})`);
    areas = [a as ExploreArea];
  }
  const runs = areas.flatMap((area) => {
    const scopes = area.scopes as readonly Scope<unknown>[];
    const scope = scopeName === undefined ? scopes[0] : scopeOf(area, scopeName);
    return scope ? [{ area, scope }] : [];
  });
  if (runs.length === 0) {
    const known = areas.flatMap((a) =>
      (a.scopes as readonly Scope<unknown>[]).map((s) => `${a.area}/${s.name}`),
    );
    fail(`--scope: no scope "${scopeName}" (scopes: ${known.join(', ')})`);
  }
  const variant = values.variant === undefined ? CORRECT : variantByName(values.variant as string);
  if (!variant) {
    return fail(
      `--variant: no variant named "${values.variant}" (variants: correct, ${zooVariants()
        .map((v) => v.name)
        .join(', ')})`,
    );
  }
  const positive = (flag: string, text: string | undefined, dflt: number | undefined) => {
    if (text === undefined) return dflt;
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) fail(`${flag} takes a positive number, got "${text}"`);
    return n;
  };
  const maxStates = positive('--max-states', values['max-states'] as string | undefined, 5e6);
  const budget = positive('--budget', values.budget as string | undefined, undefined);
  let shard: Shard | null = null;
  if (values.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(values.shard as string);
    const i = Number(m?.[1]);
    const n = Number(m?.[2]);
    if (!m || n < 1 || i < 1 || i > n)
      fail(`--shard takes I/N with 1 <= I <= N, such as 2/4, got "${values.shard}"`);
    shard = { index: i, count: n };
  }
  return {
    zoo: values.zoo === true,
    runs,
    variant,
    json: values.json === true,
    maxStates: maxStates as number,
    budgetMs: budget === undefined ? undefined : budget * 1000,
    shard,
    out: (values.out as string | undefined) ?? join('reports', 'explore'),
    symmetry: values['no-symmetry'] !== true,
  };
}

/** Runs the command; returns its exit code. */
export async function exploreCli(
  argv: readonly string[],
  write: (text: string) => void,
): Promise<number> {
  let parsed: Options | { help: string };
  try {
    parsed = parseExploreArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) usageError('explore', e.message, USAGE);
    throw e;
  }
  if ('help' in parsed) {
    write(parsed.help);
    return 0;
  }
  const o = parsed;
  if (o.zoo) return zooTable(write);
  const deadline = o.budgetMs === undefined ? undefined : Date.now() + o.budgetMs;
  let signal: 'SIGINT' | 'SIGTERM' | undefined;
  const onInt = () => {
    signal ??= 'SIGINT';
  };
  const onTerm = () => {
    signal ??= 'SIGTERM';
  };
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    const code = await runAll(o, deadline, () => signal !== undefined, write);
    // A run a signal stopped reports what it visited, then exits as the signal would.
    return code === 0 && signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : code;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

async function runAll(
  o: Options,
  deadline: number | undefined,
  stopped: () => boolean,
  write: (text: string) => void,
): Promise<number> {
  const results: { run: ExploreRun; file?: string }[] = [];
  for (const { area, scope } of o.runs) {
    if (stopped()) break;
    const run = await runScopeInSlices(
      area,
      scope,
      {
        variant: o.variant,
        maxStates: o.maxStates,
        ...(deadline === undefined ? {} : { budgetMs: Math.max(0, deadline - Date.now()) }),
        shard: o.shard,
        symmetry: o.symmetry,
        shouldStop: stopped,
      },
      SLICE_MS,
    );
    let file: string | undefined;
    if (run.counterexample) {
      const entry = placeCounterexample(run.counterexample, o.out, 'variant-run');
      writeCounterexample(entry);
      file = entry.replayPath;
    }
    results.push({ run, ...(file ? { file } : {}) });
    if (!o.json) write(`${runText(run, file)}\n\n`);
  }
  if (o.json) {
    write(
      `${JSON.stringify({
        variant: o.variant.name,
        shard: o.shard ? `${o.shard.index}/${o.shard.count}` : null,
        symmetry: o.symmetry,
        runs: results.map(({ run, file }) => ({
          ...run,
          ...(file ? { replayPath: file, replay: `npm run replay -- ${file}` } : {}),
        })),
      })}\n`,
    );
  }
  return results.some((r) => r.run.status === 'failed') ? 1 : 0;
}

/** Every zoo variant hunted in its scope, as the Markdown table the README quotes. */
function zooTable(write: (text: string) => void): number {
  // Every variant of an explorable area; the others (the host check's readings, the cloud
  // world's) are named below the table, so that none is silently left out.
  const areaOf = (v: Variant) => DEFECT_INFO[v.defects[0] as Defect].area;
  const hunted = zooVariants().filter((v) => exploreArea(areaOf(v)) !== undefined);
  const others = zooVariants().filter((v) => exploreArea(areaOf(v)) === undefined);
  const rows = hunted.map((v) => huntByExplore(v));
  const unit = (area: string, n: number | undefined) =>
    exploreArea(area)?.kind === 'enumerated'
      ? n === 1
        ? ' configuration'
        : ' configurations'
      : '';
  write(
    [
      '| variant | scope | caught by | states until found | length | fast-check shortest |',
      '|---|---|---|---:|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.variant} | ${r.area}/${r.scope} | ${r.found ? (r.invariant === r.property ? r.invariant : `${r.invariant} (property ${r.property})`) : '**not found**'} | ${r.statesUntilFound ?? '-'}${unit(r.area, r.statesUntilFound)} | ${r.length ?? '-'} | ${r.shortestKnown ?? '-'} |`,
      ),
      '',
      ...(others.length > 0
        ? [
            `Not hunted here (their areas have no explore scopes): ${others.map((v) => `${v.name} (${areaOf(v)})`).join(', ')}.`,
            '',
          ]
        : []),
    ].join('\n'),
  );
  const bad = rows.filter(
    (r) => !r.found || (r.shortestKnown !== undefined && (r.length ?? 0) > r.shortestKnown),
  );
  return bad.length > 0 ? 1 : 0;
}
