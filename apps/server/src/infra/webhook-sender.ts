import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import {
  excerpt,
  hostOf,
  isForbiddenAddress,
  safeLookup,
  type AttemptResult,
  type ClaimedDelivery,
} from '@roster/api';
import { RESPONSE_EXCERPT_LENGTH, type WebhookAttemptError } from '@roster/db';
import { Webhook } from 'standardwebhooks';

export interface SendOptions {
  /** The whole attempt, from connecting to the answer's status line and the excerpt of its body. */
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

/** How much of an answer's body is read: enough for an excerpt of RESPONSE_EXCERPT_LENGTH of any characters. */
const BODY_BYTES = RESPONSE_EXCERPT_LENGTH * 4;

/** TLS failures: certificates (expired, self-signed, another host's), handshakes, a plain-HTTP server. */
const TLS_CODES =
  /^(ERR_TLS_|ERR_SSL_|ERR_OSSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|EPROTO$)/;

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

/** The kind of a network failure, from its code alone: an attempt keeps no message, stack or address. */
export function errorKindOf(error: unknown, timedOut: boolean): WebhookAttemptError {
  if (timedOut) return 'timeout';
  const { code } = error as { code?: unknown };
  if (typeof code !== 'string') return 'network';
  if (code === 'EWEBHOOKADDRESS') return 'address_not_allowed';
  if (code === 'ECONNREFUSED') return 'connection_refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED') return 'connection_reset';
  if (code === 'ENOTFOUND' || code.startsWith('EAI_')) return 'dns';
  if (TLS_CODES.test(code)) return 'tls';
  return 'network';
}

/**
 * POSTs one delivery, signed, and answers how it went: a 2xx is delivered; a redirect is not followed (and fails);
 * anything else, a timeout or a network error fails. Unless private addresses are allowed, an IP literal is
 * checked here and a name when the socket resolves it (`safeLookup`), so the address checked is the one used.
 * One connection per attempt (no keep-alive pool to outlive a DNS change or the dispatcher). Of the answer's body
 * only the first BODY_BYTES are read, within the same timeout, for the attempt's excerpt: the status decides, so
 * a body cut short (by the timeout or a stop) leaves the excerpt shorter and the result as the status says.
 */
export function sendWebhook(delivery: ClaimedDelivery, opts: SendOptions): Promise<SendResult> {
  const startedAt = new Date();
  const started = performance.now();
  const finish = (
    ok: boolean,
    statusCode: number | null,
    error: string | null,
    errorKind: WebhookAttemptError | null,
    aborted = false,
  ): SendResult => ({
    ok,
    startedAt,
    statusCode,
    durationMs: Math.round(performance.now() - started),
    error,
    errorKind,
    responseBody: null,
    aborted,
  });
  const url = new URL(delivery.url);
  const host = hostOf(url);
  if (!opts.allowPrivate && isIP(host) !== 0 && isForbiddenAddress(host)) {
    const error = `${host} is an address webhooks may not reach`;
    return Promise.resolve(finish(false, null, error, 'address_not_allowed'));
  }
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  const body = Buffer.from(delivery.payload, 'utf8');
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let answered = false;
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
        answered = true;
        const status = res.statusCode ?? 0;
        const result =
          status >= 200 && status < 300
            ? finish(true, status, null, null)
            : status >= 300 && status < 400
              ? finish(false, status, `redirect (HTTP ${status}) not followed`, null)
              : finish(false, status, `HTTP ${status}`, null);
        resolve(readExcerpt(res).then((responseBody) => ({ ...result, responseBody })));
      },
    );
    req.on('error', (error) => {
      if (answered) return; // the body was cut short: readExcerpt keeps what arrived
      const stopped = opts.signal?.aborted === true && !timeout.aborted;
      const reason = stopped ? 'aborted' : describe(error, timeout.aborted, opts.timeoutMs);
      resolve(finish(false, null, reason, errorKindOf(error, timeout.aborted), stopped));
    });
    req.end(body);
  });
}

/** The beginning of an answer's body, as text (see `excerpt`), once it ended, was cut or BODY_BYTES arrived. */
function readExcerpt(res: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      const bytes = Buffer.concat(chunks).subarray(0, BODY_BYTES);
      resolve(excerpt(new TextDecoder().decode(bytes)));
    };
    res.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= BODY_BYTES) res.destroy();
    });
    res.on('error', () => undefined); // cut short (a timeout, a stop, a reset): what arrived is the excerpt
    res.once('close', done);
  });
}
