import { WebhookDelivery, WebhookEndpoint } from '@roster/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRows, seededAccount } from '../test/admin.js';
import { createHarness, errorCodeOf, TEST_SETTINGS, type Account, type Harness } from '../test/harness.js';

// admin.webhooks.*: endpoints (secret shown once, SSRF refused), test events, deliveries and retries.

let h: Harness;
let boss: Account;
let pleb: Account;
const hooks = () => h.caller(boss.token).admin.webhooks;
const PUBLIC_URL = 'http://93.184.215.14/hook';
const WEBHOOK_KEYS = [
  'created_at',
  'description',
  'disabled_at',
  'disabled_reason',
  'enabled',
  'events',
  'id',
  'previous_secret_expires_at',
  'updated_at',
  'url',
];

beforeAll(async () => {
  h = await createHarness();
  boss = await seededAccount(h, 'boss');
  pleb = await seededAccount(h, 'pleb', 'user');
});
afterAll(() => h.close());

const stored = (id: number) =>
  h.db.orm.em.fork().findOneOrFail(WebhookEndpoint, { id }, { populate: ['secret', 'previousSecret'] });

describe('admin.webhooks endpoints', () => {
  it('creates an endpoint and shows its secret once; lists and reads never show it', async () => {
    const created = await hooks().create({ url: PUBLIC_URL, events: ['user.created'], description: 'CRM' });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(created.secret.slice(6), 'base64')).toHaveLength(32);
    expect(created).toMatchObject({
      url: PUBLIC_URL,
      events: ['user.created'],
      description: 'CRM',
      enabled: true,
      disabled_reason: null,
    });
    expect((await stored(created.id)).secret).toBe(created.secret);
    const listed = await hooks().list();
    expect(listed.map((w) => w.id)).toContain(created.id);
    for (const w of listed) expect(Object.keys(w).sort()).toEqual(WEBHOOK_KEYS);
    expect(Object.keys(await hooks().get({ id: created.id })).sort()).toEqual(WEBHOOK_KEYS);
    const [audit] = await auditRows(h, { action: 'admin.webhook_created' });
    expect(audit).toMatchObject({
      actorId: boss.id,
      details: { webhook_id: created.id, host: '93.184.215.14' },
    });
    expect(JSON.stringify(await auditRows(h))).not.toContain(created.secret);
  });

  it.each([
    'http://127.0.0.1:9000/hook',
    'http://localhost/hook',
    'http://10.0.0.8/',
    'http://192.168.0.10/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]:8080/',
    'http://[fe80::1]/',
  ])('refuses %s (422 WEBHOOK_URL_NOT_ALLOWED), at creation and on update', async (url) => {
    expect(await errorCodeOf(hooks().create({ url, events: ['user.created'] }))).toBe(
      'WEBHOOK_URL_NOT_ALLOWED',
    );
    const { id } = await hooks().create({ url: PUBLIC_URL, events: ['user.created'] });
    expect(await errorCodeOf(hooks().update({ id, url }))).toBe('WEBHOOK_URL_NOT_ALLOWED');
    expect((await stored(id)).url).toBe(PUBLIC_URL);
  });

  it('accepts private URLs when the settings allow them', async () => {
    const open = await createHarness({ ...TEST_SETTINGS, webhooks: { allowPrivate: true } });
    try {
      const admin = await seededAccount(open, 'root');
      const created = await open
        .caller(admin.token)
        .admin.webhooks.create({ url: 'http://127.0.0.1:9/hook', events: ['user.created'] });
      expect(created.url).toBe('http://127.0.0.1:9/hook');
    } finally {
      await open.close();
    }
  });

  it('refuses bad input: other schemes, unknown or repeated events, none at all', async () => {
    for (const input of [
      { url: 'ftp://93.184.215.14/', events: ['user.created'] },
      { url: PUBLIC_URL, events: [] },
      { url: PUBLIC_URL, events: ['user.exploded'] },
      { url: PUBLIC_URL, events: ['user.created', 'user.created'] },
      { url: PUBLIC_URL, events: ['user.created'], secret: 'whsec_mine' },
    ]) {
      expect(await errorCodeOf(hooks().create(input as never)), JSON.stringify(input)).toBe(
        'VALIDATION_ERROR',
      );
    }
  });

  it('is for admins only', async () => {
    const user = h.caller(pleb.token).admin.webhooks;
    expect(await errorCodeOf(user.list())).toBe('FORBIDDEN');
    expect(await errorCodeOf(user.create({ url: PUBLIC_URL, events: ['user.created'] }))).toBe('FORBIDDEN');
    expect(await errorCodeOf(h.caller().admin.webhooks.list())).toBe('NOT_AUTHENTICATED');
  });

  it('updates events, description and enabled; disabling says who did', async () => {
    const { id } = await hooks().create({ url: PUBLIC_URL, events: ['user.created'] });
    const moved = await hooks().update({ id, url: 'https://93.184.215.14/new' });
    expect(moved.url).toBe('https://93.184.215.14/new');
    const updated = await hooks().update({
      id,
      events: ['user.deleted', 'session.created'],
      description: 'x',
    });
    expect(updated).toMatchObject({ events: ['user.deleted', 'session.created'], description: 'x' });
    const off = await hooks().update({ id, enabled: false });
    expect(off).toMatchObject({ enabled: false, disabled_reason: 'admin', disabled_at: expect.any(String) });
    expect(await errorCodeOf(hooks().test({ id }))).toBe('WEBHOOK_DISABLED');
    expect(await hooks().update({ id, enabled: true })).toMatchObject({
      enabled: true,
      disabled_reason: null,
    });
    expect(await errorCodeOf(hooks().update({ id: 987_654, enabled: true }))).toBe('WEBHOOK_NOT_FOUND');
    const audit = await auditRows(h, { action: 'admin.webhook_updated' });
    expect(audit.at(-1)?.details).toMatchObject({ webhook_id: id, changed: ['enabled'], enabled: true });
  });

  it('rotates the secret, keeping the old one for the grace period', async () => {
    const created = await hooks().create({ url: PUBLIC_URL, events: ['user.created'] });
    const rotated = await hooks().rotateSecret({ id: created.id });
    expect(rotated.secret).not.toBe(created.secret);
    expect(Date.parse(rotated.previous_secret_expires_at!) - Date.now()).toBeGreaterThan(86_000_000);
    expect(await stored(created.id)).toMatchObject({
      secret: rotated.secret,
      previousSecret: created.secret,
    });
    const now = await hooks().rotateSecret({ id: created.id, grace_seconds: 0 });
    expect(now.previous_secret_expires_at).toBeNull();
    expect(await stored(created.id)).toMatchObject({ secret: now.secret, previousSecret: null });
    expect(await errorCodeOf(hooks().rotateSecret({ id: 987_654 }))).toBe('WEBHOOK_NOT_FOUND');
    expect(JSON.stringify(await auditRows(h))).not.toContain(now.secret);
  });

  it('deletes an endpoint with its deliveries', async () => {
    const { id } = await hooks().create({ url: PUBLIC_URL, events: ['user.created'] });
    await hooks().test({ id });
    expect(await hooks().delete({ id })).toBeUndefined();
    expect(await errorCodeOf(hooks().get({ id }))).toBe('WEBHOOK_NOT_FOUND');
    expect(await errorCodeOf(hooks().delete({ id }))).toBe('WEBHOOK_NOT_FOUND');
    expect(await h.db.orm.em.fork().count(WebhookDelivery, { endpointId: id })).toBe(0);
  });
});

