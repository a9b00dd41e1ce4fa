import { describe, expect, it } from 'vitest';
import { AuthCache, type SessionSnapshot, type UserSnapshot } from './auth-cache.js';
import { createHotReads } from './hot-reads.js';
import { inputKey, ReadCache, restInputKey } from './read-cache.js';
import { TokenService } from './services/tokens.js';

// When the HTTP layer answers a read procedure from memory, and when it leaves the call to the procedure.

const settings = {
  secret: 'hot-reads-test-secret-that-is-long-enough-0123',
  accessTokenTtlSeconds: 60,
  issuer: 'i',
  audience: 'a',
};
const SID = 'session-id-0123456789';
const now = Date.now();
const user = (id: number, role: 'user' | 'admin' = 'user'): UserSnapshot => ({
  id,
  email: `u${id}@example.com`,
  username: `u${id}`,
  fullName: 'U',
  bio: null,
  role,
  isActive: true,
  isVerified: true,
  createdAt: new Date(now - 60_000),
  updatedAt: new Date(now - 60_000),
  lastLoginAt: null,
  version: 1,
});
const session = (id: string, userId: number, lastUsedAt = new Date(now)): SessionSnapshot => ({
  id,
  userId,
  createdAt: new Date(now - 60_000),
  lastUsedAt,
  expiresAt: new Date(now + 86_400_000),
});
const LIST = restInputKey('/users?limit=20');
const PAGE = [{ id: 8, username: 'u8' }];

async function setup() {
  const tokens = new TokenService(settings);
  const authCache = new AuthCache();
  const reads = new ReadCache(authCache);
  const token = await tokens.issueAccessToken(7, SID);
  const hot = createHotReads({ tokens, authCache, reads });
  /** What the procedure's read-cache middleware stores for user 7 (as `role`) calling `path` with `input`. */
  const stored = (path: string, input: string, data: unknown, role = 'user') =>
    reads.set(reads.key(path, { id: 7, role }, input)!, reads.mark(), data);
  /** The token verified and its session and user cached, as after any call the procedure answered. */
  const seen = async (u = user(7)) => {
    await tokens.verifyAccessToken(token);
    authCache.set(u, session(SID, 7), authCache.mark());
  };
  return { tokens, authCache, reads, token, hot, stored, seen, header: `Bearer ${token}` };
}

describe('createHotReads()', () => {
  it('serves every query whose meta says readCache, and nothing else', async () => {
    const { hot } = await setup();
    for (const path of ['auth.me', 'users.byId', 'users.list']) expect(hot.serves(path)).toBe(true);
    for (const path of ['users.updateMe', 'admin.list', 'auth.sessions', 'nope']) {
      expect(hot.serves(path)).toBe(false);
    }
  });

  it('answers what the procedure stored for this caller and input, serialized once', async () => {
    const { hot, stored, seen, header } = await setup();
    await seen();
    stored('users.list', LIST, PAGE);
    stored('auth.me', inputKey(undefined), { id: 7 });
    const answer = hot.answer('users.list', header, LIST);
    expect(answer).toEqual({ userId: 7, json: JSON.stringify(PAGE) });
    expect(hot.answer('users.list', header, LIST)?.json).toBe(answer!.json);
    expect(hot.answer('auth.me', header, '')).toEqual({ userId: 7, json: '{"id":7}' });
    // The same entry as a tRPC call is answered: in tRPC's result envelope.
    expect(hot.answer('auth.me', header, '', 'trpc')).toEqual({
      userId: 7,
      json: '{"result":{"data":{"id":7}}}',
    });
  });

  it('never answers another input, another procedure, or what was stored for the caller under another role', async () => {
    const { hot, stored, seen, header } = await setup();
    await seen();
    stored('users.list', LIST, PAGE, 'admin');
    expect(hot.answer('users.list', header, LIST)).toBeUndefined();
    stored('users.list', LIST, PAGE);
    expect(hot.answer('users.list', header, restInputKey('/users?limit=21'))).toBeUndefined();
    expect(hot.answer('users.list', header, inputKey({ limit: 20 }))).toBeUndefined();
    expect(hot.answer('users.byId', header, LIST)).toBeUndefined();
  });

  it('leaves a procedure without readCache to itself, even with an entry under its name', async () => {
    const { hot, stored, seen, header } = await setup();
    await seen();
    stored('users.updateMe', '', { id: 7 });
    expect(hot.answer('users.updateMe', header, '')).toBeUndefined();
  });

  it('leaves a token it has not verified yet to the procedure (no signature check here)', async () => {
    const { authCache, hot, stored, header } = await setup();
    authCache.set(user(7), session(SID, 7), authCache.mark());
    stored('users.list', LIST, PAGE);
    expect(hot.answer('users.list', header, LIST)).toBeUndefined();
  });

  it('leaves a cache miss, an invalidated user or session, and another user’s session to the procedure', async () => {
    const { tokens, authCache, token, hot, stored, header } = await setup();
    await tokens.verifyAccessToken(token);
    stored('users.list', LIST, PAGE);
    expect(hot.answer('users.list', header, LIST)).toBeUndefined();
    authCache.set(user(8), session(SID, 8), authCache.mark());
    expect(hot.answer('users.list', header, LIST)).toBeUndefined();
    authCache.set(user(7), session(SID, 7), authCache.mark());
    stored('users.list', LIST, PAGE);
    expect(hot.answer('users.list', header, LIST)).toBeDefined();
    authCache.invalidate({ users: [7] });
    expect(hot.answer('users.list', header, LIST)).toBeUndefined();
    authCache.set(user(7), session(SID, 7), authCache.mark());
    stored('users.list', LIST, PAGE);
    authCache.invalidate({ sessions: ['another-session'] });
    // Any invalidation ends every stored answer: the list may show the account that changed.
    expect(hot.answer('users.list', header, LIST)).toBeUndefined();
  });

  it('leaves a session whose last use is due to be written, or that has expired, to the procedure', async () => {
    const { tokens, authCache, token, hot, stored, header } = await setup();
    await tokens.verifyAccessToken(token);
    authCache.set(user(7), session(SID, 7, new Date(now - 10 * 60_000)), authCache.mark());
    stored('users.list', LIST, PAGE);
    expect(hot.answer('users.list', header, LIST)).toBeUndefined();
    authCache.set(user(7), { ...session(SID, 7), expiresAt: new Date(now - 1) }, authCache.mark());
    stored('users.list', LIST, PAGE);
    expect(hot.answer('users.list', header, LIST)).toBeUndefined();
  });

  it('leaves an impersonation token, an API key and a missing or malformed header to the procedure', async () => {
    const { tokens, authCache, hot, stored, seen } = await setup();
    await seen();
    stored('users.list', LIST, PAGE);
    const acting = await tokens.issueAccessToken(7, SID, { actorId: 1 });
    await tokens.verifyAccessToken(acting);
    authCache.set(user(7), session(SID, 7), authCache.mark());
    stored('users.list', LIST, PAGE);
    for (const header of [
      `Bearer ${acting}`,
      'Bearer rst_0123456789abcdef0123456789abcdef',
      undefined,
      null,
      '',
      'Bearer',
      'Basic abc',
      'Bearer a b',
    ]) {
      expect(hot.answer('users.list', header, LIST)).toBeUndefined();
    }
  });
});
