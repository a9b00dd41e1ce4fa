import { AuditEvent } from '@roster/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextInner } from '../context.js';
import { createCaller } from '../root.js';
import { encodeCursor } from './cursor.js';
import { auditRows, seedAuditEvents, seededAccount, walkPages } from '../test/admin.js';
import {
  createHarness,
  errorCodeOf,
  registered,
  PASSWORD,
  type Account,
  type Harness,
} from '../test/harness.js';
import { AuditService, diff, inTransaction } from './audit.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const stored = (id: number) => h.db.orm.em.fork().findOne(AuditEvent, { id });

// First: the log holds only the events this describe seeds while it runs.
describe('admin.audit (the log as admins read it)', () => {
  let boss: Account;
  const T0 = Date.parse('2025-06-01T12:00:00.000Z');
  const MIN = 60_000;
  let events: Awaited<ReturnType<typeof seedAuditEvents>>;
  beforeAll(async () => {
    boss = await seededAccount(h, 'boss');
    // 12 events, two to a minute (ties broken by id); actors 1/2 alternate, targets cycle 10/11/12.
    events = await seedAuditEvents(
      h,
      Array.from({ length: 12 }, (_, i) => ({
        at: new Date(T0 + Math.floor(i / 2) * MIN),
        actorId: (i % 2) + 1,
        targetId: 10 + (i % 3),
        action: i % 4 === 0 ? 'x.one' : 'x.two',
      })),
    );
  });
  const newestFirst = (rows: typeof events) =>
    [...rows].sort((a, b) => b.at.getTime() - a.at.getTime() || b.id - a.id).map((e) => e.id);
  const audit = (input: Parameters<ReturnType<Harness['caller']>['admin']['audit']>[0]) =>
    h.caller(boss.token).admin.audit(input);

  it('answers newest first in keyset pages, each event once', async () => {
    const { ids, pages } = await walkPages((cursor) => audit({ limit: 5, ...(cursor ? { cursor } : {}) }));
    expect(ids).toEqual(newestFirst(events));
    expect(pages.map((p) => p.items.length)).toEqual([5, 5, 2]);
    expect(pages[0]!.items[0]).toEqual({
      id: events[11]!.id,
      at: events[11]!.at.toISOString(),
      actor_id: 2,
      target_id: 12,
      action: 'x.two',
      ip: null,
      user_agent: null,
      details: null,
    });
    expect((await audit({})).next_cursor).toBeNull();
  });

  it('filters by actor, target, action, since (inclusive) and until (exclusive)', async () => {
    const pick = (f: (e: (typeof events)[number]) => boolean) => newestFirst(events.filter(f));
    const ids = async (input: Parameters<typeof audit>[0]) => (await audit(input)).items.map((e) => e.id);
    expect(await ids({ actor_id: 1 })).toEqual(pick((e) => e.actorId === 1));
    expect(await ids({ target_id: 12 })).toEqual(pick((e) => e.targetId === 12));
    expect(await ids({ action: 'x.one' })).toEqual(pick((e) => e.action === 'x.one'));
    const since = new Date(T0 + 2 * MIN).toISOString();
    const until = new Date(T0 + 4 * MIN).toISOString();
    expect(await ids({ since })).toEqual(pick((e) => e.at.getTime() >= T0 + 2 * MIN));
    expect(await ids({ until })).toEqual(pick((e) => e.at.getTime() < T0 + 4 * MIN));
    expect(await ids({ since, until, actor_id: 2, action: 'x.two' })).toEqual(
      pick((e) => e.at.getTime() >= T0 + 2 * MIN && e.at.getTime() < T0 + 4 * MIN && e.actorId === 2),
    );
    expect(await ids({ actor_id: 99 })).toEqual([]);
  });

  it('pages a filtered log', async () => {
    const { ids } = await walkPages((cursor) =>
      audit({ actor_id: 2, limit: 2, ...(cursor ? { cursor } : {}) }),
    );
    expect(ids).toEqual(newestFirst(events.filter((e) => e.actorId === 2)));
  });

  it('refuses bad cursors and input', async () => {
    expect(await errorCodeOf(audit({ cursor: 'garbage' }))).toBe('INVALID_CURSOR');
    const listCursor = encodeCursor({ sort: 'created_at:desc', value: null, id: 1 });
    expect(await errorCodeOf(audit({ cursor: listCursor }))).toBe('INVALID_CURSOR');
    for (const input of [
      { limit: 0 },
      { limit: 101 },
      { actor_id: 0 },
      { action: '' },
      { since: 'now' },
      { x: 1 },
    ]) {
      expect(await errorCodeOf(audit(input as never))).toBe('VALIDATION_ERROR');
    }
  });
});

