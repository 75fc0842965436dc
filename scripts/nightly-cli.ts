// The command line of `npm run nightly` and `npm start` (the same run with other defaults):
// flags, progress, signals, files, the corpus and the exit code.
// Exit 0 when nothing new failed, 1 when something did (a counterexample not already in the
// corpus, a twin that missed its goals, a seed layout that flipped), whether or not a signal
// stopped the run; 2 on a usage error; 128 + the signal's number (130 for SIGINT, 143 for
// SIGTERM) when a signal stopped a run that found nothing new.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CORRECT, variantByName, zooVariants } from '../model/variants.ts';
import { CORPUS_DIR, saveToCorpus } from '../properties/corpus.ts';
import { type CounterexampleRecord, chooseSeed, writeAtomic } from '../properties/harness.ts';
import {
  DEPTH,
  type NightlyPlan,
  type Progress,
  runNightly,
  SLICE_MS,
  selectProperties,
} from '../properties/nightly.ts';
import { PROPERTIES } from '../properties/registry.ts';
import { depthText } from '../properties/report/depth.ts';
import { verdictText } from '../properties/report/exhaustive.ts';
import { tallyLine } from '../properties/report/markdown.ts';
import {
  claimRunDir,
  LATEST,
  REPORT_ROOT,
  reportIn,
  switchLatest,
} from '../properties/report/run-dir.ts';
import { type CorpusMark, hasNewFailures, type Summary } from '../properties/report/summary.ts';
import {
  placeCounterexample,
  writeCounterexample,
  writeReport,
  writeSummaryJson,
} from '../properties/report/write.ts';
import { helpRequested, printHelp, usageError } from './cli.ts';

export interface CliDefaults {
  /** The name errors start with, and the folder its runs go to under the root. */
  readonly command: string;
  readonly usage: string;
  readonly budgetSeconds: number;
  /** What --help prints after the usage line. */
  readonly about: string;
}

const OPTIONS = `Options:
  --budget SECONDS  wall-clock budget (default: BUDGET). Every property first makes the runs
                    npm test makes; what is left goes deeper, up to ${DEPTH} times that
  --seed S          fast-check seed of the run (default: random, printed); a negative one as --seed=-5
  --shard K/N       run the properties whose catalogue index is K-1 modulo N (layouts and zoo: shard 1)
  --only ID,...     run these property ids only (twins are ID-reach); no layouts, no zoo
  --variant NAME    run against a defect-zoo variant instead of the correct model
  --root DIR        output root (default: reports): the report goes to a directory of its own,
                    DIR/COMMAND/<time>[-shard-K-of-N][-variant]/, and DIR/latest is switched to it
                    when the run ends
  --out DIR         write the report to DIR instead (new, or without a report in it); no latest link
  --corpus DIR      the counterexample corpus (default: reports/corpus)
  -h, --help        print this help

Exit codes: 0 nothing new failed; 1 something new failed (a counterexample not in the corpus,
a twin that missed its goals, a seed layout whose verdict flipped, an escaped zoo variant), also
when Ctrl-C or SIGTERM stopped the run; 2 usage error; 130 (SIGINT) or 143 (SIGTERM) when a
signal stopped a run that found nothing new. A stopped run still writes its whole report.`;

export const NIGHTLY: CliDefaults = {
  command: 'nightly',
  usage:
    'npm run nightly -- [--budget SECONDS] [--shard K/N] [--seed S] [--only ID,...] [--variant NAME] [--root DIR | --out DIR] [--corpus DIR]',
  budgetSeconds: 3600,
  about:
    'Every property, the seed layouts and (with 300 s or more on the correct model) the defect zoo,\nwithin a wall-clock budget; reports in reports/nightly/<time>/, new counterexamples to the corpus.',
};

/** npm start's budget: every property to npm test's depth takes about 15 s on 2 idle cores. */
export const START_BUDGET_S = 90;

export const START: CliDefaults = {
  command: 'start',
  usage:
    'npm start -- [--budget SECONDS] [--seed S] [--variant NAME] [--only ID,...] [--shard K/N] [--root DIR | --out DIR] [--corpus DIR]',
  budgetSeconds: START_BUDGET_S,
  about: `The nightly run with a short budget (${START_BUDGET_S} s): every property at least as deep as npm test,\nthen deeper; report in reports/latest/ (a link to reports/start/<time>/).`,
};

const SIGNAL_NUMBER: Readonly<Record<string, number>> = { SIGINT: 2, SIGTERM: 15 };

interface Options {
  readonly plan: NightlyPlan;
  readonly out: string;
  /** The root whose `latest` link the run switches when it ends; null with --out. */
  readonly root: string | null;
  readonly corpus: string;
}

export function helpText(d: CliDefaults): string {
  return `usage: ${d.usage}\n\n${d.about}\n\n${OPTIONS.replace('BUDGET', `${d.budgetSeconds} s`).replace('COMMAND', d.command)}\n`;
}

