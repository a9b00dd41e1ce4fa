import { AuditEvent, User, WebhookDelivery, WebhookEndpoint } from '@roster/db';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../schemas/webhooks.js';
import { seededAccount, tokenFor } from '../test/admin.js';
import {
  createHarness,
  errorCodeOf,
  Inbox,
  PASSWORD,
  servicesOf,
  type Account,
  type Harness,
} from '../test/harness.js';
import { inTransaction } from './audit.js';
import { AUDITED_EVENT_ACTIONS } from './webhook-events.js';
import { webhookOutbox } from './webhook-outbox.js';

// The transactional outbox: every webhook event is written as deliveries by the transaction of the change it
// announces, with the account's admin view as that transaction leaves it, and not at all when it rolls back.

let h: Harness;
let boss: Account;
const inbox = new Inbox();
const ADMIN_KEYS = [
  'id',
  'email',
  'username',
  'full_name',
  'bio',
  'role',
  'is_superuser',
  'is_active',
  'is_verified',
  'created_at',
  'updated_at',
  'last_login_at',
  'version',
];

interface Payload {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

async function endpoint(events: readonly string[] = WEBHOOK_EVENT_TYPES, enabled = true) {
  const em = h.db.orm.em.fork();
  const row = em.create(WebhookEndpoint, {
    url: 'http://127.0.0.1:9/hook',
    events: [...events],
    secret: 'whsec_dGVzdA==',
    enabled,
  });
  await em.flush();
  return row;
}

async function deliveries(where: Partial<Pick<WebhookDelivery, 'endpointId' | 'eventType'>> = {}) {
  const rows = await h.db.orm.em.fork().find(WebhookDelivery, where, { orderBy: { createdAt: 'asc' } });
  return rows.map((row) => ({ row, payload: JSON.parse(row.payload) as Payload }));
}

async function clear() {
  const em = h.db.orm.em.fork();
  await em.nativeDelete(WebhookDelivery, {});
  await em.nativeDelete(WebhookEndpoint, {});
}

beforeAll(async () => {
  h = await createHarness(undefined, { mailer: inbox });
  boss = await seededAccount(h, 'boss');
});
afterAll(() => h.close());
beforeEach(clear);

describe('the outbox', () => {
  it('writes every event type, each with the admin view of the account and what the event adds', async () => {
    const all = await endpoint();
    const user = h.caller();
    const registered = await user.auth.register({
      email: 'ev@example.com',
      username: 'evan',
      password: PASSWORD,
    });
    const id = (registered as { id: number }).id;
    const login = await user.auth.login({ username: 'evan', password: PASSWORD });
    const me = h.caller(login.access_token);
    await me.users.patchMe({ bio: 'new bio' });
    await me.auth.requestVerification();
    await h.caller().auth.verifyEmail({ token: inbox.tokenFor('ev@example.com') });
    await h.caller(login.access_token).auth.changePassword({
      current_password: PASSWORD,
      new_password: 'another password 1',
    });
    const boss_ = h.caller(boss.token).admin;
    await boss_.updateUser({ id, role: 'admin' });
    await boss_.updateUser({ id, is_active: false });
    await boss_.updateUser({ id, is_active: true });
    const mfa = servicesOf(h);
    for (const action of ['mfa.enabled', 'mfa.disabled']) {
      await inTransaction(mfa.em, async () => {
        mfa.audit.record(action, { actorId: id, targetId: id, details: { method: 'totp' } });
        await mfa.em.flush();
      });
    }
    await boss_.revokeUserSessions({ id });
    await boss_.deleteUser({ id });

    const sent = await deliveries({ endpointId: all.id });
    const types = new Set(sent.map((d) => d.payload.type));
    expect([...types].sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());
    for (const { row, payload } of sent) {
      expect(row).toMatchObject({ status: 'pending', attempts: 0, eventType: payload.type });
      expect(row.id).toMatch(/^msg_[A-Za-z0-9_-]{22}$/);
      expect(Object.keys(payload)).toEqual(['type', 'timestamp', 'data']);
      expect(new Date(payload.timestamp).toISOString()).toBe(payload.timestamp);
      expect(payload.data).toMatchObject({ id, username: 'evan' });
      for (const key of ADMIN_KEYS) expect(payload.data, `${payload.type} ${key}`).toHaveProperty(key);
      expect(row.payload).not.toMatch(/password_hash|passwordHash|\$argon2|token|secret/i);
    }
    const one = (type: WebhookEventType) => sent.find((d) => d.payload.type === type)!.payload.data;
    expect(one('user.created')).toMatchObject({ actor_id: id, version: 1, role: 'user' });
    expect(one('user.updated')).toMatchObject({ bio: 'new bio', changes: { bio: [null, 'new bio'] } });
    expect(one('user.email_verified')).toMatchObject({ is_verified: true });
    expect(one('user.password_changed')).toMatchObject({ reason: 'changed', actor_id: id });
    expect(one('user.role_changed')).toMatchObject({ role: 'admin', changes: { role: ['user', 'admin'] } });
    expect(one('user.deactivated')).toMatchObject({ is_active: false, actor_id: boss.id });
    expect(one('user.reactivated')).toMatchObject({ is_active: true });
    expect(one('mfa.enabled')).toMatchObject({ mfa: { method: 'totp' } });
    expect(one('session.created')).toMatchObject({
      session: { id: expect.any(String), created_at: expect.any(String), expires_at: expect.any(String) },
      last_login_at: expect.any(String),
    });
    expect(one('user.deleted')).toMatchObject({ id, email: 'ev@example.com', actor_id: boss.id });
    const revoked = sent.filter((d) => d.payload.type === 'session.revoked').map((d) => d.payload.data);
    // The password change kept the only session (the caller's); the deactivation ended it.
    expect(revoked.map((r) => r.reason)).toEqual(['deactivated']);
    expect(revoked[0]?.session_ids).toEqual([(one('session.created').session as { id: string }).id]);
    expect(await h.row(id)).toBeNull();
  });

  it('maps the audit actions it documents, and nothing else', () => {
    expect(new Set(Object.values(AUDITED_EVENT_ACTIONS))).toEqual(
      new Set(WEBHOOK_EVENT_TYPES.filter((t) => !t.startsWith('session.'))),
    );
    expect(AUDITED_EVENT_ACTIONS['auth.login_succeeded']).toBeUndefined();
  });

  it('shows the account as the transaction leaves it (version bumped in SQL included)', async () => {
    await endpoint(['user.password_changed', 'user.updated']);
    const account = await h.account('vera');
    const before = (await h.row(account.id))!.version;
    await h.caller(account.token).auth.changePassword({
      current_password: PASSWORD,
      new_password: 'another password 2',
    });
    const [changed] = await deliveries({ eventType: 'user.password_changed' });
    expect(changed?.payload.data).toMatchObject({ id: account.id, version: before + 1 });
  });

  it('writes session.revoked for a logout, naming the session', async () => {
    await endpoint(['session.revoked', 'session.created']);
    const account = await h.account('lou');
    const [created] = await deliveries({ eventType: 'session.created' });
    await h.caller(account.token).auth.logout();
    const [revoked] = await deliveries({ eventType: 'session.revoked' });
    const sessionId = (created!.payload.data.session as { id: string }).id;
    expect(revoked?.payload.data).toMatchObject({
      id: account.id,
      session_ids: [sessionId],
      reason: 'logout',
    });
    // Nothing left to revoke: no event.
    await servicesOf(h).sessions.revokeAll(account.id, 'logout_all');
    expect(await deliveries({ eventType: 'session.revoked' })).toHaveLength(1);
  });

  it('writes nothing when the change rolls back', async () => {
    await endpoint();
    const target = await h.account('rolly');
    const stale = h.caller(boss.token).admin.updateUser({ id: target.id, bio: 'lost', expected_version: 99 });
    expect(await errorCodeOf(stale)).toBe('VERSION_CONFLICT');
    const ctx = servicesOf(h);
    await expect(
      inTransaction(ctx.em, async () => {
        ctx.audit.record('user.updated', {
          actorId: target.id,
          targetId: target.id,
          details: { bio: [1, 2] },
        });
        await ctx.em.flush();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await deliveries({ eventType: 'user.updated' })).toEqual([]);
    expect(await h.db.orm.em.fork().count(AuditEvent, { action: 'user.updated', targetId: target.id })).toBe(
      0,
    );
  });

  it('writes for subscribed, enabled endpoints only, one delivery each', async () => {
    const created = await endpoint(['user.created']);
    const also = await endpoint(['user.created', 'user.deleted']);
    const other = await endpoint(['user.deleted']);
    const off = await endpoint(['user.created'], false);
    await h.account('sub');
    const rows = await deliveries({ eventType: 'user.created' });
    expect(rows.map((d) => d.row.endpointId).sort()).toEqual([created.id, also.id].sort());
    expect(rows[0]!.row.id).not.toBe(rows[1]!.row.id);
    expect(rows[0]!.row.payload).toBe(rows[1]!.row.payload);
    expect(await deliveries({ endpointId: other.id })).toEqual([]);
    expect(await deliveries({ endpointId: off.id })).toEqual([]);
  });

  it('writes nothing at all while no endpoint exists', async () => {
    await h.account('quiet');
    expect(await deliveries()).toEqual([]);
  });

  it('tells its listeners after a commit that wrote deliveries, only then', async () => {
    const outbox = webhookOutbox(h.db.orm);
    expect(h.deps.webhooks).toBe(outbox);
    let woken = 0;
    const stop = outbox.onQueued(() => (woken += 1));
    try {
      await h.account('nobody-listens');
      expect(woken).toBe(0);
      await endpoint(['user.created']);
      await h.account('someone-listens');
      expect(woken).toBe(1);
    } finally {
      stop();
    }
  });

  it('writes an event recorded inside a savepoint when its top-level transaction commits', async () => {
    await endpoint(['mfa.enabled', 'user.updated']);
    const account = await h.account('nested');
    const ctx = servicesOf(h);
    await inTransaction(ctx.em, async () => {
      await ctx.em.transactional(async (em) => {
        ctx.audit.record('mfa.enabled', { actorId: account.id, targetId: account.id }, em);
        ctx.audit.record('user.updated', { actorId: account.id, targetId: account.id }, em);
      });
    });
    const rows = await deliveries();
    expect(rows.map((d) => d.payload.data)).toEqual([
      expect.objectContaining({ id: account.id, mfa: {} }),
      expect.objectContaining({ id: account.id, changes: {} }),
    ]);
  });

  it('takes a session started outside a transaction into one of its own', async () => {
    await endpoint(['session.created']);
    const [user] = await h.db.orm.em.fork().find(User, { username: 'boss' });
    await tokenFor(h, user!.id);
    expect(await deliveries({ eventType: 'session.created' })).toHaveLength(1);
  });
});
