import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The corpus spec is scheduled before every other file (the corpus is replayed first, like
 * Hypothesis's example database: CONTRIBUTING.md, "The corpus"). Files still run in parallel, so
 * "first" means it starts first; it is fast and independent, so it also finishes first.
 */
class CorpusFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const isCorpus = (f: TestSpecification) => f.moduleId.endsWith('/properties/corpus.spec.ts');
    return [...sorted.filter(isCorpus), ...sorted.filter((f) => !isCorpus(f))];
  }
}

export default defineConfig({
  test: {
    include: ['properties/**/*.spec.ts'],
    globalSetup: ['properties/global-setup.ts'],
    // Property runs are CPU-bound; depth belongs to the nightly run, not to timeouts here.
    testTimeout: 120_000,
    pool: 'forks',
    sequence: { sequencer: CorpusFirst },
  },
});
