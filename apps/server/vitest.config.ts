import { packageTestConfig } from '../../vitest.shared.ts';

// main.ts is the process entry (signals, exit codes); it is exercised by the start-up test as a child process.
export default packageTestConfig({ coverageExclude: ['src/main.ts'] });
