import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger, REDACT, requestScope, type RequestScope } from './logger.js';

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
    const logger = createLogger({ logLevel: 'info', logFormat: 'pretty' }, out.stream);
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
    createLogger({ logLevel: 'silent', logFormat: 'json' }, out.stream).fatal('boom');
    expect(out.text()).toBe('');
  });

  it('writes JSON to stdout (asynchronously) without a destination, or through pino-pretty when the format is pretty', () => {
    const streamOf = (logFormat: 'json' | 'pretty') =>
      (createLogger({ logLevel: 'silent', logFormat }) as unknown as Record<symbol, NodeJS.WritableStream>)[
        pino.symbols.streamSym
      ]!;
    // stdout's file descriptor, written asynchronously (lines logged during a write go out in the next one).
    expect(streamOf('json')).toMatchObject({ fd: 1, sync: false });
    const stream = streamOf('pretty');
    expect(stream).not.toMatchObject({ fd: 1 }); // a pino-pretty transport
    stream.end();
  });

  it('stamps the request id and the caller on every line written while serving a request', () => {
    const out = sink();
    const logger = createLogger({ logLevel: 'info', logFormat: 'json' }, out.stream);
    logger.info('outside');
    const scope: RequestScope = { reqId: 'req-1' };
    requestScope.run(scope, () => {
      logger.info('before auth');
      scope.userId = 7;
      logger.child({ component: 'x' }).warn('after auth');
      logger.info({ reqId: 'explicit' }, 'the call wins');
    });
    const [outside, before, after, explicit] = out.lines();
    expect(outside).not.toHaveProperty('reqId');
    expect(before).toMatchObject({ reqId: 'req-1', msg: 'before auth' });
    expect(before).not.toHaveProperty('userId');
    expect(after).toMatchObject({ reqId: 'req-1', userId: 7, component: 'x' });
    expect(explicit).toMatchObject({ reqId: 'explicit' });
    expect(out.text().match(/"reqId"/g)).toHaveLength(3); // never twice on one line
  });

  it('censors passwords, tokens, authorization and cookies', () => {
    expect(REDACT).toEqual(expect.arrayContaining(['*.password', '*.headers.authorization']));
    const out = sink();
    const logger = createLogger({ logLevel: 'info', logFormat: 'json' }, out.stream);
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

  // The real stdout destination, in a process of its own (the built logger, as main.ts makes it): a burst of lines
  // logged while writes are in flight, then an exit, which flushes what is still buffered.
  it('writes every line whole and in order to stdout, non-ASCII included, and flushes them at exit', () => {
    const built = fileURLToPath(new URL('../../dist/infra/logger.js', import.meta.url));
    if (!existsSync(built)) throw new Error('apps/server/dist is missing: run `node_modules/.bin/turbo run build` first');
    const script = `
      const { createLogger } = await import(${JSON.stringify(built)});
      const logger = createLogger({ logLevel: 'info', logFormat: 'json' }, undefined, { sharedStdout: process.argv[1] === 'shared' });
      for (let i = 0; i < 3000; i++) logger.info({ i, name: 'Zoë ✓ 名前', pad: 'x'.repeat(i % 300) }, 'line');
      process.exit(0);`;
    for (const mode of ['own', 'shared']) {
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, mode], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      expect(run.status, run.stderr).toBe(0);
      const lines = run.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { i: number; name: string; msg: string });
      expect(lines.map((line) => line.i)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
      expect(lines.every((line) => line.name === 'Zoë ✓ 名前' && line.msg === 'line')).toBe(true);
    }
  });
});
