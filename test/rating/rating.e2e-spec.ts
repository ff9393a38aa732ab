import { Queue, type Job } from 'bullmq';
import { RatingProcessor } from '../../src/rating/rating.processor';
import { RATING_QUEUE, type RateJobData } from '../../src/rating/rating.queue';
import { RatingService } from '../../src/rating/rating.service';
import { cloudEvent } from '../factories/event.factory';
import { priceBookBody } from '../factories/price-book.factory';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/test-app';
import { COUNT_PENDING_RESOURCES } from '../../src/rating/rating.repository';

const auth = { authorization: `Bearer ${ADMIN_KEY}` };
const BATCH = { ...auth, 'content-type': 'application/cloudevents-batch+json' };

/** Deterministic shuffle (seeded), so a failure is reproducible. */
function shuffle<T>(xs: T[], seed: number): T[] {
  const a = [...xs];
  let s = seed;
  for (let i = a.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

describe(RatingService.name, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (events: unknown[]) => t.http.post('/v1/events').set(BATCH).send(events).expect(202);
  const intervals = async (subject: string) =>
    (
      await t.db.query(
        `SELECT from_at, to_at, template, state, real_server_count, size_gb::text, weight::text, hourly_rate::text, opened_by, closed_by
           FROM rated_intervals WHERE subject = $1 ORDER BY from_at`,
        [subject],
      )
    ).rows;
  /** Σ hourly_rate × hours, exact in NUMERIC. */
  const exactAmount = async (subject: string) =>
    (
      await t.db.query(
        `SELECT trim_scale(sum(hourly_rate * extract(epoch FROM (to_at - from_at)) / 3600))::text AS a
           FROM rated_intervals WHERE subject = $1`,
        [subject],
      )
    ).rows[0].a;
  const issues = async (query = '') =>
    (await t.http.get(`/v1/rating-issues${query}`).set(auth).expect(200)).body.items;

  it('reports usage with no price book, and rates it once a book exists', async () => {
    await post([
      cloudEvent('image.created', 'img-early', '2026-10-01T00:00:00Z', {
        tenantId: 't-0',
        sizeGb: '50',
      }),
    ]);
    await t.ratingSettled();
    expect(await issues('?tenantId=t-0')).toEqual([
      expect.objectContaining({
        resourceType: 'image',
        resourceId: 'img-early',
        reason: 'no_price_book',
        blocking: true,
        to: null,
      }),
    ]);
    expect(await intervals('img-early')).toEqual([]);

    await t.http.post('/v1/price-books').set(auth).send(priceBookBody()).expect(201);
    await t.ratingSettled();
    expect(await issues('?tenantId=t-0')).toEqual([]);
    expect(await intervals('img-early')).toEqual([
      expect.objectContaining({ size_gb: '50', hourly_rate: '0.005', to_at: null }),
    ]);
  });

  it('rates a VM resized and suspended mid-month exactly (hand-computed)', async () => {
    const created = cloudEvent('vm.created', 'vm-r', '2026-10-01T00:00:00Z', {
      template: 'standard',
      state: 'running',
    });
    const resized = cloudEvent('vm.resized', 'vm-r', '2026-10-11T00:00:00Z', {
      template: 'enhanced',
    });
    const suspended = cloudEvent('vm.suspended', 'vm-r', '2026-10-21T00:00:00Z');
    const deleted = cloudEvent('vm.deleted', 'vm-r', '2026-10-31T00:00:00Z');
    await post([created, resized, suspended, deleted]);
    await t.ratingSettled();
    const rows = await intervals('vm-r');
    expect(
      rows.map((r) => [
        r.from_at.toISOString(),
        r.to_at.toISOString(),
        r.template,
        r.state,
        r.weight,
        r.hourly_rate,
        r.opened_by,
        r.closed_by,
      ]),
    ).toEqual([
      // 0.02 × 2 × 1 = 0.04/h for 240 h = 9.60
      [
        '2026-10-01T00:00:00.000Z',
        '2026-10-11T00:00:00.000Z',
        'standard',
        'running',
        '2',
        '0.04',
        created.id,
        resized.id,
      ],
      // 0.02 × 4 × 1 = 0.08/h for 240 h = 19.20
      [
        '2026-10-11T00:00:00.000Z',
        '2026-10-21T00:00:00.000Z',
        'enhanced',
        'running',
        '4',
        '0.08',
        resized.id,
        suspended.id,
      ],
      // 0.02 × 4 × 0.3 = 0.024/h for 240 h = 5.76
      [
        '2026-10-21T00:00:00.000Z',
        '2026-10-31T00:00:00.000Z',
        'enhanced',
        'suspended',
        '1.2',
        '0.024',
        suspended.id,
        deleted.id,
      ],
    ]);
    expect(await exactAmount('vm-r')).toBe('34.56');
  });

  it('gives the same intervals whatever order the events arrive in, one request each', async () => {
    const story = (subject: string) => [
      cloudEvent('vm.created', subject, '2026-10-01T00:00:00Z', {
        template: 'normal',
        state: 'running',
      }),
      cloudEvent('vm.stopped', subject, '2026-10-03T00:00:00Z', {}, { sequence: 2 }),
      cloudEvent('vm.started', subject, '2026-10-03T00:00:00Z', {}, { sequence: 1 }), // same time: sequence decides
      cloudEvent('vm.resized', subject, '2026-10-05T12:30:00Z', { template: 'standard' }),
      cloudEvent('vm.migrated', subject, '2026-10-06T00:00:00Z', { fromNode: 'n1', toNode: 'n2' }),
      cloudEvent('vm.started', subject, '2026-10-07T00:00:00Z'),
      cloudEvent('vm.suspended', subject, '2026-10-09T00:00:00.250Z'),
      cloudEvent('vm.resumed', subject, '2026-10-12T00:00:00Z'),
      cloudEvent('vm.deleted', subject, '2026-10-20T00:00:00Z'),
    ];
    await post(story('vm-ordered'));
    for (const e of shuffle(story('vm-shuffled'), 7)) await post([e]);
    await t.ratingSettled();
    const shape = (rows: Record<string, unknown>[]) =>
      rows.map(({ opened_by: _o, closed_by: _c, ...rest }) => rest);
    const ordered = await intervals('vm-ordered');
    expect(ordered.length).toBe(6);
    expect(shape(await intervals('vm-shuffled'))).toEqual(shape(ordered));
    expect(await exactAmount('vm-shuffled')).toBe(await exactAmount('vm-ordered'));
  });

  it('reports an unknown template, and rates it once a new price book names it', async () => {
    await post([
      cloudEvent('vm.created', 'vm-gpu', '2026-10-01T00:00:00Z', {
        tenantId: 't-gpu',
        template: 'gpu',
        state: 'running',
      }),
    ]);
    await t.ratingSettled();
    const [issue] = await issues('?tenantId=t-gpu');
    expect(issue).toMatchObject({
      resourceId: 'vm-gpu',
      reason: 'unknown_template',
      message: expect.stringContaining('gpu'),
    });
    // a later event re-rates the VM: the still-open issue keeps when it was first detected
    await post([
      cloudEvent('vm.migrated', 'vm-gpu', '2026-10-02T00:00:00Z', { tenantId: 't-gpu' }),
    ]);
    await t.ratingSettled();
    expect(await issues('?tenantId=t-gpu')).toEqual([
      expect.objectContaining({ reason: 'unknown_template', detectedAt: issue.detectedAt }),
    ]);
    const book = priceBookBody({
      tenantId: 't-gpu',
      effectiveFrom: '2026-10-01T00:00:00Z',
      vm: { pricePerHour: '0.02', templateWeights: { gpu: '8' }, stateWeights: { running: '1' } },
    });
    await t.http.post('/v1/price-books').set(auth).send(book).expect(201);
    await t.ratingSettled();
    expect(await issues('?tenantId=t-gpu')).toEqual([]);
    expect(await intervals('vm-gpu')).toEqual([
      expect.objectContaining({ template: 'gpu', weight: '8', hourly_rate: '0.16' }),
    ]);
  });

  it('reports events after deletion as non-blocking and ignores them', async () => {
    const del = cloudEvent('image.deleted', 'img-del', '2026-10-02T00:00:00Z');
    const late = cloudEvent('image.created', 'img-del', '2026-10-03T00:00:00Z', { sizeGb: '1' });
    await post([
      cloudEvent('image.created', 'img-del', '2026-10-01T00:00:00Z', { sizeGb: '200' }),
      del,
      late,
    ]);
    await t.ratingSettled();
    const [issue] = (await issues()).filter(
      (i: { resourceId: string }) => i.resourceId === 'img-del',
    );
    expect(issue).toMatchObject({
      reason: 'event_after_deletion',
      blocking: false,
      eventIds: [late.id],
    });
    // graduated: 100 × 0.0001 + 100 × 0.00008 = 0.018 per hour, for 24 h
    expect(await exactAmount('img-del')).toBe('0.432');
  });

  it('a late event re-rates the resource as from scratch, and a cached statement shows it at once', async () => {
    await post([
      cloudEvent('vm.created', 'vm-late', '2026-10-01T00:00:00Z', {
        tenantId: 't-late',
        template: 'normal',
        state: 'running',
      }),
      cloudEvent('vm.stopped', 'vm-late', '2026-10-02T00:00:00Z', { tenantId: 't-late' }),
      cloudEvent('vm.started', 'vm-late', '2026-10-03T00:00:00Z', { tenantId: 't-late' }),
      cloudEvent('vm.deleted', 'vm-late', '2026-10-04T00:00:00Z', { tenantId: 't-late' }),
    ]);
    await t.ratingSettled();
    // an ended period: answered from the statement cache, with an ETag
    const read = () => t.http.get('/v1/tenants/t-late/statements/2026-10').set(auth).expect(200);
    const first = await read();
    expect((await read()).headers.etag).toBe(first.headers.etag); // cached
    expect(first.body.lines[0].intervals).toHaveLength(3);

    // late: a suspension inside the last interval splits it
    await post([
      cloudEvent('vm.suspended', 'vm-late', '2026-10-03T12:00:00Z', { tenantId: 't-late' }),
    ]);
    await t.ratingSettled();
    const second = await read();
    expect(second.headers.etag).not.toBe(first.headers.etag);
    expect(second.body.lines[0].intervals).toHaveLength(4);
    expect(second.body.lines[0].intervals[3]).toMatchObject({ state: 'suspended', hours: '12' });

    // the stored rows equal a rating from scratch
    const incremental = await intervals('vm-late');
    await t.db.query(`DELETE FROM rated_intervals WHERE subject = 'vm-late'`);
    await t.db.query(
      `INSERT INTO rating_marks (resource_type, subject, from_at) SELECT resource_type, subject, '-infinity' FROM resources WHERE subject = 'vm-late'`,
    );
    await t.app.get(RatingService).rate({ resourceType: 'vm', subject: 'vm-late' });
    expect(await intervals('vm-late')).toEqual(incremental);
  });

  it('rated after every event of a shuffled history, and a new price book midway, it ends as a rating from scratch', async () => {
    // Each rating writes only from where it can differ from the stored one
    // (rateResourceSince): the rows it leaves alone must be exactly right.
    const tenantId = 't-inc';
    const story = [
      cloudEvent('vm.created', 'vm-inc', '2026-10-01T00:00:00Z', {
        tenantId,
        template: 'normal',
        state: 'running',
      }),
      cloudEvent('vm.stopped', 'vm-inc', '2026-10-03T00:00:00Z', { tenantId }),
      cloudEvent('vm.started', 'vm-inc', '2026-10-05T00:00:00Z', { tenantId }),
      cloudEvent('vm.resized', 'vm-inc', '2026-10-06T12:00:00Z', {
        tenantId,
        template: 'standard',
      }),
      cloudEvent('vm.suspended', 'vm-inc', '2026-10-09T00:00:00Z', { tenantId }),
      cloudEvent('vm.resumed', 'vm-inc', '2026-10-12T00:00:00Z', { tenantId }),
      cloudEvent('vm.resized', 'vm-inc', '2026-10-15T00:00:00Z', {
        tenantId,
        template: 'enhanced',
      }),
      cloudEvent('vm.deleted', 'vm-inc', '2026-10-20T00:00:00Z', { tenantId }),
    ];
    const key = { resourceType: 'vm' as const, subject: 'vm-inc' };
    for (const [i, e] of shuffle(story, 11).entries()) {
      await post([e]);
      await t.app.get(RatingService).rate(key);
      if (i === 3) {
        const book = priceBookBody({
          tenantId,
          effectiveFrom: '2026-10-04T00:00:00Z',
          vm: {
            pricePerHour: '0.05',
            templateWeights: { normal: '1', standard: '2', enhanced: '4' },
            stateWeights: { running: '1', stopped: '0.1', suspended: '0.5' },
          },
        });
        await t.http.post('/v1/price-books').set(auth).send(book).expect(201);
        await t.app.get(RatingService).rate(key);
      }
    }
    await t.ratingSettled();
    const all = async () =>
      (
        await t.db.query(
          `SELECT ${'from_at, to_at, template, state, price_book_id, weight::text, price_per_hour::text, hourly_rate::text, opened_by, closed_by'}
             FROM rated_intervals WHERE subject = 'vm-inc' ORDER BY from_at`,
        )
      ).rows;
    const incremental = await all();
    expect(incremental.length).toBeGreaterThanOrEqual(8);
    await t.db.query(`DELETE FROM rated_intervals WHERE subject = 'vm-inc'`);
    await t.db.query(
      `INSERT INTO rating_marks (resource_type, subject, from_at) VALUES ('vm', 'vm-inc', '-infinity')`,
    );
    await t.app.get(RatingService).rate(key);
    expect(await all()).toEqual(incremental);
  });

  it('a re-rating rewrites only the intervals that changed', async () => {
    const tenantId = 't-diff';
    await post([
      cloudEvent('vm.created', 'vm-diff', '2026-10-01T00:00:00Z', {
        tenantId,
        template: 'normal',
        state: 'running',
      }),
      cloudEvent('vm.stopped', 'vm-diff', '2026-10-02T00:00:00Z', { tenantId }),
    ]);
    await t.ratingSettled();
    /** Each stored interval's start and row version (xmin changes when a row is rewritten). */
    const versions = async () =>
      (
        await t.db.query<{ from_at: Date; v: string }>(
          `SELECT from_at, xmin::text AS v FROM rated_intervals WHERE subject = 'vm-diff' ORDER BY from_at`,
        )
      ).rows.map((r) => [r.from_at.toISOString(), r.v]);
    const [running, stopped] = await versions();
    expect([running[0], stopped[0]]).toEqual([
      '2026-10-01T00:00:00.000Z',
      '2026-10-02T00:00:00.000Z',
    ]);

    // a re-rating that changes nothing writes no interval
    await t.db.query(
      `INSERT INTO rating_marks (resource_type, subject, from_at) SELECT resource_type, subject, '-infinity' FROM resources WHERE subject = 'vm-diff'`,
    );
    expect(await t.app.get(RatingService).rate({ resourceType: 'vm', subject: 'vm-diff' })).toBe(
      'rated',
    );
    expect(await versions()).toEqual([running, stopped]);

    // a start closes the stopped interval and opens a third; the first stays as it was
    await post([cloudEvent('vm.started', 'vm-diff', '2026-10-03T00:00:00Z', { tenantId })]);
    await t.ratingSettled();
    const after = await versions();
    expect(after).toHaveLength(3);
    expect(after[0]).toEqual(running);
    expect(after[1][0]).toBe(stopped[0]);
    expect(after[1][1]).not.toBe(stopped[1]);
    expect(await intervals('vm-diff')).toEqual([
      expect.objectContaining({ state: 'running', closed_by: expect.any(String) }),
      expect.objectContaining({ state: 'stopped', to_at: new Date('2026-10-03T00:00:00Z') }),
      expect.objectContaining({ state: 'running', to_at: null, closed_by: null }),
    ]);
  });

  it('re-rating twice leaves the same rows (jobs are idempotent)', async () => {
    const before = await intervals('vm-r');
    await t.db.query(
      `INSERT INTO rating_marks (resource_type, subject, from_at) SELECT resource_type, subject, '-infinity' FROM resources WHERE subject = 'vm-r'`,
    );
    await t.app.get(RatingService).rate({ resourceType: 'vm', subject: 'vm-r' });
    await t.db.query(
      `INSERT INTO rating_marks (resource_type, subject, from_at) SELECT resource_type, subject, '-infinity' FROM resources WHERE subject = 'vm-r'`,
    );
    await t.app.get(RatingService).rate({ resourceType: 'vm', subject: 'vm-r' });
    expect(await intervals('vm-r')).toEqual(before);
    expect(await t.app.get(RatingService).rate({ resourceType: 'vm', subject: 'vm-r' })).toBe(
      'clean',
    );
  });

  it('lists every rating issue page by page: `next` until the last page, then null', async () => {
    // five VMs whose template no book prices; one of them also has usage after deletion
    await post([
      ...['vm-p1', 'vm-p2', 'vm-p3', 'vm-p4', 'vm-p5'].map((s) =>
        cloudEvent('vm.created', s, '2026-10-20T00:00:00Z', {
          tenantId: 't-pages',
          template: 'gpu',
          state: 'running',
        }),
      ),
      cloudEvent('vm.deleted', 'vm-p3', '2026-10-21T00:00:00Z', { tenantId: 't-pages' }),
      cloudEvent('vm.started', 'vm-p3', '2026-10-22T00:00:00Z', { tenantId: 't-pages' }),
    ]);
    await t.ratingSettled();
    const all = (await t.http.get('/v1/rating-issues?tenantId=t-pages').set(auth).expect(200)).body;
    expect(all.items).toHaveLength(6);
    expect(all.next).toBeNull();
    const paged: unknown[] = [];
    let after: string | null = '';
    let pages = 0;
    while (after !== null) {
      const q: string = `?tenantId=t-pages&limit=2${after === '' ? '' : `&after=${after}`}`;
      const page: { items: unknown[]; next: string | null } = (
        await t.http.get(`/v1/rating-issues${q}`).set(auth).expect(200)
      ).body;
      expect(page.items.length).toBeLessThanOrEqual(2);
      paged.push(...page.items);
      after = page.next;
      pages++;
    }
    expect(pages).toBe(3);
    expect(paged).toEqual(all.items);
  });

  it('answers a limit out of range with a 400 naming `limit` in words, not zod defaults', async () => {
    for (const limit of ['0', '1001', '1.5', 'many']) {
      const res = await t.http.get(`/v1/rating-issues?limit=${limit}`).set(auth).expect(400);
      expect(res.body.errors).toEqual([
        { field: 'limit', message: 'must be an integer from 1 to 1000' },
      ]);
    }
  });

  it('answers a cursor it did not give with a 400 naming `after`', async () => {
    const forged = (c: unknown[]) => Buffer.from(JSON.stringify(c)).toString('base64url');
    for (const after of [
      'nope',
      forged([1, 2]),
      // these two were 500s: PostgreSQL refused a NUL and a February 30
      forged(['a\u0000', 'vm', 'x', '2026-01-01T00:00:00.000Z', 'no_price_book']),
      forged(['a', 'vm', 'x', '2026-02-30', 'no_price_book']),
    ]) {
      const res = await t.http.get(`/v1/rating-issues?after=${after}`).set(auth).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors).toEqual([
        { field: 'after', message: expect.stringContaining('`next`') },
      ]);
    }
  });
});

