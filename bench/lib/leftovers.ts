/**
 * What a killed bench leaves behind (its database, its BullMQ keys) is
 * removed by the next bench run on the same machine. Both names carry the pid
 * of the bench process that made them (`runTag`), and a name whose process
 * no longer runs here is a leftover. Only for a PostgreSQL or Redis on
 * loopback: another machine's pids say nothing here, so on a shared server
 * nothing is touched. Names without a pid (older benches) are left alone.
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';
import { dropRedisPrefix } from '../../test/support/redis-prefix';

/** A run's unique tag: the bench's pid and a random part (lowercase, an SQL identifier's tail). */
export const runTag = (): string => `p${process.pid}x${randomBytes(3).toString('hex')}`;

/** The pid in a name made with `runTag` after `stem`, or null when it has none. */
export function pidOfTagged(name: string, stem: string): number | null {
  const m = new RegExp(`^${stem}p(\\d+)x[0-9a-f]+$`).exec(name);
  return m ? Number(m[1]) : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, not ours
  }
}

function onLoopback(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Drops the databases named `<stem><tag>` whose bench is gone. Answers their names. */
export async function dropLeftoverDatabases(serverUrl: string, stem: string): Promise<string[]> {
  if (!onLoopback(serverUrl)) return [];
  const c = new Client({ connectionString: serverUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE starts_with(datname, $1)`,
      [stem],
    );
    const gone = rows
      .map((r) => r.datname)
      .filter((name) => {
        const pid = pidOfTagged(name, stem);
        return pid !== null && pid !== process.pid && !alive(pid);
      });
    for (const name of gone) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    return gone;
  } finally {
    await c.end();
  }
}

/** Removes the keys of BullMQ prefixes `<stem><tag>` whose bench is gone. Answers the prefixes. */
export async function dropLeftoverPrefixes(redisUrl: string, stem: string): Promise<string[]> {
  if (!onLoopback(redisUrl)) return [];
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  const prefixes = new Set<string>();
  try {
    await redis.connect();
    let cursor = '0';
    for (let page = 0; page < 10_000; page++) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${stem}p*:*`, 'COUNT', 1000);
      for (const k of keys) prefixes.add(k.slice(0, k.indexOf(':')));
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    redis.disconnect();
  }
  const gone = [...prefixes].filter((p) => {
    const pid = pidOfTagged(p, stem);
    return pid !== null && pid !== process.pid && !alive(pid);
  });
  for (const p of gone) await dropRedisPrefix(redisUrl, p);
  return gone;
}
