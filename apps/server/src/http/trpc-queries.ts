import {
  appRouter,
  inputKey,
  toErrorResponse,
  type Context,
  type HotAnswer,
  type HotReads,
} from '@roster/api';
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

/** A query URL's calls, as tRPC's adapter reads them. */
interface Calls {
  batch: boolean;
  paths: string[];
  /** The raw inputs by index, frozen: a remembered URL shares them between its requests. */
  inputs: Readonly<Record<number, unknown>>;
  /** Each call's input as the read cache names it (`inputKey`). */
  keys: string[];
}

/** How many query URLs are remembered, parsed (the oldest is forgotten first). */
export const REMEMBERED_URLS = 512;
/** A longer URL is parsed on each request and never remembered. */
const REMEMBERED_URL_LENGTH = 1024;

/**
 * tRPC's queries over GET — single calls and batches, as the SDK sends them — answered without tRPC's fetch adapter:
 * each call is answered from memory when the read cache holds its answer for this caller and input (hot-reads.ts),
 * and otherwise goes to its procedure exactly as tRPC would call it (input parsing,
 * the auth middlewares with the auth cache, its own unit of work, output validation). The answer is tRPC's
 * envelope, status and headers, written as one string. What it does not handle (a mutation, a stream, a subscription, a malformed URL or input, an
 * unknown procedure, a batch over the limit) makes the answerer return false, and tRPC's adapter answers it as it always has.
 * It answers `true` at once (no promise) when every call was answered from memory.
 *
 * An app's SDK sends the same few URLs again and again (its reads, with the same inputs): each URL's calls are
 * parsed once and remembered (the last `REMEMBERED_URLS`), so a repeated read costs a map lookup, not a query
 * string decoded, its input parsed and named again.
 */
export function createQueryAnswerer(
  opts: QueryCallOptions,
): (procedures: string, ctx: ParameterizedContext<RosterState>) => boolean | Promise<boolean> {
  const remembered = new Map<string, Calls>();
  const callsOf = (procedures: string, ctx: ParameterizedContext<RosterState>): Calls | undefined => {
    if (ctx.method !== 'GET' || ctx.get('trpc-accept') !== '' || ctx.get('accept') === 'application/jsonl') {
      return undefined;
    }
    const url = ctx.url;
    const known = remembered.get(url);
    if (known) return known;
    const calls = readCalls(opts.maxBatchSize, procedures, ctx.querystring);
    if (calls && url.length <= REMEMBERED_URL_LENGTH) {
      if (remembered.size >= REMEMBERED_URLS) remembered.delete(remembered.keys().next().value!);
      remembered.set(url, calls);
    }
    return calls;
  };
  return function answerQueries(procedures, ctx) {
    const calls = callsOf(procedures, ctx);
    if (!calls) return false;
    const { batch, paths, inputs, keys } = calls;
    const authorization = ctx.get('authorization');
    const hot = paths.map((path, index) => opts.hotReads.answer(path, authorization, keys[index]!, 'trpc'));
    // Every call answered from memory (the usual case for the SDK's repeated reads): no context, no promise.
    if (hot.every((answer) => answer !== undefined)) {
      respond(ctx, batch, hot.map((answer) => fromMemory(ctx, answer)));
      return true;
    }
    return runCalls(opts, ctx, paths, inputs, hot).then((outcomes) => {
      respond(ctx, batch, outcomes);
      return true;
    });
  };
}

/** tRPC's envelope, status and headers for these outcomes. */
function respond(ctx: ParameterizedContext<RosterState>, batch: boolean, outcomes: Outcome[]): void {
  const bodies = outcomes.map(([body]) => body);
  // Each refused call's status and headers, worked out once.
  const refusals = outcomes.map(([, error]) => (error ? toErrorResponse(error) : undefined));
  ctx.vary(VARY);
  ctx.set('Content-Type', 'application/json');
  if (!batch) {
    const refusal = refusals[0];
    ctx.status = refusal?.status ?? 200;
    if (refusal) ctx.set(refusal.headers);
    ctx.body = bodies[0];
    return;
  }
  // tRPC's rule: the calls' common status, or 207 when they differ.
  const statuses = new Set(refusals.map((refusal) => refusal?.status ?? 200));
  ctx.status = statuses.size === 1 ? [...statuses][0]! : 207;
  // A refused call in a batch still says when to retry.
  const wait = Math.max(0, ...refusals.map((refusal) => Number(refusal?.headers['Retry-After'] ?? 0)));
  if (wait > 0) ctx.set('Retry-After', String(wait));
  ctx.body = `[${bodies.join(',')}]`;
}

/** The headers tRPC's answers vary by (the CORS middleware may have added Origin). */
const VARY = ['trpc-accept', 'accept'];

type Outcome = [body: string, error: TRPCError | undefined];

function fromMemory(ctx: ParameterizedContext<RosterState>, answer: HotAnswer): Outcome {
  ctx.state.scope.userId = answer.userId;
  return [answer.json, undefined];
}

/** Each call from memory when it can be, else through its procedure exactly as tRPC would call it. */
function runCalls(
  opts: QueryCallOptions,
  ctx: ParameterizedContext<RosterState>,
  paths: string[],
  inputs: Readonly<Record<number, unknown>>,
  hot: (HotAnswer | undefined)[],
): Promise<Outcome[]> {
  let context: Context | undefined;
  return Promise.all(
    paths.map(async (path, index): Promise<Outcome> => {
      const answer = hot[index];
      if (answer) return fromMemory(ctx, answer);
      const input = inputs[index];
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
}

/** The calls a query string asks for, or undefined when tRPC's adapter must answer. */
function readCalls(maxBatchSize: number, procedures: string, querystring: string): Calls | undefined {
  const query = searchParams(querystring);
  if (!query) return undefined;
  const batch = query.get('batch') === '1';
  const paths = batch ? procedures.split(',') : [procedures];
  if (paths.length > maxBatchSize || !paths.every((path) => QUERIES.has(path))) return undefined;
  const inputs = readInputs(query.get('input'), batch);
  if (!inputs) return undefined;
  const keys = paths.map((_, index) => inputKey(inputs[index]));
  return { batch, paths, inputs: frozen(inputs), keys };
}

/** A parsed JSON value made read-only all the way down. */
function frozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) frozen(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * The query string's parameters as tRPC's adapter reads them (URLSearchParams: `+` is a space, %-escapes decoded),
 * without building a URL. A name given twice, or an escape URLSearchParams would keep as it is, is left to tRPC's
 * adapter (undefined).
 */
export function searchParams(querystring: string): Map<string, string> | undefined {
  const params = new Map<string, string>();
  if (querystring === '') return params;
  for (const pair of querystring.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeParam(eq === -1 ? pair : pair.slice(0, eq));
    const value = decodeParam(eq === -1 ? '' : pair.slice(eq + 1));
    if (name === undefined || value === undefined || params.has(name)) return undefined;
    params.set(name, value);
  }
  return params;
}

function decodeParam(raw: string): string | undefined {
  const spaced = raw.includes('+') ? raw.replaceAll('+', ' ') : raw;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return undefined;
  }
}

/** The calls' raw inputs by index, as tRPC reads them from `?input=`; undefined when tRPC must answer instead. */
function readInputs(raw: string | undefined, batch: boolean): Record<number, unknown> | undefined {
  if (raw === undefined || raw === '') return {};
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
