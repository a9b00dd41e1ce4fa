import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test/harness.js';

// Idle keep-alive connections stay open for KEEP_ALIVE_TIMEOUT_MS (72 s), not Node's 5 s: behind a proxy whose
// upstream connections idle for up to 60 s, the proxy closes them first and never sends a request on a connection
// Roster is closing (which would be reset, and answered to its client with a 502).

/**
 * One raw connection: send a request, read one whole response (Content-Length framed). Not node:http's Agent: it
 * reads the `Keep-Alive: timeout=` hint and closes an idle socket itself, so only a raw socket sees the server close.
 */
class Connection {
  private buffer = '';
  private waiting: (() => void) | undefined;
  closedAt: number | undefined;
  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closedAt = Date.now();
      this.waiting?.();
    });
  }

  static open(url: string): Promise<Connection> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  async get(path: string): Promise<{ status: number; headers: Record<string, string> }> {
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n`);
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end >= 0) {
        const [statusLine, ...lines] = this.buffer.slice(0, end).split('\r\n');
        const headers = Object.fromEntries(
          lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
        );
        const length = Number(headers['content-length'] ?? 0);
        if (this.buffer.length >= end + 4 + length) {
          this.buffer = this.buffer.slice(end + 4 + length);
          return { status: Number(statusLine!.split(' ')[1]), headers };
        }
      }
      if (this.closedAt !== undefined) throw new Error('connection closed before a whole response');
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  closed(): Promise<number> {
    return this.closedAt !== undefined
      ? Promise.resolve(this.closedAt)
      : new Promise((resolve) => this.socket.once('close', () => resolve(this.closedAt!)));
  }
}

describe('keep-alive: the default', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('tells clients 72 s, and answers on a connection idle longer than Node’s own 5 s', async () => {
    expect(server.running.server.keepAliveTimeout).toBe(72_000);
    const connection = await Connection.open(server.url);
    try {
      const first = await connection.get('/health');
      expect(first.status).toBe(200);
      expect(first.headers['keep-alive']).toBe('timeout=72');
      await new Promise((resolve) => setTimeout(resolve, 5_500));
      expect(connection.closedAt).toBeUndefined();
      expect((await connection.get('/health')).status).toBe(200);
    } finally {
      connection.socket.destroy();
    }
  });
});

describe('keep-alive: KEEP_ALIVE_TIMEOUT_MS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ KEEP_ALIVE_TIMEOUT_MS: '1000' });
  });
  afterAll(() => server.close());

  it('closes a connection idle for that long, and says so in its answers', async () => {
    const connection = await Connection.open(server.url);
    const first = await connection.get('/health');
    const answeredAt = Date.now();
    expect(first.headers['keep-alive']).toBe('timeout=1');
    const closedAt = await connection.closed();
    // Closed by the server after about a second idle (Node checks its timers coarsely; never before the timeout).
    expect(closedAt - answeredAt).toBeGreaterThanOrEqual(900);
    expect(closedAt - answeredAt).toBeLessThan(10_000);
  });
});