describe('admin.webhooks deliveries', () => {
  it('queues a test event whatever the subscription, and pages through deliveries newest first', async () => {
    const { id } = await hooks().create({ url: PUBLIC_URL, events: ['user.deleted'] });
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push(await hooks().test({ id }));
    expect(sent[0]).toMatchObject({
      webhook_id: id,
      event_type: 'webhook.test',
      status: 'pending',
      attempts: 0,
      payload: { type: 'webhook.test', data: { webhook_id: id, requested_by: boss.id } },
    });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await hooks().deliveries({ id, limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((d) => d.id));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(sent.map((d) => d.id).reverse());
    expect((await hooks().deliveries({ id, status: 'delivered' })).items).toEqual([]);
    expect(await errorCodeOf(hooks().deliveries({ id, cursor: 'nonsense' }))).toBe('INVALID_CURSOR');
    expect(await errorCodeOf(hooks().deliveries({ id: 987_654 }))).toBe('WEBHOOK_NOT_FOUND');
  });

  it('retries a delivery with the same id: afresh when finished, refused while in flight', async () => {
    const { id } = await hooks().create({ url: PUBLIC_URL, events: ['user.created'] });
    const other = await hooks().create({ url: PUBLIC_URL, events: ['user.created'] });
    const delivery = await hooks().test({ id });
    const em = h.db.orm.em.fork();
    await em.nativeUpdate(
      WebhookDelivery,
      { id: delivery.id },
      { status: 'failed', attempts: 10, nextAttemptAt: null, lastStatusCode: 500 },
    );
    const retried = await hooks().retry({ id, delivery_id: delivery.id });
    expect(retried).toMatchObject({ id: delivery.id, status: 'pending', attempts: 0, last_status_code: 500 });
    await em.nativeUpdate(
      WebhookDelivery,
      { id: delivery.id },
      { attempts: 1, leaseUntil: new Date(Date.now() + 60_000) },
    );
    expect(await errorCodeOf(hooks().retry({ id, delivery_id: delivery.id }))).toBe(
      'WEBHOOK_DELIVERY_IN_FLIGHT',
    );
    expect(await errorCodeOf(hooks().retry({ id: other.id, delivery_id: delivery.id }))).toBe(
      'WEBHOOK_DELIVERY_NOT_FOUND',
    );
    expect(await errorCodeOf(hooks().retry({ id, delivery_id: 'msg_AAAAAAAAAAAAAAAAAAAAAA' }))).toBe(
      'WEBHOOK_DELIVERY_NOT_FOUND',
    );
    expect(await errorCodeOf(hooks().retry({ id, delivery_id: 'not-a-delivery' }))).toBe('VALIDATION_ERROR');
    await hooks().update({ id, enabled: false });
    expect(await errorCodeOf(hooks().retry({ id, delivery_id: delivery.id }))).toBe('WEBHOOK_DISABLED');
    expect(await auditRows(h, { action: 'admin.webhook_delivery_retried' })).toHaveLength(1);
  });
});
