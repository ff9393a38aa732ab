import { cloudEvent } from '../factories/event.factory';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/test-app';

const BATCH = {
  authorization: `Bearer ${ADMIN_KEY}`,
  'content-type': 'application/cloudevents-batch+json',
};

/**
 * The rating gauges read at scrape time from `rating_marks`: a resource
 * marked by several batches is one resource waiting, and both gauges fall to
 * 0 once a worker has rated everything. The api runs alone first (ROLE=api),
 * so the marks stay until the worker starts.
 */
describe('rating gauges on /metrics', () => {
  let api: TestApp;
  let worker: TestApp | undefined;
  beforeAll(async () => {
    api = await startTestApp({ ROLE: 'api' });
  });
  afterAll(async () => {
    await worker?.close();
    await api.close();
  });

  const gauge = async (name: string): Promise<number> => {
    const res = await api.http.get('/metrics').expect(200);
    const line = res.text.split('\n').find((l) => l.startsWith(`${name} `));
    if (line === undefined) throw new Error(`${name} not in /metrics`);
    return Number(line.slice(name.length + 1));
  };
  const vm = (type: string, subject: string, time: string) =>
    cloudEvent(type, subject, time, { tenantId: 't-g', template: 'normal', state: 'running' });

  it('counts resources waiting, not marks, and how long the oldest has waited', async () => {
    await api.http
      .post('/v1/events')
      .set(BATCH)
      .send([
        vm('vm.created', 'vm-a', '2026-10-01T00:00:00Z'),
        vm('vm.created', 'vm-b', '2026-10-01T00:00:00Z'),
      ])
      .expect(202);
    await api.http
      .post('/v1/events')
      .set(BATCH)
      .send([
        vm('vm.stopped', 'vm-a', '2026-10-02T00:00:00Z'),
        cloudEvent('image.created', 'img-c', '2026-10-01T00:00:00Z', {
          tenantId: 't-g',
          sizeGb: 10,
        }),
      ])
      .expect(202);
    const { rows } = await api.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM rating_marks',
    );
    expect(rows[0].n).toBe(4); // vm-a twice
    await new Promise((r) => setTimeout(r, 50));

    expect(await gauge('billing_resources_pending_rating')).toBe(3);
    expect(await gauge('billing_rating_lag_seconds')).toBeGreaterThanOrEqual(0.05);

    worker = await startTestApp({ ROLE: 'worker' }, api);
    await api.ratingSettled();
    expect(await gauge('billing_resources_pending_rating')).toBe(0);
    expect(await gauge('billing_rating_lag_seconds')).toBe(0);
  });
});
