import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import {
  hostOf,
  isForbiddenAddress,
  safeLookup,
  type AttemptResult,
  type ClaimedDelivery,
} from '@roster/api';
import { Webhook } from 'standardwebhooks';

export interface SendOptions {
  /** The whole attempt, from connecting to the answer's status line. */
  timeoutMs: number;
  /** WEBHOOK_ALLOW_PRIVATE: connect whatever the host resolves to. */
  allowPrivate: boolean;
  /** Aborts the attempt (the dispatcher is stopping): the result says `aborted` and counts for nothing. */
  signal?: AbortSignal;
}

export interface SendResult extends AttemptResult {
  aborted: boolean;
}

export const USER_AGENT = 'Roster-Webhooks/1.0';

/**
 * The Standard Webhooks headers of one attempt: its id (the delivery's, the same on every attempt), the time of
 * signing, and a `v1,` signature per secret (the current one first; during a rotation the old one as well),
 * separated by spaces, as the spec allows.
 */
export function signatureHeaders(delivery: ClaimedDelivery, at: Date): Record<string, string> {
  const signatures = delivery.secrets.map((secret) =>
    new Webhook(secret).sign(delivery.id, at, delivery.payload),
  );
  return {
    'webhook-id': delivery.id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}

function describe(error: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `timed out after ${timeoutMs} ms`;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === 'EWEBHOOKADDRESS') return String(message);
  return typeof code === 'string' ? `${code}: ${String(message)}` : String(message);
}

/**
 * POSTs one delivery, signed, and answers how it went: a 2xx is delivered; a redirect is not followed (and fails);
 * anything else, a timeout or a network error fails. Unless private addresses are allowed, an IP literal is
 * checked here and a name when the socket resolves it (`safeLookup`), so the address checked is the one used.
 * One connection per attempt (no keep-alive pool to outlive a DNS change or the dispatcher).
 */
export function sendWebhook(delivery: ClaimedDelivery, opts: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const finish = (ok: boolean, statusCode: number | null, error: string | null, aborted = false) => ({
    ok,
    statusCode,
    durationMs: Math.round(performance.now() - started),
    error,
    aborted,
  });
  const url = new URL(delivery.url);
  const host = hostOf(url);
  if (!opts.allowPrivate && isIP(host) !== 0 && isForbiddenAddress(host)) {
    return Promise.resolve(finish(false, null, `${host} is an address webhooks may not reach`));
  }
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  const body = Buffer.from(delivery.payload, 'utf8');
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = send(
      url,
      {
        method: 'POST',
        agent: false,
        signal,
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          'user-agent': USER_AGENT,
          ...signatureHeaders(delivery, new Date()),
        },
        ...(opts.allowPrivate ? {} : { lookup: safeLookup }),
      },
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        // The answer's body is not read: the status says it all.
        res.destroy();
        if (status >= 200 && status < 300) resolve(finish(true, status, null));
        else if (status >= 300 && status < 400)
          resolve(finish(false, status, `redirect (HTTP ${status}) not followed`));
        else resolve(finish(false, status, `HTTP ${status}`));
      },
    );
    req.on('error', (error) => {
      const stopped = opts.signal?.aborted === true && !timeout.aborted;
      resolve(
        finish(false, null, stopped ? 'aborted' : describe(error, timeout.aborted, opts.timeoutMs), stopped),
      );
    });
    req.end(body);
  });
}
