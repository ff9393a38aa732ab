import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseEnv } from '../../src/config/env.schema';
import { resolveLocalServices, type LocalServices } from '../../src/infra/local-services';

declare global {
  var __billingLocalServices: LocalServices | undefined;
}

/**
 * Same defaults as `npm start`: with DATABASE_URL / REDIS_URL set, the tests
 * use those servers (each test file creates its own database there); unset,
 * an embedded PostgreSQL under .data/test and a local or spawned Redis.
 */
export default async function globalSetup(): Promise<void> {
  // Tests that run the service as a process (boot, multi-worker, SIGKILL) use the build.
  execFileSync('npx', ['nest', 'build'], { cwd: resolve(__dirname, '../..'), stdio: 'inherit' });
  const env = parseEnv(process.env);
  const services = await resolveLocalServices(env, {
    dataDir: resolve(__dirname, '../../.data/test'),
    pgPort: Number(process.env.TEST_EMBEDDED_PG_PORT ?? 54339),
    log: (l) => process.stderr.write(`[test setup] ${l}\n`),
  });
  globalThis.__billingLocalServices = services;
  process.env.TEST_DATABASE_URL = services.databaseUrl;
  process.env.TEST_REDIS_URL = services.redisUrl;
}
