import type { EntityManager } from '@mikro-orm/core';
import {
  closeDatabase,
  migrateDatabase,
  openDatabase,
  RefreshToken,
  Session,
  User,
  type Database,
} from '@roster/db';
import { createTestDatabase, type TestDatabase } from '@roster/testing';
import { decodeJwt } from 'jose';
import { watchUserChanges } from '../auth-invalidation.js';
import { createApiDeps, createContextInner, type ApiDeps, type ApiDepsOptions } from '../context.js';
import { toErrorResponse, type ErrorCode } from '../errors.js';
import { createCaller } from '../root.js';
import { createServices, type Services } from '../unit-of-work.js';
import type { Mailer, MailMessage } from '../mail.js';
import { PasswordHasher } from '../services/passwords.js';
import type { ApiSettings } from '../settings.js';

/** Test-only: a migrated per-file database, API deps over it, and shortcuts for callers and accounts. */

export const TEST_SETTINGS: ApiSettings = {
  argon2: { memoryCost: 19456, timeCost: 2, parallelism: 1 },
  jwt: {
    secret: 'roster-test-secret-0123456789-abcdefghij',
    accessTokenTtlSeconds: 1800,
    issuer: 'roster-test',
    audience: 'roster',
  },
};

export const PASSWORD = 'correct horse battery';

export interface Account {
  id: number;
  email: string;
  username: string;
  token: string;
}

export interface Harness {
  testDb: TestDatabase;
  db: Database;
  deps: ApiDeps;
  /**
   * A caller with a fresh EntityManager (or `em`), as one request would have; `token` becomes a Bearer header.
   */
  caller(token?: string | null, deps?: ApiDeps, em?: EntityManager): ReturnType<typeof createCaller>;
  /** A caller with the raw Authorization header given. */
  callerWithHeader(authorization: string | null): ReturnType<typeof createCaller>;
  /** Registers an account (password PASSWORD unless given) and logs it in. */
  account(
    username: string,
    extra?: { email?: string; password?: string; full_name?: string; bio?: string },
  ): Promise<Account>;
  /** Reads a user row as the database has it now, hash included. */
  row(id: number): Promise<User | null>;
  /** Changes columns directly, bypassing the API (e.g. to make an admin). */
  setColumns(id: number, data: Partial<Pick<User, 'role' | 'isActive' | 'passwordHash'>>): Promise<void>;
  close(): Promise<void>;
}

export async function createHarness(
  settings: ApiSettings = TEST_SETTINGS,
  opts: ApiDepsOptions = {},
): Promise<Harness> {
  const testDb = await createTestDatabase();
  const db = await openDatabase(testDb.url);
  await migrateDatabase(db);
  const deps = createApiDeps(db.orm, settings, opts);
  watchUserChanges(db.orm, deps.authCache);

  const callerWithHeader = (authorization: string | null, d: ApiDeps = deps, em?: EntityManager) =>
    createCaller(createContextInner({ deps: d, authorization, ...(em ? { forkEm: () => em } : {}) }));
  const caller = (token?: string | null, d: ApiDeps = deps, em?: EntityManager) =>
    callerWithHeader(token ? `Bearer ${token}` : null, d, em);

  return {
    testDb,
    db,
    deps,
    caller,
    callerWithHeader: (authorization) => callerWithHeader(authorization),
    async account(username, extra = {}) {
      const email = extra.email ?? `${username.toLowerCase()}@example.com`;
      const password = extra.password ?? PASSWORD;
      const { email: _e, password: _p, ...profile } = extra;
      const user = registered(await caller().auth.register({ email, username, password, ...profile }));
      const { access_token } = await caller().auth.login({ username: email, password });
      return { id: user.id, email: user.email, username: user.username, token: access_token };
    },
    row(id) {
      return db.orm.em.fork().findOne(User, { id }, { populate: ['passwordHash'] });
    },
    async setColumns(id, data) {
      const em = db.orm.em.fork();
      const user = await em.findOneOrFail(User, { id });
      em.assign(user, data);
      await em.flush();
    },
    async close() {
      await closeDatabase(db);
      await testDb.drop();
    },
  };
}

/** The services of one unit of work over a fresh EntityManager, as a procedure call would have them. */
export function servicesOf(h: Harness, request: { ip?: string; userAgent?: string } = {}): Services {
  return createServices(h.deps, h.db.orm.em.fork(), {
    ip: request.ip ?? null,
    userAgent: request.userAgent ?? null,
  });
}

/** A Mailer that keeps what it is given: the test's inbox. */
export class Inbox implements Mailer {
  readonly messages: MailMessage[] = [];

  send(message: MailMessage): Promise<void> {
    this.messages.push(message);
    return Promise.resolve();
  }

  /** The messages sent to `to`, oldest first. */
  to(to: string): MailMessage[] {
    return this.messages.filter((m) => m.to === to);
  }

  /** The token in the link of the last message to `to` (`#token=…`); fails when there is none. */
  tokenFor(to: string): string {
    const text = this.to(to).at(-1)?.text ?? '';
    const match = /#token=([A-Za-z0-9_-]+)/.exec(text);
    if (!match?.[1]) throw new Error(`no link mailed to ${to}`);
    return match[1];
  }
}

/** The session id (`sid`) an access token is bound to. */
export function sessionIdOf(accessToken: string): string {
  return decodeJwt(accessToken).sid as string;
}

/** The rows of a session and its refresh-token chain as the database has them now (chain oldest first). */
export async function sessionRows(
  h: Harness,
  sessionId: string,
): Promise<{ session: Session | null; chain: RefreshToken[] }> {
  const em = h.db.orm.em.fork();
  const session = await em.findOne(Session, { id: sessionId });
  const chain = await em.find(RefreshToken, { sessionId }, { orderBy: { id: 'asc' } });
  return { session, chain };
}

/** The error code the client would see for a rejection (via toErrorResponse); fails loudly when it resolves. */
export async function errorCodeOf(promise: Promise<unknown>): Promise<ErrorCode> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection, got a result');
    },
    (e: unknown) => e,
  );
  return toErrorResponse(error).body.code;
}

/** A meeting point: each call waits until `count` calls have arrived, then all go on together. */
export function barrier(count: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const everyone = new Promise<void>((resolve) => (release = resolve));
  return () => {
    arrived += 1;
    if (arrived >= count) release();
    return everyone;
  };
}

/**
 * A real argon2 hasher that holds each hash at `wait`. Registration hashes between its uniqueness pre-check
 * and its INSERT, so concurrent registrations all pass the pre-check and meet at the database's unique index.
 */
export class LockstepHasher extends PasswordHasher {
  constructor(
    params: ApiSettings['argon2'],
    private readonly wait: () => Promise<void>,
  ) {
    super(params);
  }

  override async hash(password: string): Promise<string> {
    await this.wait();
    return super.hash(password);
  }
}

/** The account record a registration answered with (the default mode; fails on a 202-style acceptance). */
export function registered<T extends object>(result: T | { detail: string }): T {
  if (!('id' in result)) throw new Error(`registration only accepted: ${JSON.stringify(result)}`);
  return result as T;
}
