import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRosterClient, isRosterError, RosterError, type RosterClient } from './index.js';
import { closedPort, newUser, spawnServer, type SpawnedServer } from './test/server.js';

// Every failure a call rejects with, against the BUILT server in a child process (see ./test/server.ts).
let server: SpawnedServer;
let client: RosterClient;
let existing: ReturnType<typeof newUser>;
beforeAll(async () => {
  server = await spawnServer();
  client = createRosterClient({ url: server.url });
  existing = newUser('existing');
  await client.register(existing);
});
afterAll(() => server?.close());

/** What a call rejected with (it must reject). */
async function rejection(call: Promise<unknown>): Promise<RosterError> {
  return (await call.then(
    () => expect.unreachable('expected the call to fail'),
    (e: unknown) => e,
  )) as RosterError;
}

/** The errors of the `cause` chain, outermost first. */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e instanceof Error && chain.length < 10; e = e.cause) chain.push(e);
  return chain;
}

describe('server errors', () => {
  it('USER_ALREADY_EXISTS 409 for a taken email', async () => {
    const error = await rejection(client.register({ ...existing, username: `${existing.username}_2` }));
    expect(error).toMatchObject({
      code: 'USER_ALREADY_EXISTS',
      status: 409,
      detail: 'Email already registered',
    });
    expect(error.issues).toEqual([]);
    expect(error.message).toBe('Email already registered');
  });

  it('USERNAME_TAKEN 409 for a taken username, case-insensitively', async () => {
    const error = await rejection(
      client.register({ ...newUser(), username: existing.username.toUpperCase() }),
    );
    expect(error).toMatchObject({ code: 'USERNAME_TAKEN', status: 409 });
  });

  it('VALIDATION_ERROR 422 with the path of every invalid field', async () => {
    const error = await rejection(
      client.register({ email: 'not-an-email', username: 'ok_name', password: 'short' }),
    );
    expect(error).toMatchObject({ code: 'VALIDATION_ERROR', status: 422, detail: 'Validation failed' });
    expect(error.issues.map((i) => i.path)).toEqual([['email'], ['password']]);
    for (const issue of error.issues) {
      expect(issue.message).toBeTypeOf('string');
      expect(issue.code).toBeTypeOf('string');
    }
  });

  it('VALIDATION_ERROR 422 for an unknown field (inputs are strict)', async () => {
    const input = { ...newUser(), role: 'admin' } as ReturnType<typeof newUser>;
    const error = await rejection(client.register(input));
    expect(error).toMatchObject({ code: 'VALIDATION_ERROR', status: 422 });
    expect(error.issues[0]).toMatchObject({ code: 'unrecognized_keys' });
  });

  it('VALIDATION_ERROR 422 for a login without username or email', async () => {
    const error = await rejection(client.login({ password: 'whatever' }));
    expect(error).toMatchObject({ code: 'VALIDATION_ERROR', status: 422 });
    expect(error.issues.map((i) => i.path)).toEqual([['username']]);
  });

  it('INVALID_CREDENTIALS 401 for a wrong password and for an unknown account, alike', async () => {
    const wrong = await rejection(client.login({ username: existing.username, password: 'wrong password' }));
    const unknown = await rejection(
      client.login({ username: 'nobody@example.com', password: 'wrong password' }),
    );
    for (const error of [wrong, unknown]) {
      expect(error).toMatchObject({
        code: 'INVALID_CREDENTIALS',
        status: 401,
        detail: 'Incorrect email or password',
      });
    }
  });

  it('NOT_AUTHENTICATED 401 without a token, INVALID_TOKEN 401 with a bad one', async () => {
    expect(await rejection(client.auth.me.query())).toMatchObject({ code: 'NOT_AUTHENTICATED', status: 401 });
    expect(await rejection(client.users.list.query({}))).toMatchObject({
      code: 'NOT_AUTHENTICATED',
      status: 401,
    });
    const bad = createRosterClient({ url: server.url, token: 'a.b.c' });
    expect(await rejection(bad.auth.me.query())).toMatchObject({ code: 'INVALID_TOKEN', status: 401 });
  });

  it('USER_NOT_FOUND 404 for an unknown id', async () => {
    const authed = createRosterClient({ url: server.url });
    await authed.login({ username: existing.username, password: existing.password });
    const error = await rejection(authed.users.byId.query({ id: 2_000_000_000 }));
    expect(error).toMatchObject({
      code: 'USER_NOT_FOUND',
      status: 404,
      detail: 'User not found',
      issues: [],
    });
  });

  it('is a TRPCClientError carrying the server error data', async () => {
    const error = await rejection(client.auth.me.query());
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(error).toBeInstanceOf(Error);
    expect(error.data).toMatchObject({ code: 'NOT_AUTHENTICATED', httpStatus: 401, path: 'auth.me' });
    expect(error.shape).toMatchObject({ message: 'Not authenticated' });
    expect(error.cause).toBeInstanceOf(TRPCClientError);
  });

  // TRPCClientError's constructor resets the prototype to its own; errors.ts restores RosterError's.
  it('is a RosterError, and isRosterError says so', async () => {
    const error = await rejection(client.auth.me.query());
    expect(error).toBeInstanceOf(RosterError);
    expect(isRosterError(error)).toBe(true);
    expect(error.name).toBe('RosterError');
  });

  it('isRosterError is false for anything else', () => {
    expect(isRosterError(new Error('plain'))).toBe(false);
    expect(isRosterError(new TRPCClientError('plain'))).toBe(false);
    expect(isRosterError({ code: 'NOT_AUTHENTICATED', status: 401 })).toBe(false);
    expect(isRosterError(null)).toBe(false);
    expect(isRosterError(undefined)).toBe(false);
  });
});

