import { Queue, QueueEvents } from 'bullmq';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/test-app';

/** `billing_job_failures_total` counts failed job attempts by queue (it was declared and never moved). */
describe('job failures on /metrics', () => {
  let t: TestApp;
  let queue: Queue;
  let queueEvents: QueueEvents;
  beforeAll(async () => {
    t = await startTestApp();
    const connection = { url: t.config.redisUrl };
    queue = new Queue(t.config.EVENTS_QUEUE, { connection, prefix: t.config.BULLMQ_PREFIX });
    queueEvents = new QueueEvents(t.config.EVENTS_QUEUE, {
      connection,
      prefix: t.config.BULLMQ_PREFIX,
    });
    await queueEvents.waitUntilReady();
  });
  afterAll(async () => {
    await queueEvents.close();
    await queue.close();
    await t.close();
  });

  const failures = async (): Promise<number> => {
    const res = await t.http
      .get('/metrics')
      .set({ authorization: `Bearer ${ADMIN_KEY}` })
      .expect(200);
    const prefix = `billing_job_failures_total{queue="${t.config.EVENTS_QUEUE}"} `;
    const line = res.text.split('\n').find((l) => l.startsWith(prefix));
    return line === undefined ? 0 : Number(line.slice(prefix.length));
  };

  it('counts a control-plane job that fails validation', async () => {
    expect(await failures()).toBe(0);
    const job = await queue.add('events', { specversion: '1.0', id: 'bad-1' });
    await expect(job.waitUntilFinished(queueEvents, 15_000)).rejects.toThrow(/validation/);
    // the worker's `failed` listener runs after the job's state is written
    for (let i = 0; i < 50 && (await failures()) === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(await failures()).toBe(1);
  });
});
