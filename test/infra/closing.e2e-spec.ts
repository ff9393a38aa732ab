import { LifecycleService } from '../../src/lifecycle/lifecycle.service';
import { cloudEvent } from '../factories/event.factory';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/test-app';

/**
 * A request that reaches a replica while it closes (on a keep-alive
 * connection still busy, so not closed as idle) is served, with
 * `Connection: close`. Fastify's default answered it its own 503 JSON
 * (`{"error":"Service Unavailable",…}`), not a problem document, although
 * the replica could still serve it: Nest closes the HTTP server before the
 * database pool.
 */
describe('a request arriving while the replica closes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ROLE: 'api' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('is served, not answered 503 by Fastify', async () => {
    // steady ingest over keep-alive connections (fetch keeps them alive), then close
    const answers: { status: number; type: string | null; body: string }[] = [];
    let closed = false;
    let stop = false;
    const stream = async (k: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const res = await fetch(`${t.baseUrl}/v1/events`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${ADMIN_KEY}`,
              'content-type': 'application/cloudevents+json',
            },
            body: JSON.stringify(
              cloudEvent('image.created', `img-${k}-${i}`, '2026-10-01T00:00:00Z', { sizeGb: 1 }),
            ),
          });
          answers.push({
            status: res.status,
            type: res.headers.get('content-type'),
            body: await res.text(),
          });
        } catch {
          if (closed) return; // refused or reset: the replica is gone, the client retries elsewhere
        }
      }
    };
    const streams = Array.from({ length: 8 }, (_, k) => stream(k));
    await new Promise((r) => setTimeout(r, 500));
    closed = true;
    // as on SIGTERM (main.ts): draining, then close
    t.app.get(LifecycleService).startDraining();
    const closing = t.app.close().then(() => (stop = true));
    const limit = setTimeout(() => (stop = true), 10_000);
    await Promise.all(streams);
    clearTimeout(limit);
    await closing;
    const refused = answers.filter((a) => a.status !== 202);
    expect(refused).toEqual([]);
    expect(answers.length).toBeGreaterThan(10);
  }, 30_000);
});
