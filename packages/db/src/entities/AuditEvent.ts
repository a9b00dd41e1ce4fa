import { DateTimeType, EntitySchema, type Opt } from '@mikro-orm/core';

/** What happened, to whom, by whom. Never a password or a hash; after a hard delete only the ids remain. */
export class AuditEvent {
  id!: number;
  at!: Opt<Date>;
  /** Who did it (null: anonymous, e.g. a failed login for an unknown account). */
  actorId: number | null = null;
  /** Whom it concerned. Plain ids, no foreign keys: events outlive the accounts they name. */
  targetId: number | null = null;
  action!: string;
  ip: string | null = null;
  userAgent: string | null = null;
  /** What changed ({field: [before, after]}) or why (e.g. {reason: 'bad_password'}), as JSON. */
  details: Record<string, unknown> | null = null;
}

export const AuditEventSchema = new EntitySchema<AuditEvent>({
  class: AuditEvent,
  tableName: 'audit_events',
  indexes: [
    { name: 'audit_events_at_id_index', properties: ['at', 'id'] },
    { name: 'audit_events_actor_id_at_index', properties: ['actorId', 'at'] },
    { name: 'audit_events_target_id_at_index', properties: ['targetId', 'at'] },
    { name: 'audit_events_action_at_index', properties: ['action', 'at'] },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    at: { type: DateTimeType, onCreate: () => new Date() },
    actorId: { type: 'integer', nullable: true },
    targetId: { type: 'integer', nullable: true },
    action: { type: 'string', length: 64 },
    ip: { type: 'string', length: 64, nullable: true },
    userAgent: { type: 'string', length: 512, nullable: true },
    details: { type: 'json', nullable: true },
  },
});
