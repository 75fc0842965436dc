// The command line of `npm run nightly` and `npm start` (the same run with other defaults):
// flags, progress, signals, files, the corpus and the exit code.
// Exit 0 when nothing new failed, 1 when something did (a counterexample not already in the
// corpus, a twin that missed its goals, a seed layout that flipped), 2 on a usage error, and
// 128 + the signal's number when SIGINT or SIGTERM stopped a run that found nothing new.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CORRECT, variantByName, zooVariants } from '../model/variants.ts';
import { CORPUS_DIR, saveToCorpus } from '../properties/corpus.ts';
import { type CounterexampleRecord, chooseSeed, writeAtomic } from '../properties/harness.ts';
import {
  type NightlyPlan,
  type Progress,
  runNightly,
  SLICE_MS,
  selectProperties,
} from '../properties/nightly.ts';
import { PROPERTIES } from '../properties/registry.ts';
import { verdictText } from '../properties/report/exhaustive.ts';
import { tallyLine } from '../properties/report/markdown.ts';
import { type CorpusMark, hasNewFailures, type Summary } from '../properties/report/summary.ts';
import {
  placeCounterexample,
  writeCounterexample,
  writeReport,
  writeSummaryJson,
} from '../properties/report/write.ts';
import { usageError } from './cli.ts';

export interface CliDefaults {
  /** The name errors start with. */
  readonly command: string;
  readonly usage: string;
  readonly budgetSeconds: number;
  /** The report directory when --out is not given, from the run's start. */
  defaultOut(startedAt: Date): string;
}

export const NIGHTLY: CliDefaults = {
  command: 'nightly',
  usage:
    'npm run nightly -- [--budget SECONDS] [--shard K/N] [--seed S] [--only ID,...] [--variant NAME] [--out DIR] [--corpus DIR]',
  budgetSeconds: 3600,
  defaultOut: (d) => join('reports', 'nightly', d.toISOString().slice(0, 10)),
};

export const START: CliDefaults = {
  command: 'start',
  usage:
    'npm start -- [--budget SECONDS] [--seed S] [--out DIR] [--shard K/N] [--only ID,...] [--variant NAME] [--corpus DIR]',
  budgetSeconds: 60,
  defaultOut: () => join('reports', 'latest'),
};

const SIGNAL_NUMBER: Readonly<Record<string, number>> = { SIGINT: 2, SIGTERM: 15 };

interface Options {
  readonly plan: NightlyPlan;
  readonly out: string;
  readonly corpus: string;
}

function parse(argv: readonly string[], d: CliDefaults, startedAt: Date): Options {
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
  const out = values.out ?? d.defaultOut(startedAt);
  try {
    mkdirSync(out, { recursive: true });
  } catch (e) {
    fail(
      `--out: cannot create ${out} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  return { plan, out, corpus: values.corpus ?? CORPUS_DIR };
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
    const text = `[${'#'.repeat(filled)}${'.'.repeat(cells - filled)}] ${p.index}/${p.total} ${p.property} ${p.runs}/${p.target} runs, ${p.counterexamples} counterexample(s), ${Math.ceil(p.msLeft / 1000)} s left`;
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
  const { plan, out, corpus } = parse(argv, d, startedAt);
  // A directory holding a summary.json is a report of ours: its old counterexamples would be
  // mistaken for this run's.
  if (existsSync(join(out, 'summary.json'))) {
    for (const sub of ['counterexamples', 'corpus-new'])
      rmSync(join(out, sub), { recursive: true, force: true });
  }
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
    `${d.command}: ${selected.length} properties on variant ${plan.variant.name}, budget ${plan.budgetSeconds} s, fast-check seed ${plan.seed}${plan.shard ? `, shard ${plan.shard.index}/${plan.shard.count}` : ''}; report in ${out}`,
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
    propertyDone: (row, partial) => {
      con.line(
        `  ${row.status.padEnd(11)} ${String(row.numRuns).padStart(6)} runs ${String(row.durationMs).padStart(6)} ms  ${row.title}`,
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
  process.off('SIGINT', sigint);
  process.off('SIGTERM', sigterm);
  con.line(
    `${tallyLine(summary)}${summary.status === 'interrupted' ? ` (run ${signal ? `stopped by ${signal}` : 'interrupted'})` : ''}; report in ${join(out, 'report.html')}`,
  );
  if (hasNewFailures(summary)) return 1;
  if (signal) return 128 + (SIGNAL_NUMBER[signal] ?? 0);
  return 0;
}
