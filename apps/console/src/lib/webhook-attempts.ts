import type { RouterOutputs } from '@roster/sdk';
import { formatDateTime, type FormatOptions } from './format';
import type { Delivery } from './webhooks';

/** A delivery's attempts as the console shows them (admin.webhooks.attempts). */

export type Attempt = RouterOutputs['admin']['webhooks']['attempts']['items'][number];
export type AttemptErrorKind = NonNullable<Attempt['error_kind']>;

/** Why no answer came, in words (typed: a new kind fails the build until it is named here). */
export const ATTEMPT_ERRORS: Record<AttemptErrorKind, string> = {
  timeout: 'Timed out',
  connection_refused: 'Connection refused',
  connection_reset: 'Connection reset',
  dns: 'Host not found',
  tls: 'TLS failed',
  address_not_allowed: 'Address not allowed',
  network: 'Network error',
};

/** "31 Jan 2026, 12:00:05": attempts come seconds apart, so the seconds count. */
export function formatStarted(iso: string, opts: FormatOptions = {}): string {
  return formatDateTime(iso, { ...opts, seconds: true });
}

/** "35 ms", "1.2 s", "10 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  return seconds < 10 ? `${seconds.toFixed(1)} s` : `${Math.round(seconds)} s`;
}

/** One attempt's row: which, when, how long, what came back (or why nothing did), and the answer's body. */
export function describeAttempt(
  attempt: Attempt,
  opts: FormatOptions = {},
): {
  label: string;
  started: string;
  duration: string;
  result: string;
  tone: 'ok' | 'warn';
  body: string | null;
  bodyNote: string;
} {
  const answered = attempt.status_code !== null;
  return {
    label: `#${attempt.number}`,
    started: formatStarted(attempt.started_at, opts),
    duration: formatDuration(attempt.duration_ms),
    result:
      attempt.status_code !== null
        ? `HTTP ${attempt.status_code}`
        : ATTEMPT_ERRORS[attempt.error_kind ?? 'network'],
    tone: attempt.succeeded ? 'ok' : 'warn',
    body: attempt.response_body,
    bodyNote: answered ? 'Empty body' : 'No answer',
  };
}

/**
 * What tells that a delivery's attempts may have changed, for reading them again: a claim counts an attempt and
 * moves last_attempt_at; its result moves the status (delivered, failed) or next_attempt_at (a retry is due).
 */
export function attemptsVersion(
  delivery: Pick<Delivery, 'status' | 'attempts' | 'last_attempt_at' | 'next_attempt_at'>,
): string {
  return [delivery.status, delivery.attempts, delivery.last_attempt_at, delivery.next_attempt_at].join('|');
}
