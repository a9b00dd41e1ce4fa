import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ADMIN_ERRORS, AUTH_ERRORS, COMMON_ERRORS, USER_ERRORS } from './error-tables/index.js';
import { AppError, ERROR_CODES, isUnexpected, toErrorResponse, type ErrorCode } from './errors.js';

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
    const tables = [COMMON_ERRORS, AUTH_ERRORS, USER_ERRORS, ADMIN_ERRORS].map((t) => Object.keys(t));
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

describe('isUnexpected', () => {
  it('is true only for what ends up as a 5xx', () => {
    expect(isUnexpected(new Error('boom'))).toBe(true);
    expect(isUnexpected(new AppError('SERVICE_UNAVAILABLE', 'Database down'))).toBe(true);
    expect(isUnexpected(new AppError('USER_NOT_FOUND', 'User not found'))).toBe(false);
    expect(isUnexpected(new TRPCError({ code: 'BAD_REQUEST' }))).toBe(false);
  });
});
