import { AuditEvent, RefreshToken, Session, User, WebhookDelivery, WebhookEndpoint } from '@roster/db';
import argon2 from 'argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestCaller } from '../test/admin.js';
import { createHarness, PASSWORD, sessionIdOf, type Harness } from '../test/harness.js';
import { hashToken } from './secrets.js';

// A login's records — last_login_at, the session, its refresh token, the audit event, the session.created
// deliveries — are written by one transaction, committed before the answer: all of them or none.

let h: Harness;
let userId: number;
const EMAIL = 'lena@example.com';
beforeAll(async () => {
  h = await createHarness();
  userId = (await h.account('Lena', { email: EMAIL })).id;
});
afterAll(() => h.close());

const postgres = () => h.testDb.url.startsWith('postgres');
const sql = (text: string) => h.db.orm.em.fork().getConnection().execute(text);

/** What the database holds of the account's logins now. */
async function state() {
  const em = h.db.orm.em.fork();
  const sessions = await em.find(Session, { userId });
  const ids = sessions.map((s) => s.id);
  return {
    sessions: sessions.length,
    refreshTokens: await em.count(RefreshToken, { sessionId: { $in: ids } }),
    audits: await em.count(AuditEvent, { action: 'auth.login_succeeded', targetId: userId }),
    lastLoginAt: (await em.findOneOrFail(User, { id: userId })).lastLoginAt?.getTime() ?? null,
    deliveries: await em.count(WebhookDelivery, { eventType: 'session.created' }),
  };
}

/** Makes every insert into `table` fail (a trigger), for the length of `work`. */
async function refusingInserts(table: string, work: () => Promise<unknown>): Promise<void> {
  if (postgres()) {
    await sql(`create or replace function refuse_insert() returns trigger language plpgsql as $$
      begin raise exception 'refused by the test'; end $$`);
    await sql(
      `create trigger refuse_insert before insert on ${table} for each row execute function refuse_insert()`,
    );
  } else {
    await sql(
      `create trigger refuse_insert before insert on ${table} begin select raise(abort, 'refused'); end`,
    );
  }
  try {
    await work();
  } finally {
    await sql(postgres() ? `drop trigger refuse_insert on ${table}` : 'drop trigger refuse_insert');
  }
}

const login = (userAgent = 'records-test/1.0') =>
  requestCaller(h, { ip: '203.0.113.9', userAgent }).auth.login({ username: EMAIL, password: PASSWORD });

describe('a login’s records', () => {
  it('are all written, and usable by the very next request', async () => {
    const before = await state();
    const result = await login();
    const sid = sessionIdOf(result.access_token);
    const after = await state();
    expect(after).toMatchObject({
      sessions: before.sessions + 1,
      refreshTokens: before.refreshTokens + 1,
      audits: before.audits + 1,
    });
    expect(after.lastLoginAt).toBeGreaterThan(before.lastLoginAt ?? 0);
    // Another request (its own unit of work and connection) sees the session, and can refresh it.
    expect((await h.caller(result.access_token).auth.me()).id).toBe(userId);
    const em = h.db.orm.em.fork();
    const session = await em.findOneOrFail(Session, { id: sid });
    expect(session).toMatchObject({ userId, ip: '203.0.113.9', userAgent: 'records-test/1.0', amr: 'pwd' });
    expect(session.revokedAt).toBeNull();
    const link = await em.findOneOrFail(RefreshToken, { tokenHash: hashToken(result.refresh_token) });
    expect(link).toMatchObject({ sessionId: sid, spentAt: null });
    expect(link.expiresAt.getTime()).toBeLessThanOrEqual(session.expiresAt.getTime());
    const [audit] = await em.find(
      AuditEvent,
      { action: 'auth.login_succeeded' },
      { orderBy: { id: 'desc' } },
    );
    expect(audit).toMatchObject({
      actorId: userId,
      targetId: userId,
      ip: '203.0.113.9',
      userAgent: 'records-test/1.0',
      details: null,
    });
    const next = await h.caller().auth.refresh({ refresh_token: result.refresh_token });
    expect(sessionIdOf(next.access_token)).toBe(sid);
  });

  it('are none written when one of them fails (the audit event)', async () => {
    const before = await state();
    await refusingInserts('audit_events', async () => {
      await expect(login()).rejects.toThrow();
    });
    expect(await state()).toEqual(before);
    // And the next login writes them all.
    await login();
    expect((await state()).sessions).toBe(before.sessions + 1);
  });

  it('are none written when the refresh token fails', async () => {
    const before = await state();
    await refusingInserts('refresh_tokens', async () => {
      await expect(login()).rejects.toThrow();
    });
    expect(await state()).toEqual(before);
  });

  it('write session.created for the subscribed endpoints, in the same transaction', async () => {
    const em = h.db.orm.em.fork();
    const wanted = em.create(WebhookEndpoint, {
      url: 'http://127.0.0.1:9/hook',
      events: ['session.created'],
      secret: 'whsec_dGVzdA==',
      enabled: true,
    });
    const other = em.create(WebhookEndpoint, {
      url: 'http://127.0.0.1:9/other',
      events: ['user.created'],
      secret: 'whsec_dGVzdA==',
      enabled: true,
    });
    await em.flush();
    const woken: number[] = [];
    const stop = h.deps.webhooks.onQueued(() => woken.push(Date.now()));
    try {
      // A failing delivery takes the whole login with it.
      const before = await state();
      await refusingInserts('webhook_deliveries', async () => {
        await expect(login()).rejects.toThrow();
      });
      expect(await state()).toEqual(before);
      expect(woken).toHaveLength(0);

      const result = await login('hooked/2.0');
      expect(woken).toHaveLength(1);
      const rows = await h.db.orm.em.fork().find(WebhookDelivery, { eventType: 'session.created' });
      expect(rows.map((r) => r.endpointId)).toEqual([wanted.id]);
      expect(rows[0]).toMatchObject({ status: 'pending', attempts: 0 });
      expect(rows[0]!.id).toMatch(/^msg_[A-Za-z0-9_-]{22}$/);
      const payload = JSON.parse(rows[0]!.payload) as { type: string; data: Record<string, unknown> };
      const row = await h.row(userId);
      expect(payload).toMatchObject({
        type: 'session.created',
        data: {
          id: userId,
          email: EMAIL,
          last_login_at: row!.lastLoginAt!.toISOString(),
          version: row!.version,
          session: { id: sessionIdOf(result.access_token), ip: '203.0.113.9', user_agent: 'hooked/2.0' },
        },
      });
      expect(other.id).not.toBe(wanted.id);
    } finally {
      stop();
      await h.db.orm.em.fork().nativeDelete(WebhookEndpoint, {});
    }
  });

  it('re-hash a password made with other parameters in the same transaction', async () => {
    const weak = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 19456, timeCost: 3 });
    await h.setColumns(userId, { passwordHash: weak });
    const before = await state();
    await refusingInserts('sessions', async () => {
      await expect(login()).rejects.toThrow();
    });
    expect(await state()).toEqual(before);
    expect((await h.row(userId))!.passwordHash).toBe(weak);
    await login();
    expect((await h.row(userId))!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });
});
