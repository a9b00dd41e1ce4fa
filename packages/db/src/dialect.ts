import type { EntityManager } from '@mikro-orm/core';
import { PostgreSqlPlatform } from '@mikro-orm/postgresql';
import type { DatabaseKind } from './config.js';

/** Which SQL dialect an EntityManager speaks, for the few queries that differ (date bucketing). */
export function dialectOf(em: EntityManager): DatabaseKind {
  return em.getPlatform() instanceof PostgreSqlPlatform ? 'postgresql' : 'sqlite';
}
