import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

/** JSON lines on stdout; secrets never reach it (see REDACT). pino-pretty when LOG_FORMAT is pretty. */
export const REDACT = [
  'password',
  'authorization',
  'cookie',
  'token',
  'access_token',
  'refresh_token',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.*.password',
  '*.access_token',
  '*.refresh_token',
  '*.token',
  '*.authorization',
];

/** What every log line written while serving a request carries: its id and, once known, the caller's id. */
export interface RequestScope {
  reqId: string;
  userId?: number;
}

/** The request being served; `createLogger`'s loggers stamp its fields on every line. */
export const requestScope = new AsyncLocalStorage<RequestScope>();

function scopeFields(): Partial<RequestScope> {
  const scope = requestScope.getStore();
  if (!scope) return {};
  return scope.userId === undefined ? { reqId: scope.reqId } : { reqId: scope.reqId, userId: scope.userId };
}

/**
 * stdout written asynchronously: lines logged while a write is in flight go out together in the next one, so a
 * busy server makes one write per batch of lines instead of a blocking write per line (on this kind of machine a
 * write to stdout cost more than the rest of a cached GET). Flushed synchronously when the process exits.
 *
 * The batch is kept as a list of buffers, one per line (sonic-boom's `buffer` mode), not as one growing string: in
 * its text mode each line appended measures the batch's bytes again, which flattens the whole batch into a new
 * string per line (3 KB of garbage per request under load, the most of any single call site after the router's).
 */
function stdoutDestination(shared: boolean) {
  // Processes sharing one stdout pipe (cluster workers): each write holds whole lines and at most PIPE_BUF bytes,
  // which a pipe never interleaves with another process's writes.
  const stream = pino.destination({
    dest: 1,
    sync: false,
    contentMode: 'buffer',
    ...(shared ? { maxWrite: PIPE_BUF } : {}),
  });
  // pino writes strings; in buffer mode the stream takes buffers (its types only know text mode).
  const write = stream.write.bind(stream) as unknown as (data: Buffer) => boolean;
  stream.write = (line: string) => write(Buffer.from(line));
  return stream;
}

/** The most bytes a write to a pipe keeps together (Linux). */
const PIPE_BUF = 4096;

export function createLogger(
  config: Pick<Config, 'logLevel' | 'logFormat'>,
  destination?: NodeJS.WritableStream,
  opts: { sharedStdout?: boolean } = {},
): Logger {
  const pretty = config.logFormat === 'pretty' && !destination;
  return pino(
    {
      level: config.logLevel,
      redact: { paths: REDACT, censor: '[redacted]' },
      base: { service: 'roster' },
      mixin: scopeFields,
      ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
    },
    pretty ? undefined : (destination ?? stdoutDestination(opts.sharedStdout === true)),
  );
}
