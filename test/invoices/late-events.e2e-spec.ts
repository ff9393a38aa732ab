import { cloudEvent } from '../factories/event.factory';
import { priceBookBody } from '../factories/price-book.factory';
import type { StatementView } from '../../src/statements/statement.model';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/test-app';

const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const BATCH = { ...admin, 'content-type': 'application/cloudevents-batch+json' };

/**
 * A fresh service per describe, with CONTRACT §2's example as the global book
 * from January (standard VM running: 0.02 × 2 × 1 = 0.04 an hour), and the
 * calls these tests make. Registers its own beforeAll / afterAll, which run
 * before the describe's own.
 */
function billingApp() {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ FINALIZE_AFTER_HOURS: '0' });
    await t.http
      .post('/v1/price-books')
      .set(admin)
      .send(priceBookBody({ effectiveFrom: '2026-01-01T00:00:00Z' }))
      .expect(201);
  });
  afterAll(async () => {
    await t.close();
  });
  return {
    http: () => t.http,
    post: async (events: Record<string, unknown>[]) => {
      await t.http.post('/v1/events').set(BATCH).send(events).expect(202);
      await t.ratingSettled();
    },
    statement: async (tenant: string, period: string) =>
      (await t.http.get(`/v1/tenants/${tenant}/statements/${period}`).set(admin).expect(200))
        .body as StatementView,
    finalize: (period: string) => t.http.post(`/v1/periods/${period}/finalize`).set(admin),
  };
}

/**
 * Late events into finalized periods that the billing cycle test does not
 * cover: usage a late event leaves unrated there (CONTRACT §4: never billed
 * as zero, and no period with unrated usage is finalized), and late usage in
 * a period before any usage the service had seen when it finalized (§5:
 * still a finalized period, so an adjustment).
 */
describe('late events into finalized periods', () => {
  const { http, post, statement, finalize } = billingApp();
  const adjustments = (s: { lines: { type: string }[] }) =>
    s.lines.filter((l) => l.type === 'adjustment');

  beforeAll(async () => {
    // September: one VM of t-x, 29 days standard and running
    await post([
      cloudEvent('vm.created', 'vm-1', '2026-09-01T00:00:00Z', {
        tenantId: 't-x',
        template: 'standard',
        state: 'running',
      }),
      cloudEvent('vm.deleted', 'vm-1', '2026-09-30T00:00:00Z', { tenantId: 't-x' }),
    ]);
    const f = await finalize('2026-09').expect(200);
    expect(f.body.invoices).toEqual([expect.objectContaining({ tenantId: 't-x', total: '27.84' })]);
  });

  it('shows usage a late event left unrated on the next open statement, credits none of it, and refuses to finalize that period', async () => {
    // from Sep 15 the VM had a template the book does not price
    await post([
      cloudEvent('vm.resized', 'vm-1', '2026-09-15T00:00:00Z', {
        tenantId: 't-x',
        template: 'xl',
      }),
    ]);
    const october = await statement('t-x', '2026-10');
    expect(october.status).toBe('open');
    // not round(13.44) - 27.84 = -14.40: the unrated half is not billed as zero
    expect(adjustments(october)).toEqual([]);
    expect(october.total).toBe('0.00');
    expect(october.unrated).toEqual([
      expect.objectContaining({
        resourceType: 'vm',
        resourceId: 'vm-1',
        from: '2026-09-15T00:00:00.000Z',
        to: '2026-09-30T00:00:00.000Z',
        blocking: true,
      }),
    ]);
    // September stays as issued
    expect(await statement('t-x', '2026-09')).toMatchObject({
      status: 'finalized',
      total: '27.84',
      unrated: [],
    });
    const refused = await finalize('2026-10').expect(409);
    expect(refused.body).toMatchObject({ code: 'unrated-usage' });
    expect(refused.body.detail).toContain('late usage in finalized period 2026-09');
    expect(refused.body.unrated).toEqual([
      expect.objectContaining({ tenantId: 't-x', resourceId: 'vm-1' }),
    ]);
    expect((await statement('t-x', '2026-10')).status).toBe('open');
  });

  it('turns it into an adjustment once it is rated, and then finalizes', async () => {
    // the control plane corrects the resize: enhanced, not xl (same instant, later in order)
    await post([
      cloudEvent(
        'vm.resized',
        'vm-1',
        '2026-09-15T00:00:00Z',
        { tenantId: 't-x', template: 'enhanced' },
        { sequence: '1' },
      ),
    ]);
    const october = await statement('t-x', '2026-10');
    expect(october.unrated).toEqual([]);
    // 14 days standard (13.44) + 15 days enhanced (0.08 × 360 h = 28.80) - 27.84 invoiced
    expect(adjustments(october)).toEqual([
      expect.objectContaining({ resourceId: 'vm-1', adjustsPeriod: '2026-09', amount: '14.40' }),
    ]);
    const f = await finalize('2026-10').expect(200);
    expect(f.body.invoices).toEqual([expect.objectContaining({ tenantId: 't-x', total: '14.40' })]);
  });

  it('shows a new late resource priced by nothing, wholly in a finalized period, on the next open statement', async () => {
    await post([
      cloudEvent('vm.created', 'vm-2', '2026-10-02T00:00:00Z', {
        tenantId: 't-x',
        template: 'gpu',
        state: 'running',
      }),
      cloudEvent('vm.deleted', 'vm-2', '2026-10-03T00:00:00Z', { tenantId: 't-x' }),
    ]);
    const november = await statement('t-x', '2026-11');
    expect(november.unrated).toEqual([
      expect.objectContaining({
        resourceId: 'vm-2',
        from: '2026-10-02T00:00:00.000Z',
        to: '2026-10-03T00:00:00.000Z',
      }),
    ]);
    expect(adjustments(november)).toEqual([]);
    await finalize('2026-11').expect(409);
    // October's invoice is untouched
    expect(await statement('t-x', '2026-10')).toMatchObject({
      status: 'finalized',
      total: '14.40',
    });
  });

  it('makes late usage before any usage seen at finalization an adjustment, the period staying finalized and empty', async () => {
    // August had no usage at all when September (and so August) was finalized
    await post([
      cloudEvent('vm.created', 'vm-3', '2026-08-01T00:00:00Z', {
        tenantId: 't-y',
        template: 'standard',
        state: 'running',
      }),
      cloudEvent('vm.deleted', 'vm-3', '2026-08-02T00:00:00Z', { tenantId: 't-y' }),
    ]);
    expect(await statement('t-y', '2026-08')).toMatchObject({
      status: 'finalized',
      invoiceNumber: null,
      total: '0.00',
      lines: [],
      unrated: [],
    });
    // finalizing August again changes nothing: it is finalized, with no invoice
    expect((await finalize('2026-08').expect(200)).body).toEqual({
      period: '2026-08',
      invoices: [],
    });
    // the earliest open period is November: 24 h × 0.04 = 0.96 lands there
    const november = await statement('t-y', '2026-11');
    expect(adjustments(november)).toEqual([
      expect.objectContaining({ resourceId: 'vm-3', adjustsPeriod: '2026-08', amount: '0.96' }),
    ]);
    const list = (await http().get('/v1/tenants/t-y/statements').set(admin).expect(200)).body;
    expect(list.items).toEqual([
      expect.objectContaining({ period: '2026-11', status: 'open', total: '0.96' }),
    ]);
    // the finance export of August: nothing was issued there
    const csv = await http()
      .get('/v1/exports/invoice-lines.csv?period=2026-08')
      .set(admin)
      .expect(200);
    expect(csv.text.trim().split('\r\n')).toHaveLength(1);
  });
});

