import { AdvisoryLock } from '../../src/database/locks';
import { cloudEvent } from '../factories/event.factory';
import { priceBookBody } from '../factories/price-book.factory';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/test-app';

const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const BATCH = { ...admin, 'content-type': 'application/cloudevents-batch+json' };

/**
 * An invoice is issued when it is written, under the pricing lock: its
 * `issued_at` (a finalized statement's `asOf`) came from the column's
 * default, now(), the start of a transaction that may have waited for
 * another finalization, whose invoices then carry lower numbers and later
 * times.
 */
describe('invoice issue time', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await t.http.post('/v1/price-books').set(admin).send(priceBookBody()).expect(201);
    await t.http
      .post('/v1/events')
      .set(BATCH)
      .send([
        cloudEvent('vm.created', 'vm-i', '2026-10-01T00:00:00Z', {
          template: 'normal',
          state: 'running',
        }),
      ])
      .expect(202);
    await t.ratingSettled();
  });
  afterAll(async () => {
    await t.close();
  });

  it('is when the invoice was written, after the lock it waited for, not when its transaction began', async () => {
    const holder = await t.db.connect();
    let released = 0;
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1)', [AdvisoryLock.PRICING]);
      const finalizing = t.http
        .post('/v1/periods/2026-10/finalize')
        .set(admin)
        .then((r) => r);
      await new Promise((r) => setTimeout(r, 800));
      released = Date.now();
      await holder.query('COMMIT');
      expect((await finalizing).status).toBe(200);
    } finally {
      holder.release();
    }
    const { rows } = await t.db.query<{ issued_at: Date }>(
      `SELECT issued_at FROM invoices WHERE period = '2026-10'`,
    );
    expect(rows).toHaveLength(1);
    // the same clock (one machine); a little slack for the commit's round trip
    expect(rows[0].issued_at.getTime()).toBeGreaterThanOrEqual(released - 100);
  });
});
