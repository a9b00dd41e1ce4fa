import { getErrorShape, TRPCError } from '@trpc/server';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createContextInner } from './context.js';
import { AppError } from './errors.js';
import { appRouter } from './root.js';
import { createHarness, errorCodeOf, TEST_SETTINGS, type Account, type Harness } from './test/harness.js';
import { adminProcedure, createCallerFactory, publicProcedure, router, type ErrorData } from './trpc.js';

let h: Harness;
let erin: Account;
beforeAll(async () => {
  h = await createHarness();
  erin = await h.account('Erin');
});
afterAll(() => h.close());

describe('createContextInner', () => {
  it('fills missing request details with null and forks from the ORM per call', () => {
    const ctx = createContextInner({ deps: h.deps });
    expect(ctx.forkEm()).not.toBe(h.db.orm.em);
    expect(ctx.deps).toBe(h.deps);
    expect(ctx).toMatchObject({ authorization: null, ip: null, userAgent: null });
  });

  it('uses the request details and the EntityManager factory it is given', () => {
    const em = h.db.orm.em.fork();
    const ctx = createContextInner({
      deps: h.deps,
      forkEm: () => em,
      authorization: 'Bearer x',
      ip: '203.0.113.9',
      userAgent: 'ua/1',
    });
    expect(ctx.forkEm()).toBe(em);
    expect(ctx).toMatchObject({ authorization: 'Bearer x', ip: '203.0.113.9', userAgent: 'ua/1' });
  });
});

describe('authedProcedure (isAuthed)', () => {
  it('lets a valid bearer token through, with the scheme in any case and extra spaces', async () => {
    for (const header of [`Bearer ${erin.token}`, `bearer ${erin.token}`, `BEARER   ${erin.token}  `]) {
      expect((await h.callerWithHeader(header).auth.me()).id).toBe(erin.id);
    }
  });

  it('refuses a request without an Authorization header as NOT_AUTHENTICATED', async () => {
    await expect(h.caller().auth.me()).rejects.toMatchObject({ appCode: 'NOT_AUTHENTICATED', status: 401 });
    expect(await errorCodeOf(h.callerWithHeader('').auth.me())).toBe('NOT_AUTHENTICATED');
  });

  it.each([
    ['another scheme', () => `Basic ${Buffer.from('erin:pw').toString('base64')}`],
    ['no token', () => 'Bearer'],
    ['no space', () => `Bearer${erin.token}`],
    ['a token with spaces inside', () => `Bearer ${erin.token.replace('.', ' .')}`],
    ['two tokens', () => `Bearer ${erin.token} ${erin.token}`],
    ['the token alone', () => erin.token],
  ])('refuses a malformed header (%s) as NOT_AUTHENTICATED', async (_label, header) => {
    expect(await errorCodeOf(h.callerWithHeader(header()).auth.me())).toBe('NOT_AUTHENTICATED');
  });

  it.each([
    ['garbage', () => Promise.resolve('abc.def.ghi')],
    [
      'a token signed with another secret',
      () =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
          .setSubject(String(erin.id))
          .setIssuer(TEST_SETTINGS.jwt.issuer)
          .setAudience(TEST_SETTINGS.jwt.audience)
          .setIssuedAt()
          .setExpirationTime('10m')
          .setJti('j')
          .sign(new TextEncoder().encode('x'.repeat(40))),
    ],
  ])('refuses %s as INVALID_TOKEN', async (_label, make) => {
    await expect(h.caller(await make()).auth.me()).rejects.toMatchObject({
      appCode: 'INVALID_TOKEN',
      status: 401,
    });
  });

  it("stops a deactivated account's tokens at once", async () => {
    const frank = await h.account('Frank');
    expect((await h.caller(frank.token).auth.me()).id).toBe(frank.id);
    await h.setColumns(frank.id, { isActive: false });
    await expect(h.caller(frank.token).auth.me()).rejects.toMatchObject({
      appCode: 'INVALID_TOKEN',
      message: 'Account is deactivated',
    });
  });

  it("stops a deleted account's tokens", async () => {
    const gone = await h.account('Gone');
    const em = h.db.orm.em.fork();
    await em.getConnection().execute(`delete from users where id = ${gone.id}`);
    await expect(h.caller(gone.token).auth.me()).rejects.toMatchObject({
      appCode: 'INVALID_TOKEN',
      message: 'Could not validate credentials',
    });
  });
});

