import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { closedPort } from '@roster/testing';
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
  private frozen = false;
  private constructor(private readonly server: Server) {}

  static async start(targetUrl = TEST_REDIS_URL): Promise<RedisRelay> {
    const target = new URL(targetUrl);
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
        if (relay.frozen) a.pause();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get url(): string {
    return `redis://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /**
   * Stops relaying without closing anything: both ends stay connected and hear nothing (a silent network fault).
   * New connections are accepted and frozen too.
   */
  freeze(): void {
    this.frozen = true;
    for (const socket of this.sockets) socket.pause();
  }

  thaw(): void {
    this.frozen = false;
    for (const socket of this.sockets) socket.resume();
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

/**
 * A redis-server of the test's own on an ephemeral loopback port, to stop and start at will (never the shared one
 * at 6379). `stop()` kills it (SIGKILL: an outage, not a shutdown); `start()` brings it back on the same port.
 */
export class PrivateRedis {
  private child: ChildProcess | null = null;
  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await closedPort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.child) return;
    const args = ['--bind', '127.0.0.1', '--port', String(this.port), '--save', '', '--appendonly', 'no'];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.child = child;
    const client = new Redis(this.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      for (let i = 0; i < 100; i++) {
        if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
        if (
          (await client.connect().then(
            () => client.ping(),
            () => null,
          )) === 'PONG'
        )
          return;
        client.disconnect();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`redis-server did not answer on ${this.url}`);
    } finally {
      client.disconnect();
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** A client of this server (quit it when done). */
  client(): Redis {
    const client = new Redis(this.url, { maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    return client;
  }
}
