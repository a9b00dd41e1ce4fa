import { RefreshToken, Session } from '@roster/db';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiDeps, type ApiDeps } from '../context.js';
import type { ApiEvent } from '../events.js';
import { auditRows } from '../test/admin.js';
import {
  createHarness,
  errorCodeOf,
  PASSWORD,
  sessionIdOf,
  servicesOf,
  sessionRows,
  TEST_SETTINGS,
  type Harness,
} from '../test/harness.js';
import { hashToken } from './secrets.js';

const events: ApiEvent[] = [];
let h: Harness;
beforeAll(async () => {
  h = await createHarness(TEST_SETTINGS, { events: { emit: (e) => events.push(e) } });
});
afterAll(() => h.close());

let seq = 0;
/** A new account and a first token pair from a real login. */
async function loggedIn(deps: ApiDeps = h.deps) {
  seq += 1;
  const email = `s${seq}@example.com`;
  await h.caller().auth.register({ email, username: `sess${seq}`, password: PASSWORD });
  const pair = await h.caller(null, deps).auth.login({ username: email, password: PASSWORD });
  return { email, ...pair, sid: sessionIdOf(pair.access_token) };
}

const refresh = (token: string, deps: ApiDeps = h.deps) =>
  h.caller(null, deps).auth.refresh({ refresh_token: token });

/** Moves a chain link's spent_at or expires_at (time travel by editing rows, not clocks). */
async function setLink(token: string, data: Partial<Pick<RefreshToken, 'spentAt' | 'expiresAt'>>) {
  const updated = await h.db.orm.em.fork().nativeUpdate(RefreshToken, { tokenHash: hashToken(token) }, data);
  expect(updated).toBe(1);
}

const ago = (seconds: number) => new Date(Date.now() - seconds * 1000);

