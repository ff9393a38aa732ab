import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AdvisoryLock } from '../../src/database/locks';
import { RatingRepository } from '../../src/rating/rating.repository';
import { RatingService } from '../../src/rating/rating.service';
import { cloudEvent } from '../factories/event.factory';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/test-app';

const BATCH = {
  authorization: `Bearer ${ADMIN_KEY}`,
  'content-type': 'application/cloudevents-batch+json',
};

/**
 * "Needs rating" is an insert-only log (`rating_marks`): ingest never waits
 * for a row a rating (or another batch) holds, and a rating deletes exactly
 * the marks it read, so events stored while it runs keep theirs. ROLE=api:
 * no rating runs behind the test's back.
 */
describe('rating marks', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ROLE: 'api' });
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (events: unknown[]) => t.http.post('/v1/events').set(BATCH).send(events);
  const vm = (type: string, subject: string, time: string) =>
    cloudEvent(type, subject, time, { tenantId: 't-m', template: 'normal', state: 'running' });
  const marksOf = async (subject: string) =>
    (
      await t.db.query<{ id: string }>(
        'SELECT id::text FROM rating_marks WHERE subject = $1 ORDER BY id',
        [subject],
      )
    ).rows.map((r) => r.id);

  it('stores events while a rating holds the resource row, updated, and marks them', async () => {
    await post([vm('vm.created', 'vm-held', '2026-10-01T00:00:00Z')]).expect(202);
    const holder = new Client({ connectionString: t.config.databaseUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      // what a rating's write leaves until it commits: the row locked and
      // updated (an INSERT … ON CONFLICT that meets an uncommitted update of
      // the row it conflicts with waits for that transaction to end)
      await holder.query(
        `SELECT 1 FROM resources WHERE resource_type = 'vm' AND subject = 'vm-held' FOR NO KEY UPDATE`,
      );
      await holder.query(
        `UPDATE resources SET rated_seq = rated_seq + 1, rated_at = now()
          WHERE resource_type = 'vm' AND subject = 'vm-held'`,
      );
      let timer: NodeJS.Timeout | undefined;
      const answered = await Promise.race([
        post([vm('vm.stopped', 'vm-held', '2026-10-02T00:00:00Z')]).then((r) => r.status),
        new Promise((resolve) => {
          timer = setTimeout(() => resolve('still waiting after 10 s'), 10_000);
        }),
      ]).finally(() => clearTimeout(timer));
      expect(answered).toBe(202);
      expect(await marksOf('vm-held')).toHaveLength(2);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  });

  it('a rating deletes the marks it read, not those committed after its read', async () => {
    await post([vm('vm.created', 'vm-race', '2026-10-01T00:00:00Z')]).expect(202);
    const [first] = await marksOf('vm-race');
    const key = { resourceType: 'vm' as const, subject: 'vm-race' };
    const repo = new RatingRepository();
    const runner = t.app.get(DataSource).createQueryRunner();
    let second: string | undefined;
    await runner.connect();
    try {
      await runner.startTransaction();
      await repo.lockForRating(runner.manager, [key], AdvisoryLock.PRICING);
      const { states } = await repo.readForRating(runner.manager, [key]);
      const state = states.get('vm/vm-race')!;
      expect(state.markIds).toEqual([first]);
      expect(state.events).toHaveLength(1);

      // an event stored while the rating runs: committed after its read
      await post([vm('vm.stopped', 'vm-race', '2026-10-02T00:00:00Z')]).expect(202);
      second = (await marksOf('vm-race'))[1];
      expect(second).toBeDefined();

      await repo.writeRatings(runner.manager, [
        {
          key,
          tenantId: 't-m',
          result: { segments: [], issues: [] },
          markIds: state.markIds,
          deletedAt: null,
          keepBefore: null,
          coversFrom: null,
        },
      ]);
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    expect(await marksOf('vm-race')).toEqual([second]);
  });

  it('a crash before the commit leaves every mark', async () => {
    await post([vm('vm.created', 'vm-crash', '2026-10-01T00:00:00Z')]).expect(202);
    const before = await marksOf('vm-crash');
    const key = { resourceType: 'vm' as const, subject: 'vm-crash' };
    const repo = new RatingRepository();
    const runner = t.app.get(DataSource).createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await repo.lockForRating(runner.manager, [key], AdvisoryLock.PRICING);
      const { states } = await repo.readForRating(runner.manager, [key]);
      await repo.writeRatings(runner.manager, [
        {
          key,
          tenantId: 't-m',
          result: { segments: [], issues: [] },
          markIds: states.get('vm/vm-crash')!.markIds,
          deletedAt: null,
          keepBefore: null,
          coversFrom: null,
        },
      ]);
      // the connection dies before COMMIT
      await runner.query('SELECT pg_terminate_backend(pg_backend_pid())').catch(() => undefined);
    } finally {
      await runner.release().catch(() => undefined);
    }
    expect(await marksOf('vm-crash')).toEqual(before);
  });
});