describe('failures without a Roster answer', () => {
  it('NETWORK_ERROR with status 0 when nothing listens', async () => {
    const offline = createRosterClient({ url: `http://127.0.0.1:${await closedPort()}` });
    const error = await rejection(offline.auth.me.query());
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', status: 0, issues: [] });
    expect(error.detail).toBe(error.message);
    expect(error.data).toBeUndefined();
  });

  it('UNKNOWN_ERROR with the HTTP status for an answer without a Roster code', async () => {
    // A gateway (or another tRPC server) answering with tRPC's envelope but not Roster's error data.
    const gateway: typeof fetch = () =>
      Promise.resolve(
        Response.json([{ error: { message: 'Bad gateway', code: -32603, data: { httpStatus: 502 } } }], {
          status: 502,
        }),
      );
    const error = await rejection(createRosterClient({ url: server.url, fetch: gateway }).auth.me.query());
    expect(error).toMatchObject({ code: 'UNKNOWN_ERROR', status: 502, detail: 'Bad gateway', issues: [] });
  });

  it('an already-aborted signal rejects register without sending it', async () => {
    const input = newUser('aborted');
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(client.register(input, { signal: controller.signal }));
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(error).toMatchObject({ code: 'ABORTED', status: 0 });
    expect(causes(error).some((e) => (e as Error).name === 'AbortError')).toBe(true);
    // Nothing reached the server: the same registration still succeeds.
    await expect(client.register(input)).resolves.toMatchObject({ username: input.username });
  });

  it('an already-aborted signal rejects login and keeps no token', async () => {
    const fresh = createRosterClient({ url: server.url });
    const error = await rejection(
      fresh.login(
        { username: existing.username, password: existing.password },
        { signal: AbortSignal.abort() },
      ),
    );
    expect(error).toMatchObject({ code: 'ABORTED', status: 0 });
    expect(causes(error).some((e) => (e as Error).name === 'AbortError')).toBe(true);
    expect(await fresh.getToken()).toBeNull();
  });
});
