// Shared command-line plumbing: usage errors are one line on stderr and exit code 2, never a
// stack trace.

export function usageError(command: string, what: string, usage: string): never {
  // parseArgs explains over several lines; the first one says what was wrong.
  process.stderr.write(`${command}: ${what.split('\n')[0]}\nusage: ${usage}\n`);
  process.exit(2);
}

/** A missing or malformed input file: one line on stderr naming the file, exit code 2. */
export function inputError(what: string): never {
  process.stderr.write(`${what}\n`);
  process.exit(2);
}

/** True iff the arguments ask for help (`--help` or `-h`), wherever they stand. */
export function helpRequested(argv: readonly string[]): boolean {
  return argv.some((a) => a === '--help' || a === '-h');
}

/** Prints a command's help on stdout and exits 0. */
export function printHelp(text: string): never {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  process.exit(0);
}
