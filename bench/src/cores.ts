// Every core: the same reads with WEB_CONCURRENCY=1 and =2, back to back, on a fresh server each.
import { load } from './load.js';
import { bearer, recorder, type Row } from './measure.js';
import { waitForWorkers, type Proc } from './process.js';
import { login } from './scenarios.js';

export interface CoresResult {
  rows: Row[];
  /** requests/s with 2 workers ÷ with 1, per read. */
  scaling: { me: number; list: number };
}

export const coreRow = (workers: number, what: string) => `${what}, WEB_CONCURRENCY=${workers}`;

export async function runCores(start: (env: NodeJS.ProcessEnv) => Promise<Proc>): Promise<CoresResult> {
  const rows: Row[] = [];
  for (const workers of [1, 2]) {
    const proc = await start({ WEB_CONCURRENCY: String(workers) });
    try {
      await waitForWorkers(proc, workers);
      const measure = recorder(proc, rows);
      const { token } = await login(proc.url, 'benchreader');
      await measure(coreRow(workers, 'GET /auth/me'), () =>
        load({ url: `${proc.url}/auth/me`, headers: bearer(token) }),
      );
      await measure(coreRow(workers, 'GET /users?limit=20'), () =>
        load({ url: `${proc.url}/users?limit=20`, headers: bearer(token) }),
      );
    } finally {
      await proc.stop();
    }
  }
  const rate = (name: string) => rows.find((r) => r.scenario === name)?.rps ?? 0;
  const ratio = (what: string) => {
    const one = rate(coreRow(1, what));
    return one ? Math.round((rate(coreRow(2, what)) / one) * 100) / 100 : 0;
  };
  return { rows, scaling: { me: ratio('GET /auth/me'), list: ratio('GET /users?limit=20') } };
}
