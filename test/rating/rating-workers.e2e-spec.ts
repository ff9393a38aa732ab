import { cloudEvent } from '../factories/event.factory';
import { priceBookBody } from '../factories/price-book.factory';
import {
  eventually,
  spawnService,
  waitForHttp,
  type ServiceProcess,
} from '../support/service-process';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/test-app';

const auth = { authorization: `Bearer ${ADMIN_KEY}` };
const BATCH = { ...auth, 'content-type': 'application/cloudevents-batch+json' };

/** A month of one VM's life: 20 events. */
function vmStory(subject: string): Record<string, unknown>[] {
  const templates = ['normal', 'standard', 'enhanced'];
  const types = ['vm.suspended', 'vm.resumed', 'vm.stopped', 'vm.started', 'vm.migrated'];
  const events = [
    cloudEvent('vm.created', subject, '2026-10-01T00:00:00Z', {
      template: 'normal',
      state: 'running',
    }),
  ];
  for (let i = 1; i < 19; i++) {
    const time = new Date(Date.UTC(2026, 9, 1, i * 9, 17, 3)).toISOString();
    events.push(
      i % 4 === 0
        ? cloudEvent('vm.resized', subject, time, { template: templates[i % 3] })
        : cloudEvent(types[i % types.length], subject, time),
    );
  }
  events.push(cloudEvent('vm.deleted', subject, '2026-10-09T00:00:00Z'));
  return events;
}

/** Same shuffle every run. */
function shuffled<T>(xs: T[]): T[] {
  const a = [...xs];
  let s = 42;
  for (let i = a.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

const intervalsSql = `SELECT resource_type, subject, from_at, to_at, template, state, weight::text, hourly_rate::text, opened_by, closed_by
                        FROM rated_intervals ORDER BY resource_type, subject, from_at`;

/** The reference: the same events through one in-process worker, on a database of its own. */
async function singleWorkerIntervals(events: Record<string, unknown>[]): Promise<unknown[]> {
  const single = await startTestApp();
  try {
    await single.http.post('/v1/price-books').set(auth).send(priceBookBody()).expect(201);
    for (let i = 0; i < events.length; i += 500)
      await single.http
        .post('/v1/events')
        .set(BATCH)
        .send(events.slice(i, i + 500))
        .expect(202);
    await single.ratingSettled(30_000);
    return (await single.db.query(intervalsSql)).rows;
  } finally {
    await single.close();
  }
}

function workerEnv(api: TestApp, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ROLE: 'worker',
    DATABASE_URL: api.config.databaseUrl,
    REDIS_URL: api.config.redisUrl,
    BULLMQ_PREFIX: api.config.BULLMQ_PREFIX,
    ADMIN_API_KEY: ADMIN_KEY,
    RATING_AUDIT: 'true',
    ...extra,
  };
}

describe('rating workers as separate processes', () => {
  let api: TestApp;
  const workers: ServiceProcess[] = [];

  beforeEach(async () => {
    api = await startTestApp({ ROLE: 'api' });
    await api.http.post('/v1/price-books').set(auth).send(priceBookBody()).expect(201);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop('SIGKILL')));
    await api.close();
  });

  const start = async (env: Record<string, string>) => {
    const w = await spawnService(env);
    workers.push(w);
    await waitForHttp(`http://127.0.0.1:${w.port}/health/ready`, 60_000);
    return w;
  };

  it('two workers on one queue never rate one resource at the same time, and agree with one worker', async () => {
    await start(workerEnv(api, { RATING_FAULT_DELAY_MS: '15' }));
    await start(workerEnv(api, { RATING_FAULT_DELAY_MS: '15' }));
    const events = Array.from({ length: 8 }, (_, i) => vmStory(`vm-${i}`)).flat();
    // One event per request: every request wakes a rating job for its resource,
    // so both workers keep taking jobs for the same few resources.
    const queue = shuffled(events);
    await Promise.all(
      Array.from({ length: 4 }, async (_, lane) => {
        for (let i = lane; i < queue.length; i += 4)
          await api.http.post('/v1/events').set(BATCH).send([queue[i]]).expect(202);
      }),
    );
    await api.ratingSettled(60_000);

    const runs = (
      await api.db.query<{ subject: string; worker: string; locked_at: Date; finished_at: Date }>(
        'SELECT subject, worker, locked_at, finished_at FROM rating_runs ORDER BY subject, locked_at',
      )
    ).rows;
    expect(new Set(runs.map((r) => r.worker)).size).toBe(2); // both worked
    const subjectsRatedByBoth = new Set(
      runs
        .map((r) => r.subject)
        .filter(
          (s) => new Set(runs.filter((r) => r.subject === s).map((r) => r.worker)).size === 2,
        ),
    );
    expect(subjectsRatedByBoth.size).toBeGreaterThan(0); // they really competed for resources
    for (let i = 1; i < runs.length; i++) {
      if (runs[i].subject !== runs[i - 1].subject) continue;
      // the next rating of a resource takes its lock only after the previous one finished
      expect(runs[i].locked_at.getTime()).toBeGreaterThanOrEqual(runs[i - 1].finished_at.getTime());
    }
    expect((await api.db.query(intervalsSql)).rows).toEqual(await singleWorkerIntervals(events));
  }, 180_000);

  it('a worker killed with SIGKILL in the middle of rating loses nothing: after restart every event is rated exactly once', async () => {
    const slow = await start(workerEnv(api, { RATING_FAULT_DELAY_MS: '60000' }));
    const events = Array.from({ length: 5 }, (_, i) => vmStory(`vm-k${i}`)).flat();
    await api.http.post('/v1/events').set(BATCH).send(events).expect(202);
    // Wait until a rating transaction holds its resource lock, then kill the worker.
    await eventually(
      async () =>
        (
          await api.db.query(
            `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = 4711020 AND granted`,
          )
        ).rows[0].n > 0,
      30_000,
      'a rating transaction in progress',
    );
    await slow.stop('SIGKILL');
    // The open transaction died with its connection: nothing of it remains.
    await eventually(
      async () =>
        (
          await api.db.query(
            `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = 4711020`,
          )
        ).rows[0].n === 0,
      10_000,
      'the killed transaction to roll back',
    );
    expect((await api.db.query('SELECT count(*)::int AS n FROM rating_runs')).rows[0].n).toBe(0);
    expect(
      (
        await api.db.query(
          `SELECT count(*)::int AS n FROM resources r
            WHERE NOT EXISTS (SELECT FROM rating_marks m WHERE m.resource_type = r.resource_type AND m.subject = r.subject)`,
        )
      ).rows[0].n,
    ).toBe(0);

    await start(workerEnv(api)); // the restart
    await api.ratingSettled(60_000);
    const rows = (await api.db.query(intervalsSql)).rows;
    expect(rows).toEqual(await singleWorkerIntervals(events));
    // every event that opens an interval does so once
    const opened = rows.map((r) => r.opened_by as string);
    expect(new Set(opened).size).toBe(opened.length);
    const marks = await api.db.query('SELECT count(*)::int AS n FROM rating_marks');
    expect(marks.rows[0].n).toBe(0);
  }, 180_000);
});
