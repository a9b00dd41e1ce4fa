import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, errorCodeOf, type Account, type Harness } from '../test/harness.js';

let h: Harness;
let admin: Account;
let ivan: Account;
let gina: Account;

beforeAll(async () => {
  h = await createHarness();
  admin = await h.account('Admin');
  ivan = await h.account('Ivan', { bio: 'First' });
  gina = await h.account('Gina');
  await h.setColumns(admin.id, { role: 'admin' });
});
afterAll(() => h.close());

/** Changes a column in SQL, behind the ORM and the API: nothing is invalidated, so only the database knows. */
async function behindTheCache(id: number, bio: string): Promise<void> {
  await h.db.orm.em.getConnection().execute('update users set bio = ? where id = ?', [bio, id]);
}

describe('users.byId and users.list through the read cache', () => {
  it('answers a repeated read from memory (a change the cache was not told of is not seen)', async () => {
    expect((await h.caller(gina.token).users.byId({ id: ivan.id })).bio).toBe('First');
    await behindTheCache(ivan.id, 'Unseen');
    expect((await h.caller(gina.token).users.byId({ id: ivan.id })).bio).toBe('First');
    // Another caller, or another input, reads the database.
    expect((await h.caller(admin.token).users.byId({ id: ivan.id })).bio).toBe('Unseen');
    expect(h.deps.reads.size).toBeGreaterThanOrEqual(2);
  });

  it('shows a profile change on the very next read', async () => {
    await h.caller(gina.token).users.byId({ id: ivan.id });
    await h.caller(gina.token).users.list({});
    await h.caller(ivan.token).users.updateMe({ bio: 'Second' });
    expect((await h.caller(gina.token).users.byId({ id: ivan.id })).bio).toBe('Second');
    const listed = await h.caller(gina.token).users.list({});
    expect(listed.find((u) => u.id === ivan.id)?.bio).toBe('Second');
  });

  it('lists a new account on the very next read', async () => {
    const before = await h.caller(gina.token).users.list({});
    const hana = await h.account('Hana');
    const after = await h.caller(gina.token).users.list({});
    expect(after.map((u) => u.id)).toEqual([hana.id, ...before.map((u) => u.id)]);
  });

  it('hides a deactivated account at once, and shows it again when reactivated', async () => {
    const ines = await h.account('Ines');
    expect((await h.caller(gina.token).users.byId({ id: ines.id })).id).toBe(ines.id);
    const { version } = await h.caller(admin.token).admin.getUser({ id: ines.id });
    await h
      .caller(admin.token)
      .admin.updateUser({ id: ines.id, is_active: false, expected_version: version });
    expect(await errorCodeOf(h.caller(gina.token).users.byId({ id: ines.id }))).toBe('USER_NOT_FOUND');
    expect((await h.caller(gina.token).users.list({})).some((u) => u.id === ines.id)).toBe(false);
    // Admins still see it, as the full record.
    expect(await h.caller(admin.token).users.byId({ id: ines.id })).toMatchObject({ is_active: false });
  });

  it('answers each caller as that caller may see: the full record to its owner and admins only', async () => {
    const asGina = await h.caller(gina.token).users.byId({ id: ivan.id });
    const asAdmin = await h.caller(admin.token).users.byId({ id: ivan.id });
    expect(asGina).not.toHaveProperty('email');
    expect(asAdmin).toHaveProperty('email', ivan.email);
    // The same again, from memory.
    expect(await h.caller(gina.token).users.byId({ id: ivan.id })).toEqual(asGina);
    expect(await h.caller(admin.token).users.byId({ id: ivan.id })).toEqual(asAdmin);
  });

  it('still refuses a revoked session on the very next call, though its answer is stored', async () => {
    const jo = await h.account('Joan');
    await h.caller(jo.token).users.byId({ id: ivan.id });
    await h.caller(jo.token).users.byId({ id: ivan.id });
    await h.caller(jo.token).auth.logout();
    expect(await errorCodeOf(h.caller(jo.token).users.byId({ id: ivan.id }))).toBe('INVALID_TOKEN');
  });

  it('reads once for a burst of the same call (as an SDK batch or several tabs send it) and answers them all', async () => {
    const kit = await h.account('Kit');
    const burst = await Promise.all(Array.from({ length: 6 }, () => h.caller(kit.token).users.list({})));
    // One read ran; the others waited for it and were answered what it stored: the very same answer.
    expect(new Set(burst).size).toBe(1);
    expect(burst[0]!.some((u) => u.id === kit.id)).toBe(true);
    // A change is still seen by the next burst.
    await h.caller(kit.token).users.updateMe({ bio: 'After' });
    const next = await Promise.all(Array.from({ length: 3 }, () => h.caller(kit.token).users.list({})));
    expect(next[0]!.find((u) => u.id === kit.id)?.bio).toBe('After');
    expect(new Set(next).size).toBe(1);
  });

  it('follows a demotion: a former admin gets public profiles on the next read', async () => {
    const kim = await h.account('Kim');
    await h.setColumns(kim.id, { role: 'admin' });
    expect(await h.caller(kim.token).users.byId({ id: ivan.id })).toHaveProperty('email');
    await h.setColumns(kim.id, { role: 'user' });
    expect(await h.caller(kim.token).users.byId({ id: ivan.id })).not.toHaveProperty('email');
  });
});
