import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ADMIN_ERRORS,
  AUTH_ERRORS,
  COMMON_ERRORS,
  INTEGRATION_ERRORS,
  MFA_ERRORS,
  USER_ERRORS,
  WEBHOOK_ERRORS,
} from './error-tables/index.js';
import {
  AppError,
  ERROR_CODES,
  isDatabaseUnavailable,
  isUnexpected,
  toErrorResponse,
  type ErrorCode,
} from './errors.js';

describe('AppError', () => {
  it('carries its code, HTTP status, tRPC code and message', () => {
    const error = new AppError('USERNAME_TAKEN', 'Username already taken');
    expect(error).toBeInstanceOf(TRPCError);
    expect(error.appCode).toBe('USERNAME_TAKEN');
    expect(error.status).toBe(409);
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toBe('Username already taken');
    expect(error.name).toBe('TRPCError');
  });

  it.each(Object.entries(ERROR_CODES) as [ErrorCode, { status: number; message: string }][])(
    '%s answers with its own status and code, and its table message unless told another',
    (code, { status, message }) => {
      const response = toErrorResponse(new AppError(code, `detail of ${code}`));
      expect(response.status).toBe(status);
      expect(response.body).toEqual({ detail: `detail of ${code}`, code });
      expect(response.headers).toEqual(status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {});
      expect(toErrorResponse(new AppError(code)).body).toEqual({ detail: message, code });
    },
  );

  it('has one table per domain whose codes never collide', () => {
    const tables = [
      COMMON_ERRORS,
      AUTH_ERRORS,
      USER_ERRORS,
      ADMIN_ERRORS,
      INTEGRATION_ERRORS,
      WEBHOOK_ERRORS,
      MFA_ERRORS,
    ].map((t) => Object.keys(t));
    const all = tables.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(Object.keys(ERROR_CODES).sort()).toEqual([...all].sort());
    for (const code of all) expect(code).toMatch(/^[A-Z][A-Z0-9_]*$/);
  });
});

describe('toErrorResponse', () => {
  it('unwraps an AppError that a TRPCError carries as its cause', () => {
    const wrapped = new TRPCError({
      code: 'INTERNAL_SERVER_ERROR',
      cause: new AppError('INVALID_TOKEN', 'Bad token'),
    });
    expect(toErrorResponse(wrapped)).toEqual({
      status: 401,
      body: { detail: 'Bad token', code: 'INVALID_TOKEN' },
      headers: { 'WWW-Authenticate': 'Bearer' },
    });
  });

  it('turns a Zod failure behind BAD_REQUEST into a 422 with every issue', () => {
    const schema = z.strictObject({ email: z.email(), tags: z.array(z.string()) });
    const parsed = schema.safeParse({ email: 'nope', tags: ['ok', 7], extra: true });
    expect(parsed.success).toBe(false);
    const error = new TRPCError({ code: 'BAD_REQUEST', cause: parsed.error });
    const response = toErrorResponse(error);
    expect(response.status).toBe(422);
    expect(response.headers).toEqual({});
    expect(response.body.detail).toBe('Validation failed');
    expect(response.body.code).toBe('VALIDATION_ERROR');
    expect(response.body.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: ['email'], code: 'invalid_format' }),
        expect.objectContaining({ path: ['tags', 1], code: 'invalid_type' }),
        expect.objectContaining({ path: [], code: 'unrecognized_keys' }),
      ]),
    );
    for (const issue of response.body.issues ?? []) expect(typeof issue.message).toBe('string');
  });

  it('also maps a Zod failure behind UNPROCESSABLE_CONTENT, and stringifies symbol path keys', () => {
    const key = Symbol('weird');
    const schema = z
      .string()
      .superRefine((_v, ctx) => ctx.addIssue({ code: 'custom', message: 'Nope', path: [key, 'x'] }));
    const parsed = schema.safeParse('anything');
    const response = toErrorResponse(new TRPCError({ code: 'UNPROCESSABLE_CONTENT', cause: parsed.error }));
    expect(response.status).toBe(422);
    expect(response.body.issues).toEqual([{ path: ['Symbol(weird)', 'x'], message: 'Nope', code: 'custom' }]);
  });

  it('does not treat a Zod error behind other codes as a validation failure', () => {
    const zodError = z.string().safeParse(1).error;
    const response = toErrorResponse(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: zodError }));
    expect(response.status).toBe(500);
    expect(response.body.code).toBe('INTERNAL_SERVER_ERROR');
  });

  it.each<[TRPC_ERROR_CODE_KEY, number, ErrorCode, string]>([
    ['PARSE_ERROR', 400, 'MALFORMED_REQUEST', 'Malformed request body'],
    ['BAD_REQUEST', 400, 'MALFORMED_REQUEST', 'Bad request'],
    ['NOT_FOUND', 404, 'NOT_FOUND', 'Not found'],
    ['METHOD_NOT_SUPPORTED', 405, 'METHOD_NOT_ALLOWED', 'Method not allowed'],
    ['PAYLOAD_TOO_LARGE', 413, 'PAYLOAD_TOO_LARGE', 'Request body too large'],
    ['UNSUPPORTED_MEDIA_TYPE', 415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported content type'],
    ['UNAUTHORIZED', 401, 'NOT_AUTHENTICATED', 'Not authenticated'],
    ['FORBIDDEN', 403, 'FORBIDDEN', 'Forbidden'],
    ['TOO_MANY_REQUESTS', 429, 'RATE_LIMITED', 'Too many requests'],
  ])('maps a plain TRPCError %s to %i %s with a fixed message', (trpcCode, status, code, detail) => {
    const response = toErrorResponse(
      new TRPCError({ code: trpcCode, message: 'internal detail: /etc/passwd' }),
    );
    expect(response).toEqual({
      status,
      body: { detail, code },
      headers: status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {},
    });
  });

  it.each<[string, unknown]>([
    [
      'a TRPCError with an unmapped code',
      new TRPCError({ code: 'CONFLICT', message: 'duplicate key "users_email_unique"' }),
    ],
    [
      'a TRPCError wrapping a database error',
      new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: new Error('SQL: select *') }),
    ],
    ['a plain Error', new Error('connect ECONNREFUSED 10.0.0.5:5432')],
    ['a string', 'secret string'],
    ['null', null],
    ['undefined', undefined],
  ])('hides %s behind a generic 500', (_label, thrown) => {
    const response = toErrorResponse(thrown);
    expect(response).toEqual({
      status: 500,
      body: { detail: 'Internal server error', code: 'INTERNAL_SERVER_ERROR' },
      headers: {},
    });
    expect(JSON.stringify(response)).not.toMatch(/users_email_unique|SQL|ECONNREFUSED|secret/);
  });
});

