import type { Middleware } from 'koa';

/** The public keys that verify Roster's access tokens (empty under HS256). */
export function jwks(load: () => Promise<unknown>): Middleware {
  return async function serveJwks(ctx) {
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = await load();
  };
}