describe('login', () => {
  it('opens a session and stores the refresh token only as its SHA-256', async () => {
    const before = Date.now();
    const a = await loggedIn();
    expect(a.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.refresh_expires_in).toBeGreaterThan(14 * 86_400 - 5);
    expect(a.refresh_expires_in).toBeLessThanOrEqual(14 * 86_400);
    const { session, chain } = await sessionRows(h, a.sid);
    expect(session).toMatchObject({ userId: a.user.id, revokedAt: null, revokedReason: null });
    const maxAge = session!.expiresAt.getTime() - session!.createdAt.getTime();
    expect(maxAge).toBe(30 * 86_400_000);
    expect(session!.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(chain).toHaveLength(1);
    expect(chain[0]).toMatchObject({ tokenHash: hashToken(a.refresh_token), spentAt: null });
    expect(chain[0]!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    // The plaintext is nowhere in the row.
    expect(JSON.stringify(chain[0])).not.toContain(a.refresh_token);
    const claims = decodeJwt(a.access_token);
    expect(claims.sid).toBe(a.sid);
    expect(claims.sub).toBe(String(a.user.id));
  });

  it('records the client ip and user agent on the session (truncated)', async () => {
    const a = await loggedIn();
    const ctx = servicesOf(h, { ip: '203.0.113.9', userAgent: `UA ${'x'.repeat(600)}` });
    const user = await ctx.users.getById(a.user.id);
    const started = await ctx.sessions.start(user);
    const { session } = await sessionRows(h, started.sessionId);
    expect(session!.ip).toBe('203.0.113.9');
    expect(session!.userAgent).toHaveLength(512);
  });

  it('gives every login its own session', async () => {
    const a = await loggedIn();
    const again = await h.caller().auth.login({ username: a.email, password: PASSWORD });
    expect(sessionIdOf(again.access_token)).not.toBe(a.sid);
    expect(again.refresh_token).not.toBe(a.refresh_token);
  });
});

describe('refresh', () => {
  it('rotates: the old token is spent, the new pair works, the session stays the same', async () => {
    const a = await loggedIn();
    events.length = 0;
    const next = await refresh(a.refresh_token);
    expect(next.refresh_token).not.toBe(a.refresh_token);
    expect(next.access_token).not.toBe(a.access_token);
    expect(next.user.id).toBe(a.user.id);
    expect(next.token_type).toBe('bearer');
    expect(sessionIdOf(next.access_token)).toBe(a.sid);
    expect((await h.caller(next.access_token).auth.me()).id).toBe(a.user.id);
    const { chain } = await sessionRows(h, a.sid);
    expect(chain).toHaveLength(2);
    expect(chain[0]!.spentAt).toBeInstanceOf(Date);
    expect(chain[1]).toMatchObject({ tokenHash: hashToken(next.refresh_token), spentAt: null });
    expect(events).toEqual([{ type: 'refresh', outcome: 'success' }]);
    // And the new one rotates in turn.
    const third = await refresh(next.refresh_token);
    expect((await h.caller(third.access_token).auth.me()).id).toBe(a.user.id);
  });

  it('updates last_used_at on every refresh', async () => {
    const a = await loggedIn();
    await h.db.orm.em.fork().nativeUpdate(Session, { id: a.sid }, { lastUsedAt: ago(3600) });
    await refresh(a.refresh_token);
    const { session } = await sessionRows(h, a.sid);
    expect(Date.now() - session!.lastUsedAt.getTime()).toBeLessThan(60_000);
  });

  it('refuses an unknown token as INVALID_REFRESH_TOKEN and an empty one as invalid input', async () => {
    events.length = 0;
    expect(await errorCodeOf(refresh('x'.repeat(43)))).toBe('INVALID_REFRESH_TOKEN');
    expect(events).toEqual([{ type: 'refresh', outcome: 'invalid' }]);
    expect(await errorCodeOf(refresh(''))).toBe('VALIDATION_ERROR');
  });

  it('within the grace window answers a spent token with the same new pair', async () => {
    const a = await loggedIn();
    const first = await refresh(a.refresh_token);
    events.length = 0;
    const second = await refresh(a.refresh_token);
    expect(second.refresh_token).toBe(first.refresh_token);
    // HS256 with the same iat and jti: the very same access token.
    expect(second.access_token).toBe(first.access_token);
    expect(Math.abs(second.refresh_expires_in - first.refresh_expires_in)).toBeLessThanOrEqual(1);
    expect(events).toEqual([{ type: 'refresh', outcome: 'grace' }]);
    const { session, chain } = await sessionRows(h, a.sid);
    expect(session!.revokedAt).toBeNull();
    expect(chain.filter((l) => l.spentAt === null)).toHaveLength(1);
    expect((await h.caller(second.access_token).auth.me()).id).toBe(a.user.id);
  });

  it('outside the grace window treats a spent token as reuse: the session ends and it is audited', async () => {
    const a = await loggedIn();
    const next = await refresh(a.refresh_token);
    await setLink(a.refresh_token, { spentAt: ago(11) });
    events.length = 0;
    expect(await errorCodeOf(refresh(a.refresh_token))).toBe('INVALID_REFRESH_TOKEN');
    expect(events).toEqual([{ type: 'refresh', outcome: 'reuse' }]);
    const { session } = await sessionRows(h, a.sid);
    expect(session).toMatchObject({ revokedReason: 'refresh_token_reuse' });
    expect(session!.revokedAt).toBeInstanceOf(Date);
    // Both the thief's and the owner's tokens are dead.
    expect(await errorCodeOf(h.caller(next.access_token).auth.me())).toBe('INVALID_TOKEN');
    expect(await errorCodeOf(h.caller(a.access_token).auth.me())).toBe('INVALID_TOKEN');
    expect(await errorCodeOf(refresh(next.refresh_token))).toBe('INVALID_REFRESH_TOKEN');
    const audit = await auditRows(h, { action: 'auth.refresh_token_reused', targetId: a.user.id });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toEqual({ session_id: a.sid });
    // Other sessions of the account are untouched.
    const other = await h.caller().auth.login({ username: a.email, password: PASSWORD });
    expect((await h.caller(other.access_token).auth.me()).id).toBe(a.user.id);
  });

  it('treats a spent token as reuse once its successor has been spent too, even within the grace window', async () => {
    const a = await loggedIn();
    const b = await refresh(a.refresh_token);
    await refresh(b.refresh_token);
    expect(await errorCodeOf(refresh(a.refresh_token))).toBe('INVALID_REFRESH_TOKEN');
    expect((await sessionRows(h, a.sid)).session!.revokedReason).toBe('refresh_token_reuse');
  });

  it('gives five concurrent refreshes of one token the same new token and keeps one live chain', async () => {
    const a = await loggedIn();
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        h.caller(null, h.deps, h.db.orm.em.fork()).auth.refresh({ refresh_token: a.refresh_token }),
      ),
    );
    const tokens = new Set(results.map((r) => r.refresh_token));
    expect(tokens.size).toBe(1);
    expect(new Set(results.map((r) => r.access_token)).size).toBe(1);
    const { session, chain } = await sessionRows(h, a.sid);
    expect(session!.revokedAt).toBeNull();
    expect(chain).toHaveLength(2);
    expect(chain.filter((l) => l.spentAt === null)).toEqual([
      expect.objectContaining({ tokenHash: hashToken(results[0]!.refresh_token) }),
    ]);
    const next = await refresh(results[0]!.refresh_token);
    expect((await h.caller(next.access_token).auth.me()).id).toBe(a.user.id);
  });

  it('refuses an expired refresh token without ending the session', async () => {
    const a = await loggedIn();
    await setLink(a.refresh_token, { expiresAt: ago(1) });
    events.length = 0;
    expect(await errorCodeOf(refresh(a.refresh_token))).toBe('INVALID_REFRESH_TOKEN');
    expect(events).toEqual([{ type: 'refresh', outcome: 'invalid' }]);
    const { session, chain } = await sessionRows(h, a.sid);
    expect(session!.revokedAt).toBeNull();
    expect(chain).toHaveLength(1);
    expect(chain[0]!.spentAt).toBeNull();
    expect((await h.caller(a.access_token).auth.me()).id).toBe(a.user.id);
  });

  it('refuses refresh for a deactivated account', async () => {
    const a = await loggedIn();
    await h.setColumns(a.user.id, { isActive: false });
    expect(await errorCodeOf(refresh(a.refresh_token))).toBe('INVALID_REFRESH_TOKEN');
    expect((await sessionRows(h, a.sid)).chain[0]!.spentAt).toBeNull();
  });
});

