import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { migrations } from '../../migrations';
import { entities } from './entities';

export interface DbSettings {
  databaseUrl: string;
  poolSize: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  applicationName?: string;
}

/**
 * One place for connection settings. node-postgres has no timeouts by default,
 * so a hung primary would hang every request: connect, statement and query
 * timeouts are always set. Schema comes from migrations only (never synchronize).
 */
export function dataSourceOptions(s: DbSettings): PostgresConnectionOptions {
  return {
    type: 'postgres',
    url: s.databaseUrl,
    entities,
    migrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    poolSize: s.poolSize,
    applicationName: s.applicationName ?? 'iaas-billing',
    connectTimeoutMS: s.connectTimeoutMs,
    extra: {
      statement_timeout: s.statementTimeoutMs,
      query_timeout: s.statementTimeoutMs + 5000,
      idle_in_transaction_session_timeout: s.statementTimeoutMs * 2,
      keepAlive: true,
    },
  };
}
