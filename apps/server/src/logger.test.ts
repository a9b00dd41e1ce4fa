import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger, REDACT } from './logger.js';

describe('createLogger', () => {
  function sink() {
    let text = '';
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString('utf8');
        done();
      },
    });
    const lines = () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    return { stream, text: () => text, lines };
  }

  it('writes JSON lines with level, msg and the service name, honouring the level', () => {
    const out = sink();
    const logger = createLogger({ logLevel: 'info', env: 'development' }, out.stream);
    logger.debug('hidden');
    logger.info({ port: 8000 }, 'hello');
    logger.warn('careful');
    expect(out.lines()).toEqual([
      expect.objectContaining({
        level: 30,
        msg: 'hello',
        port: 8000,
        service: 'roster',
        time: expect.any(Number),
      }),
      expect.objectContaining({ level: 40, msg: 'careful' }),
    ]);
  });

  it('writes nothing when silent', () => {
    const out = sink();
    createLogger({ logLevel: 'silent', env: 'production' }, out.stream).fatal('boom');
    expect(out.text()).toBe('');
  });

  it('writes to stdout without a destination, pretty only in development on a terminal', () => {
    const streamOf = (env: 'development' | 'production') =>
      (createLogger({ logLevel: 'silent', env }) as unknown as Record<symbol, NodeJS.WritableStream>)[
        pino.symbols.streamSym
      ]!;
    expect(streamOf('development')).toBe(process.stdout);
    expect(streamOf('production')).toBe(process.stdout);
    const { isTTY } = process.stdout;
    process.stdout.isTTY = true;
    try {
      const stream = streamOf('development');
      expect(stream).not.toBe(process.stdout); // a pino-pretty transport
      stream.end();
    } finally {
      process.stdout.isTTY = isTTY;
    }
  });

  it('censors passwords, tokens, authorization and cookies', () => {
    expect(REDACT).toEqual(expect.arrayContaining(['*.password', '*.headers.authorization']));
    const out = sink();
    const logger = createLogger({ logLevel: 'info', env: 'test' }, out.stream);
    logger.info(
      {
        user: { email: 'a@example.com', password: 'hunter2-password' },
        body: { access_token: 'eyJ-access', token: 'reset-token' },
        req: { headers: { authorization: 'Bearer eyJ-header', cookie: 'sid=cookie-value', accept: '*/*' } },
        res: { headers: { 'set-cookie': 'sid=set-cookie-value' } },
      },
      'request',
    );
    const [line] = out.lines();
    expect(line).toMatchObject({
      user: { email: 'a@example.com', password: '[redacted]' },
      body: { access_token: '[redacted]', token: '[redacted]' },
      req: { headers: { authorization: '[redacted]', cookie: '[redacted]', accept: '*/*' } },
      res: { headers: { 'set-cookie': '[redacted]' } },
    });
    for (const secret of ['hunter2', 'eyJ', 'cookie-value']) expect(out.text()).not.toContain(secret);
  });
});
