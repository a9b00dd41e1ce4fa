import { TRPCClientError } from '@trpc/client';
import { RosterError } from '@roster/sdk';
import { describe, expect, it } from 'vitest';
import {
  fieldKey,
  formatWait,
  isSessionEnded,
  rateLimitMessage,
  retryAfterOf,
  secondsLeft,
  toUiError,
} from './errors';

/** A RosterError as the SDK makes it from a tRPC error answer. */
function rosterError(data: Record<string, unknown>, message = String(data.detail ?? 'failed')): RosterError {
  const shape = { message, code: -32000, data };
  return new RosterError(TRPCClientError.from({ error: shape }) as TRPCClientError<never>);
}

describe('toUiError', () => {
  it('puts each validation issue under its field, by its dotted path, first message per field', () => {
    const error = rosterError({
      code: 'VALIDATION_ERROR',
      detail: 'Validation failed',
      httpStatus: 422,
      issues: [
        { path: ['email'], message: 'Invalid email address', code: 'invalid_format' },
        {
          path: ['password'],
          message: 'Too small: expected string to have >=8 characters',
          code: 'too_small',
        },
        { path: ['password'], message: 'second message', code: 'custom' },
        { path: ['items', 0, 'name'], message: 'Required', code: 'invalid_type' },
      ],
    });
    const ui = toUiError(error, {}, 1000);
    expect(ui).toEqual({
      message: 'Some fields need attention.',
      fields: {
        email: 'Invalid email address',
        password: 'Too small: expected string to have >=8 characters',
        'items.0.name': 'Required',
      },
      retryAfter: null,
      code: 'VALIDATION_ERROR',
      status: 422,
      at: 1000,
    });
  });

  it('words a version conflict so the admin knows to reload', () => {
    const ui = toUiError(
      rosterError({ code: 'VERSION_CONFLICT', detail: 'Version conflict', httpStatus: 409 }),
    );
    expect(ui.message).toMatch(/Someone else changed this account/);
    expect(ui.status).toBe(409);
  });

  it('tells an admin acting as an account that only its owner may do this', () => {
    const ui = toUiError(
      rosterError({
        code: 'FORBIDDEN_WHILE_IMPERSONATING',
        detail: 'Not allowed while impersonating: passwords, email, MFA, keys and admin actions',
        httpStatus: 403,
      }),
    );
    expect(ui).toMatchObject({ code: 'FORBIDDEN_WHILE_IMPERSONATING', status: 403 });
    expect(ui.message).toMatch(/^Not while you act as this account: .*Stop acting as them first\.$/);
  });

  it('gives a 429 its wait from retryAfter, in whole seconds', () => {
    const ui = toUiError(
      rosterError({ code: 'RATE_LIMITED', detail: 'Too many', httpStatus: 429, retryAfter: 41.2 }),
    );
    expect(ui.retryAfter).toBe(42);
    expect(ui.message).toBe('Too many attempts. Try again in 42 seconds.');
  });

  it('a 429 without a wait still says to wait', () => {
    const ui = toUiError(rosterError({ code: 'RATE_LIMITED', detail: 'Too many', httpStatus: 429 }));
    expect(ui.retryAfter).toBeNull();
    expect(ui.message).toBe('Too many attempts. Wait a moment and try again.');
  });

  it('keeps the server detail for codes it has no wording for; overrides win', () => {
    const error = rosterError({ code: 'USERNAME_TAKEN', detail: 'Username already taken', httpStatus: 409 });
    expect(toUiError(error).message).toBe('Username already taken');
    expect(toUiError(error, { USERNAME_TAKEN: 'Pick another name.' }).message).toBe('Pick another name.');
  });

  it('words a network failure (no answer, status 0)', () => {
    const error = new RosterError(
      TRPCClientError.from(new TypeError('fetch failed')) as TRPCClientError<never>,
    );
    const ui = toUiError(error);
    expect(ui).toMatchObject({ code: 'NETWORK_ERROR', status: 0 });
    expect(ui.message).toMatch(/could not be reached/);
  });

  it('anything else is a client error with its message, or a generic one', () => {
    expect(toUiError(new Error('boom'))).toMatchObject({ code: 'CLIENT_ERROR', message: 'boom', status: 0 });
    expect(toUiError('what')).toMatchObject({ code: 'CLIENT_ERROR', message: 'Something went wrong.' });
  });
});

describe('retryAfterOf', () => {
  it('reads a positive number only', () => {
    expect(retryAfterOf(rosterError({ code: 'RATE_LIMITED', httpStatus: 429, retryAfter: 3 }))).toBe(3);
    expect(retryAfterOf(rosterError({ code: 'RATE_LIMITED', httpStatus: 429, retryAfter: '3' }))).toBeNull();
    expect(retryAfterOf(rosterError({ code: 'RATE_LIMITED', httpStatus: 429, retryAfter: 0 }))).toBeNull();
    expect(retryAfterOf(rosterError({ code: 'RATE_LIMITED', httpStatus: 429 }))).toBeNull();
  });
});

describe('waits', () => {
  it('formats seconds and minutes', () => {
    expect(formatWait(1)).toBe('1 second');
    expect(formatWait(30)).toBe('30 seconds');
    expect(formatWait(89)).toBe('89 seconds');
    expect(formatWait(600)).toBe('10 minutes');
    expect(rateLimitMessage(5)).toBe('Too many attempts. Try again in 5 seconds.');
  });

  it('counts down from when the answer came, never above the wait, never below 0', () => {
    const ui = toUiError(rosterError({ code: 'RATE_LIMITED', httpStatus: 429, retryAfter: 10 }), {}, 50_000);
    expect(secondsLeft(ui, 40_000)).toBe(10);
    expect(secondsLeft(ui, 50_000)).toBe(10);
    expect(secondsLeft(ui, 53_500)).toBe(7);
    expect(secondsLeft(ui, 60_000)).toBe(0);
    expect(secondsLeft(ui, 99_000)).toBe(0);
    expect(secondsLeft(null, 0)).toBe(0);
    expect(secondsLeft(toUiError(new Error('x')), 0)).toBe(0);
  });
});

describe('fieldKey and isSessionEnded', () => {
  it('joins paths with dots', () => {
    expect(fieldKey(['email'])).toBe('email');
    expect(fieldKey(['a', 1, 'b'])).toBe('a.1.b');
  });

  it('a 401 INVALID_TOKEN or NOT_AUTHENTICATED ends the session; a 401 at login does not', () => {
    expect(isSessionEnded(rosterError({ code: 'INVALID_TOKEN', httpStatus: 401 }))).toBe(true);
    expect(isSessionEnded(rosterError({ code: 'NOT_AUTHENTICATED', httpStatus: 401 }))).toBe(true);
    expect(isSessionEnded(rosterError({ code: 'INVALID_CREDENTIALS', httpStatus: 401 }))).toBe(false);
    expect(isSessionEnded(rosterError({ code: 'FORBIDDEN', httpStatus: 403 }))).toBe(false);
    expect(isSessionEnded(new Error('x'))).toBe(false);
  });
});
