import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { RESPONSE_EXCERPT_LENGTH, WebhookDeliveryAttempt, type WebhookAttemptError } from '@roster/db';
import { AppError } from '../errors.js';

/** How one attempt went, as the sender tells it and the queue records it. */
export interface AttemptResult {
  /** A 2xx came back in time. */
  ok: boolean;
  /** When the attempt started. */
  startedAt: Date;
  statusCode: number | null;
  /** From the start to the answer's status line (or the failure). */
  durationMs: number;
  /** Why it failed, in words, for the delivery's `lastError` (null when it succeeded). */
  error: string | null;
  /** Why no answer came, as a kind (null when one did). */
  errorKind: WebhookAttemptError | null;
  /** The beginning of the answer's body, as read (bounded again by `responseExcerpt`); null when none. */
  responseBody: string | null;
}

/** Control characters but tab, line feed and carriage return (NUL cannot even be stored by PostgreSQL). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/**
 * At most `limit` UTF-16 code units of `text` (never half a surrogate pair), control characters replaced by
 * U+FFFD; null when nothing is left. What an attempt keeps of the answer's body, and a delivery of its error.
 */
export function excerpt(text: string | null, limit = RESPONSE_EXCERPT_LENGTH): string | null {
  if (!text) return null;
  let cut = text.length > limit ? text.slice(0, limit) : text;
  const last = cut.charCodeAt(cut.length - 1);
  if (cut.length < text.length && last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut.replace(CONTROL, '\ufffd') || null;
}

/**
 * Writes the attempt's row, numbered after the delivery's previous attempts, in the caller's transaction: the one
 * that records the outcome on the delivery (after its fenced update, which holds the delivery's row, so no other
 * attempt of it is recorded meanwhile).
 */
export async function recordAttempt(
  tx: EntityManager,
  deliveryId: string,
  result: AttemptResult,
): Promise<WebhookDeliveryAttempt> {
  const previous = await tx.findOne(
    WebhookDeliveryAttempt,
    { deliveryId },
    { orderBy: { number: 'desc' }, fields: ['number'] },
  );
  return tx.create(WebhookDeliveryAttempt, {
    deliveryId,
    number: (previous?.number ?? 0) + 1,
    startedAt: result.startedAt,
    durationMs: Math.max(0, Math.round(result.durationMs)),
    statusCode: result.statusCode,
    errorKind: result.statusCode === null ? (result.errorKind ?? 'network') : null,
    responseBody: result.statusCode === null ? null : excerpt(result.responseBody),
  });
}

function encodeCursor(number: number): string {
  return Buffer.from(JSON.stringify([number])).toString('base64url');
}

function decodeCursor(cursor: string): number {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 1 && Number.isSafeInteger(parsed[0]) && parsed[0] > 0) {
      return parsed[0] as number;
    }
  } catch {
    // fall through: not base64url JSON
  }
  throw new AppError('INVALID_CURSOR');
}

/** A delivery's attempts, newest first; keyset pages on the attempt's number. */
export async function listAttempts(
  em: EntityManager,
  deliveryId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: WebhookDeliveryAttempt[]; nextCursor: string | null }> {
  const where: FilterQuery<WebhookDeliveryAttempt> = page.cursor
    ? { deliveryId, number: { $lt: decodeCursor(page.cursor) } }
    : { deliveryId };
  const rows = await em.find(WebhookDeliveryAttempt, where, {
    orderBy: { number: 'desc' },
    limit: page.limit + 1,
  });
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > page.limit && last ? encodeCursor(last.number) : null };
}
