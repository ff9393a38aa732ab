import { cloudEvent } from '../factories/event.factory';
import { priceBookBody } from '../factories/price-book.factory';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/test-app';

const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const TENANTS = 150;
const tenant = (i: number) => `t-fin-${String(i).padStart(3, '0')}`;

/**
 * Statements read while their period is being finalized. A statement read
 * its tenant's invoice and the latest finalized period in two statements;
 * a finalization committing between them answered a just-invoiced tenant
 * "finalized, no invoice, total 0.00" (seen by an audit in 5 of 7 runs
 * with 200 tenants). Every answer must be either the open statement from
 * before the commit or the invoice. The cache is off so every read builds.
 */
describe('statements read during finalization', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ STATEMENT_CACHE_MB: '0' });
    await t.http
      .post('/v1/price-books')
      .set(admin)
      .send(priceBookBody({ effectiveFrom: '2026-01-01T00:00:00Z' }))
      .expect(201);
    const events = [];
    for (let i = 0; i < TENANTS; i++)
      for (let v = 0; v < 4; v++) {
        const data = { tenantId: tenant(i), template: 'normal', state: 'running' };
        events.push(cloudEvent('vm.created', `vm-${i}-${v}`, '2026-07-01T00:00:00Z', data));
        events.push(cloudEvent('vm.deleted', `vm-${i}-${v}`, `2026-09-0${2 + v}T00:00:00Z`, data));
      }
    for (let i = 0; i < events.length; i += 500)
      await t.http
        .post('/v1/events')
        .set({ ...admin, 'content-type': 'application/cloudevents-batch+json' })
        .send(events.slice(i, i + 500))
        .expect(202);
    await t.ratingSettled(60_000);
  }, 90_000);
  afterAll(async () => {
    await t.close();
  });

  // three finalizations, each with six readers: the window is the commit's instant
  it.each(['2026-07', '2026-08', '2026-09'])(
    'answers each tenant of %s the open statement or its invoice, never "finalized without invoice"',
    async (period) => {
      const wrong: string[] = [];
      let reads = 0;
      let done = false;
      const reader = async (offset: number) => {
        for (let i = offset; !done; i += 7) {
          const id = tenant(i % TENANTS);
          const [one, list] = await Promise.all([
            t.http.get(`/v1/tenants/${id}/statements/${period}`).set(admin),
            t.http.get(`/v1/tenants/${id}/statements`).set(admin),
          ]);
          reads++;
          if (one.status !== 200) wrong.push(`${id}: ${one.status}`);
          else if (one.body.status === 'finalized' && one.body.invoiceNumber === null)
            wrong.push(`${id}: finalized without invoice, total ${one.body.total}`);
          else if (one.body.lines.length !== 4) wrong.push(`${id}: ${one.body.lines.length} lines`);
          const listed = (list.body.items ?? []).find(
            (s: { period: string }) => s.period === period,
          );
          if (list.status !== 200 || listed === undefined)
            wrong.push(`${id}: list ${list.status} without ${period}`);
          else if (listed.status === 'finalized' && listed.invoiceNumber === null)
            wrong.push(`${id}: listed finalized without invoice`);
        }
      };
      const readers = [0, 1, 2, 3, 4, 5].map((k) => reader(k * 23));
      await new Promise((r) => setTimeout(r, 300));
      const res = await t.http.post(`/v1/periods/${period}/finalize`).set(admin);
      expect(res.status).toBe(200);
      expect(res.body.invoices).toHaveLength(TENANTS);
      await new Promise((r) => setTimeout(r, 300));
      done = true;
      await Promise.all(readers);
      expect(wrong).toEqual([]);
      expect(reads).toBeGreaterThan(20);
    },
    60_000,
  );
});
