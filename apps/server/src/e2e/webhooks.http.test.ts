import { WEBHOOK_EVENT_TYPES, type DeliveryOut, type WebhookOut } from '@roster/api';
import { AuditEvent } from '@roster/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorBody, login, newAccount, register } from '../test/accounts.js';
import { ROOT, ROOT_ENV, sdk, tokenFor, type AdminUser } from '../test/admin.js';
import { until } from '../test/chaos.js';
import { http, type TestServer } from '../test/harness.js';
import { linkOf, startInbox, startMailingServer, type Inbox } from '../test/smtp.js';
import { startReceiver, verified, type Receiver, type ReceivedHook } from '../test/webhook-receiver.js';
import { USER_AGENT } from '../infra/webhook-sender.js';

// Webhooks end to end, on the leg's database: an admin registers a real receiver (an HTTP server in this
// process); every event type is caused through the API (MFA's through its audit action, as MFA will record it)
// and arrives signed, and the standardwebhooks verifier accepts each one with the secret shown at creation.

let inbox: Inbox;
let server: TestServer;
let receiver: Receiver;
let rootToken: string;
let hook: WebhookOut & { secret: string };

const req = <T = Record<string, unknown>>(
  method: string,
  path: string,
  opts: Parameters<typeof http>[3] = {},
) => http<T>(server.url, method, path, { token: rootToken, ...opts });

