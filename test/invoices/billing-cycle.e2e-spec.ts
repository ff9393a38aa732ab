import { parse } from 'csv-parse/sync';
import { Decimal } from '../../src/rating/core/decimal';
import { cloudEvent } from '../factories/event.factory';
import { priceBookBody } from '../factories/price-book.factory';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/test-app';

const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const BATCH = { ...admin, 'content-type': 'application/cloudevents-batch+json' };
const d = (s: string) => new Decimal(s);

/**
 * A billing cycle end to end: usage in August–September 2026 for several
 * tenants, statements against totals computed by hand, finalization, late
 * events and their adjustments, concurrent finalization, the finance CSV,
 * and tenant isolation. Global book: CONTRACT §2's example (factory).
 */
describe('billing cycle: statements, invoices, adjustments, export', () => {
  let t: TestApp;
  let replica: TestApp;
  let tenantA: string; // a tenant key of t-a
  const ids: Record<string, string> = {};

  const post = async (events: Record<string, unknown>[]) => {
    await t.http.post('/v1/events').set(BATCH).send(events).expect(202);
    await t.ratingSettled();
  };
  const statement = async (tenant: string, period: string, headers = admin) =>
    (await t.http.get(`/v1/tenants/${tenant}/statements/${period}`).set(headers).expect(200)).body;
  const finalize = (period: string, app = t) =>
    app.http.post(`/v1/periods/${period}/finalize`).set(admin);

  beforeAll(async () => {
    t = await startTestApp({ FINALIZE_AFTER_HOURS: '0' });
    replica = await startTestApp({ FINALIZE_AFTER_HOURS: '0', ROLE: 'api' }, t);
    await t.http
      .post('/v1/price-books')
      .set(admin)
      .send(priceBookBody({ effectiveFrom: '2026-01-01T00:00:00Z' }))
      .expect(201);
    const key = await t.http
      .post('/v1/api-keys')
      .set(admin)
      .send({ scope: 'tenant', tenantId: 't-a' })
      .expect(201);
    tenantA = key.body.key;
  });
  afterAll(async () => {
    await replica.close();
    await t.close();
  });

  it('refuses to finalize a period with unrated usage, then one whose earlier period is open', async () => {
    await post([
      cloudEvent('vm.created', 'vm-u', '2026-08-10T00:00:00Z', {
        tenantId: 't-u',
        template: 'gpu',
        state: 'running',
      }),
      cloudEvent('vm.deleted', 'vm-u', '2026-08-11T00:00:00Z', { tenantId: 't-u' }),
    ]);
    const unrated = await finalize('2026-08').expect(409);
    expect(unrated.body).toMatchObject({
      code: 'unrated-usage',
      unrated: [{ tenantId: 't-u', resourceId: 'vm-u', reason: 'unknown_template' }],
    });
    expect((await statement('t-u', '2026-08')).unrated).toEqual([
      expect.objectContaining({ resourceId: 'vm-u', reason: 'unknown_template' }),
    ]);
    const earlier = await finalize('2026-09').expect(409);
    expect(earlier.body).toMatchObject({
      code: 'earlier-period-open',
      earliestOpenPeriod: '2026-08',
    });
    await finalize('2026-11').expect(409); // not ended (the clock says 2026-11 or later)
    await t.http.post('/v1/periods/2026-13/finalize').set(admin).expect(400);
  });

  it('finalizes once the cause is fixed by a price book', async () => {
    const book = priceBookBody({
      tenantId: 't-u',
      effectiveFrom: '2026-08-01T00:00:00Z',
      vm: { pricePerHour: '0.02', templateWeights: { gpu: '8' }, stateWeights: { running: '1' } },
    });
    await t.http.post('/v1/price-books').set(admin).send(book).expect(201);
    await t.ratingSettled();
    const res = await finalize('2026-08').expect(200);
    // 24 h × 0.02 × 8 = 3.84
    expect(res.body.invoices).toEqual([
      expect.objectContaining({
        invoiceNumber: 'INV-000001',
        tenantId: 't-u',
        total: '3.84',
        currency: 'USD',
      }),
    ]);
  });

  it('gives each tenant a September statement equal to totals computed by hand', async () => {
    const e = (type: string, subject: string, time: string, data: Record<string, unknown>) => {
      const ev = cloudEvent(type, subject, time, data);
      ids[`${subject}:${type}`] = ev.id as string;
      return ev;
    };
    await post([
      // t-a: vm-a1 standard, running all September (720 h × 0.02 × 2 = 28.80)
      e('vm.created', 'vm-a1', '2026-09-01T00:00:00Z', {
        tenantId: 't-a',
        template: 'standard',
        state: 'running',
      }),
      e('vm.deleted', 'vm-a1', '2026-10-01T00:00:00Z', { tenantId: 't-a' }),
      // t-a: vm-a2 normal, running 10 days (240 h × 0.02 = 4.80), suspended 5 days (120 h × 0.006 = 0.72): 5.52
      e('vm.created', 'vm-a2', '2026-09-10T00:00:00Z', {
        tenantId: 't-a',
        template: 'normal',
        state: 'running',
      }),
      e('vm.suspended', 'vm-a2', '2026-09-20T00:00:00Z', { tenantId: 't-a' }),
      e('vm.deleted', 'vm-a2', '2026-09-25T00:00:00Z', { tenantId: 't-a' }),
      // t-b: vs-b1 standard with 4 real servers: 0.03 × 1.5 × (1 + 0.25 × 4) = 0.09/h for 360 h = 32.40,
      //      then 0 real servers: 0.045/h for 360 h = 16.20: 48.60
      e('vs.created', 'vs-b1', '2026-09-01T00:00:00Z', {
        tenantId: 't-b',
        template: 'standard',
        realServerCount: 4,
      }),
      e('vs.updated', 'vs-b1', '2026-09-16T00:00:00Z', { tenantId: 't-b', realServerCount: 0 }),
      e('vs.deleted', 'vs-b1', '2026-10-01T00:00:00Z', { tenantId: 't-b' }),
      // t-b: img-b1 150 GB graduated: 100 × 0.0001 + 50 × 0.00008 = 0.014/h for 720 h = 10.08
      e('image.created', 'img-b1', '2026-09-01T00:00:00Z', { tenantId: 't-b', sizeGb: '150' }),
      e('image.deleted', 'img-b1', '2026-10-01T00:00:00Z', { tenantId: 't-b' }),
      // t-c: -img 1500 GB: 0.01 + 900 × 0.00008 + 500 × 0.00005 = 0.107/h for 372 h = 39.804 → 39.80
      e('image.created', '-img', '2026-09-15T12:00:00Z', { tenantId: 't-c', sizeGb: '1500' }),
      e('image.deleted', '-img', '2026-10-01T00:00:00Z', { tenantId: 't-c' }),
      // t-c: vm-c2 enhanced stopped: 0.02 × 4 × 0.1 = 0.008/h for 0.625 h = 0.005 → 0.01 (half up)
      e('vm.created', 'vm-c2', '2026-09-02T00:00:00Z', {
        tenantId: 't-c',
        template: 'enhanced',
        state: 'stopped',
      }),
      e('vm.deleted', 'vm-c2', '2026-09-02T00:37:30Z', { tenantId: 't-c' }),
    ]);
    const a = await statement('t-a', '2026-09');
    expect(a).toMatchObject({
      tenantId: 't-a',
      period: '2026-09',
      status: 'open',
      invoiceNumber: null,
      currency: 'USD',
      total: '34.32',
      asOf: '2026-10-01T00:00:00.000Z',
      unrated: [],
    });
    expect(a.lines).toEqual([
      {
        type: 'usage',
        resourceType: 'vm',
        resourceId: 'vm-a1',
        amount: '28.80',
        hours: '720',
        intervals: [
          {
            from: '2026-09-01T00:00:00.000Z',
            to: '2026-10-01T00:00:00.000Z',
            template: 'standard',
            state: 'running',
            weight: '2',
            pricePerHour: '0.02',
            hours: '720',
            amount: '28.8',
            priceBookId: expect.any(String),
            openedBy: ids['vm-a1:vm.created'],
            closedBy: ids['vm-a1:vm.deleted'],
          },
        ],
      },
      expect.objectContaining({ resourceId: 'vm-a2', amount: '5.52', hours: '360' }),
    ]);
    expect((await statement('t-b', '2026-09')).total).toBe('58.68');
    const c = await statement('t-c', '2026-09');
    expect(
      c.lines.map((l: { resourceId: string; amount: string }) => [l.resourceId, l.amount]),
    ).toEqual([
      ['-img', '39.80'],
      ['vm-c2', '0.01'],
    ]);
    expect(c.total).toBe('39.81');
  });

  it('numbers invoices gaplessly when two replicas finalize at once, and answers both the same', async () => {
    const [one, two] = await Promise.all([finalize('2026-09', t), finalize('2026-09', replica)]);
    expect(one.status).toBe(200);
    expect(two.status).toBe(200);
    expect(two.body).toEqual(one.body);
    expect(
      one.body.invoices.map((i: { invoiceNumber: string; tenantId: string; total: string }) => [
        i.invoiceNumber,
        i.tenantId,
        i.total,
      ]),
    ).toEqual([
      ['INV-000002', 't-a', '34.32'],
      ['INV-000003', 't-b', '58.68'],
      ['INV-000004', 't-c', '39.81'],
    ]);
    const again = await finalize('2026-09').expect(200);
    expect(again.body).toEqual(one.body);
    const numbers = await t.db.query('SELECT number FROM invoices ORDER BY seq');
    expect(numbers.rows.map((r) => r.number)).toEqual([
      'INV-000001',
      'INV-000002',
      'INV-000003',
      'INV-000004',
    ]);
    const a = await statement('t-a', '2026-09');
    expect(a).toMatchObject({ status: 'finalized', invoiceNumber: 'INV-000002', total: '34.32' });
    expect(a.lines[0].intervals[0]).toMatchObject({
      openedBy: ids['vm-a1:vm.created'],
      hours: '720',
    });
    // members in the documented order, as the open statement had them (jsonb reordered them)
    expect(Object.keys(a.lines[0].intervals[0])).toEqual([
      'from',
      'to',
      'template',
      'state',
      'weight',
      'pricePerHour',
      'hours',
      'amount',
      'priceBookId',
      'openedBy',
      'closedBy',
    ]);
  });

  it('turns late events into one adjustment on the earliest open period, never touching the invoice', async () => {
    // vm-a1 suspended for its last day: 696 h × 0.04 + 24 h × 0.012 = 28.128 → 28.13; invoiced 28.80
    await post([cloudEvent('vm.suspended', 'vm-a1', '2026-09-30T00:00:00Z', { tenantId: 't-a' })]);
    let oct = await statement('t-a', '2026-10');
    expect(oct.lines).toEqual([
      {
        type: 'adjustment',
        resourceType: 'vm',
        resourceId: 'vm-a1',
        adjustsPeriod: '2026-09',
        amount: '-0.67',
      },
    ]);
    expect(oct.total).toBe('-0.67');
    // …and resumed at noon: 27.84 + 12 × 0.012 + 12 × 0.04 = 28.464 → 28.46: still one line
    await post([cloudEvent('vm.resumed', 'vm-a1', '2026-09-30T12:00:00Z', { tenantId: 't-a' })]);
    oct = await statement('t-a', '2026-10');
    expect(oct.lines).toEqual([
      expect.objectContaining({ type: 'adjustment', adjustsPeriod: '2026-09', amount: '-0.34' }),
    ]);
    // re-rating the same history twice creates no second adjustment
    await t.db.query(
      `INSERT INTO rating_marks (resource_type, subject, from_at) SELECT resource_type, subject, '-infinity' FROM resources WHERE subject = 'vm-a1'`,
    );
    await t.app
      .get((await import('../../src/rating/rating.service')).RatingService)
      .rate({ resourceType: 'vm', subject: 'vm-a1' });
    expect((await statement('t-a', '2026-10')).lines).toHaveLength(1);
    // the invoice never changes
    expect(await statement('t-a', '2026-09')).toMatchObject({
      status: 'finalized',
      total: '34.32',
    });
    expect((await statement('t-a', '2026-09')).lines[0].amount).toBe('28.80');
  });

  it('freezes adjustments into the next invoice, and keeps invoiced + adjustments = round(exact)', async () => {
    const res = await finalize('2026-10').expect(200);
    expect(res.body.invoices).toEqual([
      expect.objectContaining({ invoiceNumber: 'INV-000005', tenantId: 't-a', total: '-0.34' }),
    ]);
    // another late change: stopped at 18:00: 27.84 + 0.144 + 6 × 0.04 + 6 × 0.004 = 28.248 → 28.25
    await post([cloudEvent('vm.stopped', 'vm-a1', '2026-09-30T18:00:00Z', { tenantId: 't-a' })]);
    const nov = await statement('t-a', '2026-11');
    expect(nov.lines).toEqual([
      expect.objectContaining({ type: 'adjustment', adjustsPeriod: '2026-09', amount: '-0.21' }),
    ]);
    const issued = d('28.80').plus('-0.34').plus('-0.21');
    expect(issued.toFixed(2)).toBe('28.25');
    expect((await statement('t-a', '2026-10')).lines).toEqual([
      expect.objectContaining({ amount: '-0.34' }),
    ]);
  });

  it('lists a tenant its statements, newest first', async () => {
    const list = await t.http.get('/v1/tenants/t-a/statements').set(admin).expect(200);
    expect(list.body.items).toEqual([
      { period: '2026-11', status: 'open', invoiceNumber: null, currency: 'USD', total: '-0.21' },
      {
        period: '2026-10',
        status: 'finalized',
        invoiceNumber: 'INV-000005',
        currency: 'USD',
        total: '-0.34',
      },
      {
        period: '2026-09',
        status: 'finalized',
        invoiceNumber: 'INV-000002',
        currency: 'USD',
        total: '34.32',
      },
    ]);
  });

  it('exports every line of a period as RFC 4180 CSV that sums to the invoices', async () => {
    const res = await t.http
      .get('/v1/exports/invoice-lines.csv?period=2026-09')
      .set(admin)
      .expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.text.split('\r\n')[0]).toBe(
      'invoice_number,tenant_id,period,status,line_type,resource_type,resource_id,adjusts_period,hours,amount,currency',
    );
    const rows: Record<string, string>[] = parse(res.text, { columns: true });
    expect(rows).toHaveLength(6);
    const byInvoice = new Map<string, Decimal>();
    for (const r of rows)
      byInvoice.set(r.invoice_number, (byInvoice.get(r.invoice_number) ?? d('0')).plus(r.amount));
    const invoices = (
      await t.db.query(`SELECT number, total::text FROM invoices WHERE period = '2026-09'`)
    ).rows;
    for (const inv of invoices) expect(byInvoice.get(inv.number)!.equals(inv.total)).toBe(true);
    // formula injection: a text cell starting with "-" is prefixed, numbers stay plain
    expect(rows.find((r) => r.resource_id === "'-img")).toMatchObject({
      tenant_id: 't-c',
      amount: '39.80',
      status: 'finalized',
    });
    const oct = parse(
      (await t.http.get('/v1/exports/invoice-lines.csv?period=2026-10').set(admin).expect(200))
        .text,
      { columns: true },
    );
    expect(oct).toEqual([
      expect.objectContaining({
        invoice_number: 'INV-000005',
        line_type: 'adjustment',
        adjusts_period: '2026-09',
        amount: '-0.34',
        hours: '',
      }),
    ]);
    const open = parse(
      (await t.http.get('/v1/exports/invoice-lines.csv?period=2026-11').set(admin).expect(200))
        .text,
      { columns: true },
    );
    expect(open).toEqual([
      expect.objectContaining({ invoice_number: '', status: 'open', amount: '-0.21' }),
    ]);
    await t.http.get('/v1/exports/invoice-lines.csv?period=2026-9').set(admin).expect(400);
    await t.http.get('/v1/exports/invoice-lines.csv').set(admin).expect(400);
  });

  describe('tenant isolation and errors', () => {
    const tenant = () => ({ authorization: `Bearer ${tenantA}` });

    it('lets a tenant key read its own statements only', async () => {
      expect((await statement('t-a', '2026-09', tenant())).total).toBe('34.32');
      const other = await t.http
        .get('/v1/tenants/t-b/statements/2026-09')
        .set(tenant())
        .expect(404);
      expect(JSON.stringify(other.body)).not.toContain('58.68');
      await t.http.get('/v1/tenants/t-b/statements').set(tenant()).expect(404);
    });

    it('keeps tenant keys away from admin endpoints', async () => {
      await t.http.post('/v1/periods/2026-10/finalize').set(tenant()).expect(403);
      await t.http.get('/v1/exports/invoice-lines.csv?period=2026-09').set(tenant()).expect(403);
      await t.http.get('/v1/rating-issues').set(tenant()).expect(403);
    });

    it('answers bad periods and unknown periods precisely', async () => {
      const bad = await t.http.get('/v1/tenants/t-a/statements/2026-13').set(admin).expect(400);
      expect(bad.body.errors).toEqual([
        expect.objectContaining({ message: expect.stringMatching(/YYYY-MM/) }),
      ]);
      await t.http.get('/v1/tenants/t-a/statements/2999-01').set(admin).expect(404);
      await t.http.get('/v1/tenants/t-a/statements/2026-09').expect(401);
    });

    it('refuses a price book that would re-price a finalized period', async () => {
      const res = await t.http
        .post('/v1/price-books')
        .set(admin)
        .send(priceBookBody({ effectiveFrom: '2026-10-15T00:00:00Z' }))
        .expect(409);
      expect(res.body.code).toBe('period-finalized');
    });

    it('keeps invoices append-only in the database itself', async () => {
      await expect(t.db.query(`UPDATE invoices SET total = 0`)).rejects.toThrow(/immutable/);
      await expect(t.db.query(`DELETE FROM invoice_lines`)).rejects.toThrow(/immutable/);
    });
  });
});
