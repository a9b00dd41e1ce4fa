import { appRouter, inputKey, toErrorResponse, type Context, type HotReads } from '@roster/api';
import type { AnyProcedure, TRPCError } from '@trpc/server';
import { getErrorShape, getTRPCErrorFromUnknown } from '@trpc/server/unstable-core-do-not-import';
import type { ParameterizedContext } from 'koa';
import type { RosterState } from './request-log.js';

export interface QueryCallOptions {
  createContext: (ctx: ParameterizedContext<RosterState>) => Context;
  onError: (error: unknown, ctx: ParameterizedContext<RosterState>) => void;
  maxBatchSize: number;
  /** Calls answered from memory when they can be (see `createHotReads`). */
  hotReads: HotReads;
}

const config = appRouter._def._config;
const QUERIES = new Map<string, AnyProcedure>(
  Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProcedure>).filter(
    ([, procedure]) => procedure._def.type === 'query',
  ),
);

/**
 * tRPC's queries over GET — single calls and batches, as the SDK sends them — answered without tRPC's fetch adapter:
 * each call is answered from memory when the read cache holds its answer for this caller and input (hot-reads.ts),
 * and otherwise goes to its procedure exactly as tRPC would call it (input parsing,
 * the auth middlewares with the auth cache, its own unit of work, output validation). The answer is tRPC's
 * envelope, status and headers, written as one string. What it does not handle (a mutation, a stream, a subscription, a malformed URL or input, an
 * unknown procedure, a batch over the limit) returns false, and tRPC's adapter answers it as it always has.
 */
export async function answerQueries(
  opts: QueryCallOptions,
  procedures: string,
  ctx: ParameterizedContext<RosterState>,
): Promise<boolean> {
  if (ctx.method !== 'GET' || ctx.get('trpc-accept') !== '' || ctx.get('accept') === 'application/jsonl') {
    return false;
  }
  const batch = ctx.query.batch === '1';
  const paths = batch ? procedures.split(',') : [procedures];
  if (paths.length > opts.maxBatchSize || !paths.every((path) => QUERIES.has(path))) return false;
  const inputs = readInputs(ctx.query.input, batch);
  if (!inputs) return false;

  let context: Context | undefined;
  const outcomes = await Promise.all(
    paths.map(async (path, index): Promise<[string, TRPCError | undefined]> => {
      const input = inputs[index];
      const hot = opts.hotReads.answer(path, ctx.get('authorization'), inputKey(input));
      if (hot) {
        ctx.state.scope.userId = hot.userId;
        return [`{"result":{"data":${hot.json}}}`, undefined];
      }
      context ??= opts.createContext(ctx);
      try {
        const data: unknown = await QUERIES.get(path)!({
          path,
          getRawInput: () => Promise.resolve(input),
          ctx: context,
          type: 'query',
          signal: undefined,
          batchIndex: index,
        });
        return [JSON.stringify({ result: { data } }), undefined];
      } catch (cause) {
        const error = getTRPCErrorFromUnknown(cause);
        opts.onError(error, ctx);
        const shape = getErrorShape({ config, ctx: context, error, input, path, type: 'query' });
        return [JSON.stringify({ error: shape }), error];
      }
    }),
  );

  const bodies = outcomes.map(([body]) => body);
  // Each refused call's status and headers, worked out once.
  const refusals = outcomes.map(([, error]) => (error ? toErrorResponse(error) : undefined));
  ctx.vary('trpc-accept');
  ctx.vary('accept');
  ctx.set('Content-Type', 'application/json');
  if (!batch) {
    const refusal = refusals[0];
    ctx.status = refusal?.status ?? 200;
    if (refusal) ctx.set(refusal.headers);
    ctx.body = bodies[0];
    return true;
  }
  // tRPC's rule: the calls' common status, or 207 when they differ.
  const statuses = new Set(refusals.map((refusal) => refusal?.status ?? 200));
  ctx.status = statuses.size === 1 ? [...statuses][0]! : 207;
  // A refused call in a batch still says when to retry.
  const wait = Math.max(0, ...refusals.map((refusal) => Number(refusal?.headers['Retry-After'] ?? 0)));
  if (wait > 0) ctx.set('Retry-After', String(wait));
  ctx.body = `[${bodies.join(',')}]`;
  return true;
}

/** The calls' raw inputs by index, as tRPC reads them from `?input=`; undefined when tRPC must answer instead. */
function readInputs(raw: string | string[] | undefined, batch: boolean): Record<number, unknown> | undefined {
  if (raw === undefined || raw === '') return {};
  if (typeof raw !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!batch) return { 0: parsed };
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  return parsed as Record<number, unknown>;
}
