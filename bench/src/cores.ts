// Every core: the same reads with WEB_CONCURRENCY=1 and =2, back to back, on a fresh server each; with autocannon,
// and with wrk as well where it is installed (the scaling ratios are then wrk's: see wrk.ts).
import { load, type LoadTool } from './load.js';
import { bearer, recorder, type Row } from './measure.js';
import { waitForWorkers, type Proc } from './process.js';
import { login } from './scenarios.js';
import { wrkLoad } from './wrk.js';

export const CORE_READS = ['GET /auth/me', 'GET /users?limit=20'] as const;
export type CoreRead = (typeof CORE_READS)[number];

export interface CoresResult {
  rows: Row[];
  /** requests/s with 2 workers ÷ with 1, per tool and read. */
  scaling: Partial<Record<LoadTool, Record<CoreRead, number>>>;
  /** The tool whose ratios the targets judge: wrk when it ran, else autocannon. */
  judged: LoadTool;
}

export const coreRow = (workers: number, what: string, tool: LoadTool = 'autocannon') =>
  `${what}, WEB_CONCURRENCY=${workers}${tool === 'wrk' ? ' (wrk)' : ''}`;

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
      for (const tool of tools) {
        for (const what of CORE_READS) {
          const url = `${proc.url}${what.slice('GET '.length)}`;
          const run =
            tool === 'wrk' ? () => wrkLoad(url, bearer(token)) : () => load({ url, headers: bearer(token) });
          const row = await measure(coreRow(workers, what, tool), run);
          if (tool === 'wrk') row.tool = 'wrk';
        }
      }
    } finally {
      await proc.stop();
    }
  }
  const rate = (name: string) => rows.find((r) => r.scenario === name)?.rps ?? 0;
  const ratio = (what: CoreRead, tool: LoadTool) => {
    const one = rate(coreRow(1, what, tool));
    return one ? Math.round((rate(coreRow(2, what, tool)) / one) * 100) / 100 : 0;
  };
  const scaling: CoresResult['scaling'] = {};
  for (const tool of tools) {
    scaling[tool] = Object.fromEntries(CORE_READS.map((what) => [what, ratio(what, tool)])) as Record<
      CoreRead,
      number
    >;
  }
  return { rows, scaling, judged: tools.includes('wrk') ? 'wrk' : 'autocannon' };
}
