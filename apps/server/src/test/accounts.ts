import { randomBytes } from 'node:crypto';
import type { UserOut } from '@roster/api';
import type { EntityManager } from '@mikro-orm/core';
import { ActionToken, closeDatabase, openDatabase, User } from '@roster/db';
import { expect } from 'vitest';
import { http, type JsonResponse, type TestServer } from './harness.js';

/** `http` bound to one server: `api(server)('GET', '/auth/me', { token })`. */
export function api(server: TestServer) {
  return <T = Record<string, unknown>>(
    ...args: Parameters<typeof http> extends [unknown, ...infer R] ? R : never
  ) => http<T>(server.url, ...args);
}

export interface NewAccount {
  email: string;
  username: string;
  password: string;
  full_name?: string | null;
  bio?: string | null;
}

/** A fresh, valid registration body whose email and username no other call of this returns. */
export function newAccount(prefix = 'user', overrides: Partial<NewAccount> = {}): NewAccount {
  const tag = `${prefix}_${randomBytes(4).toString('hex')}`;
  return { email: `${tag}@example.com`, username: tag, password: 'correct horse battery', ...overrides };
}

/** POST /auth/register, expecting 201. */
export async function register(server: TestServer, account: NewAccount = newAccount()): Promise<UserOut> {
  const res = await http<UserOut>(server.url, 'POST', '/auth/register', { json: account });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

export interface LoginBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  user: UserOut;
}

/** POST /auth/login with the OAuth2 form. */
export function login(
  server: TestServer,
  username: string,
  password: string,
): Promise<JsonResponse<LoginBody>> {
  return http<LoginBody>(server.url, 'POST', '/auth/login', { form: { username, password } });
}

export interface Session {
  account: NewAccount;
  user: UserOut;
  token: string;
}

/** Registers a fresh account and logs it in (REST). */
export async function registerAndLogin(
  server: TestServer,
  prefix = 'user',
  overrides: Partial<NewAccount> = {},
): Promise<Session> {
  const account = newAccount(prefix, overrides);
  const user = await register(server, account);
  const res = await login(server, account.email, account.password);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { account, user, token: res.body.access_token };
}

/** The keys of the account as its owner sees it (never a password or hash). */
export const USER_KEYS = [
  'bio',
  'created_at',
  'email',
  'full_name',
  'id',
  'is_active',
  'is_superuser',
  'is_verified',
  'role',
  'updated_at',
  'username',
];

/** The keys of someone else's public profile. */
export const PUBLIC_USER_KEYS = ['bio', 'created_at', 'full_name', 'id', 'username'];

/** Every error body: `detail` and `code` (plus `issues` on 422), never a stack. */
export function expectErrorBody(body: unknown, code: string, status?: number): void {
  expect(body).toMatchObject({ detail: expect.any(String), code });
  const keys = Object.keys(body as object).sort();
  expect(keys).toEqual(status === 422 ? ['code', 'detail', 'issues'] : ['code', 'detail']);
  expect(JSON.stringify(body)).not.toMatch(/stack|\bat .*\.(ts|js):\d+/i);
}

/** Runs `work` on a second connection to the server's database, behind the API. */
async function behindTheApi(
  server: TestServer,
  work: (em: EntityManager) => Promise<unknown>,
): Promise<void> {
  const db = await openDatabase(server.database.url);
  try {
    await work(db.orm.em.fork());
  } finally {
    await closeDatabase(db);
  }
}

/** Marks an account's address verified behind the API (as following the mailed link would). */
export function markVerified(server: TestServer, email: string): Promise<void> {
  return behindTheApi(server, (em) => em.nativeUpdate(User, { email }, { isVerified: true }));
}

/** Makes the links mailed to an account look `minutes` older (their creation time moves back). */
export function ageLinks(server: TestServer, email: string, minutes: number): Promise<void> {
  return behindTheApi(server, async (em) => {
    const user = await em.findOneOrFail(User, { email });
    await em.nativeUpdate(
      ActionToken,
      { userId: user.id },
      { createdAt: new Date(Date.now() - minutes * 60_000) },
    );
  });
}
