import { z } from 'zod';

/**
 * Text a database can store: no NUL characters (PostgreSQL refuses them, SQLite truncates at them). The one rule for
 * every free-text body field; `lineText` builds on it.
 */
export const text = () => z.string().refine((s) => !s.includes('\u0000'), 'Must not contain NUL characters');

/** A control character (Unicode Cc: C0, DEL, C1; tab and line breaks included). */
const CONTROL = /\p{Cc}/u;

/**
 * One line a client types or copies back (a search term, a filter, a cursor): `text()`, and no other control
 * character either (NUL is `text()`'s to report). None belongs in a search term, an action name or a cursor: a
 * filter with one is refused like a body with a NUL (422 naming the parameter) instead of reaching a query.
 */
export const lineText = () =>
  text().refine((s) => !CONTROL.test(s.replaceAll('\u0000', '')), 'Must not contain control characters');
