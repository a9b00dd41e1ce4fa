import { restInputKey, type HotReads } from '@roster/api';
import type { Middleware } from 'koa';
import type { RosterState } from './request-log.js';

/**
 * A REST read answered from memory when it can be (see `createHotReads`), before the REST bridge and the ORM
 * context are entered; otherwise the request goes on to the procedure, which names its input the same way
 * (`restInputKey`, through the context the bridge builds). The body is the one REST sends.
 */
export function restHotRead(reads: HotReads, procedure: string): Middleware<RosterState> {
  return async function serveHotRead(ctx, next) {
    if (ctx.method !== 'GET') return next();
    const answer = reads.answer(procedure, ctx.get('authorization'), restInputKey(ctx.url));
    if (!answer) return next();
    ctx.state.scope.userId = answer.userId;
    ctx.set('Content-Type', 'application/json; charset=utf-8');
    ctx.body = answer.json;
  };
}
