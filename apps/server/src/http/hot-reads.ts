import type { HotReads } from '@roster/api';
import type { Middleware } from 'koa';
import type { RosterState } from './request-log.js';
import { TRPC_PREFIX } from './trpc.js';

const TRPC_ME = `${TRPC_PREFIX}/auth.me`;

/**
 * `GET /auth/me` and a plain (unbatched, input-less) `GET /trpc/auth.me` answered before the ORM context, the REST
 * bridge and tRPC are entered, when the answer is already in memory (see `createHotReads`); otherwise they go on
 * to the procedure as usual. The bodies and headers are the ones those surfaces send.
 */
export function hotReads(reads: HotReads): Middleware<RosterState> {
  return async function serveHotRead(ctx, next) {
    if (ctx.method !== 'GET' || ctx.querystring !== '') return next();
    const trpc = ctx.path === TRPC_ME;
    if (!trpc && ctx.path !== '/auth/me') return next();
    // tRPC's streaming (JSONL) responses are tRPC's to write.
    if (trpc && ctx.get('trpc-accept') !== '') return next();
    const answer = reads.me(ctx.get('authorization'));
    if (!answer) return next();
    ctx.state.scope.userId = answer.userId;
    if (trpc) {
      ctx.set('Content-Type', 'application/json');
      ctx.vary('trpc-accept');
      ctx.vary('accept');
      ctx.body = `{"result":{"data":${answer.json}}}`;
    } else {
      ctx.set('Content-Type', 'application/json; charset=utf-8');
      ctx.body = answer.json;
    }
  };
}
