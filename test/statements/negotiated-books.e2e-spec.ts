import { parse } from 'csv-parse/sync';
import { cloudEvent } from '../factories/event.factory';
import { priceBookBody } from '../factories/price-book.factory';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/test-app';

const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const BATCH = { ...admin, 'content-type': 'application/cloudevents-batch+json' };

/**
 * What the core's unit tests price, end to end through ingest, rating,
 * statements, finalization and the finance CSV: a tenant's negotiated book
 * beside the global one (CONTRACT §2), its `volume` tiers, and a currency
 * without a minor unit (JPY: amounts rounded half up to whole yen, §5).
 */
describe('negotiated books, volume tiers and a currency without minor units', () => {
  let t: TestApp;
  let tenantBook: string;
  let globalBook: string;

  const post = async (events: Record<string, unknown>[]) => {
    await t.http.post('/v1/events').set(BATCH).send(events).expect(202);
    await t.ratingSettled();
  };
  const statement = async (tenant: string, period: string) =>
    (await t.http.get(`/v1/tenants/${tenant}/statements/${period}`).set(admin).expect(200)).body;
  const line = (s: { lines: { resourceId: string }[] }, id: string) =>
    s.lines.find((l) => l.resourceId === id);

  beforeAll(async () => {
    t = await startTestApp({ FINALIZE_AFTER_HOURS: '0' });
    globalBook = (
      await t.http
        .post('/v1/price-books')
        .set(admin)
        .send(priceBookBody({ effectiveFrom: '2026-01-01T00:00:00Z' }))
        .expect(201)
    ).body.id;
    tenantBook = (
      await t.http
        .post('/v1/price-books')
        .set(admin)
        .send(
          priceBookBody({
            tenantId: 't-jp',
            effectiveFrom: '2026-01-01T00:00:00Z',
            currency: 'JPY',
            vm: {
              pricePerHour: '3',
              templateWeights: { standard: '2' },
              stateWeights: { running: '1' },
            },
            image: {
              tierMode: 'volume',
              tiers: [
                { upToGb: '100', pricePerGbHour: '0.01' },
                { upToGb: '1000', pricePerGbHour: '0.008' },
                { upToGb: null, pricePerGbHour: '0.005' },
              ],
            },
          }),
        )
        .expect(201)
    ).body.id;
    // the same VM for a tenant with a book of its own and one without: 10 h 25 min running
    const vm = (subject: string, tenantId: string) => [
      cloudEvent('vm.created', subject, '2026-10-05T00:00:00Z', {
        tenantId,
        template: 'standard',
        state: 'running',
      }),
      cloudEvent('vm.deleted', subject, '2026-10-05T10:25:00Z', { tenantId }),
    ];
    await post([
      ...vm('vm-jp', 't-jp'),
      ...vm('vm-us', 't-us'),
      // 150 GB for 100 h: volume prices every GB by the tier holding 150 (0.008)
      cloudEvent('image.created', 'img-jp', '2026-10-06T00:00:00Z', {
        tenantId: 't-jp',
        sizeGb: '150',
      }),
      cloudEvent('image.deleted', 'img-jp', '2026-10-10T04:00:00Z', { tenantId: 't-jp' }),
    ]);
  });
  afterAll(async () => {
    await t.close();
  });

  it('prices a tenant by its own book, in its currency, rounding half up to whole yen', async () => {
    const s = await statement('t-jp', '2026-10');
    expect(s.currency).toBe('JPY');
    // 3 × 2 × 1 × 10 5/12 h = 62.5 → 63
    expect(line(s, 'vm-jp')).toMatchObject({
      amount: '63',
      intervals: [expect.objectContaining({ priceBookId: tenantBook, pricePerHour: '3' })],
    });
    // volume: 150 × 0.008 × 100 h = 120 (graduated would be 140)
    expect(line(s, 'img-jp')).toMatchObject({
      amount: '120',
      intervals: [expect.objectContaining({ priceBookId: tenantBook, pricePerHour: '1.2' })],
    });
    expect(s.total).toBe('183');
  });

  it('prices a tenant without a book of its own by the global one', async () => {
    const s = await statement('t-us', '2026-10');
    expect(s.currency).toBe('USD');
    // 0.02 × 2 × 1 × 10 5/12 h = 0.41666… → 0.42
    expect(line(s, 'vm-us')).toMatchObject({
      amount: '0.42',
      intervals: [expect.objectContaining({ priceBookId: globalBook })],
    });
    expect(s.total).toBe('0.42');
  });

  it('freezes both into invoices and exports them with their own currencies', async () => {
    const f = await t.http.post('/v1/periods/2026-10/finalize').set(admin).expect(200);
    expect(f.body.invoices).toEqual([
      expect.objectContaining({ tenantId: 't-jp', currency: 'JPY', total: '183' }),
      expect.objectContaining({ tenantId: 't-us', currency: 'USD', total: '0.42' }),
    ]);
    expect(await statement('t-jp', '2026-10')).toMatchObject({ status: 'finalized', total: '183' });
    const csv = await t.http
      .get('/v1/exports/invoice-lines.csv?period=2026-10')
      .set(admin)
      .expect(200);
    const rows = parse<Record<string, string>>(csv.text, { columns: true }).map((r) => [
      r.tenant_id,
      r.resource_id,
      r.amount,
      r.currency,
    ]);
    expect(rows).toEqual([
      ['t-jp', 'img-jp', '120', 'JPY'],
      ['t-jp', 'vm-jp', '63', 'JPY'],
      ['t-us', 'vm-us', '0.42', 'USD'],
    ]);
  });
});
