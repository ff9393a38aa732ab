import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { DataSource } from 'typeorm';
import { periodOf, periodRange } from '../../src/rating/core';
import { StatementBuilder } from '../../src/statements/statement-builder.service';
import { StatementVersions } from '../../src/statements/statement-versions.repository';
import { StatementsService } from '../../src/statements/statements.service';
import { cloudEvent } from '../factories/event.factory';
import { priceBookBody } from '../factories/price-book.factory';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/test-app';

const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const BATCH = { ...admin, 'content-type': 'application/cloudevents-batch+json' };

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  /** The bytes as sent: never decoded. */
  body: Buffer;
}

/** A GET over plain node:http, so nothing decompresses or re-serializes the answer. */
function get(app: TestApp, path: string, headers: Record<string, string> = admin): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${app.baseUrl}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const json = (r: Raw) => JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;
const lineIds = (r: Raw) =>
  (json(r).lines as { resourceId: string; type: string }[]).map((l) => `${l.type}:${l.resourceId}`);

/**
 * The statement answer cache (StatementsService): ended periods are built
 * once per token and served as stored bytes (identity or gzip) with an ETag;
 * the current period is always computed. `plain` is a second app over the
 * same database with STATEMENT_CACHE_MB=0, i.e. the uncached path of before
 * (the view object serialized by Fastify), to compare bytes with.
 *
 * Versions move through rating (a trigger on `rated_seq`: see
 * test/database/statement-versions-trigger.e2e-spec.ts), through
 * finalization, or here through StatementVersions.bump directly.
 */
