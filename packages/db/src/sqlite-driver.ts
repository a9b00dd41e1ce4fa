import type { Configuration } from '@mikro-orm/core';
import { SqliteConnection, SqliteDriver, type Knex } from '@mikro-orm/sqlite';

/**
 * A SQLite connection whose pool comes from its own options. MikroORM's SQLite connection reads the pool (and the
 * file) from the main configuration, so a read replica (config.ts's read pool) would get the writer's single
 * connection without the pragmas of a reader.
 */
class SqliteReadConnection extends SqliteConnection {
  protected override getKnexOptions(type: string): Knex.Config {
    const options = super.getKnexOptions(type);
    return this.type === 'read' && this.options.pool ? { ...options, pool: this.options.pool } : options;
  }
}

/** MikroORM's SQLite driver, with read replicas that are pools of their own (see config.ts). */
export class PooledSqliteDriver extends SqliteDriver {
  constructor(config: Configuration) {
    super(config);
    // The replicas are made (not yet connected) by the constructor: made again with the connection above.
    const replicas = this.createReplicas((conf) => new SqliteReadConnection(this.config, conf, 'read'));
    this.replicas.splice(0, this.replicas.length, ...replicas);
  }
}
