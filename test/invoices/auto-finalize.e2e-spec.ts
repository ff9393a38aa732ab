import { FinalizePeriodService } from '../../src/invoices/finalize-period.service';
import { periodOf, periodRange } from '../../src/rating/core';
import { cloudEvent } from '../factories/event.factory';
import { priceBookBody } from '../factories/price-book.factory';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/test-app';

const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const BATCH = { ...admin, 'content-type': 'application/cloudevents-batch+json' };
const at = (iso: string) => Date.parse(iso);

// The apps run with FINALIZE_AFTER_HOURS=0 (the test default), so the
// worker's own scheduled run (every minute, with the real clock, by which
// this file's 2026 periods are long due) finalizes nothing; each test passes
// its `now` and the wait to `finalizeDue`. The last describe checks that the
// setting is what the scheduled run uses, on periods the real clock never
// makes due while it runs.
const HOURS = 72;
const due = (periodEnd: string) => at(periodEnd) + HOURS * 3_600_000;

describe(`${FinalizePeriodService.name} (automatic)`, () => {
  let t: TestApp;
  let replica: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    replica = await startTestApp({ ROLE: 'worker' }, t);
    await t.http.post('/v1/price-books').set(admin).send(priceBookBody()).expect(201);
    await t.http
      .post('/v1/events')
      .set(BATCH)
      .send([
        cloudEvent('image.created', 'img-1', '2026-06-10T00:00:00Z', { sizeGb: '10' }),
        cloudEvent('image.deleted', 'img-1', '2026-08-10T00:00:00Z'),
      ])
      .expect(202);
    await t.ratingSettled();
  });
  afterAll(async () => {
    await replica.close();
    await t.close();
  });

  it('finalizes nothing before FINALIZE_AFTER_HOURS have passed since the period ended', async () => {
    expect(
      await t.app.get(FinalizePeriodService).finalizeDue(due('2026-07-01T00:00:00Z') - 1, HOURS),
    ).toEqual([]);
  });

  it('finalizes every due period, oldest first, exactly once when two replicas run it at once', async () => {
    const now = due('2026-08-01T00:00:00Z') + 3 * 86_400_000; // June and July are due, August is not
    const [a, b] = await Promise.all([
      t.app.get(FinalizePeriodService).finalizeDue(now, HOURS),
      replica.app.get(FinalizePeriodService).finalizeDue(now, HOURS),
    ]);
    expect([...a, ...b].sort()).toEqual(['2026-06', '2026-07']);
    const invoices = await t.db.query(
      'SELECT number, period, total::text FROM invoices ORDER BY seq',
    );
    // 10 GB × 0.0001 = 0.001/h: June 21 days = 504 h → 0.504 → 0.50; July 744 h → 0.744 → 0.74
    expect(invoices.rows).toEqual([
      { number: 'INV-000001', period: '2026-06', total: '0.50' },
      { number: 'INV-000002', period: '2026-07', total: '0.74' },
    ]);
  });

  it('postpones a period that cannot be finalized yet, and is off with FINALIZE_AFTER_HOURS=0', async () => {
    await t.http
      .post('/v1/events')
      .set(BATCH)
      .send([
        cloudEvent('vm.created', 'vm-x', '2026-08-20T00:00:00Z', {
          template: 'unknown',
          state: 'running',
        }),
      ])
      .expect(202);
    await t.ratingSettled();
    expect(
      await t.app.get(FinalizePeriodService).finalizeDue(due('2026-09-10T00:00:00Z'), HOURS),
    ).toEqual([]);
    // FINALIZE_AFTER_HOURS=0 (these apps' setting): off, however late it is
    expect(await t.app.get(FinalizePeriodService).finalizeDue(at('2027-01-01T00:00:00Z'))).toEqual(
      [],
    );
  });
});

describe(`${FinalizePeriodService.name} (automatic) after late events remove all usage`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await t.http.post('/v1/price-books').set(admin).send(priceBookBody()).expect(201);
  });
  afterAll(async () => {
    await t.close();
  });
  const post = async (events: Record<string, unknown>[]) => {
    await t.http.post('/v1/events').set(BATCH).send(events).expect(202);
    await t.ratingSettled();
  };

  it('still finalizes the earliest open period, where the credit lands, though no usage is left anywhere', async () => {
    // 10 days of a standard VM: 240 h × 0.04 = 9.60
    await post([
      cloudEvent('vm.created', 'vm-a', '2026-09-01T00:00:00Z', {
        tenantId: 't-a',
        template: 'standard',
        state: 'running',
      }),
      cloudEvent('vm.deleted', 'vm-a', '2026-09-11T00:00:00Z', { tenantId: 't-a' }),
    ]);
    const finalizer = t.app.get(FinalizePeriodService);
    expect(await finalizer.finalizeDue(due('2026-10-01T00:00:00Z'), HOURS)).toEqual(['2026-09']);
    // the correction: deleted the instant it was created, so no usage at all
    await post([
      cloudEvent(
        'vm.deleted',
        'vm-a',
        '2026-09-01T00:00:00Z',
        { tenantId: 't-a' },
        { sequence: '1' },
      ),
    ]);
    expect(await finalizer.finalizeDue(due('2026-11-01T00:00:00Z'), HOURS)).toEqual(['2026-10']);
    const { rows } = await t.db.query(
      `SELECT period, total::text FROM invoices WHERE tenant_id = 't-a' ORDER BY seq`,
    );
    expect(rows).toEqual([
      { period: '2026-09', total: '9.60' },
      { period: '2026-10', total: '-9.60' },
    ]);
  });
});

describe(`${FinalizePeriodService.name} (automatic) waits FINALIZE_AFTER_HOURS`, () => {
  // last month, by the real clock: with a year's wait the worker's own
  // scheduled run cannot find it due while this runs, whatever the date
  const year = 8760;
  const { start, end } = periodRange(periodOf(periodRange(periodOf(Date.now())).start - 1));
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ FINALIZE_AFTER_HOURS: String(year) });
    await t.http
      .post('/v1/price-books')
      .set(admin)
      .send(priceBookBody({ effectiveFrom: '2020-01-01T00:00:00Z' }))
      .expect(201);
    await t.http
      .post('/v1/events')
      .set(BATCH)
      .send([
        cloudEvent('image.created', 'img-w', new Date(start + 86_400_000).toISOString(), {
          sizeGb: '10',
        }),
        cloudEvent('image.deleted', 'img-w', new Date(start + 2 * 86_400_000).toISOString()),
      ])
      .expect(202);
    await t.ratingSettled();
  });
  afterAll(async () => {
    await t.close();
  });

  it('uses the setting when given no wait, as the scheduled run does', async () => {
    const finalizer = t.app.get(FinalizePeriodService);
    const dueAt = end + year * 3_600_000;
    expect(await finalizer.finalizeDue(dueAt - 1)).toEqual([]);
    expect(await finalizer.finalizeDue(dueAt)).toEqual([periodOf(start)]);
  });
});
