import { packageTestConfig } from '../vitest.shared.ts';

// The CI smoke (src/smoke.test.ts) runs every scenario against the built server: no coverage for a load tool.
export default packageTestConfig();
