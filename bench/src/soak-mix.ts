// The soak's traffic: each connection logs in, then cycles through reads, profile writes, admin lists and a
// refresh of its own session (the refresh token it holds is spent and replaced), and logs in again each cycle.
import type { Request } from 'autocannon';
import { bearer, json } from './measure.js';
import { BENCH_PASSWORD } from './seed.js';

interface Ctx {
  access?: string;
  refresh?: string;
  id?: number;
}

/** Keeps the tokens a login or refresh answered in the connection's context. */
function keepTokens(status: number, body: string, context: Ctx) {
  if (status !== 200) return;
  const pair = JSON.parse(body) as { access_token: string; refresh_token: string; user?: { id: number } };
  context.access = pair.access_token;
  context.refresh = pair.refresh_token;
  if (pair.user) context.id = pair.user.id;
}

const get = (path: string) => ({
  method: 'GET' as const,
  setupRequest: (req: Request, context: Ctx) => ({ ...req, path, headers: bearer(context.access ?? '') }),
});
const me = get('/auth/me');
const list = get('/users?limit=20');
const adminList = get('/admin/users?limit=20');
const byId: Request = {
  method: 'GET',
  setupRequest: (req: Request, context: Ctx) => ({
    ...req,
    path: `/users/${context.id ?? 1}`,
    headers: bearer(context.access ?? ''),
  }),
};
const write: Request = {
  method: 'PATCH',
  setupRequest: (req: Request, context: Ctx) => ({
    ...req,
    path: '/users/me',
    headers: { ...json, ...bearer(context.access ?? '') },
    body: JSON.stringify({ bio: `soak ${Math.random()}` }),
  }),
};
const login: Request = {
  method: 'POST',
  path: '/auth/login',
  headers: json,
  body: JSON.stringify({ username: 'benchadmin', password: BENCH_PASSWORD }),
  onResponse: (status: number, body: string, context: Ctx) => keepTokens(status, body, context),
};
const refresh: Request = {
  method: 'POST',
  setupRequest: (req: Request, context: Ctx) => ({
    ...req,
    path: '/auth/refresh',
    headers: json,
    body: JSON.stringify({ refresh_token: context.refresh ?? '' }),
  }),
  onResponse: (status: number, body: string, context: Ctx) => keepTokens(status, body, context),
};

/** One cycle of 20 requests: 1 login, 1 refresh, 2 profile writes, 2 admin lists, 14 reads. */
export const SOAK_MIX: Request[] = [
  login,
  me,
  byId,
  list,
  me,
  write,
  adminList,
  me,
  byId,
  me,
  refresh,
  me,
  byId,
  list,
  me,
  write,
  adminList,
  me,
  list,
  me,
];
export const SOAK_MIX_TEXT =
  'per connection, cycles of 20: 1 login, 1 refresh (its own token, spent and replaced), 2 profile writes ' +
  '(PATCH /users/me), 2 admin lists (GET /admin/users?limit=20), 14 reads (GET /auth/me, /users/{id}, /users?limit=20)';
