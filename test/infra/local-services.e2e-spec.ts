import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { ConfigError } from '../../src/config/env.schema';
import { resolveLocalServices } from '../../src/infra/local-services';

const quiet = () => undefined;

describe(resolveLocalServices.name, () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'billing-local-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses both URLs as given and starts nothing', async () => {
    const s = await resolveLocalServices(
      { DATABASE_URL: 'postgres://u@db.example:5432/x', REDIS_URL: 'redis://cache.example:6379' },
      { dataDir: dir, pgPort: 1, log: quiet },
    );
    expect(s).toMatchObject({
      databaseUrl: 'postgres://u@db.example:5432/x',
      redisUrl: 'redis://cache.example:6379',
    });
    await s.stop();
  });

  it('starts redis-server from PATH with AOF and noeviction when nothing answers', async () => {
    const s = await resolveLocalServices(
      { DATABASE_URL: 'postgres://unused@127.0.0.1/x' },
      { dataDir: dir, pgPort: 1, redisPort: 63917, log: quiet },
    );
    const r = new Redis(s.redisUrl, { lazyConnect: true });
    try {
      await r.connect();
      expect(await r.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await r.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      expect(await r.config('GET', 'dir')).toEqual(['dir', join(dir, 'redis')]);
    } finally {
      r.disconnect();
      await s.stop();
    }
  });

  it('stops with one clear line when no Redis answers and redis-server is not on PATH', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const err = await resolveLocalServices(
        { DATABASE_URL: 'postgres://unused@127.0.0.1/x' },
        { dataDir: dir, pgPort: 1, redisPort: 63918, log: quiet },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(
        /^Redis is not answering on 127\.0\.0\.1:63918 .*set REDIS_URL$/,
      );
      expect((err as Error).message).not.toContain('\n');
    } finally {
      process.env.PATH = path;
    }
  });
});
