// The exact requests the SDK sends: a throwaway node:http server records them while the real client
// (@roster/sdk's createRosterClient, httpBatchLink) calls it; the bench then replays them with autocannon.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { createRosterClient } from '@roster/sdk';

export interface CapturedRequest {
  method: string;
  /** Path and query, as sent (e.g. `/trpc/auth.me?batch=1&input=%7B%7D`). */
  path: string;
  headers: Record<string, string>;
}

export interface SdkReads {
  me: CapturedRequest;
  byId: CapturedRequest;
  list: CapturedRequest;
  /** The three reads issued in the same tick: the SDK batches them into one request. */
  batch: CapturedRequest;
}

// Headers a load generator sets itself (or that name this capture's host): not part of what is replayed.
const TRANSPORT = new Set(['host', 'connection', 'content-length', 'keep-alive']);

function keep(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!TRANSPORT.has(name) && typeof value === 'string') out[name] = value;
  }
  return out;
}

/** Records the SDK's requests for `auth.me`, `users.byId({id})`, `users.list({limit: 20})` and the three batched. */
export async function captureSdkReads(token: string, id: number): Promise<SdkReads> {
  const seen: CapturedRequest[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: keep(req.headers) });
    // One tRPC batch result per procedure in the path; the values do not matter.
    const calls = (req.url ?? '').split('?')[0]!.split(',').length;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(Array.from({ length: calls }, () => ({ result: { data: null } }))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('no capture port');
  try {
    const client = createRosterClient({ url: `http://127.0.0.1:${address.port}`, token });
    const quiet = (p: Promise<unknown>) => p.catch(() => undefined);
    await quiet(client.auth.me.query());
    await quiet(client.users.byId.query({ id }));
    await quiet(client.users.list.query({ limit: 20 }));
    await Promise.all([
      quiet(client.auth.me.query()),
      quiet(client.users.byId.query({ id })),
      quiet(client.users.list.query({ limit: 20 })),
    ]);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  const [me, byId, list, batch] = seen;
  if (!me || !byId || !list || !batch || seen.length !== 4)
    throw new Error(`the SDK sent ${seen.length} requests for 3 single reads and one batch, not 4`);
  return { me, byId, list, batch };
}
