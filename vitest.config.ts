import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['properties/**/*.spec.ts'],
    globalSetup: ['properties/global-setup.ts'],
    // Property runs are CPU-bound; depth belongs to the nightly run, not to timeouts here.
    testTimeout: 120_000,
    pool: 'forks',
  },
});
