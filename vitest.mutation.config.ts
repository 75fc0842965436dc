import { defineConfig } from 'vitest/config';
import { MUTATION_SEED } from './properties/mutation-setup.ts';
import base from './vitest.config.ts';

/**
 * The suite as StrykerJS runs it against each mutant of model/ (`npm run mutation`): the specs
 * that judge the model, with one fixed fast-check seed so that a mutant's verdict is repeatable.
 * Left out: the report, nightly and replay specs, which test the tooling around the model.
 */
process.env.FC_SEED ??= String(MUTATION_SEED);
// A twentieth of npm test's runs per safety property (at least 10; reachability twins at least
// 80): thousands of mutants each meet the suite.
process.env.HBR_RUNS_SCALE ??= '0.05';
// Tests that run a script in a child process step aside: the child cannot see the mutant.
process.env.HBR_MUTATION = '1';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['properties/**/*.spec.ts'],
    exclude: [
      'properties/report.spec.ts',
      'properties/nightly.spec.ts',
      'properties/replay.spec.ts',
      'properties/zoo-cli.spec.ts',
      'properties/mutation-key.spec.ts',
    ],
    setupFiles: ['properties/mutation-setup.ts'],
    // Keep the model's modules loaded between mutants: StrykerJS switches mutants at run time.
    isolate: false,
  },
});
