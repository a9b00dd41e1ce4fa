#!/usr/bin/env node
/* global console, process -- Node scripts */
// `pnpm pack` packs dist/ as it finds it: refuse a missing or plain-tsc build, which would ship nothing or a
// re-export of @roster/api. Build first: `turbo run build --filter=@roster/sdk...`.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { distProblems } from './dist-check.mjs';

const problems = distProblems(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist'));
if (problems.length > 0) {
  console.error(`✗ @roster/sdk cannot be packed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
