import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { dropRedisPrefix } from '../support/redis-prefix';

const root = resolve(__dirname, '../..');
const main = join(root, 'dist/src/main.js');
const BOOT_PREFIX = `boot${process.pid}`;

/** Runs the built service the way `npm start` does, with the given environment. */
function startService(env: Record<string, string | undefined>): {
  child: ChildProcess;
  output: () => string;
} {
  const base = { ...process.env };
  delete base.DATABASE_URL;
  delete base.REDIS_URL;
  let out = '';
  const child = spawn(process.execPath, [main], {
    env: { ...base, LOG_LEVEL: 'warn', ...env },
    cwd: root,
  });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((r) =>
    child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code)),
  );

async function waitForHttp(url: string, timeoutMs: number): Promise<Response> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(url);
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe('service boot (npm start)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'billing-boot-'));
    chmodSync(dataDir, 0o755); // PostgreSQL runs as its own user when we are root
  }, 120_000);
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await dropRedisPrefix(process.env.TEST_REDIS_URL!, BOOT_PREFIX);
  });

  it('with DATABASE_URL unset runs an embedded PostgreSQL, migrates, answers health, and stops it on SIGTERM', async () => {
    const pgPort = 54393;
    const { child, output } = startService({
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(pgPort),
      PORT: '39117',
      REDIS_URL: process.env.TEST_REDIS_URL,
      BULLMQ_PREFIX: BOOT_PREFIX, // not BullMQ's default: nothing left under it
    });
    try {
      const live = await waitForHttp('http://127.0.0.1:39117/health/live', 90_000);
      expect(live.status).toBe(200);
      const ready = await fetch('http://127.0.0.1:39117/health/ready');
      expect(await ready.json()).toMatchObject({
        status: 'ok',
        details: { postgres: { status: 'up' }, redis: { status: 'up' } },
      });
      const db = new Client({
        connectionString: `postgres://postgres:embedded@127.0.0.1:${pgPort}/postgres`,
      });
      await db.connect();
      const tables = await db.query("SELECT to_regclass('price_book_versions') AS t");
      await db.end();
      expect(tables.rows[0].t).toBe('price_book_versions');
      expect(output()).toContain(`embedded PostgreSQL started on 127.0.0.1:${pgPort}`);
      // no process warning (deprecations and the like, "(node:PID) [CODE] …") at boot
      expect(output()).not.toMatch(/\(node:\d+\)/);
      // the embedded PostgreSQL runs with autovacuum (its default): no settings warning
      expect(output()).not.toContain('[boot] warning');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited(child)).toBe(0);
    const after = new Client({
      connectionString: `postgres://postgres:embedded@127.0.0.1:${pgPort}/postgres`,
      connectionTimeoutMillis: 1000,
    });
    await expect(after.connect()).rejects.toThrow();
  }, 150_000);

  it.each([
    [
      'PORT',
      'abc',
      /^Invalid configuration: PORT must be an integer between 1 and 65535 \(got "abc"\)$/,
    ],
    [
      'RATING_CONCURRENCY',
      '0',
      /^Invalid configuration: RATING_CONCURRENCY must be an integer between 1 and 64 \(got "0"\)$/,
    ],
    [
      'STATEMENT_CACHE_MB',
      '-1',
      /^Invalid configuration: STATEMENT_CACHE_MB must be an integer between 0 and 65536 \(got "-1"\)$/,
    ],
    [
      'ROLE',
      'boss',
      /^Invalid configuration: ROLE must be one of api, worker, all \(got "boss"\)$/,
    ],
    [
      'DATABASE_URL',
      'mysql://x',
      /^Invalid configuration: DATABASE_URL must be a URL with scheme postgres:\/\/ or postgresql:\/\/$/,
    ],
    [
      'ADMIN_API_KEY',
      'short',
      /^Invalid configuration: ADMIN_API_KEY must be at least 16 characters$/,
    ],
  ])('stops with one line naming %s when it is invalid', async (name, value, line) => {
    const { child, output } = startService({
      [name]: value,
      REDIS_URL: 'redis://127.0.0.1:1',
      DATABASE_URL: 'postgres://x@127.0.0.1:1/x',
      ...{ [name]: value },
    });
    expect(await exited(child)).toBe(1);
    const lines = output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
  });
});
