import 'reflect-metadata';
import { resolve } from 'node:path';
import { ConfigError, parseEnv } from '../src/config/env.schema';
import { migrateWithLock } from '../src/database/migrate';
import { resolveLocalServices } from '../src/infra/local-services';

/** `npm run migration:run`: the same locked migration the service runs on start. */
async function run(): Promise<void> {
  const env = parseEnv(process.env);
  const local = await resolveLocalServices(
    { DATABASE_URL: env.DATABASE_URL, REDIS_URL: env.REDIS_URL ?? 'redis://unused' },
    { dataDir: resolve(env.DATA_DIR), pgPort: env.EMBEDDED_PG_PORT, log: (l) => console.error(l) },
  );
  try {
    const applied = await migrateWithLock({
      databaseUrl: local.databaseUrl,
      poolSize: 1,
      connectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: 10 * 60_000,
    });
    console.error(applied.length ? `applied: ${applied.join(', ')}` : 'no pending migrations');
  } finally {
    await local.stop();
  }
}

run().catch((err: unknown) => {
  console.error(
    err instanceof ConfigError
      ? err.message
      : `Migration failed: ${err instanceof Error ? err.message : String(err)}`,
  );
  process.exit(1);
});
