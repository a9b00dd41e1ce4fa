import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request a receiver got: its path, headers (lower-cased) and raw body. */
export interface ReceivedHook {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The body parsed, for convenience (verify the signature on `body`, never on this). */
  json: { type: string; timestamp: string; data: Record<string, unknown> };
}

/**
 * What the receiver answers: a status (with headers and a body), nothing at all until the connection is cut
 * ('hang'), or a connection cut at once ('reset').
 */
export type Reply =
  | { status: number; headers?: Record<string, string>; body?: string; delayMs?: number }
  | 'hang'
  | 'reset';

export interface Receiver {
  /** `http://127.0.0.1:<port>/hook` */
  url: string;
  received: ReceivedHook[];
  /** Chooses each answer (200 by default); `n` counts the requests with this webhook-id, from 1. */
  reply: (hook: ReceivedHook, n: number) => Reply;
  /** The first request `match` accepts, as soon as it has arrived; rejects after `timeoutMs`. */
  waitFor(match: (hook: ReceivedHook) => boolean, timeoutMs?: number, what?: string): Promise<ReceivedHook>;
  close(): Promise<void>;
}

function headersOf(req: IncomingMessage): Record<string, string> {
  return Object.fromEntries(
    Object.entries(req.headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(', ') : String(value),
    ]),
  );
}

/** A real HTTP server in the test process that receives webhooks and answers as told. */
export async function startReceiver(): Promise<Receiver> {
  const received: ReceivedHook[] = [];
  const waiters = new Set<() => void>();
  const receiver: Receiver = {
    url: '',
    received,
    reply: () => ({ status: 200 }),
    waitFor(match, timeoutMs = 15_000, what = 'a webhook') {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = received.find(match);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no ${what} within ${timeoutMs} ms (got ${received.length}: ${received.map((r) => r.json.type).join(', ')})`,
            ),
          );
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const hook: ReceivedHook = {
        path: req.url ?? '',
        headers: headersOf(req),
        body,
        json: JSON.parse(body) as ReceivedHook['json'],
      };
      received.push(hook);
      const n = received.filter((r) => r.headers['webhook-id'] === hook.headers['webhook-id']).length;
      const answer = receiver.reply(hook, n);
      for (const wake of [...waiters]) wake();
      if (answer === 'hang') return;
      if (answer === 'reset') return void req.socket.destroy();
      setTimeout(() => res.writeHead(answer.status, answer.headers).end(answer.body), answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}

/** The payload, if the hook's signature verifies with `secret` (standardwebhooks' own verifier); throws if not. */
export function verified(hook: ReceivedHook, secret: string): unknown {
  return new Webhook(secret).verify(hook.body, hook.headers);
}
