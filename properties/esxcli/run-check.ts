// Running `npm run check` itself, for the tests that judge the script rather than checkHosts.
import { spawnSync } from 'node:child_process';
import { test } from 'vitest';

/**
 * Mutation runs (vitest.mutation.config.ts sets HBR_MUTATION) skip the tests that run the check
 * in a child process: the child cannot see StrykerJS's active mutant. Each has an in-process
 * twin that judges the same behaviour.
 */
export const cliTest = test.skipIf(process.env.HBR_MUTATION === '1');

/** scripts/check-hosts.ts on DIR with more arguments: its exit code, stdout and stderr. */
export function runCheck(dir: string, ...more: string[]) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/check-hosts.ts', dir, ...more],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  return { code: r.status, out: r.stdout, err: r.stderr };
}
