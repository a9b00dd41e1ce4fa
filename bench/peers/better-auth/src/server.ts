// Better Auth as a peer for pnpm bench: email + password, the bearer plugin, PostgreSQL through pg, its rate limiter
// off, served with node:http on an ephemeral loopback port. Creates its tables with its own migration API at start.
// Environment: PEER_DATABASE_URL (required), PEER_COOKIE_CACHE=true turns session.cookieCache on.
// Prints {"port": n} on stdout once it listens.
import { createServer } from 'node:http';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { bearer } from 'better-auth/plugins/bearer';
import pg from 'pg';

const databaseUrl = process.env.PEER_DATABASE_URL;
if (!databaseUrl) throw new Error('PEER_DATABASE_URL is required');
const cookieCache = process.env.PEER_COOKIE_CACHE === 'true';

const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
const server = createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const address = server.address();
if (!address || typeof address !== 'object') throw new Error('no address');
const baseURL = `http://127.0.0.1:${address.port}`;

const options = {
  baseURL,
  secret: 'bench-secret-key-that-is-long-enough-0123456789',
  database: pool,
  emailAndPassword: { enabled: true },
  plugins: [bearer()],
  // The load comes from one address: its limiter would measure itself (as RATE_LIMIT_ENABLED=false for Roster).
  rateLimit: { enabled: false },
  session: cookieCache ? { cookieCache: { enabled: true, maxAge: 5 * 60 } } : {},
  telemetry: { enabled: false },
  trustedOrigins: [baseURL],
};
const { runMigrations } = await getMigrations(options);
await runMigrations();

const auth = betterAuth(options);
server.on('request', toNodeHandler(auth));
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