describe('the sweeper', () => {
  it('finds resources whose rating request was lost between commit and enqueue', async () => {
    const api = await startTestApp({ ROLE: 'api' });
    try {
      await api.http.post('/v1/price-books').set(auth).send(priceBookBody()).expect(201);
      await api.http
        .post('/v1/events')
        .set(BATCH)
        .send([cloudEvent('image.created', 'img-lost', '2026-10-01T00:00:00Z', { sizeGb: '10' })])
        .expect(202);
      // Lose every rating request, as if the pod died right after the commit.
      const q = new Queue(RATING_QUEUE, {
        connection: { url: api.config.redisUrl },
        prefix: api.config.BULLMQ_PREFIX,
      });
      await q.obliterate({ force: true });
      await q.close();
      const dirty = await api.db.query(COUNT_PENDING_RESOURCES);
      expect(dirty.rows[0].n).toBe(1);

      const worker = await startTestApp({ ROLE: 'worker' }, api);
      try {
        await worker.ratingSettled(30_000);
        const rows = await api.db.query(
          `SELECT hourly_rate::text FROM rated_intervals WHERE subject = 'img-lost'`,
        );
        expect(rows.rows).toEqual([{ hourly_rate: '0.001' }]);
      } finally {
        await worker.close();
      }
    } finally {
      await api.close();
    }
  }, 60_000);
});

