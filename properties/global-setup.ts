// One fast-check seed per npm test run, printed so that any failure can be rerun exactly:
// FC_SEED=<seed> npm test. Each property derives its own seed from it.
import type { TestProject } from 'vitest/node';
import { chooseSeed } from './harness.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    fcSeed: number;
  }
}

export default function setup(project: TestProject): void {
  const seed = chooseSeed();
  project.provide('fcSeed', seed);
  process.stdout.write(
    `fast-check seed ${seed} (rerun this exact run with FC_SEED=${seed} npm test)\n`,
  );
}
