import { PriceBooksController } from '../../src/price-books/price-books.controller';
import { priceBookBody } from '../factories/price-book.factory';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/test-app';

const auth = { authorization: `Bearer ${ADMIN_KEY}` };

describe(PriceBooksController.name, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (body: unknown, headers: Record<string, string> = auth) =>
    t.http
      .post('/v1/price-books')
      .set(headers)
      .send(body as object);
  const countVersions = async () =>
    Number((await t.db.query('SELECT count(*)::int AS n FROM price_book_versions')).rows[0].n);

  it('stores a version and answers it with canonical decimal strings', async () => {
    const res = await post(priceBookBody({ effectiveFrom: '2026-01-01T02:00:00+02:00' })).expect(
      201,
    );
    expect(res.body).toMatchObject({
      tenantId: null,
      effectiveFrom: '2026-01-01T00:00:00.000Z',
      currency: 'USD',
      vm: {
        pricePerHour: '0.02',
        templateWeights: { standard: '2' },
        stateWeights: { suspended: '0.3' },
      },
      vs: { realServerWeight: '0.25' },
      image: {
        tierMode: 'graduated',
        tiers: [{ upToGb: '100', pricePerGbHour: '0.0001' }, { upToGb: '1000' }, { upToGb: null }],
      },
    });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    const row = await t.db.query('SELECT currency, body FROM price_book_versions WHERE id = $1', [
      res.body.id,
    ]);
    expect(row.rows[0].body.vm.pricePerHour).toBe('0.02');
  });

  it('accepts JSON numbers for decimals', async () => {
    const res = await post(
      priceBookBody({
        effectiveFrom: '2026-02-01T00:00:00Z',
        vm: { pricePerHour: 0.0125, templateWeights: { normal: 1 }, stateWeights: { running: 1 } },
      }),
    ).expect(201);
    expect(res.body.vm.pricePerHour).toBe('0.0125');
  });

  it('answers an identical resend with the stored version (200) and stores nothing new', async () => {
    const body = priceBookBody({ tenantId: 't-resend', effectiveFrom: '2026-03-01T00:00:00Z' });
    const first = await post(body).expect(201);
    const before = await countVersions();
    const again = await post(body).expect(200);
    expect(again.body.id).toBe(first.body.id);
    expect(await countVersions()).toBe(before);
  });

  it('refuses a different version at the same scope and instant (409)', async () => {
    await post(priceBookBody({ tenantId: 't-dup', effectiveFrom: '2026-04-01T00:00:00Z' })).expect(
      201,
    );
    const res = await post(
      priceBookBody({
        tenantId: 't-dup',
        effectiveFrom: '2026-04-01T00:00:00Z',
        vm: { pricePerHour: '9', templateWeights: {}, stateWeights: {} },
      }),
    ).expect(409);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 409, code: 'price-book-exists' });
  });

  it('lists versions, global first, and filters by tenant', async () => {
    const all = await t.http.get('/v1/price-books').set(auth).expect(200);
    expect(all.body.items.length).toBeGreaterThanOrEqual(3);
    expect(all.body.items[0].tenantId).toBeNull();
    const one = await t.http.get('/v1/price-books?tenantId=t-dup').set(auth).expect(200);
    expect(one.body.items.map((v: { tenantId: string }) => v.tenantId)).toEqual(['t-dup']);
  });

  describe('bad bodies', () => {
    const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
      ['unknown currency', { currency: 'XYZ' }, 'currency', /ISO 4217/],
      [
        'effectiveFrom without offset',
        { effectiveFrom: '2026-01-01T00:00:00' },
        'effectiveFrom',
        /RFC 3339/,
      ],
      ['impossible date', { effectiveFrom: '2026-02-30T00:00:00Z' }, 'effectiveFrom', /RFC 3339/],
      // the year is four-digit where written, not in UTC (it was a 201, and
      // later books of another currency answered 500)
      [
        'effectiveFrom after 9999 in UTC',
        { effectiveFrom: '9999-12-31T23:59:59.999-23:59' },
        'effectiveFrom',
        /1970 to 9999 in UTC/,
      ],
      [
        'effectiveFrom before 1970 in UTC',
        { effectiveFrom: '1970-01-01T00:30:00+01:00' },
        'effectiveFrom',
        /1970 to 9999 in UTC/,
      ],
      ['tenantId with bad characters', { tenantId: 'a b' }, 'tenantId', /A-Za-z0-9/],
      ['tenantId missing', { tenantId: undefined }, 'tenantId', /required/],
      [
        'negative weight',
        { vm: { pricePerHour: '0.02', templateWeights: { normal: '-1' }, stateWeights: {} } },
        'vm.templateWeights.normal',
        /non-negative/,
      ],
      [
        'float price as exponent string',
        { vs: { pricePerHour: '1e-3', templateWeights: {}, realServerWeight: '0' } },
        'vs.pricePerHour',
        /decimal string/,
      ],
      [
        'unknown state',
        { vm: { pricePerHour: '0.02', templateWeights: {}, stateWeights: { paused: '1' } } },
        'vm.stateWeights',
        /unknown field: paused/,
      ],
      [
        'tiers not ascending',
        {
          image: {
            tierMode: 'volume',
            tiers: [
              { upToGb: '100', pricePerGbHour: '1' },
              { upToGb: '50', pricePerGbHour: '1' },
              { upToGb: null, pricePerGbHour: '1' },
            ],
          },
        },
        'image.tiers[1].upToGb',
        /greater than the previous/,
      ],
      [
        'last tier not open-ended',
        { image: { tierMode: 'graduated', tiers: [{ upToGb: '100', pricePerGbHour: '1' }] } },
        'image.tiers[0].upToGb',
        /open-ended/,
      ],
      [
        'unknown tier mode',
        { image: { tierMode: 'stepped', tiers: [{ upToGb: null, pricePerGbHour: '1' }] } },
        'image.tierMode',
        /graduated/,
      ],
      ['a typo in a field name', { princePerHour: '1' }, '(body)', /unknown field: princePerHour/],
      [
        'template weights missing',
        { vm: { pricePerHour: '0.02', stateWeights: {} } },
        'vm.templateWeights',
        /^is required$/,
      ],
      [
        'template weights as a list',
        { vs: { pricePerHour: '1', templateWeights: ['1'], realServerWeight: '0' } },
        'vs.templateWeights',
        /^must be an object of template names and weights$/,
      ],
      [
        'a template name with a space',
        { vm: { pricePerHour: '0.02', templateWeights: { 'a b': '1' }, stateWeights: {} } },
        'vm.templateWeights.a b',
        /1–64 chars/,
      ],
      [
        'a missing price',
        { vm: { templateWeights: {}, stateWeights: {} } },
        'vm.pricePerHour',
        /^is required$/,
      ],
      [
        'a boolean price (zod said "Invalid input")',
        { vm: { pricePerHour: true, templateWeights: {}, stateWeights: {} } },
        'vm.pricePerHour',
        /^must be a non-negative decimal string/,
      ],
    ];

    it.each(cases)(
      '%s → 400 naming %s, nothing stored',
      async (_name, override, field, message) => {
        const before = await countVersions();
        const res = await post(
          priceBookBody({ effectiveFrom: '2027-01-01T00:00:00Z', ...override }),
        ).expect(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({
          type: 'urn:iaas-billing:problem:validation-failed',
          status: 400,
          code: 'validation-failed',
        });
        expect(res.body.errors).toEqual(
          expect.arrayContaining([{ field, message: expect.stringMatching(message) }]),
        );
        expect(await countVersions()).toBe(before);
      },
    );

    it('lists every problem of a body at once', async () => {
      const res = await post(
        priceBookBody({ currency: 'usd', effectiveFrom: 'soon', vs: undefined }),
      ).expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'currency',
        'effectiveFrom',
        'vs',
      ]);
    });

    it('answers malformed JSON with a 400 problem and no internals', async () => {
      const res = await t.http
        .post('/v1/price-books')
        .set({ ...auth, 'content-type': 'application/json' })
        .send('{"tenantId": nul')
        .expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('malformed-json');
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.js|node_modules|stack/);
    });

    it('answers a body over 1 MiB with 413', async () => {
      const res = await t.http
        .post('/v1/price-books')
        .set({ ...auth, 'content-type': 'application/json' })
        .send(JSON.stringify({ pad: 'x'.repeat(1024 * 1024) }))
        .expect(413);
      expect(res.body.code).toBe('payload-too-large');
    });
  });

  describe('authorization', () => {
    it('answers 401 with WWW-Authenticate without a key', async () => {
      const res = await t.http.get('/v1/price-books').expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body.code).toBe('unauthorized');
    });

    it('answers 401 for a wrong key and stores nothing', async () => {
      const before = await countVersions();
      await post(priceBookBody({ effectiveFrom: '2028-01-01T00:00:00Z' }), {
        authorization: 'Bearer nope',
      }).expect(401);
      expect(await countVersions()).toBe(before);
    });
  });

  describe('finalized periods', () => {
    it('refuses a version that would re-price a finalized period, and accepts one after it', async () => {
      await t.db.query("INSERT INTO finalized_periods (period) VALUES ('2026-05')");
      const res = await post(priceBookBody({ effectiveFrom: '2026-05-31T23:59:59.999Z' })).expect(
        409,
      );
      expect(res.body).toMatchObject({
        code: 'period-finalized',
        latestFinalizedPeriod: '2026-05',
      });
      expect(res.body.detail).toContain('2026-06-01T00:00:00.000Z');
      await post(priceBookBody({ effectiveFrom: '2026-06-01T00:00:00Z' })).expect(201);
    });
  });

  describe('currencies', () => {
    it('refuses a currency change inside a period and accepts one at a month start', async () => {
      const mid = await post(
        priceBookBody({
          tenantId: 't-eur',
          currency: 'EUR',
          effectiveFrom: '2026-07-15T00:00:00Z',
        }),
      ).expect(409);
      expect(mid.body).toMatchObject({ code: 'currency-change-mid-period' });
      expect(mid.body.changes[0]).toMatchObject({ tenantId: 't-eur', from: 'USD', to: 'EUR' });
      await post(
        priceBookBody({
          tenantId: 't-eur',
          currency: 'EUR',
          effectiveFrom: '2026-08-01T00:00:00Z',
        }),
      ).expect(201);
    });
  });

  it('keeps versions immutable in the database itself', async () => {
    await expect(t.db.query("UPDATE price_book_versions SET currency = 'EUR'")).rejects.toThrow(
      /immutable/,
    );
    await expect(t.db.query('DELETE FROM price_book_versions')).rejects.toThrow(/immutable/);
  });

  it('answers unknown routes with a 404 problem', async () => {
    const res = await t.http.get('/v1/nope').expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
