import type { EntityManager } from '@mikro-orm/core';
import { User } from '@roster/db';
import type { AuditRow } from './audit.js';
import { rawTransaction, withRawSql, type RawSql } from './raw-sql.js';
import { toAdminUserOut } from './serialize.js';
import type { OpenedSession } from './sessions.js';
import { newDeliveryId, sessionCreatedEvent, webhookPayload } from './webhook-events.js';
import type { WebhookOutbox } from './webhook-outbox.js';

/**
 * A login's reads and writes, on the hot path of every password login: the account looked up by one statement,
 * and the login's records — last_login_at (and a re-hash), the session, its first refresh token, the audit event
 * and the session.created webhook deliveries — written in one transaction of as few statements as the database
 * allows (PostgreSQL: one, with data-modifying CTEs; SQLite: one per table), committed before the answer. These
 * are the statements the ORM would run, without its unit of work: no entity is hydrated, no change set computed.
 */

/** The lazy column only search reads (in SQL); a login's account needs every other one. */
const SEARCH_ONLY = 'fullNameFolded';

/** The two lookups, built once from the User entity's metadata (so a new column is read without a change here). */
let lookups: { byEmail: string; byUsername: string } | undefined;
function accountLookups(em: EntityManager) {
  if (lookups) return lookups;
  const columns = em
    .getMetadata()
    .get(User.name)
    .props.filter((prop) => prop.persist !== false && prop.name !== SEARCH_ONLY)
    .flatMap((prop) => prop.fieldNames)
    .join(', ');
  lookups = {
    byEmail: `select ${columns} from users where email = ? limit 1`,
    byUsername: `select ${columns} from users where lower(username) = ? limit 1`,
  };
  return lookups;
}

/**
 * The account an email or a username (case-insensitively) names, as `UserService.findByLogin` finds it, with its
 * password hash: a detached User (read-only here; nothing flushes it).
 */
export async function findLoginAccount(em: EntityManager, login: string): Promise<User | null> {
  const value = login.trim().normalize('NFC').toLowerCase();
  const { byEmail, byUsername } = accountLookups(em);
  const [row] = await withRawSql(em, (sql) => sql.all(value.includes('@') ? byEmail : byUsername, [value]));
  if (!row) return null;
  // The values an entity would hold (dates, booleans), mapped from columns by the ORM's metadata.
  return Object.assign(new User(), em.getComparator().mapResult<User>(User.name, row));
}

/** What a completed login writes. */
export interface LoginRecords {
  user: User;
  opened: OpenedSession;
  audit: AuditRow;
  /** A new hash of the password, when the stored one was made with older parameters. */
  passwordHash?: string;
}

const SESSION_COLUMNS = 'id, user_id, created_at, last_used_at, expires_at, ip, user_agent, amr';
const REFRESH_COLUMNS = 'session_id, token_hash, created_at, expires_at';
const AUDIT_COLUMNS = 'at, actor_id, target_id, action, ip, user_agent, details';
const ENDPOINTS = 'select id, events from webhook_endpoints where enabled = ?';
const DELIVERY_COLUMNS =
  'id, endpoint_id, event_type, payload, status, attempts, next_attempt_at, created_at';

function statements(records: LoginRecords, at: Date) {
  const { user, opened, audit, passwordHash } = records;
  const { session } = opened;
  return {
    user: {
      sql: `update users set last_login_at = ?${passwordHash ? ', password_hash = ?' : ''} where id = ?`,
      params: passwordHash ? [at, passwordHash, user.id] : [at, user.id],
    },
    session: {
      sql: `insert into sessions (${SESSION_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?)`,
      params: [
        session.id,
        session.userId,
        session.createdAt,
        session.lastUsedAt,
        session.expiresAt,
        session.ip,
        session.userAgent,
        session.amr,
      ],
    },
    refresh: {
      sql: `insert into refresh_tokens (${REFRESH_COLUMNS}) values (?, ?, ?, ?)`,
      params: [session.id, opened.refreshTokenHash, session.createdAt, opened.refreshExpiresAt],
    },
    audit: {
      sql: `insert into audit_events (${AUDIT_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?)`,
      params: [
        at,
        audit.actorId,
        audit.targetId,
        audit.action,
        audit.ip,
        audit.userAgent,
        audit.details ? JSON.stringify(audit.details) : null,
      ],
    },
  };
}

/** The writes, and the enabled endpoints (`{id, events}`) they may have to tell. */
async function write(sql: RawSql, records: LoginRecords, at: Date) {
  const s = statements(records, at);
  if (sql.kind === 'postgresql') {
    // One statement: PostgreSQL runs the CTEs' writes together (the refresh token's foreign key is checked at
    // the end of the statement, when its session is there).
    return sql.all<{ id: number; events: unknown }>(
      `with u as (${s.user.sql}), s as (${s.session.sql}), r as (${s.refresh.sql}), a as (${s.audit.sql}) ` +
        ENDPOINTS,
      [...s.user.params, ...s.session.params, ...s.refresh.params, ...s.audit.params, true],
    );
  }
  for (const { sql: text, params } of [s.user, s.session, s.refresh, s.audit]) await sql.run(text, params);
  return sql.all<{ id: number; events: unknown }>(ENDPOINTS, [true]);
}

/**
 * Writes a completed login's records in one transaction, committed when this resolves; answers the account as it
 * now is (last_login_at set). The session.created deliveries go to every enabled endpoint subscribed to it, with
 * the account's admin view, as the outbox would write them; the dispatcher is woken after the commit.
 */
export async function writeLoginRecords(
  em: EntityManager,
  records: LoginRecords,
  outbox: Pick<WebhookOutbox, 'wake'>,
): Promise<User> {
  const at = new Date();
  const user = Object.assign(new User(), records.user, { lastLoginAt: at });
  if (records.passwordHash) user.passwordHash = records.passwordHash;
  const queued = await rawTransaction(em, async (sql) => {
    const endpoints = await write(sql, records, at);
    const event = sessionCreatedEvent(records.opened.session);
    const to = endpoints.filter((e) => eventsOf(e.events).includes(event.type));
    if (to.length === 0) return false;
    const payload = webhookPayload(event.type, event.at, { ...toAdminUserOut(user), ...event.extra });
    const values = to.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
    await sql.run(
      `insert into webhook_deliveries (${DELIVERY_COLUMNS}) values ${values}`,
      to.flatMap((e) => [newDeliveryId(), e.id, event.type, payload, 'pending', 0, at, at]),
    );
    return true;
  });
  if (queued) outbox.wake();
  return user;
}

/** An endpoint's `events` column: JSON text on SQLite, parsed by the driver on PostgreSQL. */
function eventsOf(events: unknown): unknown[] {
  const value: unknown = typeof events === 'string' ? JSON.parse(events) : events;
  return Array.isArray(value) ? value : [];
}
