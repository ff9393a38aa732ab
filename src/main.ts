import 'reflect-metadata';
import { resolve } from 'node:path';
import { createApp } from './app.factory';
import { ConfigError, parseEnv, type AppConfig } from './config/env.schema';
import { migrateWithLock } from './database/migrate';
import { serverSettingsWarnings } from './database/server-settings';
import { resolveLocalServices } from './infra/local-services';
import { LifecycleService } from './lifecycle/lifecycle.service';

const say = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Boot: validate the environment (one clear line on a bad value), resolve
 * PostgreSQL and Redis (embedded or local defaults when their URLs are unset),
 * apply migrations under an advisory lock, warn about server settings that
 * slow the service down over time, then serve.
 */
/** How long in-flight requests and jobs get to finish once the service stops accepting. */
const DRAIN_LIMIT_MS = 25_000;

async function main(): Promise<void> {
  const env = parseEnv(process.env);
  const local = await resolveLocalServices(env, {
    dataDir: resolve(env.DATA_DIR),
    pgPort: env.EMBEDDED_PG_PORT,
    log: (l) => say(`[boot] ${l}`),
  });
  const config: AppConfig = { ...env, databaseUrl: local.databaseUrl, redisUrl: local.redisUrl };
  const applied = await migrateWithLock({
    databaseUrl: config.databaseUrl,
    poolSize: 1,
    connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: 10 * 60_000,
  });
  if (applied.length > 0) say(`[boot] applied migrations: ${applied.join(', ')}`);
  for (const w of await serverSettingsWarnings(config.databaseUrl, config.DB_CONNECT_TIMEOUT_MS))
    say(`[boot] warning: ${w}`);
  if (!config.ADMIN_API_KEY)
    say('[boot] ADMIN_API_KEY is not set: admin endpoints answer 401 until it is');
  const app = await createApp(config);
  await app.listen({ port: config.PORT, host: '0.0.0.0' });
  say(`[boot] listening on :${config.PORT} (role ${config.ROLE})`);

  // SIGTERM/SIGINT: stop accepting, let in-flight work finish (app.close runs
  // every module's shutdown hook), stop what we started, exit 0.
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`[shutdown] ${signal}: draining (readiness is red)`);
    app.get(LifecycleService).startDraining();
    // Keep serving while load balancers notice readiness is red, then stop
    // accepting, finish in-flight requests and jobs, close pools. The drain
    // gets DRAIN_LIMIT_MS from its start, after the delay: counted from the
    // signal, a SHUTDOWN_DELAY_MS over that limit meant no drain at all.
    new Promise((r) => setTimeout(r, config.SHUTDOWN_DELAY_MS))
      .then(() => {
        setTimeout(() => {
          say('[shutdown] grace period over, exiting');
          process.exit(1);
        }, DRAIN_LIMIT_MS).unref();
        return app.close();
      })
      .then(() => local.stop())
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        say(`[shutdown] failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) say(err.message);
  else say(`Startup failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
