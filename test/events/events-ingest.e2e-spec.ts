import { Queue, QueueEvents } from 'bullmq';
import { EventsController } from '../../src/events/events.controller';
import { cloudEvent } from '../factories/event.factory';
import { priceBookBody } from '../factories/price-book.factory';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/test-app';

const auth = { authorization: `Bearer ${ADMIN_KEY}` };
const STRUCTURED = { ...auth, 'content-type': 'application/cloudevents+json' };
const BATCH = { ...auth, 'content-type': 'application/cloudevents-batch+json' };

describe(EventsController.name, () => {
  let t: TestApp;
  let queue: Queue;
  let queueEvents: QueueEvents;

  beforeAll(async () => {
    t = await startTestApp();
    const connection = { url: t.config.redisUrl };
    queue = new Queue(t.config.EVENTS_QUEUE, { connection, prefix: t.config.BULLMQ_PREFIX });
    queueEvents = new QueueEvents(t.config.EVENTS_QUEUE, {
      connection,
      prefix: t.config.BULLMQ_PREFIX,
    });
    await queueEvents.waitUntilReady();
    await t.http.post('/v1/price-books').set(auth).send(priceBookBody()).expect(201);
  });
  afterAll(async () => {
    await queueEvents.close();
    await queue.close();
    await t.close();
  });

  const count = async (sql: string, params: unknown[] = []) =>
    Number((await t.db.query(sql, params)).rows[0].n);
  const eventCount = () => count('SELECT count(*)::int AS n FROM events');

  describe('the answer table of CONTRACT §1', () => {
    it('202: stores a structured event durably and keeps it as received', async () => {
      const e = cloudEvent(
        'vm.created',
        'vm-a',
        '2026-10-01T00:00:00Z',
        { template: 'standard', state: 'running' },
        { traceparent: 'x' },
      );
      const res = await t.http
        .post('/v1/events')
        .set({ ...STRUCTURED, 'content-type': 'application/cloudevents+json; charset=utf-8' })
        .send(e)
        .expect(202);
      expect(res.body).toEqual({ accepted: 1, duplicates: 0 });
      const row = await t.db.query(
        'SELECT tenant_id, type, time, raw, via FROM events WHERE source = $1 AND id = $2',
        [e.source, e.id],
      );
      expect(row.rows[0]).toMatchObject({
        tenant_id: 't-1',
        type: 'vm.created',
        via: 'http',
        raw: e,
      });
      expect(row.rows[0].time.toISOString()).toBe('2026-10-01T00:00:00.000Z');
    });

    it('400: an unpaired surrogate in data is named, and nothing is stored (it was a 500)', async () => {
      const e = cloudEvent('vm.created', 'vm-lone', '2026-10-01T00:00:00Z', {
        template: 'standard',
        state: 'running',
        note: 'x\ud800y',
      });
      // JSON.stringify writes the lone surrogate as the escape "\ud800"
      const res = await t.http
        .post('/v1/events')
        .set(BATCH)
        .send(JSON.stringify([e]))
        .expect(400);
      expect(res.body.errors).toEqual([
        { index: 0, field: 'data.note', message: expect.stringMatching(/unpaired surrogate/) },
      ]);
      const stored = await t.db.query(
        `SELECT count(*)::int AS n FROM events WHERE subject = 'vm-lone'`,
      );
      expect(stored.rows[0].n).toBe(0);
    });

    it('202: stores the instant to the millisecond, the sequence and data exactly', async () => {
      const data = { template: 'standard', state: 'running', tags: { a: [1, '2', null] } };
      const e = cloudEvent('vm.created', 'vm-ms', '2026-10-01T02:30:00.123999+02:30', data, {
        sequence: '9223372036854775807',
      });
      await t.http.post('/v1/events').set(STRUCTURED).send(e).expect(202);
      const row = await t.db.query(
        'SELECT time, sequence::text AS sequence, data FROM events WHERE source = $1 AND id = $2',
        [e.source, e.id],
      );
      expect(row.rows[0].time.toISOString()).toBe('2026-10-01T00:00:00.123Z');
      expect(row.rows[0]).toMatchObject({
        sequence: '9223372036854775807',
        data: { tenantId: 't-1', ...data },
      });
    });

    it('202: an identical resend counts as a duplicate and stores nothing', async () => {
      const e = cloudEvent('image.created', 'img-dup', '2026-10-01T00:00:00Z', { sizeGb: '10' });
      await t.http.post('/v1/events').set(STRUCTURED).send(e).expect(202);
      const before = await eventCount();
      // the same instant spelled differently is the same event
      const again = { ...e, time: '2026-10-01T02:00:00.000+02:00' };
      const res = await t.http.post('/v1/events').set(STRUCTURED).send(again).expect(202);
      expect(res.body).toEqual({ accepted: 0, duplicates: 1 });
      expect(await eventCount()).toBe(before);
    });

    it('202: a batch counts new events and duplicates, including repeats inside the batch', async () => {
      const a = cloudEvent('vm.created', 'vm-b', '2026-10-02T00:00:00Z', {
        template: 'normal',
        state: 'running',
      });
      const b = cloudEvent('vm.stopped', 'vm-b', '2026-10-03T00:00:00Z');
      await t.http.post('/v1/events').set(STRUCTURED).send(a).expect(202);
      const res = await t.http.post('/v1/events').set(BATCH).send([a, b, b]).expect(202);
      expect(res.body).toEqual({ accepted: 1, duplicates: 2 });
    });

    it('400: lists every problem of every event with its index, and stores nothing', async () => {
      const before = await eventCount();
      const good = cloudEvent('vm.created', 'vm-c', '2026-10-01T00:00:00Z', {
        template: 'normal',
        state: 'running',
      });
      const bad1 = cloudEvent('vm.created', 'vm-c2', 'yesterday', { state: 'flying' });
      const bad2 = {
        ...cloudEvent('vm.resized', 'vm c', '2026-10-01T00:00:00Z'),
        specversion: '0.3',
      };
      const res = await t.http.post('/v1/events').set(BATCH).send([good, bad1, bad2]).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const errors = res.body.errors.map(
        (e: { index: number; field: string }) => `${e.index}:${e.field}`,
      );
      expect(errors).toEqual(
        expect.arrayContaining([
          '1:time',
          '1:data.template',
          '1:data.state',
          '2:specversion',
          '2:subject',
          '2:data.template',
        ]),
      );
      expect(errors.some((e: string) => e.startsWith('0:'))).toBe(false);
      expect(await eventCount()).toBe(before);
    });

    it('400, not 500: a NUL character anywhere in the event (jsonb cannot hold it), and stores nothing', async () => {
      const good = cloudEvent('vm.created', 'vm-nul-ok', '2026-10-01T00:00:00Z', {
        template: 'normal',
        state: 'running',
      });
      const bad = cloudEvent('vm.created', 'vm-nul', '2026-10-01T00:00:00Z', {
        template: 'normal',
        state: 'running',
        note: 'a\u0000b',
      });
      const before = await eventCount();
      const res = await t.http.post('/v1/events').set(BATCH).send([good, bad]).expect(400);
      expect(res.body.errors).toEqual([
        { index: 1, field: 'data.note', message: expect.stringMatching(/U\+0000/) },
      ]);
      expect(await eventCount()).toBe(before);
    });

    it('400, not 500: data nested thousands of levels deep, and stores nothing', async () => {
      const e = cloudEvent('vm.created', 'vm-deep', '2026-10-01T00:00:00Z', {
        template: 'normal',
        state: 'running',
        deep: '$DEEP',
      });
      const body = JSON.stringify(e).replace(
        '"$DEEP"',
        '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000),
      );
      const before = await eventCount();
      const res = await t.http.post('/v1/events').set(STRUCTURED).send(body).expect(400);
      expect(res.body.errors).toEqual([
        {
          index: 0,
          field: expect.stringMatching(/^data\.deep\./),
          message: expect.stringMatching(/64 levels/),
        },
      ]);
      expect(await eventCount()).toBe(before);
    });

    it('400, not 202: a time before 1970 in UTC, though written as 1970 with an offset', async () => {
      // it was stored, and the tenant's statement list answered 500 from then on
      const e = cloudEvent('vm.created', 'vm-1969', '1970-01-01T00:30:00+01:00', {
        template: 'normal',
        state: 'running',
      });
      const before = await eventCount();
      const res = await t.http.post('/v1/events').set(STRUCTURED).send(e).expect(400);
      expect(res.body.errors).toEqual([
        { index: 0, field: 'time', message: expect.stringMatching(/1970 to 9999 in UTC/) },
      ]);
      expect(await eventCount()).toBe(before);
    });

    it('400: an event more than 5 minutes in the future', async () => {
      const e = cloudEvent('vm.created', 'vm-f', new Date(Date.now() + 6 * 60_000).toISOString(), {
        template: 'normal',
        state: 'running',
      });
      const res = await t.http.post('/v1/events').set(STRUCTURED).send(e).expect(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ index: 0, field: 'time' })]);
    });

    it('409: the same (source, id) with different content, and nothing of the request is stored', async () => {
      const e = cloudEvent('image.created', 'img-x', '2026-10-01T00:00:00Z', { sizeGb: '10' });
      await t.http.post('/v1/events').set(STRUCTURED).send(e).expect(202);
      const before = await eventCount();
      const fresh = cloudEvent('image.created', 'img-y', '2026-10-01T00:00:00Z', { sizeGb: '1' });
      const changed = { ...e, data: { tenantId: 't-1', sizeGb: '11' } };
      const res = await t.http.post('/v1/events').set(BATCH).send([fresh, changed]).expect(409);
      expect(res.body).toMatchObject({
        status: 409,
        code: 'event-conflict',
        conflicts: [{ source: e.source, id: e.id }],
      });
      expect(await eventCount()).toBe(before);
      // the same conflict inside one batch has the same shape
      const inBatch = await t.http.post('/v1/events').set(BATCH).send([e, changed]).expect(409);
      expect(inBatch.body).toMatchObject({
        code: 'event-conflict',
        conflicts: [{ source: e.source, id: e.id }],
      });
    });

    it('409 tenant-conflict for a resource given two tenants inside one batch, as against a stored one', async () => {
      const before = await eventCount();
      const res = await t.http
        .post('/v1/events')
        .set(BATCH)
        .send([
          cloudEvent('vm.created', 'vm-two-tenants', '2026-10-01T00:00:00Z', {
            template: 'standard',
            state: 'running',
          }),
          cloudEvent('vm.stopped', 'vm-two-tenants', '2026-10-02T00:00:00Z', { tenantId: 't-2' }),
        ])
        .expect(409);
      expect(res.body).toMatchObject({
        code: 'tenant-conflict',
        resourceType: 'vm',
        resourceId: 'vm-two-tenants',
      });
      expect(res.body.detail).toMatch(/"t-1".*"t-2"/);
      expect(await eventCount()).toBe(before);
    });

    it('409: a resource claimed by a second tenant', async () => {
      await t.http
        .post('/v1/events')
        .set(STRUCTURED)
        .send(
          cloudEvent('vs.created', 'lb-1', '2026-10-01T00:00:00Z', {
            template: 'normal',
            realServerCount: 2,
          }),
        )
        .expect(202);
      const res = await t.http
        .post('/v1/events')
        .set(STRUCTURED)
        .send(
          cloudEvent('vs.updated', 'lb-1', '2026-10-02T00:00:00Z', {
            tenantId: 't-2',
            realServerCount: 3,
          }),
        )
        .expect(409);
      expect(res.body).toMatchObject({
        code: 'tenant-conflict',
        resourceType: 'vs',
        resourceId: 'lb-1',
      });
      expect(res.body.detail).toContain('t-1');
      // all or nothing: events are written before the resources' check, and rolled back with it
      const batch = await t.http
        .post('/v1/events')
        .set(BATCH)
        .send([
          cloudEvent('image.created', 'img-beside-conflict', '2026-10-01T00:00:00Z', {
            tenantId: 't-2',
            sizeGb: '1',
          }),
          cloudEvent('vs.updated', 'lb-1', '2026-10-03T00:00:00Z', {
            tenantId: 't-2',
            realServerCount: 4,
          }),
        ])
        .expect(409);
      expect(batch.body.code).toBe('tenant-conflict');
      expect(
        await count(
          `SELECT count(*)::int AS n FROM events WHERE subject IN ('lb-1', 'img-beside-conflict')`,
        ),
      ).toBe(1);
      expect(
        await count(
          `SELECT count(*)::int AS n FROM resources WHERE subject = 'img-beside-conflict'`,
        ),
      ).toBe(0);
      // nor marked: the refused events' marks (from 2026-10-02 on) rolled back with them
      expect(
        await count(
          `SELECT count(*)::int AS n FROM rating_marks
            WHERE subject = 'img-beside-conflict' OR (subject = 'lb-1' AND from_at >= '2026-10-02')`,
        ),
      ).toBe(0);
    });

    it('409: two tenants for one resource inside one batch', async () => {
      const res = await t.http
        .post('/v1/events')
        .set(BATCH)
        .send([
          cloudEvent('image.created', 'img-two', '2026-10-01T00:00:00Z', { sizeGb: '1' }),
          cloudEvent('image.deleted', 'img-two', '2026-10-02T00:00:00Z', { tenantId: 't-9' }),
        ])
        .expect(409);
      expect(res.body.status).toBe(409);
    });

    it('413: more than 1000 events', async () => {
      const many = Array.from({ length: 1001 }, (_, i) =>
        cloudEvent('image.created', `img-many-${i}`, '2026-10-01T00:00:00Z', { sizeGb: '1' }),
      );
      const res = await t.http.post('/v1/events').set(BATCH).send(many).expect(413);
      expect(res.body.code).toBe('payload-too-large');
    });

    it('413: more than 1 MiB', async () => {
      const big = cloudEvent('image.created', 'img-big', '2026-10-01T00:00:00Z', {
        sizeGb: '1',
        pad: 'x'.repeat(1024 * 1024),
      });
      const res = await t.http
        .post('/v1/events')
        .set(STRUCTURED)
        .send(JSON.stringify(big))
        .expect(413);
      expect(res.body.code).toBe('payload-too-large');
    });

    it.each(['text/plain', 'application/xml', 'application/x-www-form-urlencoded'])(
      '415: %s',
      async (type) => {
        const res = await t.http
          .post('/v1/events')
          .set({ ...auth, 'content-type': type })
          .send('a=b')
          .expect(415);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      },
    );

    it('401: no key, or an unknown key', async () => {
      const e = cloudEvent('image.created', 'img-401', '2026-10-01T00:00:00Z', { sizeGb: '1' });
      await t.http
        .post('/v1/events')
        .set({ 'content-type': 'application/cloudevents+json' })
        .send(e)
        .expect(401);
      await t.http
        .post('/v1/events')
        .set({ ...STRUCTURED, authorization: 'Bearer wrong-key-wrong-key' })
        .send(e)
        .expect(401);
      expect(
        await count('SELECT count(*)::int AS n FROM events WHERE subject = $1', ['img-401']),
      ).toBe(0);
    });

    it('authenticates before reading the body: 401, not 400, 413 or 415, without a valid key', async () => {
      const noKey = { 'content-type': 'application/cloudevents-batch+json' };
      const bad = { ...noKey, authorization: 'Bearer wrong-key-wrong-key' };
      for (const headers of [noKey, bad]) {
        const malformed = await t.http.post('/v1/events').set(headers).send('[{"specversion":');
        expect(malformed.status).toBe(401);
        expect(malformed.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(malformed.headers['www-authenticate']).toBe('Bearer');
        await t.http
          .post('/v1/events')
          .set({ ...headers, 'content-type': 'text/plain' })
          .send('a=b')
          .expect(401);
        await t.http
          .post('/v1/events')
          .set(headers)
          .send(`[${'"x",'.repeat(300_000)}"x"]`) // > 1 MiB
          .expect(401);
      }
      // a valid key without the scope: 403, also before the body
      const { key } = (
        await t.http
          .post('/v1/api-keys')
          .set(auth)
          .send({ scope: 'tenant', tenantId: 't-1' })
          .expect(201)
      ).body;
      await t.http
        .post('/v1/events')
        .set({ ...noKey, authorization: `Bearer ${key}` })
        .send('[{"specversion":')
        .expect(403);
    });

    it('400: malformed JSON in a CloudEvents body', async () => {
      const res = await t.http.post('/v1/events').set(BATCH).send('[{"specversion":').expect(400);
      expect(res.body.code).toBe('malformed-json');
    });
  });

  describe('binary mode', () => {
    it('202: ce-* headers with application/json data, and the same event in structured mode is a duplicate', async () => {
      const res = await t.http
        .post('/v1/events')
        .set({
          ...auth,
          'content-type': 'application/json; charset=utf-8',
          'ce-specversion': '1.0',
          'ce-id': 'bin-1',
          'ce-source': '//control-plane/cluster-7',
          'ce-type': 'vm.created',
          'ce-time': '2026-10-05T00:00:00Z',
          'ce-subject': 'vm-bin',
          'ce-sequence': '3',
        })
        .send({ tenantId: 't-1', template: 'enhanced', state: 'running' })
        .expect(202);
      expect(res.body).toEqual({ accepted: 1, duplicates: 0 });
      const again = await t.http
        .post('/v1/events')
        .set(STRUCTURED)
        .send({
          specversion: '1.0',
          id: 'bin-1',
          source: '//control-plane/cluster-7',
          type: 'vm.created',
          time: '2026-10-05T00:00:00.000Z',
          subject: 'vm-bin',
          sequence: 3,
          data: { tenantId: 't-1', template: 'enhanced', state: 'running' },
        })
        .expect(202);
      expect(again.body).toEqual({ accepted: 0, duplicates: 1 });
    });

    it('400: binary mode without ce-* headers names the missing attributes', async () => {
      const res = await t.http
        .post('/v1/events')
        .set({ ...auth, 'content-type': 'application/json' })
        .send({ tenantId: 't-1' })
        .expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(
        expect.arrayContaining(['specversion', 'id', 'source', 'type', 'time', 'subject']),
      );
    });
  });

  describe('the queue path', () => {
    it('stores a job of one event or an array, the same way; duplicates count across paths', async () => {
      const http = cloudEvent('image.created', 'img-q1', '2026-10-01T00:00:00Z', { sizeGb: '5' });
      await t.http.post('/v1/events').set(STRUCTURED).send(http).expect(202);
      const other = cloudEvent('image.deleted', 'img-q1', '2026-10-09T00:00:00Z');
      const job = await queue.add('events', [http, other]);
      expect(await job.waitUntilFinished(queueEvents, 15_000)).toEqual({
        accepted: 1,
        duplicates: 1,
      });
      const row = await t.db.query('SELECT via FROM events WHERE id = $1', [other.id]);
      expect(row.rows[0].via).toBe('queue');
      // and the HTTP path sees the queued one as a duplicate
      const res = await t.http.post('/v1/events').set(STRUCTURED).send(other).expect(202);
      expect(res.body).toEqual({ accepted: 0, duplicates: 1 });
      const single = await queue.add(
        'events',
        cloudEvent('image.created', 'img-q2', '2026-10-01T00:00:00Z', { sizeGb: '5' }),
      );
      expect(await single.waitUntilFinished(queueEvents, 15_000)).toEqual({
        accepted: 1,
        duplicates: 0,
      });
    });

    it('fails an invalid job once with its validation error, without retrying, and stores nothing', async () => {
      const before = await eventCount();
      const job = await queue.add(
        'events',
        [
          cloudEvent('image.created', 'img-q3', '2026-10-01T00:00:00Z', { sizeGb: '1' }),
          { specversion: '1.0', id: 'x' },
        ],
        { attempts: 5, backoff: { type: 'fixed', delay: 10 } },
      );
      await expect(job.waitUntilFinished(queueEvents, 15_000)).rejects.toThrow(
        /400 validation-failed/,
      );
      const failed = await queue.getJob(job.id!);
      expect(failed!.attemptsMade).toBe(1);
      expect(failed!.failedReason).toMatch(/"index":1,"field":"source"/);
      expect(await eventCount()).toBe(before);
    });

    it('fails a job over 1 MiB once with a 413 reason, as a request that size, and stores nothing', async () => {
      const before = await eventCount();
      const big = cloudEvent('vm.created', 'vm-q-big', '2026-10-01T00:00:00Z', {
        template: 'normal',
        state: 'running',
        pad: 'x'.repeat(1024 * 1024),
      });
      const job = await queue.add('events', big, { attempts: 3 });
      await expect(job.waitUntilFinished(queueEvents, 15_000)).rejects.toThrow(
        /413 payload-too-large/,
      );
      expect((await queue.getJob(job.id!))!.attemptsMade).toBe(1);
      expect(await eventCount()).toBe(before);
      // and the same event over HTTP
      await t.http.post('/v1/events').set(STRUCTURED).send(big).expect(413);
    });

    it('fails a job nested too deep once with its validation error', async () => {
      const deep = cloudEvent('vm.created', 'vm-q-deep', '2026-10-01T00:00:00Z', {
        template: 'normal',
        state: 'running',
        deep: JSON.parse('['.repeat(1_000) + ']'.repeat(1_000)),
      });
      const job = await queue.add('events', deep, { attempts: 3 });
      await expect(job.waitUntilFinished(queueEvents, 15_000)).rejects.toThrow(/64 levels/);
      expect((await queue.getJob(job.id!))!.attemptsMade).toBe(1);
    });

    it('fails a conflicting job once with a 409 reason', async () => {
      const e = cloudEvent('image.created', 'img-q4', '2026-10-01T00:00:00Z', { sizeGb: '1' });
      await t.http.post('/v1/events').set(STRUCTURED).send(e).expect(202);
      const job = await queue.add(
        'events',
        { ...e, data: { tenantId: 't-1', sizeGb: '2' } },
        { attempts: 3 },
      );
      await expect(job.waitUntilFinished(queueEvents, 15_000)).rejects.toThrow(
        /409 event-conflict/,
      );
      expect((await queue.getJob(job.id!))!.attemptsMade).toBe(1);
    });
  });
});
