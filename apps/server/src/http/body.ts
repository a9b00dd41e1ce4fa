import type { IncomingMessage } from 'node:http';
import { AppError } from '@roster/api';
import parse from 'co-body';
import type { Middleware } from 'koa';

export const MAX_BODY_BYTES = 100 * 1024;

const MAX_BODY_DEPTH = 32;

/** True when `value` nests objects or arrays more than `max` levels deep (checked without recursion). */
function depthExceeds(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

type RequestWithBody = IncomingMessage & { body?: unknown };

function isTooLarge(error: unknown): boolean {
  return error instanceof Error && (error as { type?: string }).type === 'entity.too.large';
}

/**
 * Reads JSON (any charset) and, on a route that accepts it (`form`), a form body, at most 100 KB. Mounted by the
 * route table on the REST routes that take a body (POST, PUT, PATCH). The parsed body is left on `req.body` as
 * JSON for the REST bridge; a form becomes JSON here so that the OAuth2 password flow works.
 */
export function bodyParser({ form }: { form: boolean }): Middleware {
  return async function parseBody(ctx, next) {
    const length = Number(ctx.get('content-length') || 0);
    if (length > MAX_BODY_BYTES) throw new AppError('PAYLOAD_TOO_LARGE', 'Request body too large');
    const req = ctx.req as RequestWithBody;
    if (!ctx.get('content-type') && !ctx.get('transfer-encoding') && length === 0) {
      // No body at all (`curl -X POST /auth/logout`): an empty JSON object, so that routes without input, as
      // documented, take a bare POST instead of answering 415 for a missing content-type.
      req.body = {};
      ctx.req.headers['content-type'] = 'application/json';
      return next();
    }
    // ctx.is answers false or null when the type does not match or there is no body.
    const isJson = Boolean(ctx.is('application/json', '+json'));
    const isForm = form && Boolean(ctx.is('urlencoded'));
    if (!isJson && !isForm) return next();
    try {
      req.body = isJson
        ? await parse.json(ctx.req, { limit: MAX_BODY_BYTES, strict: true })
        : await parse.form(ctx.req, { limit: MAX_BODY_BYTES, queryString: { depth: 0, parameterLimit: 50 } });
    } catch (error) {
      if (isTooLarge(error)) throw new AppError('PAYLOAD_TOO_LARGE', 'Request body too large');
      throw new AppError('MALFORMED_REQUEST', isJson ? 'Malformed JSON body' : 'Malformed form body');
    }
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      throw new AppError('VALIDATION_ERROR', 'The request body must be a JSON object');
    }
    // The REST bridge hands the body to tRPC, which serializes it again (recursively): thousands of levels would
    // overflow the stack. No input of ours nests beyond a few levels.
    if (depthExceeds(req.body, MAX_BODY_DEPTH)) {
      throw new AppError('VALIDATION_ERROR', `The request body nests deeper than ${MAX_BODY_DEPTH} levels`);
    }
    ctx.req.headers['content-type'] = 'application/json';
    return next();
  };
}
