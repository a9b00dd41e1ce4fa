import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The browser tests: Debian's Chromium (playwright-core) against the BUILT Roster, which serves the BUILT console
// at /console; one server per file, on the database TEST_DB names. Files run one at a time: each drives a browser.
export default defineConfig({
  resolve: {
    alias: {
      '@roster/testing': fileURLToPath(new URL('../../packages/testing/src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['e2e/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
