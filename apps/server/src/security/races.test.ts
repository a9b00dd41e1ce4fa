import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qs, type AdminUser, type Page } from '../test/admin.js';
import { startAttackTarget, trpcCall, type AdminSession } from '../test/security.js';

// Races on uniqueness: 50 concurrent registrations of one email (and of spellings of it), and of one username,
// over REST and tRPC at once. Exactly one account results; the others are 409, never a 500.
//
// What counts as the same email (the service stores email trimmed, NFC-normalized and lower-cased):
//   same:      case (ADA@EXAMPLE.COM), surrounding spaces, NFC vs NFD (é vs e + U+0301), and characters NFC
//              maps to ASCII (the Kelvin sign U+212A is K).
//   distinct:  compatibility forms NFKC would fold (full-width ａｄａ, ligatures, superscripts), other scripts'
//              look-alikes (Cyrillic а), dots and plus-tags (a.da@, ada+x@): they are different mailboxes, and
//              registration never proves ownership of a mailbox anyway.
// Usernames are ASCII [A-Za-z0-9_.-] only and unique case-insensitively: any non-ASCII variant is a 422.

let target: AdminSession;

beforeAll(async () => {
  target = await startAttackTarget();
});
afterAll(() => target.server.close());

const PASSWORD = 'race-password-1';
const tag = () => randomBytes(3).toString('hex');

/** Fires every registration at once, alternating REST and tRPC; answers the HTTP statuses and codes. */
async function registerAll(bodies: Record<string, unknown>[]): Promise<{ status: number; code?: string }[]> {
  return Promise.all(
    bodies.map(async (json, i) => {
      if (i % 2 === 0) {
        const res = await target.req<{ code?: string }>('POST', '/auth/register', { json });
        return { status: res.status, code: res.body.code };
      }
      const res = await trpcCall<{ error?: { data: { code: string; httpStatus: number } } }>(
        target.server,
        'mutation',
        'auth.register',
        json,
      );
      return res.body.error
        ? { status: res.body.error.data.httpStatus, code: res.body.error.data.code }
        : { status: 201 };
    }),
  );
}

/** Accounts an admin finds for `q`. */
async function accountsMatching(q: string): Promise<AdminUser[]> {
  const res = await target.req<Page<AdminUser>>('GET', `/admin/users${qs({ q, limit: 100 })}`, {
    token: target.rootToken,
  });
  expect(res.status).toBe(200);
  return res.body.items;
}

function expectOneWinner(results: { status: number; code?: string }[], loserCode: string): void {
  expect(results.filter((r) => r.status >= 500)).toEqual([]);
  expect(results.filter((r) => r.status === 201)).toHaveLength(1);
  const losers = results.filter((r) => r.status !== 201);
  expect(
    losers.every((r) => r.status === 409 && r.code === loserCode),
    JSON.stringify(losers),
  ).toBe(true);
}

describe('one email, 50 concurrent registrations', () => {
  const SAME: [string, (local: string) => string][] = [
    ['identical', (l) => `${l}@example.com`],
    [
      'case variants',
      (l) =>
        [`${l}@example.com`, `${l.toUpperCase()}@EXAMPLE.COM`, `${l}@Example.Com`][
          Math.floor(Math.random() * 3)
        ]!,
    ],
    ['surrounding spaces', (l) => ` ${l}@example.com\t`],
    ['NFC and NFD', (l) => (Math.random() < 0.5 ? `${l}é@example.com` : `${l}e\u0301@example.com`)],
    ['the Kelvin sign for K', (l) => (Math.random() < 0.5 ? `k${l}@example.com` : `\u212A${l}@example.com`)],
  ];

  it.each(SAME)('%s: exactly one account, the others 409 USER_ALREADY_EXISTS', async (_name, spell) => {
    const local = `race${tag()}`;
    const bodies = Array.from({ length: 50 }, (_, i) => ({
      email: spell(local),
      username: `${local}_${i}`,
      password: PASSWORD,
    }));
    // Make sure every kind of spelling takes part.
    bodies[0]!.email = spell(local).normalize('NFC');
    bodies[1]!.email = spell(local).normalize('NFD').toUpperCase();
    expectOneWinner(await registerAll(bodies), 'USER_ALREADY_EXISTS');
    expect(await accountsMatching(local)).toHaveLength(1);
  });

  it('distinct spellings are distinct accounts: full-width, Cyrillic look-alike, plus-tag, dots', async () => {
    const local = `dist${tag()}`;
    const emails = [
      `${local}@example.com`,
      `${local.replace(/[a-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))}@example.com`,
      `${local.replace('d', 'ԁ')}@example.com`,
      `${local}+x@example.com`,
      `${local.slice(0, 2)}.${local.slice(2)}@example.com`,
    ];
    const results = await registerAll(
      emails.map((email, i) => ({ email, username: `${local}_${i}`, password: PASSWORD })),
    );
    expect(results.map((r) => r.status)).toEqual(emails.map(() => 201));
  });
});

describe('one username, 50 concurrent registrations', () => {
  it('case variants of one username: exactly one account, the others 409 USERNAME_TAKEN', async () => {
    const name = `Racer${tag()}`;
    const spellings = [name, name.toLowerCase(), name.toUpperCase()];
    const bodies = Array.from({ length: 50 }, (_, i) => ({
      email: `${name.toLowerCase()}_${i}@example.com`,
      username: spellings[i % 3]!,
      password: PASSWORD,
    }));
    expectOneWinner(await registerAll(bodies), 'USERNAME_TAKEN');
    expect(await accountsMatching(name)).toHaveLength(1);
  });

  it('non-ASCII look-alikes of a username are refused outright (422)', async () => {
    for (const username of ['ａｄｍｉｎ', 'аdmin', 'admin\u0301', 'admın', 'root\u200b']) {
      const res = await target.req('POST', '/auth/register', {
        json: { email: `lk${tag()}@example.com`, username, password: PASSWORD },
      });
      expect(res.status, username).toBe(422);
    }
  });

  it('50 concurrent profile updates claiming one username: exactly one wins', async () => {
    const name = `claim${tag()}`;
    const tokens = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const account = { email: `${name}_${i}@example.com`, username: `${name}_${i}`, password: PASSWORD };
        expect((await target.req('POST', '/auth/register', { json: account })).status).toBe(201);
        const login = await target.req<{ access_token: string }>('POST', '/auth/login', {
          json: { username: account.email, password: PASSWORD },
        });
        return login.body.access_token;
      }),
    );
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        target.req<{ code?: string }>('PATCH', '/users/me', {
          token: tokens[i % tokens.length],
          json: { username: i % 2 ? name.toUpperCase() : name },
        }),
      ),
    );
    expect(results.filter((r) => r.status >= 500)).toEqual([]);
    const winners = new Set(
      results.filter((r) => r.status === 200).map((r) => (r.body as unknown as { id: number }).id),
    );
    expect(winners.size).toBe(1);
    expect(results.filter((r) => r.status !== 200).every((r) => r.body.code === 'USERNAME_TAKEN')).toBe(true);
    expect((await accountsMatching(name)).filter((u) => u.username.toLowerCase() === name)).toHaveLength(1);
  });
});