function parse(argv: readonly string[], d: CliDefaults, startedAt: Date): Options {
  if (helpRequested(argv)) printHelp(helpText(d));
  const fail = (what: string): never => usageError(d.command, what, d.usage);
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        budget: { type: 'string' },
        shard: { type: 'string' },
        seed: { type: 'string' },
        only: { type: 'string' },
        variant: { type: 'string' },
        out: { type: 'string' },
        root: { type: 'string' },
        corpus: { type: 'string' },
      },
      allowPositionals: false,
    }).values;
  } catch (e) {
    // parseArgs says how to fix an ambiguous value ("use --seed=-XYZ") on its last line.
    return fail((e as Error).message.replace(/\s*\n\s*/g, ' '));
  }
  const budget = values.budget === undefined ? d.budgetSeconds : Number(values.budget);
  if (!Number.isFinite(budget) || budget <= 0) {
    fail(`--budget takes a positive number of seconds, got "${values.budget}"`);
  }
  if (values.seed !== undefined && !/^-?\d+$/.test(values.seed)) {
    fail(`--seed takes an integer, got "${values.seed}"`);
  }
  let shard: NightlyPlan['shard'] = null;
  if (values.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(values.shard);
    const k = Number(m?.[1]);
    const n = Number(m?.[2]);
    if (!m || n < 1 || k < 1 || k > n) {
      fail(`--shard takes K/N with 1 <= K <= N, such as 2/4, got "${values.shard}"`);
    }
    shard = { index: k, count: n };
  }
  let only: string[] | null = null;
  if (values.only !== undefined) {
    only = values.only
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== '');
    const unknown = only.find((id) => !PROPERTIES.some((p) => p.id === id));
    if (unknown !== undefined || only.length === 0) {
      fail(
        `--only takes property ids separated by commas; no property "${unknown ?? values.only}" (known: ${PROPERTIES.map((p) => p.id).join(', ')})`,
      );
    }
  }
  const variant = values.variant === undefined ? CORRECT : variantByName(values.variant);
  if (!variant) {
    return fail(
      `--variant: no variant named "${values.variant}" (variants: ${zooVariants()
        .map((v) => v.name)
        .join(', ')})`,
    );
  }
  const plan: NightlyPlan = {
    budgetSeconds: budget,
    seed: values.seed !== undefined ? Number(values.seed) : chooseSeed(),
    variant,
    shard,
    only,
  };
  if (only && selectProperties(plan).length === 0) {
    fail(`--only ${values.only} selects no property of shard ${values.shard}`);
  }
  if (values.out !== undefined && values.root !== undefined) {
    fail(
      '--out and --root exclude each other: --out names the directory, --root the folder one is made in',
    );
  }
  const cannot = (flag: string, dir: string, e: unknown): never =>
    fail(
      `${flag}: cannot create ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  if (values.out !== undefined) {
    const other = reportIn(values.out);
    if (other !== null) {
      fail(
        `--out ${values.out} already holds the report of a run started at ${other}; every run writes a directory of its own: name a new one, or leave --out out`,
      );
    }
    try {
      mkdirSync(values.out, { recursive: true });
    } catch (e) {
      cannot('--out', values.out, e);
    }
    return { plan, out: values.out, root: null, corpus: values.corpus ?? CORPUS_DIR };
  }
  const root = values.root ?? REPORT_ROOT;
  let out = '';
  try {
    out = claimRunDir(root, startedAt, {
      kind: d.command,
      shard: plan.shard,
      variant: plan.variant.name === CORRECT.name ? null : plan.variant.name,
    });
  } catch (e) {
    cannot(values.root !== undefined ? '--root' : 'the report directory', root, e);
  }
  return { plan, out, root, corpus: values.corpus ?? CORPUS_DIR };
}

/** A progress bar on a terminal, redrawn in place; plain lines for logs and pipes. */
class Console {
  private readonly tty = process.stdout.isTTY === true;
  private bar = '';

  line(text: string): void {
    if (this.tty && this.bar) process.stdout.write('\r\x1b[K');
    process.stdout.write(`${text}\n`);
    if (this.tty && this.bar) process.stdout.write(this.bar);
  }

  progress(p: Progress): void {
    if (!this.tty) return;
    const width = Math.max(40, (process.stdout.columns ?? 100) - 1);
    const done = Math.min(1, (p.index - 1 + Math.min(1, p.runs / p.target)) / p.total);
    const cells = 20;
    const filled = Math.round(done * cells);
    const goal = p.pass === 1 ? "npm test's" : 'deeper, up to';
    const text = `[${'#'.repeat(filled)}${'.'.repeat(cells - filled)}] pass ${p.pass}: ${p.index} of ${p.total} ${p.property}, ${p.runs} runs (${goal} ${p.target}), ${p.counterexamples} counterexample(s), ${Math.ceil(p.msLeft / 1000)} s left`;
    this.bar = `\r${text.slice(0, width)}\x1b[K`;
    process.stdout.write(this.bar);
  }

  done(): void {
    if (this.tty && this.bar) process.stdout.write('\r\x1b[K');
    this.bar = '';
  }
}

export async function nightlyCli(argv: readonly string[], d: CliDefaults): Promise<number> {
  const startedAt = new Date();
  const { plan, out, root, corpus } = parse(argv, d, startedAt);
  const con = new Console();
  let signal: string | undefined;
  const onSignal = (name: string) => {
    if (!signal) {
      con.line(
        `${name} received: stopping after the current slice (at most ${SLICE_MS / 1000} s) and writing the report`,
      );
    }
    signal ??= name;
  };
  const sigint = () => onSignal('SIGINT');
  const sigterm = () => onSignal('SIGTERM');
  process.on('SIGINT', sigint);
  process.on('SIGTERM', sigterm);

  const selected = selectProperties(plan);
  con.line(
    `${d.command}: ${selected.length} propert${selected.length === 1 ? 'y' : 'ies'} on variant ${plan.variant.name}, budget ${plan.budgetSeconds} s, fast-check seed ${plan.seed}${plan.shard ? `, shard ${plan.shard.index}/${plan.shard.count}` : ''}; report in ${out}`,
  );
  const onCorrect = plan.variant.name === CORRECT.name;
  const summary: Summary = await runNightly(plan, {
    shouldStop: () => signal !== undefined,
    counterexample: (rec: CounterexampleRecord) => {
      let mark: CorpusMark = 'variant-run';
      if (onCorrect) {
        mark = saveToCorpus(rec, corpus);
        // CI collects these as the run's new corpus entries.
        if (mark === 'new')
          writeAtomic(
            join(out, 'corpus-new', `${rec.id}.json`),
            `${JSON.stringify({ ...rec, status: 'open' }, null, 2)}\n`,
          );
      }
      const entry = placeCounterexample(rec, out, mark);
      writeCounterexample(entry);
      con.line(`  counterexample ${rec.id} (${rec.property}, corpus: ${mark}): ${entry.replay}`);
      return entry;
    },
    progress: (p) => con.progress(p),
    depthReached: (partial, msLeft) => {
      const short = partial.properties.filter((p) => p.numRuns < p.testRuns && !p.counterexample);
      const failed = partial.properties.filter((p) => p.counterexample !== undefined).length;
      const ids = short.map((p) => p.id).join(', ');
      con.line(
        short.length === 0
          ? `  every property made at least npm test's runs${failed > 0 ? ` or failed first (${failed})` : ''}; ${Math.round(msLeft / 1000)} s left to go deeper`
          : signal
            ? `  ${signal}: ${short.length} propert${short.length === 1 ? 'y' : 'ies'} not yet at npm test's runs (${ids})`
            : `  the budget ran out before ${short.length} propert${short.length === 1 ? 'y' : 'ies'} made npm test's runs (${ids}): raise --budget`,
      );
    },
    propertyDone: (row, partial) => {
      con.line(
        `  ${row.status.padEnd(11)} ${String(row.durationMs).padStart(6)} ms  ${row.title}: ${depthText(row)}`,
      );
      writeSummaryJson(partial, out);
    },
    scenarioDone: (x) =>
      con.line(
        `  ${x.verdict === x.expected ? 'passed' : 'failed'}      scenario ${x.name}: ${x.verdict} (expected ${x.expected})`,
      ),
    exhaustiveDone: (x) =>
      con.line(`  ${x.status.padEnd(11)} explore ${x.area}/${x.scope}: ${verdictText(x)}`),
    zooDone: (z) =>
      con.line(
        `  ${z.caught ? 'passed' : 'failed'}      zoo ${z.variant}: ${z.caught ? `caught by ${z.caughtBy.join(', ')}` : 'NOT CAUGHT'}`,
      ),
  });
  con.done();
  writeReport(summary, out);
  let shown = out;
  if (root !== null) {
    const moved = switchLatest(root, out);
    if (moved)
      con.line(`  ${join(root, LATEST)} was a directory of an older version: moved to ${moved}`);
    shown = join(root, LATEST);
  }
  // The handlers stay until the process exits: through npm a terminal's Ctrl-C arrives twice
  // (to the group, then forwarded by npm), and a late copy must not kill a finished run by the
  // signal's default action, which would lose its exit code (seen under load in npm test).
  const fresh = hasNewFailures(summary);
  const code = fresh ? 1 : signal ? 128 + (SIGNAL_NUMBER[signal] ?? 0) : 0;
  const why = fresh
    ? 'something new failed'
    : signal
      ? `stopped by ${signal}, nothing new found`
      : 'nothing new failed';
  con.line(
    `${tallyLine(summary)}${summary.status === 'interrupted' ? ` (run ${signal ? `stopped by ${signal}` : 'interrupted'})` : ''}; report in ${join(shown, 'report.html')}${shown !== out ? ` (${out})` : ''}; exit ${code}: ${why}`,
  );
  return code;
}
