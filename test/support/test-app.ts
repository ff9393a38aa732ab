import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '../../src/app.factory';
import { parseEnv, type AppConfig } from '../../src/config/env.schema';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { migrateWithLock } from '../../src/database/migrate';
import { dropRedisPrefix } from './redis-prefix';
import { COUNT_PENDING_RESOURCES } from '../../src/rating/rating.repository';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

function serverUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run through jest (global setup)');
  return url;
}

/** A fresh, migrated database of its own for one test file. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `billing_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  await migrateWithLock({
    databaseUrl: url.toString(),
    poolSize: 1,
    connectTimeoutMs: 5000,
    statementTimeoutMs: 60000,
  });
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: serverUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * A TypeORM DataSource on a test database, initialized, with the service's own
 * options (migrations included): for tests of migrations and of statements
 * run outside the app. The caller destroys it.
 */
export async function testDataSource(url: string, poolSize = 1): Promise<DataSource> {
  const ds = new DataSource(
    dataSourceOptions({
      databaseUrl: url,
      poolSize,
      connectTimeoutMs: 5000,
      statementTimeoutMs: 60000,
    }),
  );
  return ds.initialize();
}

/**
 * Undoes the applied migrations, newest first, down to and including `name`
 * (a migration's `name`), so a test of one migration's `down` does not
 * depend on how many were added after it.
 */
export async function undoMigrationsThrough(ds: DataSource, name: string): Promise<void> {
  for (;;) {
    const [last]: { name: string }[] = await ds.query(
      'SELECT name FROM migrations ORDER BY id DESC LIMIT 1',
    );
    if (last === undefined) throw new Error(`migration ${name} is not applied`);
    await ds.undoLastMigration({ transaction: 'each' });
    if (last.name === name) return;
  }
}

/**
 * For a test of a migration: a fresh migrated database per `describe`, a
 * client on it and a data source that can undo and re-run migrations
 * (registers its own beforeAll / afterAll; the fields are set from then on).
 */
export function migrationTestDatabase(): { client: Client; ds: DataSource } {
  const ctx = {} as { client: Client; ds: DataSource };
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase();
    ctx.client = new Client({ connectionString: db.url });
    await ctx.client.connect();
    ctx.ds = await testDataSource(db.url);
  });
  afterAll(async () => {
    await ctx.ds.destroy();
    await ctx.client.end();
    await db.drop();
  });
  return ctx;
}

export interface TestApp {
  app: NestFastifyApplication;
  /** supertest against the real listening HTTP server. */
  http: TestAgent;
  baseUrl: string;
  /** A direct connection pool to the test database, for assertions. */
  db: Pool;
  config: AppConfig;
  /** Resolves once no resource is waiting to be rated (rating runs in-process with ROLE=all). */
  ratingSettled(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real application on a real port, over its own database and the test
 * Redis (its own BullMQ prefix). Pass `shareWith` to run a second app (e.g.
 * ROLE=worker beside ROLE=api) over the same database and queues.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  shareWith?: TestApp,
): Promise<TestApp> {
  const database = shareWith
    ? { url: shareWith.config.databaseUrl, drop: async () => undefined }
    : await createTestDatabase();
  const prefix = shareWith?.config.BULLMQ_PREFIX ?? `t${randomBytes(4).toString('hex')}`;
  const config: AppConfig = {
    ...parseEnv({
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: 'silent',
      BULLMQ_PREFIX: prefix,
      // Off unless a test asks for it: the worker's scheduled run uses the real
      // clock, by which the tests' 2026 periods are due, and could finalize
      // one in the middle of a test that expects it open.
      FINALIZE_AFTER_HOURS: '0',
      ...env,
    }),
    databaseUrl: database.url,
    redisUrl: process.env.TEST_REDIS_URL!,
  };
  const app = await createApp(config, { logs: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  const db = new Pool({ connectionString: database.url, max: 2 });
  return {
    app,
    http: request(baseUrl),
    baseUrl,
    db,
    config,
    ratingSettled: async (timeoutMs = 20_000) => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const { rows } = await db.query<{ any: boolean }>(
          'SELECT EXISTS (SELECT FROM rating_marks) AS any',
        );
        if (!rows[0].any) return;
        if (Date.now() > until) {
          const { rows: left } = await db.query<{ n: number }>(COUNT_PENDING_RESOURCES);
          throw new Error(`${left[0].n} resources still unrated after ${timeoutMs} ms`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: async () => {
      await app.close();
      // pool.end() resolves before its sockets have closed: the DROP … WITH
      // (FORCE) below may still terminate a backend of ours, whose FATAL then
      // reaches an idle client. Expected here, so not an unhandled error.
      db.on('error', () => undefined);
      await db.end();
      await database.drop();
      // The owner of the prefix removes its queues' keys (job schedulers
      // included), so test runs leave nothing in the shared test Redis.
      if (!shareWith) await dropRedisPrefix(config.redisUrl, prefix);
    },
  };
}
