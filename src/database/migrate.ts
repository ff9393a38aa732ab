import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, type DbSettings } from './data-source-options';

/** Advisory lock key shared by every replica that migrates ("billing-migrations"). */
const MIGRATION_LOCK_KEY = 4_711_001;

/**
 * Applies pending migrations while holding a session-level advisory lock on a
 * dedicated connection, so replicas starting together migrate one at a time:
 * the first applies them, the others wait and then find nothing to do. If the
 * process dies, PostgreSQL releases the lock with the connection. Each
 * migration runs in its own transaction.
 */
export async function migrateWithLock(settings: DbSettings): Promise<string[]> {
  const lock = new Client({
    connectionString: settings.databaseUrl,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    application_name: 'iaas-billing-migrate',
  });
  // a connection error surfaces in the next query; never an unhandled 'error' event
  lock.on('error', () => undefined);
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const ds = new DataSource({ ...dataSourceOptions(settings), poolSize: 1 });
    await ds.initialize();
    try {
      const applied = await ds.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await ds.destroy();
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.end().catch(() => undefined);
  }
}