/** An error as a driver throws it: a message and own properties (MikroORM's DriverException copies pg's). */
const driverError = (message: string, props: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), props);

describe('database unavailable', () => {
  const unavailable = {
    status: 503,
    body: { detail: 'The database is unavailable; retry shortly', code: 'DATABASE_UNAVAILABLE' },
    headers: { 'Retry-After': '1' },
  };

  it.each<[string, unknown]>([
    ['pg_terminate_backend (57P01)', driverError('select 1 - terminating connection', { code: '57P01' })],
    ['a crash shutdown (57P02)', driverError('x', { code: '57P02' })],
    ['a server starting up (57P03)', driverError('x', { code: '57P03' })],
    ['too many connections (53300)', driverError('x', { code: '53300' })],
    ['the idle-in-transaction timeout (25P03)', driverError('x', { code: '25P03' })],
    ['a connection exception (class 08)', driverError('x', { code: '08006' })],
    ['a refused connection', driverError('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' })],
    ['a reset connection', driverError('read ECONNRESET', { code: 'ECONNRESET' })],
    [
      'SQLite still locked after busy_timeout',
      driverError('SQLITE_BUSY: database is locked', { code: 'SQLITE_BUSY' }),
    ],
    ['an exhausted pool', driverError('Knex: Timeout acquiring a connection. The pool is probably full.')],
    [
      'a connection that died under a statement',
      driverError('select 3 - Connection terminated unexpectedly'),
    ],
    ['a connection that ended', driverError('Connection ended unexpectedly')],
    ['a connection being closed', driverError('select 1 - Connection terminated')],
    [
      'a pooled client that met a connection error',
      driverError('select 1 - Client has encountered a connection error and is not queryable'),
    ],
    ['a pooled client already closed', driverError('Client was closed and is not queryable')],
    [
      'a transaction whose connection died',
      driverError('Transaction query already complete, run with DEBUG=knex:tx for more info'),
    ],
    ['a connect timeout', driverError('Connection terminated due to connection timeout')],
    ["pg's connect timeout", driverError('select 1 - timeout expired')],
    [
      'every address refused',
      new AggregateError([driverError('connect ECONNREFUSED ::1:5432', { code: 'ECONNREFUSED' })], 'x'),
    ],
    [
      'a TRPCError wrapping one',
      new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: driverError('x', { code: '57P01' }) }),
    ],
  ])('maps %s to 503 DATABASE_UNAVAILABLE, without its SQL', (_label, thrown) => {
    expect(isDatabaseUnavailable(thrown)).toBe(true);
    const response = toErrorResponse(thrown);
    expect(response).toEqual(unavailable);
    expect(JSON.stringify(response)).not.toMatch(/select|ECONN|SQLITE|Knex|57P01/);
    expect(isUnexpected(thrown)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['a unique violation', driverError('insert … - duplicate key', { code: '23505' })],
    ['a syntax error', driverError('syntax error', { code: '42601' })],
    ['an error whose code is not a string', driverError('x', { code: 57 })],
    ['an aggregate of other errors', new AggregateError([new Error('nope')], 'x')],
    ['a timeout of something else', driverError('lock timeout expired while waiting')],
    ['not an error', { code: '57P01', message: 'Connection terminated unexpectedly' }],
  ])('keeps %s a generic 500', (_label, thrown) => {
    expect(isDatabaseUnavailable(thrown)).toBe(false);
    expect(toErrorResponse(thrown).status).toBe(500);
  });

  it('leaves an AppError as it is, whatever its cause', () => {
    expect(toErrorResponse(new AppError('INVALIDATION_UNCONFIRMED', 'Not confirmed')).body.code).toBe(
      'INVALIDATION_UNCONFIRMED',
    );
  });
});

describe('isUnexpected', () => {
  it('is true only for what ends up as a 5xx', () => {
    expect(isUnexpected(new Error('boom'))).toBe(true);
    expect(isUnexpected(new AppError('SERVICE_UNAVAILABLE', 'Database down'))).toBe(true);
    expect(isUnexpected(new AppError('USER_NOT_FOUND', 'User not found'))).toBe(false);
    expect(isUnexpected(new TRPCError({ code: 'BAD_REQUEST' }))).toBe(false);
  });
});
