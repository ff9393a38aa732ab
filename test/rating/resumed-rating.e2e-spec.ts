import { DataSource } from 'typeorm';
import { AdvisoryLock } from '../../src/database/locks';
import type { ResourceKey } from '../../src/events/resource-key';
import { RatingRepository, type RatingRead } from '../../src/rating/rating.repository';
import { RatingService } from '../../src/rating/rating.service';
import { cloudEvent } from '../factories/event.factory';
import { priceBookBody } from '../factories/price-book.factory';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/test-app';

const auth = { authorization: `Bearer ${ADMIN_KEY}` };
const BATCH = { ...auth, 'content-type': 'application/cloudevents-batch+json' };
const at = (iso: string) => new Date(iso).getTime();

/**
 * A rating resumes from the latest stored segment before its marks (a seed)
 * and reads only the events after it (`readForRating`, `rateResourceSince`).
 * ROLE=api: nothing is rated behind the test's back; the test rates.
 */
describe('resumed ratings', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ROLE: 'api', FINALIZE_AFTER_HOURS: '0' });
    await t.http.post('/v1/price-books').set(auth).send(priceBookBody()).expect(201);
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (events: unknown[]) => t.http.post('/v1/events').set(BATCH).send(events);
  const vm = (type: string, subject: string, time: string, data: Record<string, unknown> = {}) =>
    cloudEvent(type, subject, time, { tenantId: 't-r', ...data });

  /** What a rating of these resources would read now (rolled back). */
  async function read(keys: ResourceKey[]): Promise<RatingRead['states']> {
    const runner = t.app.get(DataSource).createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const repo = new RatingRepository();
      await repo.lockForRating(runner.manager, keys, AdvisoryLock.PRICING);
      return (await repo.readForRating(runner.manager, keys)).states;
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  }
  const rate = (keys: ResourceKey[]) => t.app.get(RatingService).rateMany(keys);

  it('reads only the events after the latest stored segment that starts before the marks', async () => {
    const key = { resourceType: 'vm' as const, subject: 'vm-seed' };
    const created = vm('vm.created', 'vm-seed', '2026-10-01T00:00:00Z', {
      template: 'standard',
      state: 'running',
    });
    const stopped = vm('vm.stopped', 'vm-seed', '2026-10-05T00:00:00Z');
    await post([created, stopped]).expect(202);
    // the first rating has nothing to resume from
    expect((await read([key])).get('vm/vm-seed')).toMatchObject({ seed: null });
    await rate([key]);

    const started = vm('vm.started', 'vm-seed', '2026-10-10T00:00:00Z');
    await post([started]).expect(202);
    const after = (await read([key])).get('vm/vm-seed')!;
    expect(after.seed).toEqual({
      from: at('2026-10-05T00:00:00Z'),
      attributes: { template: 'standard', state: 'stopped' },
      openedBy: stopped.id,
    });
    expect(after.events!.map((e) => e.id)).toEqual([started.id]);

    // an event earlier than the seed moves it back: it must be re-folded
    const resized = vm('vm.resized', 'vm-seed', '2026-10-03T00:00:00Z', { template: 'normal' });
    await post([resized]).expect(202);
    const earlier = (await read([key])).get('vm/vm-seed')!;
    expect(earlier.seed).toMatchObject({ from: at('2026-10-01T00:00:00Z'), openedBy: created.id });
    expect(earlier.events!.map((e) => e.id).sort()).toEqual(
      [stopped.id, started.id, resized.id].sort(),
    );
  });

  it('never resumes at a price-book boundary: the piece there shares its interval’s end', async () => {
    const key = { resourceType: 'vm' as const, subject: 'vm-boundary' };
    const created = vm('vm.created', 'vm-boundary', '2026-10-01T00:00:00Z', {
      template: 'normal',
      state: 'running',
    });
    await post([created]).expect(202);
    await rate([key]);
    // a global version from Oct 7 splits the running interval into two pieces
    await t.http
      .post('/v1/price-books')
      .set(auth)
      .send(priceBookBody({ effectiveFrom: '2026-10-07T00:00:00Z' }))
      .expect(201);
    await rate([key]);
    await post([vm('vm.stopped', 'vm-boundary', '2026-10-12T00:00:00Z')]).expect(202);
    // the latest segment before Oct 12 starts at the boundary: resume at Oct 1
    const state = (await read([key])).get('vm/vm-boundary')!;
    expect(state.seed).toMatchObject({ from: at('2026-10-01T00:00:00Z'), openedBy: created.id });
  });

  it('stores exactly what one full rating of all the events stores', async () => {
    // a VM, a VS and an image, with an unpriced template (an issue before
    // later seeds), a second book version, events after a deletion, and
    // batches that arrive out of order, each rated before the next
    const vs = (type: string, time: string, data: Record<string, unknown> = {}) =>
      cloudEvent(type, 'vs-full', time, { tenantId: 't-r', ...data });
    const img = (type: string, time: string, data: Record<string, unknown> = {}) =>
      cloudEvent(type, 'img-full', time, { tenantId: 't-r', ...data });
    const v = (type: string, time: string, data: Record<string, unknown> = {}) =>
      vm(type, 'vm-full', time, data);
    const batches = [
      [
        v('vm.created', '2026-11-01T00:00:00Z', { template: 'normal', state: 'running' }),
        vs('vs.created', '2026-11-01T00:00:00Z', { template: 'normal', realServerCount: 2 }),
        img('image.created', '2026-11-01T00:00:00Z', { sizeGb: '120.50' }),
      ],
      [v('vm.resized', '2026-11-03T00:00:00Z', { template: 'huge' })],
      [
        v('vm.stopped', '2026-11-09T00:00:00Z'),
        vs('vs.updated', '2026-11-09T00:00:00Z', { realServerCount: 5 }),
      ],
      [v('vm.resized', '2026-11-04T00:00:00Z', { template: 'standard' })],
      [v('vm.started', '2026-11-14T00:00:00Z'), img('image.deleted', '2026-11-20T00:00:00Z')],
      [
        v('vm.suspended', '2026-11-18T00:00:00Z'),
        vs('vs.updated', '2026-11-12T00:00:00Z', { realServerCount: 3 }),
      ],
      [v('vm.deleted', '2026-11-25T00:00:00Z'), v('vm.migrated', '2026-11-27T00:00:00Z')],
      [v('vm.resumed', '2026-11-21T00:00:00Z'), v('vm.migrated', '2026-11-26T00:00:00Z')],
      [vs('vs.deleted', '2026-11-28T00:00:00Z')],
    ];
    const keys = [
      { resourceType: 'vm' as const, subject: 'vm-full' },
      { resourceType: 'vs' as const, subject: 'vs-full' },
      { resourceType: 'image' as const, subject: 'img-full' },
    ];
    const book = priceBookBody({ effectiveFrom: '2026-11-16T00:00:00Z' });
    (book.vm as { pricePerHour: string }).pricePerHour = '0.0300';
    let seeded = 0;
    for (const [i, batch] of batches.entries()) {
      await post(batch).expect(202);
      if (i === 4) await t.http.post('/v1/price-books').set(auth).send(book).expect(201);
      seeded += [...(await read(keys)).values()].filter((s) => s.seed !== null).length;
      await rate(keys);
    }
    // the resumed path was taken (and not only the full one)
    expect(seeded).toBeGreaterThan(5);

    const reference = await startTestApp({ ROLE: 'api' });
    try {
      await reference.http.post('/v1/price-books').set(auth).send(priceBookBody()).expect(201);
      await reference.http.post('/v1/price-books').set(auth).send(book).expect(201);
      await reference.http.post('/v1/events').set(BATCH).send(batches.flat()).expect(202);
      await reference.app.get(RatingService).rateMany(keys);
      const rows = async (app: TestApp) => ({
        intervals: (
          await app.db.query(
            `SELECT resource_type, subject, from_at, to_at, template, state, real_server_count, size_gb::text,
                    currency, weight::text, price_per_hour::text, hourly_rate::text, opened_by, closed_by
               FROM rated_intervals WHERE subject IN ('vm-full', 'vs-full', 'img-full')
              ORDER BY resource_type, subject, from_at`,
          )
        ).rows,
        issues: (
          await app.db.query(
            `SELECT resource_type, subject, from_at, to_at, reason, event_ids, blocking,
                    -- book ids differ between the two databases
                    regexp_replace(message, 'price book [0-9a-f-]{36}', 'price book <id>') AS message
               FROM rating_issues WHERE subject IN ('vm-full', 'vs-full', 'img-full')
              ORDER BY resource_type, subject, from_at, reason`,
          )
        ).rows,
      });
      const expected = await rows(reference);
      expect(expected.intervals.length).toBeGreaterThan(8);
      expect(expected.issues.map((r: { reason: string }) => r.reason).sort()).toEqual([
        'event_after_deletion',
        'unknown_template',
      ]);
      expect(await rows(t)).toEqual(expected);
    } finally {
      await reference.close();
    }
  });

  it('does not resume into a finalized period, and does after it', async () => {
    const key = { resourceType: 'vm' as const, subject: 'vm-final' };
    await post([
      vm('vm.created', 'vm-final', '2026-09-01T00:00:00Z', {
        template: 'normal',
        state: 'running',
      }),
      vm('vm.stopped', 'vm-final', '2026-09-10T00:00:00Z'),
    ]).expect(202);
    await rate([key]);
    // nothing else waits for a rating in September in this database
    await t.http.post('/v1/periods/2026-09/finalize').set(auth).expect(200);
    await post([vm('vm.started', 'vm-final', '2026-09-20T00:00:00Z')]).expect(202);
    expect((await read([key])).get('vm/vm-final')).toMatchObject({ seed: null });
    await rate([key]);
    await post([vm('vm.suspended', 'vm-final', '2026-10-02T00:00:00Z')]).expect(202);
    expect((await read([key])).get('vm/vm-final')!.seed).toMatchObject({
      from: at('2026-09-20T00:00:00Z'),
    });
  });
});
