// Every core: the same reads with WEB_CONCURRENCY=1 and =2, back to back, on a fresh server each; with autocannon,
// and with wrk as well where it is installed (the scaling ratios are then wrk's: see wrk.ts).
import { load } from './load.js';
import { bearer, recorder, type Row } from './measure.js';
import { waitForWorkers, type Proc } from './process.js';
import { login } from './scenarios.js';
import { wrkLoad } from './wrk.js';

export type LoadTool = 'autocannon' | 'wrk';

export interface Scaling {
  /** requests/s with 2 workers ÷ with 1, per read. */
  me: number;
  list: number;
}

export interface CoresResult {
  rows: Row[];
  /** The ratios the targets judge: wrk's when it ran, else autocannon's. */
  scaling: Scaling & { tool: LoadTool };
  /** Each tool's ratios. */
  byTool: Partial<Record<LoadTool, Scaling>>;
}

export const coreRow = (workers: number, what: string, tool: LoadTool = 'autocannon') =>
  `${what}, WEB_CONCURRENCY=${workers}${tool === 'wrk' ? ' (wrk)' : ''}`;

const READS = ['GET /auth/me', 'GET /users?limit=20'] as const;

export async function runCores(
  start: (env: NodeJS.ProcessEnv) => Promise<Proc>,
  tools: LoadTool[] = ['autocannon'],
): Promise<CoresResult> {
  const rows: Row[] = [];
  for (const workers of [1, 2]) {
    const proc = await start({ WEB_CONCURRENCY: String(workers) });
    try {
      await waitForWorkers(proc, workers);
      const measure = recorder(proc, rows);
      const { token } = await login(proc.url, 'benchreader');
      const urls = { 'GET /auth/me': `${proc.url}/auth/me`, 'GET /users?limit=20': `${proc.url}/users?limit=20` };
      for (const tool of tools) {
        for (const what of READS) {
          const run =
            tool === 'wrk'
              ? () => wrkLoad(urls[what], bearer(token), { warmup: true })
              : () => load({ url: urls[what], headers: bearer(token) });
          const row = await measure(coreRow(workers, what, tool), run);
          if (tool === 'wrk') row.tool = 'wrk';
        }
      }
    } finally {
      await proc.stop();
    }
  }
  const rate = (name: string) => rows.find((r) => r.scenario === name)?.rps ?? 0;
  const ratio = (what: string, tool: LoadTool) => {
    const one = rate(coreRow(1, what, tool));
    return one ? Math.round((rate(coreRow(2, what, tool)) / one) * 100) / 100 : 0;
  };
  const byTool: CoresResult['byTool'] = {};
  for (const tool of tools) {
    byTool[tool] = { me: ratio('GET /auth/me', tool), list: ratio('GET /users?limit=20', tool) };
  }
  const tool: LoadTool = tools.includes('wrk') ? 'wrk' : 'autocannon';
  return { rows, scaling: { ...byTool[tool]!, tool }, byTool };
}
