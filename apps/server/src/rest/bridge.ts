import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { appRouter, successStatusOf, toErrorResponse, type Context } from '@roster/api';
import type { Middleware } from 'koa';
import { createOpenApiNodeHttpHandler } from 'trpc-to-openapi';

/** Stands in for the response so the adapter's answer comes back to Koa, which owns every response. */
class CapturedResponse extends EventEmitter {
  statusCode = 200;
  readonly headers: Record<string, string> = {};
  body: string | undefined;
  done = false;

  setHeader(name: string, value: string | number | readonly string[]): this {
    this.headers[name.toLowerCase()] = String(value);
    return this;
  }

  end(chunk?: string): this {
    this.body = chunk;
    this.done = true;
    return this;
  }
}

export interface RestBridgeOptions {
  createContext: (req: Parameters<Middleware>[0]) => Context;
  onError: (error: unknown, path: string | undefined) => void;
}

/**
 * The REST surface, mounted by the route table on each REST template: trpc-to-openapi calls the same procedure
 * tRPC serves. Success statuses come from the procedure's meta; failures are thrown so the one error middleware
 * shapes them.
 */
export function restBridge(opts: RestBridgeOptions): Middleware {
  const failures = new WeakMap<object, unknown>();
  const contexts = new WeakMap<object, Parameters<Middleware>[0]>();
  const handler = createOpenApiNodeHttpHandler({
    router: appRouter,
    createContext: ({ req }) => opts.createContext(contexts.get(req)!),
    onError: ({ error, req, path }) => {
      failures.set(req, error);
      opts.onError(error, path);
    },
    responseMeta: ({ paths, errors, data }) => {
      if (errors.length > 0) return { status: toErrorResponse(errors[0]).status };
      return { status: paths?.[0] ? successStatusOf(paths[0], data?.[0]) : 200 };
    },
  });

  return async function rest(ctx, next) {
    const res = new CapturedResponse();
    const forwardClose = () => res.emit('close');
    ctx.res.once('close', forwardClose);
    contexts.set(ctx.req, ctx);
    // HEAD of a GET route is that GET without its body (Koa drops the body of a HEAD answer).
    const head = ctx.method === 'HEAD';
    if (head) ctx.req.method = 'GET';
    let passed = false;
    try {
      await handler(ctx.req, res as unknown as ServerResponse, async () => {
        passed = true;
        await next();
      });
    } finally {
      if (head) ctx.req.method = 'HEAD';
      ctx.res.off('close', forwardClose);
    }
    if (passed || !res.done) return;
    const failure = failures.get(ctx.req);
    if (failure !== undefined) throw failure;
    ctx.status = res.statusCode;
    for (const [name, value] of Object.entries(res.headers)) {
      if (name !== 'content-type' && name !== 'content-length') ctx.set(name, value);
    }
    if (res.statusCode === 204 || res.body === undefined) {
      ctx.body = null;
      ctx.status = res.statusCode;
    } else {
      ctx.type = 'application/json';
      ctx.body = res.body;
    }
  };
}
