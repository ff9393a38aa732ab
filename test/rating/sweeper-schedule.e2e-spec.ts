import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { RATING_QUEUE } from '../../src/rating/rating.queue';
import { WorkersHost } from '../../src/workers/workers.host';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The sweeper is a BullMQ job scheduler: a chain in Redis in which each
 * run's job creates the next. A Redis failover under Sentinel can lose the
 * job that carries it (fault scenario 12 shows the whole story); each
 * worker process therefore sets the schedulers again periodically. Here
 * the chain is cut by hand and one re-arm must restore exactly one next run.
 */
describe('sweeper schedule: re-armed after Redis lost it', () => {
  let t: TestApp;
  let redis: Redis;
  let queue: Queue;

  // The runs still to come. A run in progress (active) is left out: the
  // scheduler creates the next run as it starts one, so right after boot the
  // first run may still be active beside its successor, and counting it made
  // this test fail now and then.
  const sweeperJobs = async () =>
    (await queue.getJobs(['delayed', 'wait', 'prioritized'])).filter(
      (j) => j.repeatJobKey === 'sweeper' || j.id?.startsWith('repeat:sweeper:'),
    );

  beforeAll(async () => {
    t = await startTestApp(); // ROLE=all: the workers and their schedulers run
    redis = new Redis(t.config.redisUrl, { maxRetriesPerRequest: null });
    queue = new Queue(RATING_QUEUE, { connection: redis, prefix: t.config.BULLMQ_PREFIX });
  });
  afterAll(async () => {
    await queue.close();
    redis.disconnect();
    await t.close();
  });

  it('has one pending sweeper run after boot', async () => {
    expect((await queue.getJobScheduler('sweeper'))?.every).toBe(5000);
    expect(await sweeperJobs()).toHaveLength(1);
  });

  it('re-creates the next run when Redis lost it, and keeps one chain when it did not', async () => {
    // What a failover to a replica that had not received the latest writes
    // leaves: neither the next run's job nor its place in the delayed set.
    const base = `${t.config.BULLMQ_PREFIX}:${RATING_QUEUE}`;
    for (const job of await sweeperJobs()) {
      await redis.del(`${base}:${job.id}`);
      await redis.zrem(`${base}:delayed`, job.id!);
      await redis.lrem(`${base}:wait`, 0, job.id!);
    }
    expect(await sweeperJobs()).toHaveLength(0);

    const host = t.app.get(WorkersHost);
    await host.armSchedulers();
    expect(await sweeperJobs()).toHaveLength(1);

    // again with the chain intact: still one
    await host.armSchedulers();
    expect(await sweeperJobs()).toHaveLength(1);
  });
});
