import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { decodeCursor, encodeCursor, type Cursor } from './cursor.js';

const raw = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const KIND = {
  'created_at:desc': { date: true, nullable: false },
  'last_login_at:asc': { date: true, nullable: true },
  'email:asc': { date: false, nullable: false },
  'username:desc': { date: false, nullable: false },
} as const;
const TEXT = KIND['email:asc'];

describe('encodeCursor / decodeCursor', () => {
  it.each<Cursor>([
    { sort: 'created_at:desc', value: '2025-03-01T00:00:00.000Z', id: 7 },
    { sort: 'last_login_at:asc', value: null, id: 1 },
    { sort: 'email:asc', value: 'ünï+/cödé@example.com', id: 2_147_483_647 },
    { sort: 'username:desc', value: '', id: 0 },
  ])('round-trips %j', (cursor) => {
    const text = encodeCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text, cursor.sort, KIND[cursor.sort as keyof typeof KIND])).toEqual(cursor);
  });

  it('is opaque: the sort, value and id as base64url JSON', () => {
    expect(encodeCursor({ sort: 'at:desc', value: 'v', id: 3 })).toBe(raw(['at:desc', 'v', 3]));
  });

  it.each([
    ['a cursor for another sort', encodeCursor({ sort: 'username:asc', value: 'a', id: 1 })],
    ['a cursor for another order', encodeCursor({ sort: 'email:desc', value: 'a', id: 1 })],
    ['an empty string', ''],
    ['not base64url JSON', 'not-a-cursor!'],
    ['truncated JSON', raw(['email:asc', 'a', 1]).slice(0, 10)],
    ['JSON that is not an array', raw({ sort: 'email:asc', value: 'a', id: 1 })],
    ['JSON null', raw(null)],
    ['too few elements', raw(['email:asc', 'a'])],
    ['too many elements', raw(['email:asc', 'a', 1, 2])],
    ['a numeric value', raw(['email:asc', 5, 1])],
    ['an object value', raw(['email:asc', {}, 1])],
    ['a string id', raw(['email:asc', 'a', '1'])],
    ['a fractional id', raw(['email:asc', 'a', 1.5])],
    ['an unsafe id', raw(['email:asc', 'a', 2 ** 53])],
    ['a null id', raw(['email:asc', 'a', null])],
    ['a null value where the column is never null', raw(['email:asc', null, 1])],
  ])('rejects %s with INVALID_CURSOR', (_label, text) => {
    expectInvalid(() => decodeCursor(text, 'email:asc', TEXT));
  });

  it.each([
    ['a malformed date', raw(['created_at:desc', 'garbage', 1]), 'created_at:desc', KIND['created_at:desc']],
    [
      'a null date where dates are never null',
      raw(['created_at:desc', null, 1]),
      'created_at:desc',
      KIND['created_at:desc'],
    ],
    [
      'a malformed date on a nullable column',
      raw(['last_login_at:asc', 'garbage', 1]),
      'last_login_at:asc',
      KIND['last_login_at:asc'],
    ],
  ])('rejects %s with INVALID_CURSOR (never a 500)', (_label, text, sort, kind) => {
    expectInvalid(() => decodeCursor(text, sort, kind));
  });
});

function expectInvalid(decode: () => unknown): void {
  let thrown: unknown;
  try {
    decode();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(AppError);
  expect(thrown).toMatchObject({
    appCode: 'INVALID_CURSOR',
    status: 422,
    message: 'Invalid or expired cursor',
  });
}