beforeAll(async () => {
  inbox = await startInbox();
  receiver = await startReceiver();
  server = await startMailingServer(inbox, {
    ...ROOT_ENV,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_POLL_MS: '200',
  });
  rootToken = await tokenFor(server, ROOT.email, ROOT.password);
  const created = await req<WebhookOut & { secret: string }>('POST', '/admin/webhooks', {
    json: { url: receiver.url, events: WEBHOOK_EVENT_TYPES, description: 'every event' },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  hook = created.body;
}, 60_000);
afterAll(async () => {
  await server?.close();
  await Promise.all([receiver?.close(), inbox?.close()]);
});

/** Records an MFA audit action in a transaction of the server's database, as the MFA feature will. */
async function recordMfa(action: 'mfa.enabled' | 'mfa.disabled', userId: number) {
  await server.running.db.orm.em.fork().transactional(async (em) => {
    em.create(AuditEvent, { action, actorId: userId, targetId: userId, details: { method: 'totp' } });
  });
}

const ofType = (type: string, userId: number) => (h: ReceivedHook) =>
  h.json.type === type && h.json.data.id === userId;

describe('every event type, signed', () => {
  it(
    'arrives at the receiver and verifies with the standardwebhooks verifier',
    { timeout: 60_000 },
    async () => {
      expect(hook.secret).toMatch(/^whsec_/);
      const account = newAccount('hooked');
      const { id } = await register(server, account);
      const token = (await login(server, account.email, account.password)).body.access_token;
      const as = { token };
      expect(
        (await http(server.url, 'PATCH', '/users/me', { ...as, json: { bio: 'hooked on' } })).status,
      ).toBe(200);
      expect((await http(server.url, 'POST', '/auth/verify/request', as)).status).toBe(202);
      const { token: link } = linkOf(await inbox.waitFor(account.email));
      expect((await http(server.url, 'POST', '/auth/verify', { json: { token: link } })).status).toBe(200);
      const password = { current_password: account.password, new_password: 'a brand new password' };
      expect(
        (await http(server.url, 'POST', '/auth/password/change', { ...as, json: password })).status,
      ).toBe(204);
      await recordMfa('mfa.enabled', id);
      await recordMfa('mfa.disabled', id);
      expect((await http(server.url, 'POST', '/auth/logout', as)).status).toBe(204);
      for (const json of [{ role: 'admin' }, { role: 'user', is_active: false }, { is_active: true }]) {
        expect((await req('PATCH', `/admin/users/${id}`, { json })).status).toBe(200);
      }
      expect((await req('DELETE', `/admin/users/${id}`)).status).toBe(204);

      for (const type of WEBHOOK_EVENT_TYPES) {
        const got = await receiver.waitFor(ofType(type, id), 15_000, type);
        const payload = verified(got, hook.secret) as ReceivedHook['json'];
        expect(payload.type, type).toBe(type);
        expect(Object.keys(payload)).toEqual(['type', 'timestamp', 'data']);
        expect(payload.data, type).toMatchObject({ id, username: account.username, email: account.email });
        expect(got.headers).toMatchObject({
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          'webhook-id': expect.stringMatching(/^msg_/),
          'webhook-timestamp': expect.stringMatching(/^\d+$/),
          'webhook-signature': expect.stringMatching(/^v1,[A-Za-z0-9+/=]+$/),
        });
        expect(Math.abs(Number(got.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
        expect(got.body).not.toMatch(/argon2|password_hash|access_token|refresh_token|whsec_/);
      }
      const by = (type: string) => receiver.received.find(ofType(type, id))!.json.data;
      expect(by('user.updated')).toMatchObject({ bio: 'hooked on', changes: { bio: [null, 'hooked on'] } });
      expect(by('user.role_changed')).toMatchObject({ changes: { role: ['user', 'admin'] } });
      expect(by('user.email_verified')).toMatchObject({ is_verified: true });
      expect(by('session.revoked')).toMatchObject({ reason: 'logout', session_ids: [expect.any(String)] });
      expect(by('mfa.enabled')).toMatchObject({ mfa: { method: 'totp' } });
      // A signature made with another secret, or over another body, is refused by the verifier.
      const any = receiver.received.find(ofType('user.created', id))!;
      expect(() => verified(any, 'whsec_' + Buffer.alloc(32, 7).toString('base64'))).toThrow();
      expect(() => verified({ ...any, body: any.body.replace('hooked', 'Hooked') }, hook.secret)).toThrow();
    },
  );

  it('lists each delivery with its attempts, status code, duration and no next attempt', async () => {
    const page = await req<{ items: DeliveryOut[] }>(
      'GET',
      `/admin/webhooks/${hook.id}/deliveries?limit=100`,
    );
    expect(page.status).toBe(200);
    const delivered = page.body.items.filter((d) => d.status === 'delivered');
    expect(delivered.length).toBeGreaterThanOrEqual(WEBHOOK_EVENT_TYPES.length);
    for (const d of delivered) {
      expect(d).toMatchObject({
        attempts: 1,
        last_status_code: 200,
        next_attempt_at: null,
        last_error: null,
      });
      expect(d.last_duration_ms).toBeGreaterThanOrEqual(0);
      expect(receiver.received.some((r) => r.headers['webhook-id'] === d.id)).toBe(true);
    }
  });
});

describe('/admin/webhooks over REST and tRPC', () => {
  it('creates (201, secret once), lists, reads, updates and deletes', async () => {
    const created = await req<WebhookOut & { secret: string }>('POST', '/admin/webhooks', {
      json: { url: receiver.url, events: ['user.deleted'] },
    });
    expect(created.status).toBe(201);
    const { id } = created.body;
    const listed = await req<WebhookOut[]>('GET', '/admin/webhooks');
    expect(listed.body.map((w) => w.id)).toContain(id);
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');
    expect((await req('GET', `/admin/webhooks/${id}`)).body).not.toHaveProperty('secret');
    const patched = await req<WebhookOut>('PATCH', `/admin/webhooks/${id}`, { json: { enabled: false } });
    expect(patched.body).toMatchObject({ enabled: false, disabled_reason: 'admin' });
    const test = await req('POST', `/admin/webhooks/${id}/test`);
    expect(test.status).toBe(409);
    expectErrorBody(test.body, 'WEBHOOK_DISABLED');
    expect((await req('DELETE', `/admin/webhooks/${id}`)).status).toBe(204);
    const gone = await req('GET', `/admin/webhooks/${id}`);
    expect(gone.status).toBe(404);
    expectErrorBody(gone.body, 'WEBHOOK_NOT_FOUND');
  });

  it('sends a test event (202) and rotates the secret through the SDK', async () => {
    const client = sdk(server, rootToken);
    const sent = await req<DeliveryOut>('POST', `/admin/webhooks/${hook.id}/test`);
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ event_type: 'webhook.test', status: 'pending' });
    const got = await receiver.waitFor((h) => h.headers['webhook-id'] === sent.body.id);
    expect(verified(got, hook.secret)).toMatchObject({ type: 'webhook.test', data: { webhook_id: hook.id } });
    const rotated = await client.admin.webhooks.rotateSecret.mutate({ id: hook.id });
    expect(rotated.secret).not.toBe(hook.secret);
    const again = await client.admin.webhooks.test.mutate({ id: hook.id });
    const signed = await receiver.waitFor((h) => h.headers['webhook-id'] === again.id);
    // Both secrets verify during the grace period: the receiver can switch whenever it likes.
    expect(signed.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(verified(signed, rotated.secret)).toMatchObject({ type: 'webhook.test' });
    expect(verified(signed, hook.secret)).toMatchObject({ type: 'webhook.test' });
    hook = { ...hook, secret: rotated.secret };
    await until('the test deliveries are recorded', async () => {
      const { items } = await client.admin.webhooks.deliveries.query({ id: hook.id, status: 'delivered' });
      return items.some((d) => d.id === again.id);
    });
  });

  it('is refused to users (403) and to anonymous callers (401)', async () => {
    const user = newAccount('nosy');
    await register(server, user);
    const token = (await login(server, user.email, user.password)).body.access_token;
    const asUser = await http(server.url, 'GET', '/admin/webhooks', { token });
    expect(asUser.status).toBe(403);
    expect((await http(server.url, 'POST', '/admin/webhooks', { json: { url: receiver.url } })).status).toBe(
      401,
    );
    const me = await req<AdminUser>('GET', '/auth/me');
    expect(me.body.role).toBe('admin');
  });
});
