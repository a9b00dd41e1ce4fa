import { packageTestConfig } from '../../vitest.shared.ts';

// main.ts is the process entry (reads ROSTER_URL, sets the exit code); flow.test.ts runs it as a child process.
export default packageTestConfig({ coverageExclude: ['src/main.ts'] });
