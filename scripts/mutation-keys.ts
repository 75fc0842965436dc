// npm run -s mutation:keys -- [--json] FILE...   every mutant StrykerJS makes of each file, keyed
// npm run -s mutation:keys -- --check            every listed equivalent against the current code
// npm run -s mutation:keys -- --prune            the same, dropping the entries whose code is gone
// Runs StrykerJS's own instrumenter over the files (no tests, seconds), so a key for
// mutation/equivalent.json can be looked up, and an entry whose code has changed found, without
// a mutation run. --check exits 1 when an entry matches no mutant of the current code (or
// several without an occurrence, or the same one as another entry), 2 on a usage error.
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { writeAtomic } from '../properties/harness.ts';
import { helpRequested, inputError, printHelp, usageError } from './cli.ts';
import {
  type Equivalent,
  entryProblem,
  instrumentedFile,
  type KeyedMutant,
  keyFile,
  matchEquivalents,
} from './mutation-key.ts';

const USAGE = 'npm run mutation:keys -- [--json] FILE... | --check | --prune';
const EQUIVALENT = 'mutation/equivalent.json';

function parse() {
  try {
    return parseArgs({
      options: {
        json: { type: 'boolean' },
        check: { type: 'boolean' },
        prune: { type: 'boolean' },
      },
      allowPositionals: true,
    });
  } catch (e) {
    return usageError('mutation:keys', (e as Error).message, USAGE);
  }
}

async function keyed(file: string): Promise<KeyedMutant[]> {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return inputError(`${file}: not found; expected a source file StrykerJS mutates`);
  }
  return keyFile(file, await instrumentedFile(file, source));
}

function loadEquivalents(): Equivalent[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(EQUIVALENT, 'utf8'));
  } catch (e) {
    return inputError(`${EQUIVALENT}: ${(e as Error).message}`);
  }
  if (!Array.isArray(raw)) return inputError(`${EQUIVALENT}: expected an array`);
  return raw.map((e, i) => {
    const problem = entryProblem(e);
    return problem ? inputError(`${EQUIVALENT}: entry ${i}: ${problem}`) : (e as Equivalent);
  });
}

async function check(prune = false): Promise<number> {
  const entries = loadEquivalents();
  const files = [...new Set(entries.map((e) => e.file))].filter((f) => existsSync(f));
  // Untested mutants all count as surviving here: only whether the code is still there is judged.
  const byFile = new Map<string, KeyedMutant[]>();
  for (const f of files)
    byFile.set(
      f,
      (await keyed(f)).map((k) => ({ ...k, mutant: { ...k.mutant, status: 'Survived' } })),
    );
  const { stale } = matchEquivalents(byFile, entries, existsSync);
  for (const s of stale)
    process.stderr.write(
      `${EQUIVALENT}: ${s.entry.file} ${s.entry.function} ${s.entry.mutator} "${s.entry.original}" -> "${s.entry.replacement}": ${s.why}\n`,
    );
  process.stdout.write(
    `${entries.length - stale.length} of ${entries.length} listed equivalents name one mutant of the current code each\n`,
  );
  if (prune && stale.length > 0) {
    const dropped = new Set(stale.map((s) => s.entry));
    const kept = entries.filter((e) => !dropped.has(e));
    writeAtomic(EQUIVALENT, `${JSON.stringify(kept, null, 2)}\n`);
    process.stdout.write(`dropped ${stale.length} stale entries; ${kept.length} left\n`);
    return 0;
  }
  return stale.length > 0 ? 1 : 0;
}

async function list(files: readonly string[], json: boolean): Promise<number> {
  const entries = existsSync(EQUIVALENT) ? loadEquivalents() : [];
  const rows = [];
  for (const f of files) {
    const kms = await keyed(f);
    const { byMutant } = matchEquivalents(
      new Map([[f, kms.map((k) => ({ ...k, mutant: { ...k.mutant, status: 'Survived' } }))]]),
      entries,
      existsSync,
    );
    for (const { key, mutant } of kms)
      rows.push({
        line: mutant.location.start.line,
        column: mutant.location.start.column,
        ...key,
        listedAsEquivalent: byMutant.has(mutant.id),
      });
  }
  if (json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else
    for (const r of rows)
      process.stdout.write(
        `${r.file}:${r.line}:${r.column}  ${r.function}  ${r.mutator}  ${r.original}  ->  ${r.replacement}${r.occurrence ? `  (occurrence ${r.occurrence})` : ''}${r.listedAsEquivalent ? '  [listed as equivalent]' : ''}\n`,
      );
  return 0;
}

const HELP = `usage: ${USAGE}

  FILE...   every mutant StrykerJS makes of each file, with the key an entry of
            mutation/equivalent.json takes (no tests are run: seconds)
  --json    the same as JSON
  --check   every listed equivalent against the current code: exit 1 when an entry matches
            no mutant any more (or several without an occurrence, or the same as another)
  --prune   the same, then drop those entries from the list (their code was rewritten; a
            mutant of the new code that no test kills shows as a survivor to triage again)

Exit 2 on a usage error.`;

async function main(): Promise<number> {
  if (helpRequested(process.argv.slice(2))) printHelp(HELP);
  const args = parse();
  if (args.values.check || args.values.prune) {
    const flag = args.values.prune ? '--prune' : '--check';
    if (args.positionals.length > 0) usageError('mutation:keys', `${flag} takes no files`, USAGE);
    return check(args.values.prune === true);
  }
  if (args.positionals.length === 0)
    usageError('mutation:keys', 'name a file, --check or --prune', USAGE);
  return list(args.positionals, args.values.json ?? false);
}

process.exitCode = await main();
