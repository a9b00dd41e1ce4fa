import type { UserOut } from '@roster/api';
import { createRosterClient, type RosterClient, type RosterError } from '@roster/sdk';
import type { TestDatabase } from '@roster/testing';
import { expect } from 'vitest';
import { api, login, newAccount, USER_KEYS, type NewAccount } from './accounts.js';
import { http, startOnDatabase, startTestServer, type TestServer } from './harness.js';

/** The first admin, applied at start-up through ADMIN_EMAIL + ADMIN_PASSWORD. */
export const ROOT = { email: 'root@example.com', username: 'root', password: 'rootpassword1' } as const;
export const ROOT_ENV = { ADMIN_EMAIL: ROOT.email, ADMIN_PASSWORD: ROOT.password };

export type AdminUser = UserOut & { last_login_at: string | null; version: number; mfa_enabled: boolean };
export const ADMIN_USER_KEYS = [...USER_KEYS, 'last_login_at', 'mfa_enabled', 'version'].sort();

export interface AuditEventOut {
  id: number;
  at: string;
  actor_id: number | null;
  target_id: number | null;
  action: string;
  ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown> | null;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
  total?: number | null;
}

/** Every admin route over REST, with a request that would be valid for an admin. */
export const ADMIN_ROUTES: { method: string; path: string; json?: unknown }[] = [
  { method: 'GET', path: '/admin/users' },
  {
    method: 'POST',
    path: '/admin/users',
    json: { email: 'never@example.com', username: 'never', password: 'never-password' },
  },
  { method: 'GET', path: '/admin/users/1' },
  { method: 'PATCH', path: '/admin/users/1', json: { bio: 'never' } },
  { method: 'POST', path: '/admin/users/1/password', json: { password: 'never-password' } },
  { method: 'DELETE', path: '/admin/users/1' },
  { method: 'GET', path: '/admin/users/1/sessions' },
  { method: 'DELETE', path: '/admin/users/1/sessions' },
  { method: 'GET', path: '/admin/stats' },
  { method: 'GET', path: '/admin/audit' },
  {
    method: 'POST',
    path: '/admin/webhooks',
    json: { url: 'http://93.184.215.14/', events: ['user.created'] },
  },
  { method: 'GET', path: '/admin/webhooks' },
  { method: 'GET', path: '/admin/webhooks/1' },
  { method: 'PATCH', path: '/admin/webhooks/1', json: { enabled: false } },
  { method: 'DELETE', path: '/admin/webhooks/1' },
  { method: 'POST', path: '/admin/webhooks/1/rotate-secret', json: {} },
  { method: 'POST', path: '/admin/webhooks/1/test' },
  { method: 'GET', path: '/admin/webhooks/1/deliveries' },
  { method: 'GET', path: '/admin/webhooks/1/deliveries/msg_AAAAAAAAAAAAAAAAAAAAAA/attempts' },
  { method: 'POST', path: '/admin/webhooks/1/deliveries/msg_AAAAAAAAAAAAAAAAAAAAAA/retry' },
  { method: 'DELETE', path: '/admin/users/1/mfa' },
];

/** A query string from the defined entries: `?a=1&b=x`, or '' when there are none. */
export function qs(params: Record<string, string | number | boolean | null | undefined>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null);
  return entries.length
    ? `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)])).toString()}`
    : '';
}

/** Logs in over REST and answers the access token. */
export async function tokenFor(server: TestServer, name: string, password: string): Promise<string> {
  const res = await login(server, name, password);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.access_token;
}

export interface AdminSession {
  server: TestServer;
  req: ReturnType<typeof api>;
  root: AdminUser;
  rootToken: string;
}

/** A server whose first admin is ROOT (ADMIN_EMAIL at start-up), logged in. */
export async function startWithRoot(env: Record<string, string> = {}): Promise<AdminSession> {
  const server = await startTestServer({ ...ROOT_ENV, ...env });
  const req = api(server);
  const rootToken = await tokenFor(server, ROOT.email, ROOT.password);
  const me = await req<UserOut>('GET', '/auth/me', { token: rootToken });
  const root = await req<AdminUser>('GET', `/admin/users/${me.body.id}`, { token: rootToken });
  expect(root.body.role).toBe('admin');
  return { server, req, root: root.body, rootToken };
}

export interface CreatedUser {
  account: NewAccount;
  user: AdminUser;
}

/** POST /admin/users as `token`, expecting 201. */
export async function createUser(
  server: TestServer,
  token: string,
  prefix = 'user',
  fields: Partial<NewAccount> & { role?: 'user' | 'admin'; is_active?: boolean } = {},
): Promise<CreatedUser> {
  const { role, is_active, ...rest } = fields;
  const account = newAccount(prefix, rest);
  const json = { ...account, ...(role ? { role } : {}), ...(is_active === undefined ? {} : { is_active }) };
  const res = await http<AdminUser>(server.url, 'POST', '/admin/users', { token, json });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { account, user: res.body };
}

/** Creates an account as an admin and logs it in. */
export async function createAndLogin(
  server: TestServer,
  token: string,
  prefix = 'user',
  fields: Parameters<typeof createUser>[3] = {},
): Promise<CreatedUser & { token: string }> {
  const created = await createUser(server, token, prefix, fields);
  return { ...created, token: await tokenFor(server, created.account.email, created.account.password) };
}

/** Follows next_cursor from the first page to the last; fails on a page that repeats the previous cursor. */
export async function walk<T>(
  page: (cursor: string | undefined) => Promise<Page<T>>,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const current = await page(cursor);
    pages += 1;
    items.push(...current.items);
    if (current.next_cursor === null) return { items, pages };
    expect(current.next_cursor).not.toBe(cursor);
    expect(pages, 'too many pages').toBeLessThan(200);
    cursor = current.next_cursor;
  }
}

/** Every audit event matching `filters`, newest first, walked page by page over REST. */
export async function auditLog(
  session: AdminSession,
  filters: Record<string, string | number | undefined> = {},
): Promise<AuditEventOut[]> {
  const { items } = await walk<AuditEventOut>(async (cursor) => {
    const res = await session.req<Page<AuditEventOut>>(
      'GET',
      `/admin/audit${qs({ limit: 100, ...filters, cursor })}`,
      { token: session.rootToken },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  });
  return items;
}

/** The typed SDK for `token` (none when omitted). */
export function sdk(server: TestServer, token?: string, headers?: Record<string, string>): RosterClient {
  return createRosterClient({ url: server.url, token: token ?? null, ...(headers ? { headers } : {}) });
}

/** What an SDK call rejected with: Roster's code and the HTTP status. */
export async function sdkFailure(promise: Promise<unknown>): Promise<Pick<RosterError, 'code' | 'status'>> {
  const error = (await promise.then(
    () => expect.unreachable('the call succeeded'),
    (e: unknown) => e,
  )) as RosterError;
  expect(error.name).toBe('RosterError');
  return { code: error.code, status: error.status };
}

export type ServerOnDatabase = TestServer;

/** A Roster on an existing database (a restart): `close()` stops it and leaves the database in place. */
export function startOn(database: TestDatabase, env: Record<string, string> = {}): Promise<ServerOnDatabase> {
  return startOnDatabase(database, env);
}
