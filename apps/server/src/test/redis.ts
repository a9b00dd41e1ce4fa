import { randomBytes } from 'node:crypto';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';

/** The Redis the tests share (started by .ci/run in CI). */
export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/** A key prefix no other test file (or parallel run) uses; `clearRedisPrefix` removes its keys afterwards. */
export function testRedisPrefix(name: string): string {
  return `roster-test:${name}:${randomBytes(8).toString('hex')}:`;
}

export async function clearRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    await redis.quit();
  }
}

/** Counts the keys under a prefix (to see that counters really live in Redis). */
export async function redisKeyCount(prefix: string): Promise<number> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    return (await redis.keys(`${prefix}*`)).length;
  } finally {
    await redis.quit();
  }
}

/**
 * A TCP relay to the test Redis that can be cut and restored: Redis "goes down" for whoever connects through
 * it, while everyone else keeps using the real one.
 */
export class RedisRelay {
  private readonly sockets = new Set<Socket>();
  private up = true;
  private constructor(private readonly server: Server) {}

  static async start(): Promise<RedisRelay> {
    const target = new URL(TEST_REDIS_URL);
    const server = createServer();
    const relay = new RedisRelay(server);
    server.on('connection', (client) => {
      if (!relay.up) {
        client.destroy();
        return;
      }
      const upstream = connect(Number(target.port || 6379), target.hostname);
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        relay.sockets.add(a);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          relay.sockets.delete(a);
          b.destroy();
        });
        a.pipe(b);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get url(): string {
    return `redis://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Drops every connection and refuses new ones. */
  cut(): void {
    this.up = false;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.up = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
