import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, file = 'index.ts') =>
  fileURLToPath(new URL(`./${pkg}/src/${file}`, import.meta.url));

/** One vitest setup for every package: sources of sibling packages, 90% coverage, real databases per file. */
export function packageTestConfig(opts: { coverageExclude?: string[] } = {}) {
  return defineConfig({
    resolve: {
      // Subpath entry points first: the first alias that matches wins.
      alias: {
        '@roster/db/database-url': src('packages/db', 'database-url.ts'),
        '@roster/api/primary': src('packages/api', 'primary.ts'),
        '@roster/db': src('packages/db'),
        '@roster/api': src('packages/api'),
        '@roster/testing': src('packages/testing'),
        '@roster/sdk': src('packages/sdk'),
      },
    },
    test: {
      include: ['src/**/*.test.ts'],
      environment: 'node',
      pool: 'forks',
      testTimeout: 30_000,
      hookTimeout: 60_000,
      reporters: ['default'],
      coverage: {
        provider: 'v8',
        include: ['src/**/*.ts'],
        exclude: ['src/**/*.test.ts', 'src/test/**', ...(opts.coverageExclude ?? [])],
        reporter: ['text-summary', 'json-summary'],
        thresholds: { lines: 90, branches: 90, functions: 90, statements: 90 },
      },
    },
  });
}
