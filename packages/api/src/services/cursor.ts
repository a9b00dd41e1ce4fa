import { AppError } from '../errors.js';

/** Opaque keyset cursors: the last row's sort value and id, tied to the sort they were made for. */
export interface Cursor {
  sort: string;
  value: string | null;
  id: number;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.value, cursor.id])).toString('base64url');
}

export interface CursorValue {
  /** The sort value is a timestamp (ISO 8601). */
  date: boolean;
  /** The sort column may be null (nulls sort last). */
  nullable: boolean;
}

function validValue(value: unknown, kind: CursorValue): value is string | null {
  if (value === null) return kind.nullable;
  return typeof value === 'string' && (!kind.date || !Number.isNaN(Date.parse(value)));
}

export function decodeCursor(text: string, sort: string, kind: CursorValue): Cursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 3 &&
      parsed[0] === sort &&
      validValue(parsed[1], kind) &&
      Number.isSafeInteger(parsed[2])
    ) {
      return { sort, value: parsed[1] as string | null, id: parsed[2] as number };
    }
  } catch {
    // fall through: not base64url JSON
  }
  throw new AppError('INVALID_CURSOR');
}
