// npm run report:merge -- OUT DIR...
// Merges the outputs of shard runs (each DIR holds a summary.json) into one report in OUT:
// summary.json, summary.md, report.html, junit.xml and the counterexamples, re-rendered from
// the merged summary; new corpus entries of every shard are gathered in OUT/corpus-new/.
// Exit 0 when nothing new failed, 1 when some shard found something new, 2 on bad input.
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../properties/record-io.ts';
import { tallyLine } from '../properties/report/markdown.ts';
import { mergeSummaries, readSummary } from '../properties/report/merge.ts';
import { reportIn } from '../properties/report/run-dir.ts';
import { hasNewFailures } from '../properties/report/summary.ts';
import { writeReport } from '../properties/report/write.ts';
import { helpRequested, printHelp, usageError } from './cli.ts';

const USAGE = 'npm run report:merge -- OUT DIR...';
const HELP = `usage: ${USAGE}

Merges the reports of shard runs (each DIR holds a summary.json, as npm run nightly -- --shard K/N
writes it) into one report in OUT: summary.json, summary.md, report.html, junit.xml and the
counterexamples, re-rendered from the merged summary, whose replay commands point into OUT; the
shards' new corpus entries are gathered in OUT/corpus-new/. OUT must not hold a report already:
a merge never writes over another run's.

Options:
  -h, --help  print this help

Exit codes: 0 nothing new failed; 1 some shard found something new; 2 bad input or usage.
`;

function main(argv: readonly string[]): number {
  const args = argv.filter((a) => a !== '--');
  if (helpRequested(args)) printHelp(HELP);
  const flag = args.find((a) => a.startsWith('-'));
  if (flag) usageError('report:merge', `unknown option ${flag}`, USAGE);
  const [out, ...dirs] = args;
  if (!out || dirs.length === 0) {
    usageError(
      'report:merge',
      'expected an output directory and at least one shard directory',
      USAGE,
    );
  }
  const other = reportIn(out as string);
  if (other !== null) {
    usageError(
      'report:merge',
      `${out} already holds the report of a run started at ${other}; name a new directory`,
      USAGE,
    );
  }
  try {
    const parts = dirs.map((dir) => ({ dir, summary: readSummary(join(dir, 'summary.json')) }));
    const merged = mergeSummaries(parts, out);
    mkdirSync(out, { recursive: true });
    writeReport(merged, out);
    for (const dir of dirs) {
      const fresh = join(dir, 'corpus-new');
      if (!existsSync(fresh)) continue;
      mkdirSync(join(out, 'corpus-new'), { recursive: true });
      for (const f of readdirSync(fresh).filter((x) => x.endsWith('.json')))
        copyFileSync(join(fresh, f), join(out, 'corpus-new', f));
    }
    process.stdout.write(
      `merged ${dirs.length} report(s): ${tallyLine(merged)}; report in ${join(out, 'report.html')}\n`,
    );
    return hasNewFailures(merged) ? 1 : 0;
  } catch (e) {
    if (e instanceof InputError) {
      process.stderr.write(`report:merge: ${e.message}\n`);
      return 2;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code) {
      process.stderr.write(`report:merge: ${(e as Error).message.split('\n')[0]}\n`);
      return 2;
    }
    throw e;
  }
}

process.exitCode = main(process.argv.slice(2));
