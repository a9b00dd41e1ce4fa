import type { EntityManager } from '@mikro-orm/core';
import { AuditEvent } from '@roster/db';

export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export interface AuditEntry {
  actorId?: number | null;
  targetId?: number | null;
  /** {field: [before, after]} for changes, or the why of an event. Never a password or a hash. */
  details?: Record<string, unknown> | null;
}

/** The columns of an audit event but its id and time. */
export type AuditRow = Pick<AuditEvent, 'action' | 'actorId' | 'targetId' | 'ip' | 'userAgent' | 'details'>;

/** An admin acting as the account (impersonation), and why. */
export interface Impersonating {
  impersonatorId: number;
  reason: string;
}

/** Values that must never reach the audit log, whatever a caller passes. */
const SECRET_KEYS = /password|hash|token|secret/i;

function scrub(details: Record<string, unknown> | null | undefined): Record<string, unknown> | null {
  if (!details) return null;
  return Object.fromEntries(Object.entries(details).filter(([key]) => !SECRET_KEYS.test(key)));
}

/**
 * The audit log. `record` only persists: the event is written by the same flush (one transaction) as the change
 * it describes, so if one is rolled back so is the other.
 */
export class AuditService {
  /** Set when the unit of work runs under an impersonation token: every event it records says so. */
  private impersonation: Impersonating | null = null;

  constructor(
    private readonly em: EntityManager,
    private readonly request: RequestMeta,
  ) {}

  /** From now on, this unit of work's events name the admin acting as the account, and why. */
  impersonatedBy(impersonation: Impersonating): void {
    this.impersonation = impersonation;
  }

  /** The row of an event as `record` writes it: the request's address and agent, details scrubbed. */
  row(action: string, entry: AuditEntry = {}): AuditRow {
    return {
      action,
      actorId: entry.actorId ?? null,
      targetId: entry.targetId ?? null,
      ip: this.request.ip?.slice(0, 64) ?? null,
      userAgent: this.request.userAgent?.slice(0, 512) ?? null,
      details: scrub(
        this.impersonation
          ? {
              ...entry.details,
              impersonator_id: this.impersonation.impersonatorId,
              impersonation_reason: this.impersonation.reason,
            }
          : entry.details,
      ),
    };
  }

  /** Persists an event in `em` (the request's unit of work unless another is given); the next flush writes it. */
  record(action: string, entry: AuditEntry = {}, em: EntityManager = this.em): AuditEvent {
    const event = em.create(AuditEvent, this.row(action, entry));
    em.persist(event);
    return event;
  }
}

/** {field: [before, after]} for the fields whose value differs. */
export function diff<T extends Record<string, unknown>>(
  before: T,
  after: Partial<T>,
): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(after)) {
    if (value !== undefined && before[key] !== value) changes[key] = [before[key], value];
  }
  return changes;
}

/**
 * Runs `work` in one database transaction on this EntityManager; everything it persisted commits together. Inside
 * a transaction already, `work` joins it (MikroORM would otherwise open a second, independent one).
 */
export async function inTransaction<T>(em: EntityManager, work: () => Promise<T>): Promise<T> {
  if (em.isInTransaction()) return work();
  await em.begin();
  try {
    const result = await work();
    await em.commit();
    return result;
  } catch (error) {
    // A rollback that fails too (the connection died under the transaction: knex then says "Transaction query
    // already complete") must not hide why the work failed: that is what the caller is told.
    await em.rollback().catch(() => undefined);
    throw error;
  }
}