describe('adminProcedure', () => {
  const adminRouter = router({
    secret: adminProcedure
      .input(z.void())
      .query(({ ctx }) => ({ adminId: ctx.user.id, role: ctx.user.role })),
  });
  const createAdminCaller = createCallerFactory(adminRouter);
  const adminCaller = (authorization: string | null) =>
    createAdminCaller(createContextInner({ deps: h.deps, authorization }));

  it('refuses an anonymous caller as NOT_AUTHENTICATED', async () => {
    expect(await errorCodeOf(adminCaller(null).secret())).toBe('NOT_AUTHENTICATED');
  });

  it('refuses a signed-in non-admin as FORBIDDEN', async () => {
    await expect(adminCaller(`Bearer ${erin.token}`).secret()).rejects.toMatchObject({
      appCode: 'FORBIDDEN',
      status: 403,
      message: 'Admin privileges required',
    });
  });

  it('lets an admin through, as the database says now', async () => {
    const root = await h.account('Root');
    await h.setColumns(root.id, { role: 'admin' });
    expect(await adminCaller(`Bearer ${root.token}`).secret()).toEqual({ adminId: root.id, role: 'admin' });
    await h.setColumns(root.id, { role: 'user' });
    expect(await errorCodeOf(adminCaller(`Bearer ${root.token}`).secret())).toBe('FORBIDDEN');
  });
});

describe('errorFormatter', () => {
  const config = appRouter._def._config;
  const shapeOf = (error: unknown, path?: string) =>
    getErrorShape({
      config,
      error:
        error instanceof TRPCError ? error : new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: error }),
      type: 'query',
      path,
      input: undefined,
      ctx: undefined,
    }) as { message: string; code: number; data: ErrorData };

  it('puts the error body, HTTP status and path of an AppError from a call into data', async () => {
    const error = await h
      .caller()
      .users.byId({ id: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    const shape = shapeOf(error, 'users.byId');
    expect(shape).toEqual({
      message: 'Not authenticated',
      code: -32001,
      data: { detail: 'Not authenticated', code: 'NOT_AUTHENTICATED', httpStatus: 401, path: 'users.byId' },
    });
  });

  it('carries validation issues of a bad call as a 422', async () => {
    const error = await h
      .caller()
      .auth.register({ email: 'bad', username: 'ok_name', password: 'long enough' })
      .catch((e: unknown) => e);
    const shape = shapeOf(error, 'auth.register');
    expect(shape.message).toBe('Validation failed');
    expect(shape.data).toMatchObject({
      code: 'VALIDATION_ERROR',
      detail: 'Validation failed',
      httpStatus: 422,
    });
    expect(shape.data.issues).toEqual([expect.objectContaining({ path: ['email'] })]);
  });

  it('leaves path out when the error belongs to no procedure, and hides unexpected errors', () => {
    const shape = shapeOf(new Error('password=hunter2 in SQL'));
    expect(shape.data).toEqual({
      detail: 'Internal server error',
      code: 'INTERNAL_SERVER_ERROR',
      httpStatus: 500,
    });
    expect(JSON.stringify(shape)).not.toContain('hunter2');
  });

  it('is also what a public procedure throwing a plain TRPCError is formatted with', async () => {
    const r = router({
      nope: publicProcedure.query(() => Promise.reject(new TRPCError({ code: 'NOT_FOUND', message: 'x' }))),
    });
    const error = await createCallerFactory(r)(createContextInner({ deps: h.deps }))
      .nope()
      .catch((e: unknown) => e);
    expect(shapeOf(error, 'nope').data).toEqual({
      detail: 'Not found',
      code: 'NOT_FOUND',
      httpStatus: 404,
      path: 'nope',
    });
  });
});
