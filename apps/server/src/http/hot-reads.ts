import type { HotRead } from '@roster/api';
import type { Middleware } from 'koa';
import type { RosterState } from './request-log.js';

/**
 * A REST read answered from memory when it can be (see `createHotReads`), before the REST bridge and the ORM
 * context are entered; otherwise the request goes on to the procedure. The body is the one REST sends.
 */
export function restHotRead(read: HotRead): Middleware<RosterState> {
  return async function serveHotRead(ctx, next) {
    if (ctx.method !== 'GET' || ctx.querystring !== '') return next();
    const answer = read(ctx.get('authorization'));
    if (!answer) return next();
    ctx.state.scope.userId = answer.userId;
    ctx.set('Content-Type', 'application/json; charset=utf-8');
    ctx.body = answer.json;
  };
}
