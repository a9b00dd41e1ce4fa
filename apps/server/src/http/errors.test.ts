import { DriverException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { loggableError } from './errors.js';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA';

function driverError<T extends DriverException>(
  Type: new (e: Error) => T,
  message: string,
  code?: string,
): T {
  const cause = Object.assign(new Error(message), code ? { code } : {});
  return new Type(cause);
}

describe('loggableError', () => {
  it("keeps a database error's class and reason but never its statement or parameters", () => {
    const error = driverError(
      UniqueConstraintViolationException,
      `insert into "users" ("email", "password_hash") values ('ada@example.com', '${HASH}') - duplicate key value violates unique constraint "users_email_unique"`,
      '23505',
    );
    const logged = loggableError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: error }));
    expect(logged).toEqual({
      type: 'UniqueConstraintViolationException',
      message: 'duplicate key value violates unique constraint "users_email_unique"',
      code: '23505',
    });
    expect(JSON.stringify(logged)).not.toContain('ada@example.com');
    expect(JSON.stringify(logged)).not.toContain('argon2');
  });

  it('drops the whole message of a database error that has no separable reason', () => {
    const logged = loggableError(
      driverError(DriverException, `select * from users where email = 'ada@example.com'`),
    );
    expect(logged).toEqual({ type: 'DriverException', message: '' });
  });

  it('keeps the message and stack of other errors, looking through tRPC wrappers', () => {
    const cause = new RangeError('out of range');
    expect(loggableError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause }))).toMatchObject({
      type: 'RangeError',
      message: 'out of range',
      stack: expect.stringContaining('RangeError'),
    });
    const bare = new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'boom' });
    expect(loggableError(bare)).toMatchObject({ type: 'TRPCError', message: 'boom' });
  });

  it('describes a thrown non-error without its value', () => {
    expect(loggableError('secret string')).toEqual({ type: 'string', message: 'non-error thrown' });
  });
});
