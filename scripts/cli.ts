// Shared command-line plumbing: usage errors are one line on stderr and exit code 2, never a
// stack trace.

export function usageError(command: string, what: string, usage: string): never {
  process.stderr.write(`${command}: ${what}\nusage: ${usage}\n`);
  process.exit(2);
}