describe('AuditService.record', () => {
  it('drops every detail whose key looks like a password, hash, token or secret', async () => {
    const em = h.db.orm.em.fork();
    const event = new AuditService(em, { ip: null, userAgent: null }).record('test.scrub', {
      actorId: 901,
      targetId: 902,
      details: {
        password: 'p',
        new_Password: 'p',
        passwordHash: 'h',
        HASH: 'h',
        access_token: 't',
        refreshToken: 't',
        client_secret: 's',
        SecretKey: 's',
        reason: 'kept',
        email: ['a@example.com', 'b@example.com'],
      },
    });
    await em.flush();
    expect(await stored(event.id)).toMatchObject({
      action: 'test.scrub',
      actorId: 901,
      targetId: 902,
      details: { reason: 'kept', email: ['a@example.com', 'b@example.com'] },
    });
    expect(Object.keys((await stored(event.id))!.details!).sort()).toEqual(['email', 'reason']);
  });

  it('truncates the ip to 64 and the user agent to 512 characters', async () => {
    const em = h.db.orm.em.fork();
    const audit = new AuditService(em, { ip: '1'.repeat(100), userAgent: 'u'.repeat(600) });
    const event = audit.record('test.long');
    await em.flush();
    const row = await stored(event.id);
    expect(row?.ip).toBe('1'.repeat(64));
    expect(row?.userAgent).toBe('u'.repeat(512));
    const short = new AuditService(em, { ip: '203.0.113.5', userAgent: 'curl/8' }).record('test.short');
    await em.flush();
    expect(await stored(short.id)).toMatchObject({ ip: '203.0.113.5', userAgent: 'curl/8' });
  });

  it('defaults to no actor, target, ip, agent or details, and writes through the EntityManager given', async () => {
    const own = h.db.orm.em.fork();
    const other = h.db.orm.em.fork();
    const event = new AuditService(own, { ip: null, userAgent: null }).record('test.bare', {}, other);
    await own.flush();
    expect(await auditRows(h, { action: 'test.bare' })).toEqual([]);
    await other.flush();
    expect(await stored(event.id)).toMatchObject({
      actorId: null,
      targetId: null,
      ip: null,
      userAgent: null,
      details: null,
    });
    const none = new AuditService(own, { ip: null, userAgent: null }).record('test.none', { details: null });
    await own.flush();
    expect((await stored(none.id))?.details).toBeNull();
  });
});

describe('diff', () => {
  it('lists only the fields whose value changed, as [before, after]', () => {
    const before = { email: 'a@x.io', bio: null as string | null, role: 'user', is_active: true };
    expect(diff(before, { email: 'a@x.io', role: 'user', is_active: true, bio: null })).toEqual({});
    expect(diff(before, { email: 'b@x.io', bio: 'hi', is_active: true })).toEqual({
      email: ['a@x.io', 'b@x.io'],
      bio: [null, 'hi'],
    });
    expect(
      diff<Record<string, unknown>>(
        { ...before, bio: 'x' },
        { bio: null, is_active: false, role: undefined },
      ),
    ).toEqual({
      bio: ['x', null],
      is_active: [true, false],
    });
    expect(diff(before, {})).toEqual({});
  });
});

