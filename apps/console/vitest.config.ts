import { packageTestConfig } from '../../vitest.shared.ts';

// Unit tests of the console's logic (src/lib: formatting, error mapping, paging, queries, chart geometry). The
// React components and pages under src/app, src/components and src/pages run in the browser tests (e2e/), on a
// real server: they are not counted here.
export default packageTestConfig({
  coverageExclude: ['src/app/**', 'src/components/**', 'src/pages/**', 'src/main.tsx'],
});
