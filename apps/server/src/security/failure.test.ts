import { closeSync, existsSync, fstatSync, openSync, writeSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAccount, registerAndLogin, type Session } from '../test/accounts.js';
import { expectNoLeak, startAttackTarget, trpcBatch, trpcCall, type AdminSession } from '../test/security.js';

// Failure hygiene: with the database gone from under a running server, every answer is a generic 500 (or 503)
// without SQL, stack or constraint names, /health still answers, and nothing secret reaches the log.
//   PostgreSQL: the database is dropped WITH (FORCE), which terminates the server's connections.
//   SQLite: the file is overwritten in place with garbage (unlinking or chmod does not stop an open handle).

let target: AdminSession;
let victim: Session;
const SECRET_PASSWORD = 'sup3r-secret-passw0rd-never-logged';

beforeAll(async () => {
  target = await startAttackTarget();
  victim = await registerAndLogin(target.server, 'victim', { password: SECRET_PASSWORD });
});
afterAll(() => target.server.close());

async function breakDatabase(): Promise<void> {
  const { database } = target.server;
  if (database.kind === 'postgresql') {
    // `drop database … with (force)`: terminates the server's connections (the harness drops it again on close).
    await database.drop();
    return;
  }
  const file = database.url.slice('sqlite:'.length);
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (!existsSync(path)) continue;
    const fd = openSync(path, 'r+');
    try {
      const garbage = Buffer.alloc(Math.max(fstatSync(fd).size, 64 * 1024), 0x5a);
      writeSync(fd, garbage, 0, garbage.length, 0);
    } finally {
      closeSync(fd);
    }
  }
}

const GENERIC = [
  { detail: 'Internal server error', code: 'INTERNAL_SERVER_ERROR' },
  { detail: 'Service unavailable', code: 'SERVICE_UNAVAILABLE' },
];

describe('with the database gone', () => {
  it('every route answers a generic 500/503, /health answers, and the log holds no secret', async () => {
    const hash = (
      await target.req<{ version: number }>('GET', `/admin/users/${victim.user.id}`, {
        token: target.rootToken,
      })
    ).body;
    expect(hash).toBeTruthy();
    await breakDatabase();
    // SQLite may serve a page from its cache once; the second round must see the damage.
    const attempts = async () => [
      await target.req('POST', '/auth/login', {
        form: { username: victim.account.email, password: SECRET_PASSWORD },
      }),
      await target.req('POST', '/auth/login', {
        json: { username: 'nobody@example.com', password: SECRET_PASSWORD },
      }),
      await target.req('POST', '/auth/register', { json: { ...newAccount('x'), password: SECRET_PASSWORD } }),
      await target.req('GET', '/auth/me', { token: victim.token }),
      await target.req('GET', '/users', { token: victim.token }),
      await target.req('PATCH', '/users/me', { token: victim.token, json: { bio: 'x' } }),
      await target.req('GET', '/admin/users?q=victim', { token: target.rootToken }),
      await target.req('GET', '/admin/stats', { token: target.rootToken }),
      await target.req('POST', `/admin/users/${victim.user.id}/password`, {
        token: target.rootToken,
        json: { password: SECRET_PASSWORD },
      }),
      await trpcCall(target.server, 'query', 'auth.me', undefined, victim.token),
      await trpcCall(target.server, 'mutation', 'auth.login', {
        username: victim.account.email,
        password: SECRET_PASSWORD,
      }),
      await trpcBatch(
        target.server,
        'query',
        [{ path: 'auth.me' }, { path: 'users.list', input: {} }],
        victim.token,
      ),
    ];
    await attempts();
    const results = await attempts();
    for (const res of results) {
      expectNoLeak(res.body);
      const errors = Array.isArray(res.body)
        ? (res.body as { error?: { data: unknown } }[]).map((e) => e.error?.data)
        : [(res.body as { error?: { data: unknown } }).error?.data ?? res.body];
      for (const data of errors) {
        const { detail, code } = data as { detail: string; code: string };
        expect(GENERIC, JSON.stringify(res.body)).toContainEqual({ detail, code });
      }
      expect([500, 503]).toContain(res.status === 207 ? 500 : res.status);
    }
    expect((await target.req('GET', '/health')).status).toBe(200);

    const log = target.server.rawLogs();
    expect(log).toContain('unexpected error');
    for (const secret of [SECRET_PASSWORD, victim.token, target.rootToken, '$argon2']) {
      expect(log.includes(secret), `log contains ${secret.slice(0, 12)}…`).toBe(false);
    }
    expect(log).not.toMatch(/insert into|update `?"?users|password_hash"? =/i);
  });
});