describe('a rating job with one resource that cannot be rated', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await t.http.post('/v1/price-books').set(auth).send(priceBookBody()).expect(201);
  });
  afterAll(async () => {
    await t.close();
  });

  it('rates the others one by one, then fails so the bad one is retried', async () => {
    await t.http
      .post('/v1/events')
      .set(BATCH)
      .send(
        ['vm-ok1', 'vm-ok2'].map((s) =>
          cloudEvent('vm.created', s, '2026-10-01T00:00:00Z', {
            tenantId: 't-ok',
            template: 'normal',
            state: 'running',
          }),
        ),
      )
      .expect(202);
    await t.ratingSettled();
    // Written behind the service's back: data no validation would let in.
    await t.db.query(
      `INSERT INTO resources (resource_type, subject, tenant_id) VALUES ('image', 'img-bad', 't-bad')`,
    );
    await t.db.query(
      `INSERT INTO events (source, id, resource_type, subject, tenant_id, type, time, data, raw, content_hash, via)
       VALUES ('//test', 'bad-1', 'image', 'img-bad', 't-bad', 'image.created', '2026-10-01T00:00:00Z',
               '{"tenantId": "t-bad", "sizeGb": "not a number"}', '{}', repeat('0', 64), 'http')`,
    );
    await t.db.query(
      `INSERT INTO rating_marks (resource_type, subject, from_at) SELECT resource_type, subject, '-infinity' FROM resources
        WHERE subject LIKE 'vm-ok%' OR subject = 'img-bad'`,
    );
    const job = {
      name: 'rate',
      data: {
        resources: [
          ['image', 'img-bad'],
          ['vm', 'vm-ok1'],
          ['vm', 'vm-ok2'],
        ],
      },
    } as unknown as Job<RateJobData>;
    await expect(t.app.get(RatingProcessor).process(job)).rejects.toThrow();
    const dirty = await t.db.query<{ subject: string }>(
      `SELECT DISTINCT subject FROM rating_marks ORDER BY subject`,
    );
    expect(dirty.rows.map((r) => r.subject)).toEqual(['img-bad']);
  });
});
