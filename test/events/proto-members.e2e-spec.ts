import { Queue, QueueEvents } from 'bullmq';
import { priceBookBody } from '../factories/price-book.factory';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/test-app';

/**
 * Members named `__proto__` (and `constructor` holding `prototype`) are valid
 * JSON. Fastify's default parser refused a body holding one as "not valid
 * JSON" while the queue path stored the same event, and `z.record` dropped a
 * template named `__proto__` from a price book, so a VM of that template
 * could never be priced. The JSON here is written as text: in a JS object
 * literal `__proto__` sets the prototype instead of making a member.
 */
describe('members named __proto__', () => {
  const auth = { authorization: `Bearer ${ADMIN_KEY}` };
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
  });
  afterAll(async () => {
    await queueEvents.close();
    await queue.close();
    await t.close();
  });

  const event = (id: string, type: string, time: string, data: string) =>
    `{"specversion":"1.0","id":"${id}","source":"//cp/proto","type":"${type}","time":"${time}",` +
    `"subject":"vm-proto","data":{"tenantId":"t-proto"${data}}}`;

  it('prices a template named __proto__ and takes the events over HTTP as the queue does', async () => {
    const book = priceBookBody({
      effectiveFrom: '2026-01-01T00:00:00Z',
      vm: { pricePerHour: '1', templateWeights: { normal: '1' }, stateWeights: { running: '1' } },
    });
    const bookJson = JSON.stringify(book).replace(
      '"templateWeights":{"normal":"1"}',
      '"templateWeights":{"__proto__":"2","normal":"1"}',
    );
    expect(bookJson).toContain('"__proto__":"2"');
    const created = await t.http
      .post('/v1/price-books')
      .set({ ...auth, 'content-type': 'application/json' })
      .send(bookJson)
      .expect(201);
    // JSON.parse keeps `__proto__` as an own member (supertest's body would too)
    expect(Object.entries(JSON.parse(created.text).vm.templateWeights).sort()).toEqual([
      ['__proto__', '2'],
      ['normal', '1'],
    ]);
    const stored = await t.db.query(
      `SELECT body->'vm'->'templateWeights' AS w FROM price_book_versions WHERE id = $1`,
      [created.body.id],
    );
    expect(Object.entries(stored.rows[0].w).sort()).toEqual([
      ['__proto__', '2'],
      ['normal', '1'],
    ]);

    const batch = `[${event(
      'p1',
      'vm.created',
      '2026-11-10T00:00:00Z',
      ',"template":"__proto__","state":"running","labels":{"__proto__":"x","constructor":{"prototype":{}}}',
    )},${event('p2', 'vm.deleted', '2026-11-10T10:00:00Z', '')}]`;
    const accepted = await t.http
      .post('/v1/events')
      .set({ ...auth, 'content-type': 'application/cloudevents-batch+json' })
      .send(batch)
      .expect(202);
    expect(accepted.body).toEqual({ accepted: 2, duplicates: 0 });
    const raw = await t.db.query(`SELECT data->'labels' AS labels FROM events WHERE id = 'p1'`);
    expect(Object.keys(raw.rows[0].labels).sort()).toEqual(['__proto__', 'constructor']);

    // the same event through the queue is the same event: a duplicate
    const job = await queue.add('events', JSON.parse(batch));
    expect(await job.waitUntilFinished(queueEvents, 15_000)).toEqual({
      accepted: 0,
      duplicates: 2,
    });
    // and a different value under __proto__ is a different event (a conflict), not a duplicate
    const changed = batch.replace('"__proto__":"x"', '"__proto__":"y"');
    const conflict = await t.http
      .post('/v1/events')
      .set({ ...auth, 'content-type': 'application/cloudevents-batch+json' })
      .send(changed)
      .expect(409);
    expect(conflict.body.code).toBe('event-conflict');

    await t.ratingSettled();
    const statement = await t.http
      .get('/v1/tenants/t-proto/statements/2026-11')
      .set(auth)
      .expect(200);
    expect(statement.body.unrated).toEqual([]);
    // 10 h × 1/h × weight 2 (the __proto__ template) × 1 (running)
    expect(statement.body.lines).toEqual([
      expect.objectContaining({ resourceId: 'vm-proto', hours: '10', amount: '20.00' }),
    ]);
  });
});
