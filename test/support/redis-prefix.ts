import Redis from 'ioredis';

/**
 * Deletes every Redis key under a BullMQ prefix (queues, jobs, job
 * schedulers), so a test or bench run leaves nothing behind. Best effort
 * and bounded (SCAN pages of 500, at most 10,000 pages): a leftover prefix
 * is harmless. Answers how many keys went. Shared by the tests
 * (test-app.ts) and the benches (bench/lib/util.ts).
 */
export async function dropRedisPrefix(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  let deleted = 0;
  try {
    await redis.connect();
    let cursor = '0';
    for (let page = 0; page < 10_000; page++) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) deleted += await redis.unlink(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
  } catch {
    // best effort
  } finally {
    redis.disconnect();
  }
  return deleted;
}