describe('statement answer cache', () => {
  let t: TestApp;
  let plain: TestApp;
  let versions: StatementVersions;
  let dataSource: DataSource;
  let tenantKey: string; // a tenant key of t-2
  let ingestKey: string;
  const PERIOD = '2026-05';
  const NEXT = '2026-06';
  const path = (tenant: string, period: string) => `/v1/tenants/${tenant}/statements/${period}`;

  const post = async (events: Record<string, unknown>[]) => {
    await t.http.post('/v1/events').set(BATCH).send(events).expect(202);
    await t.ratingSettled();
  };
  const bump = (...tenants: string[]) => versions.bump(dataSource.manager, tenants);
  /** A tenant's version, as the cache reads it (the token's). */
  const versionOf = async (tenant: string) =>
    (await versions.tokens(dataSource.manager, [{ tenantId: tenant, period: PERIOD }]))[0].version;

  beforeAll(async () => {
    t = await startTestApp({ FINALIZE_AFTER_HOURS: '0' });
    plain = await startTestApp(
      { FINALIZE_AFTER_HOURS: '0', ROLE: 'api', STATEMENT_CACHE_MB: '0' },
      t,
    );
    versions = t.app.get(StatementVersions);
    dataSource = t.app.get(DataSource);
    await t.http
      .post('/v1/price-books')
      .set(admin)
      .send(priceBookBody({ effectiveFrom: '2026-01-01T00:00:00Z' }))
      .expect(201);
    tenantKey = (
      await t.http
        .post('/v1/api-keys')
        .set(admin)
        .send({ scope: 'tenant', tenantId: 't-2' })
        .expect(201)
    ).body.key;
    ingestKey = (await t.http.post('/v1/api-keys').set(admin).send({ scope: 'ingest' }).expect(201))
      .body.key;
    const current = periodRange(periodOf(Date.now())).start;
    await post([
      // t-1 in May: a VM through several states, a VS, an image, one still running at the month's end
      cloudEvent('vm.created', 'vm-1', '2026-05-01T00:00:00Z', {
        tenantId: 't-1',
        template: 'standard',
        state: 'running',
      }),
      cloudEvent('vm.suspended', 'vm-1', '2026-05-03T07:11:13.457Z', { tenantId: 't-1' }),
      cloudEvent('vm.stopped', 'vm-1', '2026-05-09T00:00:00.001Z', { tenantId: 't-1' }),
      cloudEvent('vm.deleted', 'vm-1', '2026-05-20T13:00:00Z', { tenantId: 't-1' }),
      cloudEvent('vs.created', 'vs-1', '2026-05-02T00:00:00Z', {
        tenantId: 't-1',
        template: 'enhanced',
        realServerCount: 3,
      }),
      cloudEvent('image.created', 'img-1', '2026-05-04T00:00:00Z', {
        tenantId: 't-1',
        sizeGb: '150.5',
      }),
      cloudEvent('image.deleted', 'img-1', '2026-05-25T00:00:00Z', { tenantId: 't-1' }),
      // t-2 in May: one VM
      cloudEvent('vm.created', 'vm-2', '2026-05-10T00:00:00Z', {
        tenantId: 't-2',
        template: 'normal',
        state: 'running',
      }),
      cloudEvent('vm.deleted', 'vm-2', '2026-05-11T00:00:00Z', { tenantId: 't-2' }),
      // t-1 in June: unrated usage (a template no book prices)
      cloudEvent('vm.created', 'vm-u', '2026-06-02T00:00:00Z', {
        tenantId: 't-1',
        template: 'gpu',
        state: 'running',
      }),
      cloudEvent('vm.deleted', 'vm-u', '2026-06-03T00:00:00Z', { tenantId: 't-1' }),
      // t-3 in the current period: accrues up to now
      cloudEvent('vm.created', 'vm-now', new Date(current).toISOString(), {
        tenantId: 't-3',
        template: 'normal',
        state: 'running',
      }),
    ]);
  });
  afterAll(async () => {
    await plain?.close();
    await t?.close();
  });

  it('answers an ended period with exactly the bytes of the uncached path, first and second time', async () => {
    for (const period of [PERIOD, NEXT]) {
      const uncached = await get(plain, path('t-1', period));
      expect(uncached.status).toBe(200);
      expect(uncached.headers.etag).toBeUndefined();
      const first = await get(t, path('t-1', period));
      const second = await get(t, path('t-1', period));
      expect(first.status).toBe(200);
      expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(first.body.equals(uncached.body)).toBe(true);
      expect(second.body.equals(uncached.body)).toBe(true);
      expect(second.headers.etag).toBe(first.headers.etag);
    }
    expect(lineIds(await get(t, path('t-1', PERIOD)))).toEqual([
      'usage:img-1',
      'usage:vm-1',
      'usage:vs-1',
    ]);
    expect(json(await get(t, path('t-1', NEXT))).unrated).toEqual([
      expect.objectContaining({ resourceId: 'vm-u', reason: 'unknown_template' }),
    ]);
  });

  it('lists statements exactly as the uncached path does, totals of ended periods from the cache', async () => {
    const list = async (app: TestApp, tenant: string) =>
      (await app.http.get(`/v1/tenants/${tenant}/statements`).set(admin).expect(200)).body;
    for (const tenant of ['t-1', 't-2', 't-3']) {
      const expected = await list(plain, tenant);
      expect(expected.items.length).toBeGreaterThan(0);
      expect(await list(t, tenant)).toEqual(expected); // cold: builds and stores
      expect(await list(t, tenant)).toEqual(expected); // warm
    }
  });

  it('sends the stored gzip when the request accepts gzip, the JSON as is otherwise', async () => {
    const identity = await get(t, path('t-1', PERIOD));
    const zipped = await get(t, path('t-1', PERIOD), { ...admin, 'accept-encoding': 'gzip, br' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('accept-encoding');
    expect(zipped.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(gunzipSync(zipped.body).equals(identity.body)).toBe(true);
    expect(zipped.body.length).toBeLessThan(identity.body.length);
    for (const ae of [undefined, 'identity', 'br, deflate', 'gzip;q=0']) {
      const r = await get(t, path('t-1', PERIOD), ae ? { ...admin, 'accept-encoding': ae } : admin);
      expect(r.headers['content-encoding']).toBeUndefined();
      expect(r.headers.vary).toBe('accept-encoding');
      expect(r.body.equals(identity.body)).toBe(true);
    }
  });

  it('sends a strong ETag per encoding and answers 304 to a matching If-None-Match', async () => {
    const identity = await get(t, path('t-1', PERIOD));
    const zipped = await get(t, path('t-1', PERIOD), { ...admin, 'accept-encoding': 'gzip' });
    const etag = identity.headers.etag!;
    const gzipEtag = zipped.headers.etag!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(gzipEtag).toMatch(/^"[A-Za-z0-9_-]+-gzip"$/);
    expect(gzipEtag).not.toBe(etag);
    expect(identity.headers['cache-control']).toBe('private, no-cache');

    const notModified = await get(t, path('t-1', PERIOD), { ...admin, 'if-none-match': etag });
    expect(notModified.status).toBe(304);
    expect(notModified.body.length).toBe(0);
    expect(notModified.headers.etag).toBe(etag);
    expect(notModified.headers.vary).toBe('accept-encoding');
    const zippedNotModified = await get(t, path('t-1', PERIOD), {
      ...admin,
      'accept-encoding': 'gzip',
      'if-none-match': `"other", W/${gzipEtag}`,
    });
    expect(zippedNotModified.status).toBe(304);
    expect(zippedNotModified.headers.etag).toBe(gzipEtag);

    const other = await get(t, path('t-1', PERIOD), { ...admin, 'if-none-match': '"other"' });
    expect(other.status).toBe(200);
    expect(other.body.equals(identity.body)).toBe(true);
    // another tenant's or period's tag is not this one
    const t2 = await get(t, path('t-2', PERIOD));
    expect(t2.headers.etag).not.toBe(etag);
    const june = await get(t, path('t-1', NEXT));
    expect(june.headers.etag).not.toBe(etag);
  });

  it('counts each cached answer once in the latency histogram (served before the Nest pipeline)', async () => {
    const count = async (status: string) => {
      const text = (await get(t, '/metrics')).body.toString('utf8');
      const line = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('http_request_duration_seconds_count{') &&
            l.includes('route="/v1/tenants/:tenantId/statements/:period"') &&
            l.includes(`status="${status}"`),
        );
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const first = await get(t, path('t-1', PERIOD));
    const [ok, notModified] = [await count('200'), await count('304')];
    await get(t, path('t-1', PERIOD));
    await get(t, path('t-1', PERIOD), { ...admin, 'if-none-match': first.headers.etag! });
    await get(t, path('t-1', PERIOD), { ...admin, 'if-none-match': first.headers.etag! });
    expect(await count('200')).toBe(ok + 1);
    expect(await count('304')).toBe(notModified + 2);
  });

  it('serves the stored answer until the tenant version moves, then rebuilds it with the new data', async () => {
    const before = await get(t, path('t-1', PERIOD));
    // A rated interval written behind the service's back (no bump, no rated_seq
    // raised): the answer stays as stored…
    await t.db.query(
      `INSERT INTO resources (resource_type, subject, tenant_id, rated_seq) VALUES ('vm', 'vm-sql', 't-1', 0)`,
    );
    await t.db.query(
      `INSERT INTO rated_intervals (resource_type, subject, tenant_id, from_at, to_at, template, state,
                                    real_server_count, size_gb, price_book_id, currency, weight,
                                    price_per_hour, hourly_rate, opened_by, closed_by)
       SELECT 'vm', 'vm-sql', 't-1', '2026-05-05T00:00:00Z', '2026-05-06T00:00:00Z', 'normal', 'running',
              NULL, NULL, id, 'USD', 1, 0.02, 0.02, 'e-sql-1', 'e-sql-2'
         FROM price_book_versions LIMIT 1`,
    );
    const stale = await get(t, path('t-1', PERIOD));
    expect(stale.headers.etag).toBe(before.headers.etag);
    expect(stale.body.equals(before.body)).toBe(true);
    // …the uncached path shows it at once
    expect(lineIds(await get(plain, path('t-1', PERIOD)))).toContain('usage:vm-sql');

    // …until the writer's obligation, the bump, is met
    await bump('t-1');
    const after = await get(t, path('t-1', PERIOD));
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(lineIds(after)).toContain('usage:vm-sql');
    expect(after.body.equals((await get(plain, path('t-1', PERIOD))).body)).toBe(true);
    const revalidated = await get(t, path('t-1', PERIOD), {
      ...admin,
      'if-none-match': before.headers.etag!,
    });
    expect(revalidated.status).toBe(200);
  });

  it('bumps versions by one per call, creating them at 1, each tenant once per call', async () => {
    expect(await versionOf('t-never')).toBe('0');
    const before = BigInt(await versionOf('t-1'));
    await bump('t-1', 't-new', 't-1');
    expect(BigInt(await versionOf('t-1'))).toBe(before + 1n);
    expect(await versionOf('t-new')).toBe('1');
    await bump();
    expect(await versionOf('t-new')).toBe('1');
  });

  it('shows a newly rated event as soon as it is rated (the rating moves the version)', async () => {
    await get(t, path('t-2', PERIOD)); // warm
    const before = BigInt(await versionOf('t-2'));
    await post([
      cloudEvent('vm.created', 'vm-2b', '2026-05-12T00:00:00Z', {
        tenantId: 't-2',
        template: 'enhanced',
        state: 'running',
      }),
      cloudEvent('vm.deleted', 'vm-2b', '2026-05-12T06:00:00Z', { tenantId: 't-2' }),
    ]);
    // no bump: the rating raises rated_seq, which moves the version by itself
    await t.ratingSettled();
    expect(BigInt(await versionOf('t-2'))).toBeGreaterThan(before);
    const r = await get(t, path('t-2', PERIOD));
    expect(lineIds(r)).toEqual(['usage:vm-2', 'usage:vm-2b']);
    expect(r.body.equals((await get(plain, path('t-2', PERIOD))).body)).toBe(true);
  });

  it('reads the server with the token, and rebuilds rather than serve an answer of another server', async () => {
    const statements = t.app.get(StatementsService);
    const tag = (await statements.tag('t-1', PERIOD))!;
    const { rows } = await t.db.query<{ server: string }>(
      'SELECT pg_postmaster_start_time()::text AS server',
    );
    expect(tag.token.server).toBe(rows[0].server);
    await statements.rendered(tag); // cached
    const build = jest.spyOn(t.app.get(StatementBuilder), 'build');
    try {
      await statements.rendered(tag);
      expect(build).not.toHaveBeenCalled();
      // The same numbers from another server, as after a failover to a standby
      // that lost commits: not the same statement, so built again.
      await statements.rendered({ ...tag, token: { ...tag.token, server: 'a promoted standby' } });
      expect(build).toHaveBeenCalledTimes(1);
    } finally {
      build.mockRestore();
    }
  });

  it('builds once for concurrent readers of a changed statement', async () => {
    await bump('t-1');
    const build = jest.spyOn(t.app.get(StatementBuilder), 'build');
    try {
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => get(t, path('t-1', PERIOD))),
      );
      expect(build).toHaveBeenCalledTimes(1);
      for (const a of answers) expect(a.body.equals(answers[0].body)).toBe(true);
    } finally {
      build.mockRestore();
    }
  });

  it('keeps other tenants out while the cache is warm: 404 for a tenant key, 403 for an ingest key', async () => {
    const own = await get(t, path('t-1', PERIOD)); // warm, and its tag
    const tenant = { authorization: `Bearer ${tenantKey}` };
    for (const headers of [
      tenant,
      { ...tenant, 'accept-encoding': 'gzip' },
      { ...tenant, 'if-none-match': own.headers.etag! },
      { ...tenant, 'if-none-match': '*' },
    ]) {
      const r = await get(t, path('t-1', PERIOD), headers);
      expect(r.status).toBe(404);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(r.headers.etag).toBeUndefined();
      expect(r.body.toString('utf8')).not.toContain('vm-1');
    }
    const ingest = await get(t, path('t-1', PERIOD), { authorization: `Bearer ${ingestKey}` });
    expect(ingest.status).toBe(403);
    expect((await get(t, path('t-1', PERIOD), {})).status).toBe(401);
    // the tenant key reads its own, from the same cache
    const mine = await get(t, path('t-2', PERIOD), tenant);
    expect(mine.status).toBe(200);
    expect(mine.body.equals((await get(t, path('t-2', PERIOD))).body)).toBe(true);
  });

  it('answers the frozen invoice, with its status and number, right after finalization', async () => {
    const open = await get(t, path('t-1', PERIOD));
    expect(json(open)).toMatchObject({ status: 'open', invoiceNumber: null });
    const june = await get(t, path('t-1', NEXT));
    const t2Before = BigInt(await versionOf('t-2'));
    await t.http.post(`/v1/periods/${PERIOD}/finalize`).set(admin).expect(200);
    // finalization bumps every tenant it invoiced, in its transaction
    expect(BigInt(await versionOf('t-2'))).toBe(t2Before + 1n);

    const frozen = await get(t, path('t-1', PERIOD));
    expect(json(frozen)).toMatchObject({
      status: 'finalized',
      invoiceNumber: expect.stringMatching(/^INV-\d{6}$/),
    });
    expect(frozen.headers.etag).not.toBe(open.headers.etag);
    expect(frozen.body.equals((await get(plain, path('t-1', PERIOD))).body)).toBe(true);
    const t2 = json(await get(t, path('t-2', PERIOD), { authorization: `Bearer ${tenantKey}` }));
    expect(t2).toMatchObject({ status: 'finalized', invoiceNumber: expect.any(String) });
    // the next period changes tag (its latest finalized period moved) and is still right
    const juneAfter = await get(t, path('t-1', NEXT));
    expect(juneAfter.headers.etag).not.toBe(june.headers.etag);
    expect(juneAfter.body.equals((await get(plain, path('t-1', NEXT))).body)).toBe(true);

    // a frozen answer keeps its tag whatever happens to the tenant's open periods
    await bump('t-1');
    const again = await get(t, path('t-1', PERIOD), {
      ...admin,
      'if-none-match': frozen.headers.etag!,
    });
    expect(again.status).toBe(304);
  });

  it('shows an adjustment on the next period once a late event is rated', async () => {
    await get(t, path('t-2', NEXT)); // warm
    await post([
      cloudEvent('vm.created', 'vm-late', '2026-05-20T00:00:00Z', {
        tenantId: 't-2',
        template: 'normal',
        state: 'running',
      }),
      cloudEvent('vm.deleted', 'vm-late', '2026-05-21T00:00:00Z', { tenantId: 't-2' }),
    ]);
    const june = await get(t, path('t-2', NEXT));
    expect(json(june).lines).toEqual([
      {
        type: 'adjustment',
        resourceType: 'vm',
        resourceId: 'vm-late',
        adjustsPeriod: PERIOD,
        amount: '0.48',
      },
    ]);
    expect(june.body.equals((await get(plain, path('t-2', NEXT))).body)).toBe(true);
  });

  it('never stores the current period: computed on every request, no ETag, no gzip', async () => {
    const current = periodOf(Date.now());
    const headers = { ...admin, 'accept-encoding': 'gzip', 'if-none-match': '*' };
    const one = await get(t, path('t-3', current), headers);
    await new Promise((r) => setTimeout(r, 25));
    const two = await get(t, path('t-3', current), headers);
    for (const r of [one, two]) {
      expect(r.status).toBe(200);
      expect(r.headers.etag).toBeUndefined();
      expect(r.headers['content-encoding']).toBeUndefined();
    }
    const [a, b] = [json(one), json(two)];
    expect(Date.parse(b.asOf as string)).toBeGreaterThan(Date.parse(a.asOf as string));
    expect(lineIds(one)).toEqual(['usage:vm-now']);
  });

  it('answers 404 for a period that has not started, cache or not', async () => {
    const r = await get(t, path('t-1', '2999-01'));
    expect(r.status).toBe(404);
    expect(json(r)).toMatchObject({ code: 'not-found' });
  });
});