describe('inTransaction', () => {
  it('commits what the work persisted and answers its result', async () => {
    const em = h.db.orm.em.fork();
    const audit = new AuditService(em, { ip: null, userAgent: null });
    const event = await inTransaction(em, async () => audit.record('test.committed'));
    expect(await stored(event.id)).toMatchObject({ action: 'test.committed' });
  });

  it('rolls back on error: an event flushed inside a failing transaction is not written', async () => {
    const em = h.db.orm.em.fork();
    const audit = new AuditService(em, { ip: null, userAgent: null });
    const boom = new Error('boom');
    let event: AuditEvent | undefined;
    const outcome = inTransaction(em, async () => {
      event = audit.record('test.rolled_back');
      await em.flush();
      expect(event.id).toBeGreaterThan(0);
      throw boom;
    });
    await expect(outcome).rejects.toBe(boom);
    expect(await stored(event!.id)).toBeNull();
    // The EntityManager is usable again afterwards, and a later commit does not bring the event back.
    const next = await inTransaction(em, async () => audit.record('test.after_rollback'));
    expect(await stored(next.id)).toMatchObject({ action: 'test.after_rollback' });
    expect(await auditRows(h, { action: 'test.rolled_back' })).toEqual([]);
  });
});

describe('auth events', () => {
  const request = (ip: string) =>
    createCaller(createContextInner({ deps: h.deps, ip, userAgent: `agent ${ip}` }));
  let id: number;
  beforeAll(async () => {
    id = registered(
      await request('192.0.2.1').auth.register({
        email: 'eve@example.com',
        username: 'eve',
        password: PASSWORD,
      }),
    ).id;
  });
  const lastEvent = async () => (await auditRows(h)).at(-1);

  it('writes user.registered on registration, never with the password', async () => {
    expect(await auditRows(h, { targetId: id })).toMatchObject([
      {
        action: 'user.registered',
        actorId: id,
        ip: '192.0.2.1',
        userAgent: 'agent 192.0.2.1',
        details: { role: 'user', is_active: true },
      },
    ]);
    expect(JSON.stringify(await auditRows(h))).not.toContain(PASSWORD);
  });

  it('writes auth.login_succeeded and sets last_login_at without bumping the version', async () => {
    const before = await h.row(id);
    expect(before).toMatchObject({ lastLoginAt: null, version: 1 });
    await request('192.0.2.2').auth.login({ username: 'eve', password: PASSWORD });
    const after = await h.row(id);
    expect(after?.lastLoginAt).toBeInstanceOf(Date);
    expect(after).toMatchObject({ version: 1 });
    expect(after!.updatedAt.getTime()).toBe(before!.updatedAt.getTime());
    expect(await lastEvent()).toMatchObject({
      action: 'auth.login_succeeded',
      actorId: id,
      targetId: id,
      ip: '192.0.2.2',
      details: null,
    });
  });

  it('writes auth.login_failed with the reason: unknown_account, bad_password, deactivated', async () => {
    expect(
      await errorCodeOf(request('192.0.2.3').auth.login({ username: 'nobody', password: PASSWORD })),
    ).toBe('INVALID_CREDENTIALS');
    expect(await lastEvent()).toMatchObject({
      action: 'auth.login_failed',
      actorId: null,
      targetId: null,
      ip: '192.0.2.3',
      details: { reason: 'unknown_account' },
    });
    expect(
      await errorCodeOf(request('192.0.2.4').auth.login({ username: 'eve', password: 'wrong one!' })),
    ).toBe('INVALID_CREDENTIALS');
    expect(await lastEvent()).toMatchObject({
      action: 'auth.login_failed',
      actorId: id,
      targetId: id,
      details: { reason: 'bad_password' },
    });
    await h.setColumns(id, { isActive: false });
    expect(await errorCodeOf(request('192.0.2.5').auth.login({ username: 'eve', password: PASSWORD }))).toBe(
      'ACCOUNT_DEACTIVATED',
    );
    expect(await lastEvent()).toMatchObject({
      action: 'auth.login_failed',
      actorId: id,
      targetId: id,
      ip: '192.0.2.5',
      details: { reason: 'deactivated' },
    });
    expect(JSON.stringify(await auditRows(h))).not.toContain('wrong one!');
  });
});
