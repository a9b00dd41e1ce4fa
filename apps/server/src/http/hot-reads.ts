import type { HotAnswer, HotRead, HotReads } from '@roster/api';
import type { Middleware, ParameterizedContext } from 'koa';
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
    answered(ctx, answer);
    ctx.set('Content-Type', 'application/json; charset=utf-8');
    ctx.body = answer.json;
  };
}

/**
 * A plain tRPC call (one procedure, GET, no input, not streamed) answered from memory when it can be, in the
 * envelope tRPC would send. True when it answered.
 */
export function trpcHotRead(
  reads: HotReads,
  procedures: string,
  ctx: ParameterizedContext<RosterState>,
): boolean {
  const read = reads[procedures];
  // tRPC's streaming (JSONL) responses are tRPC's to write.
  if (!read || ctx.method !== 'GET' || ctx.querystring !== '' || ctx.get('trpc-accept') !== '') return false;
  const answer = read(ctx.get('authorization'));
  if (!answer) return false;
  answered(ctx, answer);
  ctx.set('Content-Type', 'application/json');
  ctx.vary('trpc-accept');
  ctx.vary('accept');
  ctx.body = `{"result":{"data":${answer.json}}}`;
  return true;
}

function answered(ctx: ParameterizedContext<RosterState>, answer: HotAnswer): void {
  ctx.state.scope.userId = answer.userId;
}
