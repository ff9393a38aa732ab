/**
 * Benchmark harness: a fresh database on the configured PostgreSQL, the real
 * service as its own process (`node dist/src/main.js`), its RSS sampled from
 * /proc, a progress line while running, and results merged into
 * bench/results/latest.json. Loopback only; every loop is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { Client, Pool } from 'pg';
import { migrateWithLock } from '../../src/database/migrate';
import { dropRedisPrefix } from '../../test/support/redis-prefix';
import { dropLeftoverDatabases, dropLeftoverPrefixes, runTag } from './leftovers';
import { priceBookBody } from './workload';

export const ROOT = resolve(__dirname, '../../..');
export const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
export const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function progress(line: string): void {
  process.stderr.write(`\r\x1b[K${line}`);
}
export function progressDone(): void {
  process.stderr.write('\r\x1b[K');
}

async function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => ok(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export interface BenchDb {
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** application_name of the bench's own connections (its polling, the COPY limit). */
export const BENCH_APPLICATION_NAME = 'billing-bench';

const DATABASE_STEM = 'billing_bench_';
/** BullMQ prefixes of bench runs start with this (`benchPrefix`). */
export const PREFIX_STEM = 'bench';

let leftoversDropped: Promise<void> | null = null;
/**
 * Once per process: removes what killed benches left on this machine (their
 * databases and BullMQ keys: bench/lib/leftovers.ts), and says so.
 */
function dropLeftovers(): Promise<void> {
  leftoversDropped ??= (async () => {
    const dbs = await dropLeftoverDatabases(SERVER_URL, DATABASE_STEM);
    const prefixes = await dropLeftoverPrefixes(REDIS_URL, PREFIX_STEM).catch(() => []);
    if (dbs.length + prefixes.length > 0)
      console.log(
        `bench: removed what killed benches left: databases ${dbs.join(', ') || '-'}; ` +
          `Redis prefixes ${prefixes.join(', ') || '-'}`,
      );
  })();
  return leftoversDropped;
}

export async function freshDatabase(): Promise<BenchDb> {
  await dropLeftovers();
  const name = `${DATABASE_STEM}${runTag()}`;
  const admin = new Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(SERVER_URL);
  u.pathname = `/${name}`;
  const url = u.toString();
  await serviceMigrations()({
    databaseUrl: url,
    poolSize: 1,
    connectTimeoutMs: 5000,
    statementTimeoutMs: 600_000,
  });
  // named, so the bench's own backends can be metered apart from the service's
  const pool = new Pool({
    connectionString: url,
    max: 8,
    application_name: BENCH_APPLICATION_NAME,
  });
  // drop() ends the pool, then drops the database WITH (FORCE): a backend
  // that has not exited yet is terminated, and the pool re-emits its FATAL,
  // which must not crash the bench (a query's own error still rejects it).
  pool.on('error', () => undefined);
  return {
    url,
    pool,
    drop: async () => {
      await pool.end();
      const c = new Client({ connectionString: SERVER_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * The migration runner of the service under test, so the database has that
 * service's schema: under `bench:ab` (`BENCH_SERVICE_MAIN`) an older
 * revision's, which may differ from the one this bench was built with.
 */
function serviceMigrations(): typeof migrateWithLock {
  const own = join(dirname(serviceEntry()), 'database/migrate.js');
  if (!existsSync(own)) return migrateWithLock;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(own) as { migrateWithLock: typeof migrateWithLock }).migrateWithLock;
}

/** RSS of a process in bytes, from /proc (Linux). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  return kb ? Number(kb[1]) * 1024 : 0;
}

/**
 * Creates the global price book of the CONTRACT §2 example, in force from
 * `effectiveFrom` (ms), through the service's API; answers its id.
 */
export async function postPriceBook(baseUrl: string, effectiveFrom: number): Promise<string> {
  const res = await fetch(`${baseUrl}/v1/price-books`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(priceBookBody(new Date(effectiveFrom).toISOString())),
  });
  if (res.status !== 201) throw new Error(`price book answered ${res.status}`);
  return ((await res.json()) as { id: string }).id;
}
/**
 * The service to run: `BENCH_SERVICE_MAIN` if set, else the copy compiled by
 * the same `tsc -p tsconfig.bench.json` as the benchmarks
 * (dist-bench/src/main.js: the same sources, and no `nest build`, which
 * empties dist/ under anyone else's running tests), else dist/src/main.js.
 */
export function serviceEntry(): string {
  const candidates = [
    process.env.BENCH_SERVICE_MAIN,
    resolve(__dirname, '../../src/main.js'),
    join(ROOT, 'dist/src/main.js'),
  ].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error('run `npm run bench:build` (or `npm run build`) first');
  return found;
}

export interface Service {
  child: ChildProcess;
  baseUrl: string;
  /** Peak RSS seen since the last reset (sampled every 50 ms). */
  peakRss(): number;
  resetPeak(): void;
  stop(): Promise<void>;
}

export async function startService(
  db: BenchDb,
  env: Record<string, string> = {},
): Promise<Service> {
  const entry = serviceEntry();
  const port = await freePort();
  // a prefix of its own unless the bench gives one (and then drops it itself)
  const ownPrefix = env.BULLMQ_PREFIX === undefined ? `${PREFIX_STEM}${runTag()}` : null;
  const child = spawn(process.execPath, [entry], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      REDIS_URL,
      PORT: String(port),
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: 'warn',
      ...(ownPrefix === null ? {} : { BULLMQ_PREFIX: ownPrefix }),
      FINALIZE_AFTER_HOURS: '0',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${baseUrl}/health/ready`)).ok) break;
    } catch {
      // starting
    }
    if (i === 299) throw new Error('service did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  let peak = rssOf(child.pid!);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssOf(child.pid!));
    } catch {
      // exited
    }
  }, 50);
  return {
    child,
    baseUrl,
    peakRss: () => peak,
    resetPeak: () => {
      peak = rssOf(child.pid!);
    },
    stop: async () => {
      clearInterval(timer);
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      if (ownPrefix !== null) await dropRedisPrefix(REDIS_URL, ownPrefix);
    },
  };
}

export const machine = () => ({
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
});

export type Figures = Record<string, number | string>;

/** Prints a table and merges the figures into bench/results/latest.json. */
export function report(name: string, figures: Figures): void {
  console.log(`\n${name}`);
  for (const [k, v] of Object.entries(figures))
    console.log(
      `  ${k.padEnd(38)} ${typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 2 }) : v}`,
    );
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'latest.json');
  const all = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)
    : {};
  all.machine = machine();
  all[name] = { ...figures, at: new Date().toISOString() };
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
}
