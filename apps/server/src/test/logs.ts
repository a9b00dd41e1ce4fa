import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../infra/logger.js';

/** The production logger (JSON, level info) writing into memory: each line parsed, in order. */
export function capturedLogger(): { logger: Logger; logs: Record<string, unknown>[] } {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ logLevel: 'info', logFormat: 'json' }, sink), logs };
}