describe('rating marks and finalization', () => {
  let t: TestApp;
  beforeAll(async () => {
    // ROLE=api: nothing is rated, so the marks stay
    t = await startTestApp({ ROLE: 'api', FINALIZE_AFTER_HOURS: '0' });
  });
  afterAll(async () => {
    await t.close();
  });

  const finalize = (period: string) =>
    t.http.post(`/v1/periods/${period}/finalize`).set({ authorization: `Bearer ${ADMIN_KEY}` });

  it('waits for marks that reach into the period, and only for those', async () => {
    const vm = (subject: string, time: string) =>
      cloudEvent('vm.created', subject, time, {
        tenantId: 't-f',
        template: 'normal',
        state: 'running',
      });
    await t.http
      .post('/v1/events')
      .set(BATCH)
      .send([vm('vm-oct-a', '2026-10-05T00:00:00Z'), vm('vm-oct-b', '2026-10-20T00:00:00Z')])
      .expect(202);
    // both marks start after September: it can be invoiced as it is
    await finalize('2026-09').expect(200);
    const pending = await finalize('2026-10').expect(409);
    expect(pending.body).toMatchObject({ code: 'rating-pending', pendingResources: 2 });
    expect(pending.headers['retry-after']).toBe('5');
  });
});

describe('rating marks, rated', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('carries the earliest deletion among the events to the resource', async () => {
    await t.http
      .post('/v1/events')
      .set(BATCH)
      .send([
        cloudEvent('vm.created', 'vm-gone', '2026-10-01T00:00:00Z', {
          tenantId: 't-m',
          template: 'normal',
          state: 'running',
        }),
        cloudEvent('vm.deleted', 'vm-gone', '2026-10-03T00:00:00Z', { tenantId: 't-m' }),
      ])
      .expect(202);
    await t.ratingSettled();
    const { rows } = await t.db.query<{ deleted_at: Date; rated_seq: string }>(
      `SELECT deleted_at, rated_seq::text FROM resources WHERE subject = 'vm-gone'`,
    );
    expect(rows).toEqual([{ deleted_at: new Date('2026-10-03T00:00:00Z'), rated_seq: '1' }]);
    // a later batch: an earlier deletion wins, a later one does not move it
    await t.http
      .post('/v1/events')
      .set(BATCH)
      .send([
        cloudEvent('vm.deleted', 'vm-gone', '2026-10-05T00:00:00Z', { tenantId: 't-m' }),
        cloudEvent('vm.deleted', 'vm-gone', '2026-10-02T00:00:00Z', { tenantId: 't-m' }),
      ])
      .expect(202);
    await t.ratingSettled();
    const after = await t.db.query<{ deleted_at: Date }>(
      `SELECT deleted_at FROM resources WHERE subject = 'vm-gone'`,
    );
    expect(after.rows).toEqual([{ deleted_at: new Date('2026-10-02T00:00:00Z') }]);
    // nothing pending: a further job is a no-op
    expect(await t.app.get(RatingService).rate({ resourceType: 'vm', subject: 'vm-gone' })).toBe(
      'clean',
    );
  });
});