/**
 * Where late changes land when the earliest open period has no usage of its
 * own: its statement is listed, it is invoiced there (not closed empty by
 * finalizing a later period), and a late lone deletion, which carries no
 * usage, blocks nothing.
 */
describe('late changes landing on a period without usage', () => {
  const { http, post, statement, finalize } = billingApp();

  beforeAll(async () => {
    await post([
      // 10 days standard: 240 h × 0.04 = 9.60
      cloudEvent('vm.created', 'vm-z', '2026-09-01T00:00:00Z', {
        tenantId: 't-z',
        template: 'standard',
        state: 'running',
      }),
      cloudEvent('vm.deleted', 'vm-z', '2026-09-11T00:00:00Z', { tenantId: 't-z' }),
      // running on: September invoiced 720 h × 0.02 = 14.40
      cloudEvent('vm.created', 'vm-o', '2026-09-01T00:00:00Z', {
        tenantId: 't-o',
        template: 'normal',
        state: 'running',
      }),
    ]);
    await finalize('2026-09').expect(200);
  });

  it('lists the open statement that carries only a credit', async () => {
    // the control plane's correction: deleted at the instant it was created
    await post([
      cloudEvent(
        'vm.deleted',
        'vm-z',
        '2026-09-01T00:00:00Z',
        { tenantId: 't-z' },
        { sequence: '1' },
      ),
    ]);
    expect((await statement('t-z', '2026-10')).lines).toEqual([
      expect.objectContaining({ type: 'adjustment', adjustsPeriod: '2026-09', amount: '-9.60' }),
    ]);
    const list = (await http().get('/v1/tenants/t-z/statements').set(admin).expect(200)).body;
    expect(list.items).toEqual([
      expect.objectContaining({ period: '2026-10', status: 'open', total: '-9.60' }),
      expect.objectContaining({ period: '2026-09', status: 'finalized', total: '9.60' }),
    ]);
  });

  it('invoices adjustments on the earliest open period: a later one is not finalized over it', async () => {
    // October now has no usage anywhere: 19 days (9.12) instead of 14.40
    await post([cloudEvent('vm.deleted', 'vm-o', '2026-09-20T00:00:00Z', { tenantId: 't-o' })]);
    const refused = await finalize('2026-11').expect(409);
    expect(refused.body).toMatchObject({
      code: 'earlier-period-open',
      earliestOpenPeriod: '2026-10',
    });
    expect(refused.body.detail).toContain('has adjustments');
    const october = await finalize('2026-10').expect(200);
    expect(october.body.invoices).toEqual([
      expect.objectContaining({ tenantId: 't-o', total: '-5.28' }),
      expect.objectContaining({ tenantId: 't-z', total: '-9.60' }),
    ]);
  });

  it('lets a late lone deletion, which carries no usage, block nothing', async () => {
    await post([
      cloudEvent('image.deleted', 'img-old', '2026-09-05T00:00:00Z', { tenantId: 't-d' }),
    ]);
    const issues = (await http().get('/v1/rating-issues?tenantId=t-d').set(admin).expect(200)).body;
    expect(issues.items).toEqual([
      expect.objectContaining({
        resourceId: 'img-old',
        reason: 'incomplete_attributes',
        blocking: false,
      }),
    ]);
    expect((await finalize('2026-11').expect(200)).body.invoices).toEqual([]);
  });
});
