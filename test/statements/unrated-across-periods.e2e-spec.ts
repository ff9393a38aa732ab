import { cloudEvent } from '../factories/event.factory';
import { priceBookBody } from '../factories/price-book.factory';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/test-app';

const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const BATCH = { ...admin, 'content-type': 'application/cloudevents-batch+json' };

/**
 * Unrated usage that runs across open periods is shown on each period's
 * statement for that period's part only (CONTRACT §4), once. A later open
 * statement listed the earlier open period's part too, as if it were late
 * usage from a finalized period: a portal adding up unrated hours counted
 * them twice.
 */
describe('unrated usage across open periods', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await t.http.post('/v1/price-books').set(admin).send(priceBookBody()).expect(201);
    await t.http
      .post('/v1/events')
      .set(BATCH)
      .send([
        cloudEvent('vm.created', 'vm-gpu', '2026-09-15T00:00:00Z', {
          tenantId: 't-g',
          template: 'gpu', // priced by no book
          state: 'running',
        }),
        cloudEvent('vm.deleted', 'vm-gpu', '2026-11-10T00:00:00Z', { tenantId: 't-g' }),
      ])
      .expect(202);
    await t.ratingSettled();
  });
  afterAll(async () => {
    await t.close();
  });

  const unrated = async (period: string) =>
    (
      (await t.http.get(`/v1/tenants/t-g/statements/${period}`).set(admin).expect(200)).body as {
        unrated: { resourceId: string; from: string; to: string }[];
      }
    ).unrated.map((u) => [u.resourceId, u.from, u.to]);

  it("shows each open period's part of it, and only that", async () => {
    expect(await unrated('2026-09')).toEqual([
      ['vm-gpu', '2026-09-15T00:00:00.000Z', '2026-10-01T00:00:00.000Z'],
    ]);
    expect(await unrated('2026-10')).toEqual([
      ['vm-gpu', '2026-10-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z'],
    ]);
    expect(await unrated('2026-11')).toEqual([
      ['vm-gpu', '2026-11-01T00:00:00.000Z', '2026-11-10T00:00:00.000Z'],
    ]);
  });
});
