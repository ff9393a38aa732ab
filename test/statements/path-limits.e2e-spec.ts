import { priceBookBody } from '../factories/price-book.factory';
import { cloudEvent } from '../factories/event.factory';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/test-app';

const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const PROBLEM = /^application\/problem\+json/;

/**
 * The router answers some URLs before any route runs: a path parameter over
 * its length limit, a path it cannot decode. A tenant id as long as CONTRACT
 * §1 allows (128 characters) must still reach its statements, and what the
 * router refuses must still be a problem document naming the path.
 */
describe('statements: path limits', () => {
  let t: TestApp;
  const longest = 't'.repeat(128);

  beforeAll(async () => {
    t = await startTestApp();
    await t.http
      .post('/v1/price-books')
      .set(admin)
      .send(priceBookBody({ effectiveFrom: '2026-01-01T00:00:00Z' }))
      .expect(201);
    await t.http
      .post('/v1/events')
      .set({ ...admin, 'content-type': 'application/cloudevents-batch+json' })
      .send([
        cloudEvent('vm.created', 'vm-long-tenant', '2026-10-01T00:00:00Z', {
          tenantId: longest,
          template: 'standard',
          state: 'running',
        }),
        cloudEvent('vm.deleted', 'vm-long-tenant', '2026-10-01T10:00:00Z', { tenantId: longest }),
      ])
      .expect(202);
    await t.ratingSettled();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers the statement of a tenant id of 128 characters (it was a 414)', async () => {
    const res = await t.http
      .get(`/v1/tenants/${longest}/statements/2026-10`)
      .set(admin)
      .expect(200);
    expect(res.body.tenantId).toBe(longest);
    expect(res.body.lines).toHaveLength(1);
    await t.http.get(`/v1/tenants/${longest}/statements`).set(admin).expect(200);
  });

  it.each([
    [
      'a tenant id of 129 characters',
      `/v1/tenants/${'t'.repeat(129)}/statements/2026-10`,
      'tenantId',
    ],
    ['a period that is not a month', '/v1/tenants/t-a/statements/2026-13', 'period'],
  ])('names the path parameter of %s (it was "(body)")', async (_what, url, field) => {
    const res = await t.http.get(url).set(admin).expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body.errors).toEqual([expect.objectContaining({ field })]);
  });

  it.each([
    [
      'a path segment over the router limit',
      `/v1/tenants/${'t'.repeat(300)}/statements/2026-10`,
      /longer than 256/,
    ],
    ['bad percent-encoding', '/v1/tenants/t%ED%A0%80/statements/2026-10', /percent-encoding/],
  ])('answers %s with a problem document naming the path', async (_what, url, message) => {
    const res = await t.http.get(url).set(admin).expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body).toMatchObject({
      status: 400,
      code: 'validation-failed',
      instance: url,
      errors: [{ field: '(path)', message: expect.stringMatching(message) }],
    });
  });
});
