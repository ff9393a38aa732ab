import { createHash, randomUUID } from 'node:crypto';
import { ApiKeysController } from '../../src/auth/api-keys.controller';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/test-app';

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const adminAuth = bearer(ADMIN_KEY);
const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Issued {
  id: string;
  key: string;
  scope: string;
  tenantId: string | null;
  createdAt: string;
}

describe(ApiKeysController.name, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const create = async (body: object, app: TestApp = t): Promise<Issued> =>
    (await app.http.post('/v1/api-keys').set(adminAuth).send(body).expect(201)).body as Issued;
  const priceBooks = (key: string, app: TestApp = t) =>
    app.http.get('/v1/price-books').set(bearer(key));
  const invalidEvent = (headers: Record<string, string>) =>
    t.http
      .post('/v1/events')
      .set({ ...headers, 'content-type': 'application/cloudevents+json' })
      .send(JSON.stringify({ specversion: '1.0' }));

  describe('creating keys', () => {
    it.each([
      [{ scope: 'admin' }, null],
      [{ scope: 'ingest' }, null],
      [{ scope: 'tenant', tenantId: 't-42.a_b' }, 't-42.a_b'],
      [{ scope: 'ingest', tenantId: null }, null],
    ])('answers 201 with the key once for %j', async (body, tenantId) => {
      const before = Date.now();
      const res = await t.http.post('/v1/api-keys').set(adminAuth).send(body).expect(201);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(Object.keys(res.body).sort()).toEqual(['createdAt', 'id', 'key', 'scope', 'tenantId']);
      expect(res.body).toMatchObject({ scope: body.scope, tenantId });
      expect(res.body.id).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(res.body.key).toMatch(/^bk_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(res.body.key.slice(3), 'base64url')).toHaveLength(32);
      expect(Date.parse(res.body.createdAt)).toBeGreaterThanOrEqual(before - 1000);
      expect(res.body.createdAt).toBe(new Date(res.body.createdAt).toISOString());
    });

    it.each([
      ['application/x-www-form-urlencoded', 'scope=ingest'],
      ['text/plain', '{"scope":"ingest"}'],
    ])(
      'answers 415 to a body of type %s, and creates no key (a form post created one)',
      async (type, body) => {
        const count = async () => (await t.db.query('SELECT 1 FROM api_keys')).rowCount;
        const before = await count();
        const res = await t.http
          .post('/v1/api-keys')
          .set({ ...adminAuth, 'content-type': type })
          .send(body)
          .expect(415);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(await count()).toBe(before);
      },
    );

    it('takes an empty body of any type as no body: finalize by `curl -X POST -d ""`', async () => {
      for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
        const res = await t.http
          .post('/v1/periods/2026-10/finalize')
          .set({ ...adminAuth, 'content-type': type })
          .send('');
        expect(res.status).toBe(200);
      }
    });

    it('issues a different key every time', async () => {
      const a = await create({ scope: 'ingest' });
      const b = await create({ scope: 'ingest' });
      expect(a.key).not.toBe(b.key);
      expect(a.id).not.toBe(b.id);
    });

    it('stores only the SHA-256 of the key and a short prefix', async () => {
      const issued = await create({ scope: 'tenant', tenantId: 't-hash' });
      const { rows } = await t.db.query('SELECT * FROM api_keys WHERE id = $1', [issued.id]);
      expect(rows).toHaveLength(1);
      const row = rows[0] as Record<string, unknown>;
      expect(Object.keys(row).sort()).toEqual([
        'created_at',
        'id',
        'key_hash',
        'key_prefix',
        'revoked_at',
        'scope',
        'tenant_id',
      ]);
      for (const value of Object.values(row)) {
        const text = value instanceof Date ? value.toISOString() : String(value);
        expect(text).not.toContain(issued.key);
        expect(text).not.toContain(issued.key.slice(3)); // not even without the "bk_"
      }
      expect(row).toMatchObject({
        scope: 'tenant',
        tenant_id: 't-hash',
        key_hash: sha256Hex(issued.key),
        key_prefix: issued.key.slice(0, 11),
        revoked_at: null,
      });
      // The same hash computed by PostgreSQL.
      const check = await t.db.query(
        `SELECT key_hash = encode(sha256(convert_to($1, 'UTF8')), 'hex') AS ok FROM api_keys WHERE id = $2`,
        [issued.key, issued.id],
      );
      expect(check.rows[0].ok).toBe(true);
    });

    it('lists keys without the key or its hash', async () => {
      const issued = await create({ scope: 'tenant', tenantId: 't-list' });
      const res = await t.http.get('/v1/api-keys').set(adminAuth).expect(200);
      const item = res.body.items.find((i: { id: string }) => i.id === issued.id);
      expect(item).toEqual({
        id: issued.id,
        scope: 'tenant',
        tenantId: 't-list',
        keyPrefix: issued.key.slice(0, 11),
        createdAt: issued.createdAt,
        revokedAt: null,
      });
      expect(JSON.stringify(res.body)).not.toContain(issued.key);
      expect(JSON.stringify(res.body)).not.toContain(sha256Hex(issued.key));
    });

    describe('bad bodies answer 400 naming the field, and store nothing', () => {
      const cases: Array<[string, unknown, string, RegExp]> = [
        ['unknown scope', { scope: 'root' }, 'scope', /must be one of "admin", "ingest", "tenant"/],
        ['missing scope', {}, 'scope', /is required/],
        ['tenant scope without tenantId', { scope: 'tenant' }, 'tenantId', /required for scope/],
        [
          'tenant scope with tenantId null',
          { scope: 'tenant', tenantId: null },
          'tenantId',
          /required for scope/,
        ],
        [
          'tenantId with admin scope',
          { scope: 'admin', tenantId: 't-1' },
          'tenantId',
          /only allowed/,
        ],
        [
          'tenantId with ingest scope',
          { scope: 'ingest', tenantId: 't-1' },
          'tenantId',
          /only allowed/,
        ],
        ['bad tenantId', { scope: 'tenant', tenantId: 'a b' }, 'tenantId', /A-Za-z0-9/],
        ['too long tenantId', { scope: 'tenant', tenantId: 'x'.repeat(129) }, 'tenantId', /1–128/],
        ['tenantId a number', { scope: 'tenant', tenantId: 7 }, 'tenantId', /must be string/],
        ['unknown field', { scope: 'admin', name: 'ci' }, '(body)', /unknown field: name/],
        ['an array', [{ scope: 'admin' }], '(body)', /must be object/],
      ];
      it.each(cases)('%s', async (_name, body, field, message) => {
        const before = (await t.db.query('SELECT count(*)::int AS n FROM api_keys')).rows[0].n;
        const res = await t.http
          .post('/v1/api-keys')
          .set(adminAuth)
          .send(body as object)
          .expect(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ status: 400, code: 'validation-failed' });
        expect(res.body.errors).toEqual(
          expect.arrayContaining([{ field, message: expect.stringMatching(message) }]),
        );
        const after = (await t.db.query('SELECT count(*)::int AS n FROM api_keys')).rows[0].n;
        expect(after).toBe(before);
      });
    });
  });

  describe('what each scope may do', () => {
    it.each([
      ['post', '/v1/price-books'],
      ['post', '/v1/api-keys'],
      ['post', '/v1/periods/2026-10/finalize'],
      ['delete', '/v1/api-keys/00000000-0000-4000-8000-000000000000'],
    ] as const)(
      '%s %s authenticates before reading the body: 401, not 400, 413 or 415',
      async (method, path) => {
        for (const headers of [{}, { authorization: 'Bearer wrong-key-wrong-key' }]) {
          for (const [type, body] of [
            ['application/json', '{bad'],
            ['text/xml', '<a/>'],
            ['application/json', `"${'x'.repeat(1_100_000)}"`],
          ]) {
            const res = await t.http[method](path)
              .set({ ...headers, 'content-type': type })
              .send(body);
            expect(res.status).toBe(401);
            expect(res.headers['www-authenticate']).toBe('Bearer');
          }
        }
      },
    );

    it('answers 401 with WWW-Authenticate: Bearer without a key or with an unknown one', async () => {
      for (const headers of [{}, bearer(`bk_${'A'.repeat(43)}`), bearer('not-a-key')]) {
        const res = await t.http
          .post('/v1/api-keys')
          .set(headers)
          .send({ scope: 'admin' })
          .expect(401);
        expect(res.headers['www-authenticate']).toBe('Bearer');
        expect(res.body).toMatchObject({ status: 401, code: 'unauthorized' });
      }
      await t.http.get('/v1/api-keys').expect(401);
      await t.http.delete(`/v1/api-keys/${randomUUID()}`).expect(401);
    });

    it('an admin key from the API is an admin', async () => {
      const { key } = await create({ scope: 'admin' });
      const res = await priceBooks(key).expect(200);
      expect(res.body).toEqual({ items: expect.any(Array) });
      const made = await t.http
        .post('/v1/api-keys')
        .set(bearer(key))
        .send({ scope: 'ingest' })
        .expect(201);
      expect(made.body.scope).toBe('ingest');
      await t.http.get('/v1/api-keys').set(bearer(key)).expect(200);
    });

    it('an ingest key may send events but not read price books or manage keys', async () => {
      const { key } = await create({ scope: 'ingest' });
      const forbidden = await priceBooks(key).expect(403);
      expect(forbidden.body).toMatchObject({ status: 403, code: 'forbidden' });
      // Past authentication and authorization: the event itself is what is refused.
      const invalid = await invalidEvent(bearer(key)).expect(400);
      expect(invalid.body).toMatchObject({ status: 400, code: 'validation-failed' });
      // The same request without a key is refused before validation.
      await invalidEvent({}).expect(401);
      await t.http.post('/v1/api-keys').set(bearer(key)).send({ scope: 'admin' }).expect(403);
      await t.http.get('/v1/api-keys').set(bearer(key)).expect(403);
      await t.http.delete(`/v1/api-keys/${randomUUID()}`).set(bearer(key)).expect(403);
    });

    it('a tenant key may neither read price books nor send events nor manage keys', async () => {
      const { key } = await create({ scope: 'tenant', tenantId: 't-scope' });
      expect((await priceBooks(key).expect(403)).body.code).toBe('forbidden');
      expect((await invalidEvent(bearer(key)).expect(403)).body.code).toBe('forbidden');
      await t.http.post('/v1/api-keys').set(bearer(key)).send({ scope: 'tenant' }).expect(403);
    });
  });

  describe('revoking keys', () => {
    it('answers 204, also the second time, keeping the first revocation instant', async () => {
      const { id } = await create({ scope: 'ingest' });
      await t.http.delete(`/v1/api-keys/${id}`).set(adminAuth).expect(204);
      const first = await t.db.query('SELECT revoked_at FROM api_keys WHERE id = $1', [id]);
      expect(first.rows[0].revoked_at).toBeInstanceOf(Date);
      const again = await t.http.delete(`/v1/api-keys/${id}`).set(adminAuth).expect(204);
      expect(again.text).toBe('');
      const second = await t.db.query('SELECT revoked_at FROM api_keys WHERE id = $1', [id]);
      expect(second.rows[0].revoked_at).toEqual(first.rows[0].revoked_at);
      const list = await t.http.get('/v1/api-keys').set(adminAuth).expect(200);
      const item = list.body.items.find((i: { id: string }) => i.id === id);
      expect(item.revokedAt).toBe(first.rows[0].revoked_at.toISOString());
    });

    it.each([
      ['an unknown id', randomUUID()],
      ['a malformed id', 'not-a-uuid'],
      ['an SQL-ish id', "1' OR '1'='1"],
    ])('answers 404 problem+json for %s', async (_name, id) => {
      const res = await t.http
        .delete(`/v1/api-keys/${encodeURIComponent(id)}`)
        .set(adminAuth)
        .expect(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 404, code: 'not-found' });
    });

    it('refuses a revoked key within 5 s on this replica and on another one', async () => {
      const other = await startTestApp({}, t);
      try {
        const { id, key } = await create({ scope: 'admin' });
        // Accepted on both right before the revocation (and now cached on both).
        await priceBooks(key, t).expect(200);
        await priceBooks(key, other).expect(200);

        const revokedAt = Date.now();
        await t.http.delete(`/v1/api-keys/${id}`).set(adminAuth).expect(204);

        const flipped = async (app: TestApp): Promise<number> => {
          for (;;) {
            const res = await priceBooks(key, app);
            if (res.status === 401) {
              expect(res.headers['www-authenticate']).toBe('Bearer');
              return Date.now() - revokedAt;
            }
            expect(res.status).toBe(200);
            if (Date.now() - revokedAt > 5000) return Infinity;
            await sleep(200);
          }
        };
        const [here, there] = await Promise.all([flipped(t), flipped(other)]);
        // The replica that revoked drops its cache entry at once; the other within its TTL.
        expect(here).toBeLessThan(1000);
        expect(there).toBeLessThanOrEqual(5000);
        // And it stays refused.
        await priceBooks(key, t).expect(401);
        await priceBooks(key, other).expect(401);
      } finally {
        await other.close();
      }
    });

    it('a revoked key cannot revoke or create keys', async () => {
      const { id, key } = await create({ scope: 'admin' });
      await t.http.delete(`/v1/api-keys/${id}`).set(bearer(key)).expect(204); // itself
      await t.http.post('/v1/api-keys').set(bearer(key)).send({ scope: 'admin' }).expect(401);
    });
  });
});
