import type { Server } from 'node:http';
import type { Logger } from './logger.js';

type Closer = () => Promise<unknown> | unknown;

/**
 * What must be closed when the server stops, after in-flight requests are done (Redis clients, queues…). Closed in
 * reverse order of registration; one failing closer does not keep the others open.
 */
export class Closers {
  private readonly list: { name: string; close: Closer }[] = [];

  add(name: string, close: Closer): void {
    this.list.push({ name, close });
  }

  async closeAll(logger: Logger): Promise<void> {
    for (const { name, close } of this.list.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        logger.error({ err: { message: (error as Error).message }, closer: name }, 'closing failed');
      }
    }
  }
}

/**
 * Stops accepting connections, lets in-flight requests finish for up to `timeoutMs`, then cuts whatever remains.
 * Idle keep-alive connections are closed as soon as they become idle. Resolves with the number of connections cut.
 */
export function drain(server: Server, timeoutMs: number): Promise<{ forced: number }> {
  return new Promise((resolve) => {
    let forced = 0;
    const idle = setInterval(() => server.closeIdleConnections(), 25);
    const deadline = setTimeout(() => {
      server.getConnections((_error, count) => {
        forced = count;
        server.closeAllConnections();
      });
    }, timeoutMs);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(deadline);
      resolve({ forced });
    });
    server.closeIdleConnections();
  });
}
