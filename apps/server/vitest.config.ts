import { packageTestConfig } from '../../vitest.shared.ts';

// Process entry code, exercised only in child processes, which coverage does not see: main.ts (signals, exit codes)
// by the start-up test, infra/workers.ts (the cluster primary and its workers) and infra/prepare.ts (the primary's
// start-up work) by e2e/workers.test.ts on the built server.
export default packageTestConfig({
  coverageExclude: ['src/main.ts', 'src/infra/workers.ts', 'src/infra/prepare.ts'],
});
