import { describe, expect, it } from 'vitest';
import { AuthCache, type SessionSnapshot, type UserSnapshot } from './auth-cache.js';
import { createHotReads } from './hot-reads.js';
import { toUserOut } from './services/serialize.js';
import { TokenService } from './services/tokens.js';

// When the hot path answers GET /auth/me from memory, and when it leaves the request to the procedure.

const settings = {
  secret: 'hot-reads-test-secret-that-is-long-enough-0123',
  accessTokenTtlSeconds: 60,
  issuer: 'i',
  audience: 'a',
};
const SID = 'session-id-0123456789';
const now = Date.now();
const user = (id: number): UserSnapshot => ({
  id,
  email: `u${id}@example.com`,
  username: `u${id}`,
  fullName: 'U',
  bio: null,
  role: 'user',
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

async function setup() {
  const tokens = new TokenService(settings);
  const authCache = new AuthCache();
  const token = await tokens.issueAccessToken(7, SID);
  return { tokens, authCache, token, hot: createHotReads({ tokens, authCache }), header: `Bearer ${token}` };
}

describe("createHotReads()['auth.me']", () => {
  it('answers the procedure’s body for a verified token whose session and user are cached', async () => {
    const { tokens, authCache, token, hot, header } = await setup();
    await tokens.verifyAccessToken(token);
    authCache.set(user(7), session(SID, 7), authCache.mark());
    const answer = hot['auth.me']!(header);
    expect(answer?.userId).toBe(7);
    expect(JSON.parse(answer!.json)).toEqual(toUserOut(user(7)));
    expect(hot['auth.me']!(header)?.json).toBe(answer!.json); // serialized once per cache entry
  });

  it('leaves a token it has not verified yet to the procedure (no signature check here)', async () => {
    const { authCache, hot, header } = await setup();
    authCache.set(user(7), session(SID, 7), authCache.mark());
    expect(hot['auth.me']!(header)).toBeUndefined();
  });

  it('leaves a cache miss, an invalidated user or session, and another user’s session to the procedure', async () => {
    const { tokens, authCache, token, hot, header } = await setup();
    await tokens.verifyAccessToken(token);
    expect(hot['auth.me']!(header)).toBeUndefined();
    authCache.set(user(8), session(SID, 8), authCache.mark());
    expect(hot['auth.me']!(header)).toBeUndefined();
    authCache.set(user(7), session(SID, 7), authCache.mark());
    authCache.invalidate({ users: [7] });
    expect(hot['auth.me']!(header)).toBeUndefined();
    authCache.set(user(7), session(SID, 7), authCache.mark());
    authCache.invalidate({ sessions: [SID] });
    expect(hot['auth.me']!(header)).toBeUndefined();
  });

  it('leaves a session whose last use is due to be written, or that has expired, to the procedure', async () => {
    const { tokens, authCache, token, hot, header } = await setup();
    await tokens.verifyAccessToken(token);
    authCache.set(user(7), session(SID, 7, new Date(now - 10 * 60_000)), authCache.mark());
    expect(hot['auth.me']!(header)).toBeUndefined();
    authCache.set(user(7), { ...session(SID, 7), expiresAt: new Date(now - 1) }, authCache.mark());
    expect(hot['auth.me']!(header)).toBeUndefined();
  });

  it('leaves a missing or malformed Authorization header to the procedure', async () => {
    const { hot } = await setup();
    for (const header of [undefined, null, '', 'Bearer', 'Basic abc', 'Bearer a b']) {
      expect(hot['auth.me']!(header)).toBeUndefined();
    }
  });
});
