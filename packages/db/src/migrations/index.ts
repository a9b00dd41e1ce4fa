import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261125000000Users as PgUsers } from './postgresql/Migration20261125000000Users.js';
import { Migration20261125010000Admin as PgAdmin } from './postgresql/Migration20261125010000Admin.js';
import { Migration20261125020000Sessions as PgSessions } from './postgresql/Migration20261125020000Sessions.js';
import { Migration20261125050000Search as PgSearch } from './postgresql/Migration20261125050000Search.js';
import { Migration20261203000000FoldedName as PgFoldedName } from './postgresql/Migration20261203000000FoldedName.js';
import { Migration20261204000000Mfa as PgMfa } from './postgresql/Migration20261204000000Mfa.js';
import { Migration20261205000000Webhooks as PgWebhooks } from './postgresql/Migration20261205000000Webhooks.js';
import { Migration20261206000000ApiKeys as PgApiKeys } from './postgresql/Migration20261206000000ApiKeys.js';
import { Migration20261206010000Impersonation as PgImpersonation } from './postgresql/Migration20261206010000Impersonation.js';
import { Migration20261207030000ListIndexes as PgListIndexes } from './postgresql/Migration20261207030000ListIndexes.js';
import { Migration20261208000000WebhookAttempts as PgWebhookAttempts } from './postgresql/Migration20261208000000WebhookAttempts.js';
import { Migration20261209000000SearchGrams as PgSearchGrams } from './postgresql/Migration20261209000000SearchGrams.js';
import { Migration20261125000000Users as SqliteUsers } from './sqlite/Migration20261125000000Users.js';
import { Migration20261125010000Admin as SqliteAdmin } from './sqlite/Migration20261125010000Admin.js';
import { Migration20261125020000Sessions as SqliteSessions } from './sqlite/Migration20261125020000Sessions.js';
import { Migration20261125050000Search as SqliteSearch } from './sqlite/Migration20261125050000Search.js';
import { Migration20261126000000SearchIndex as SqliteSearchIndex } from './sqlite/Migration20261126000000SearchIndex.js';
import { Migration20261203000000FoldedName as SqliteFoldedName } from './sqlite/Migration20261203000000FoldedName.js';
import { Migration20261204000000Mfa as SqliteMfa } from './sqlite/Migration20261204000000Mfa.js';
import { Migration20261205000000Webhooks as SqliteWebhooks } from './sqlite/Migration20261205000000Webhooks.js';
import { Migration20261206000000ApiKeys as SqliteApiKeys } from './sqlite/Migration20261206000000ApiKeys.js';
import { Migration20261206010000Impersonation as SqliteImpersonation } from './sqlite/Migration20261206010000Impersonation.js';
import { Migration20261207030000ListIndexes as SqliteListIndexes } from './sqlite/Migration20261207030000ListIndexes.js';
import { Migration20261208000000WebhookAttempts as SqliteWebhookAttempts } from './sqlite/Migration20261208000000WebhookAttempts.js';
import { Migration20261209000000SearchGrams as SqliteSearchGrams } from './sqlite/Migration20261209000000SearchGrams.js';

/** Ordered, committed migrations per dialect. Append new ones; never edit one that has shipped. */
export const postgresqlMigrations: MigrationObject[] = [
  { name: 'Migration20261125000000Users', class: PgUsers },
  { name: 'Migration20261125010000Admin', class: PgAdmin },
  { name: 'Migration20261125020000Sessions', class: PgSessions },
  { name: 'Migration20261125050000Search', class: PgSearch },
  { name: 'Migration20261203000000FoldedName', class: PgFoldedName },
  { name: 'Migration20261204000000Mfa', class: PgMfa },
  { name: 'Migration20261205000000Webhooks', class: PgWebhooks },
  { name: 'Migration20261206000000ApiKeys', class: PgApiKeys },
  { name: 'Migration20261206010000Impersonation', class: PgImpersonation },
  { name: 'Migration20261207030000ListIndexes', class: PgListIndexes },
  { name: 'Migration20261208000000WebhookAttempts', class: PgWebhookAttempts },
  { name: 'Migration20261209000000SearchGrams', class: PgSearchGrams },
];
export const sqliteMigrations: MigrationObject[] = [
  { name: 'Migration20261125000000Users', class: SqliteUsers },
  { name: 'Migration20261125010000Admin', class: SqliteAdmin },
  { name: 'Migration20261125020000Sessions', class: SqliteSessions },
  { name: 'Migration20261125050000Search', class: SqliteSearch },
  { name: 'Migration20261126000000SearchIndex', class: SqliteSearchIndex },
  { name: 'Migration20261203000000FoldedName', class: SqliteFoldedName },
  { name: 'Migration20261204000000Mfa', class: SqliteMfa },
  { name: 'Migration20261205000000Webhooks', class: SqliteWebhooks },
  { name: 'Migration20261206000000ApiKeys', class: SqliteApiKeys },
  { name: 'Migration20261206010000Impersonation', class: SqliteImpersonation },
  { name: 'Migration20261207030000ListIndexes', class: SqliteListIndexes },
  { name: 'Migration20261208000000WebhookAttempts', class: SqliteWebhookAttempts },
  { name: 'Migration20261209000000SearchGrams', class: SqliteSearchGrams },
];
