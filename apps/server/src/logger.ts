import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

/** JSON lines on stdout; secrets never reach it (see REDACT). Pretty output in development when attached to a TTY. */
export const REDACT = [
  'password',
  'authorization',
  'cookie',
  'token',
  'access_token',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.*.password',
  '*.access_token',
  '*.token',
  '*.authorization',
];

export function createLogger(
  config: Pick<Config, 'logLevel' | 'env'>,
  destination?: NodeJS.WritableStream,
): Logger {
  const pretty = config.env === 'development' && !destination && process.stdout.isTTY;
  return pino(
    {
      level: config.logLevel,
      redact: { paths: REDACT, censor: '[redacted]' },
      base: { service: 'roster' },
      ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
    },
    pretty ? undefined : (destination ?? process.stdout),
  );
}