describe('the absolute session cap', () => {
  const capped = () =>
    createApiDeps(h.db.orm, {
      ...TEST_SETTINGS,
      sessions: { refreshTokenTtlSeconds: 3600, maxAgeSeconds: 600, reuseGraceSeconds: 10 },
    });

  it('never lets a refresh token outlive its session', async () => {
    const deps = capped();
    const a = await loggedIn(deps);
    expect(a.refresh_expires_in).toBeLessThanOrEqual(600);
    expect(a.refresh_expires_in).toBeGreaterThan(590);
    const { session, chain } = await sessionRows(h, a.sid);
    expect(chain[0]!.expiresAt.getTime()).toBe(session!.expiresAt.getTime());
    // Half-way through, a refresh gets only what is left of the session.
    await h.db.orm.em
      .fork()
      .nativeUpdate(Session, { id: a.sid }, { expiresAt: new Date(Date.now() + 300_000) });
    const next = await refresh(a.refresh_token, deps);
    expect(next.refresh_expires_in).toBeLessThanOrEqual(300);
    expect(next.refresh_expires_in).toBeGreaterThan(290);
  });

  it('with a long max age, a refresh token lives its own ttl', async () => {
    const deps = capped();
    const long = createApiDeps(h.db.orm, {
      ...deps.settings,
      sessions: { refreshTokenTtlSeconds: 120, maxAgeSeconds: 86_400, reuseGraceSeconds: 10 },
    });
    const a = await loggedIn(long);
    expect(a.refresh_expires_in).toBeLessThanOrEqual(120);
    expect(a.refresh_expires_in).toBeGreaterThan(110);
  });

  it('an expired session refuses refresh and its access tokens', async () => {
    const a = await loggedIn();
    await h.db.orm.em.fork().nativeUpdate(Session, { id: a.sid }, { expiresAt: ago(1) });
    expect(await errorCodeOf(refresh(a.refresh_token))).toBe('INVALID_REFRESH_TOKEN');
    expect(await errorCodeOf(h.caller(a.access_token).auth.me())).toBe('INVALID_TOKEN');
    expect((await sessionRows(h, a.sid)).chain[0]!.spentAt).toBeNull();
  });
});

describe('access tokens and their session', () => {
  it('touches last_used_at at most every few minutes', async () => {
    const a = await loggedIn();
    const { session: fresh } = await sessionRows(h, a.sid);
    await h.caller(a.access_token).auth.me();
    expect((await sessionRows(h, a.sid)).session!.lastUsedAt.getTime()).toBe(fresh!.lastUsedAt.getTime());
    const old = ago(600);
    await h.db.orm.em.fork().nativeUpdate(Session, { id: a.sid }, { lastUsedAt: old });
    h.deps.authCache.clear(); // an edit behind the API's back: the cached session would hide it for a few seconds
    await h.caller(a.access_token).auth.me();
    const touched = (await sessionRows(h, a.sid)).session!.lastUsedAt.getTime();
    expect(touched).toBeGreaterThan(old.getTime() + 60_000);
  });

  it('refuses a token whose sid names another user’s session', async () => {
    const a = await loggedIn();
    const b = await loggedIn();
    const forged = await h.deps.tokens.issueAccessToken(a.user.id, b.sid);
    expect(await errorCodeOf(h.caller(forged).auth.me())).toBe('INVALID_TOKEN');
    const unknown = await h.deps.tokens.issueAccessToken(a.user.id, 'no-such-session-0000');
    expect(await errorCodeOf(h.caller(unknown).auth.me())).toBe('INVALID_TOKEN');
  });

  it('a deleted account’s sessions and chains go with it', async () => {
    const a = await loggedIn();
    const em = h.db.orm.em.fork();
    await em.getConnection().execute('delete from users where id = ?', [a.user.id]);
    expect(await errorCodeOf(h.caller(a.access_token).auth.me())).toBe('INVALID_TOKEN');
    expect(await errorCodeOf(refresh(a.refresh_token))).toBe('INVALID_REFRESH_TOKEN');
  });
});
