import { CloudEvent, HTTP } from 'cloudevents';
import { priceBookBody } from '../factories/price-book.factory';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/test-app';

const auth = { authorization: `Bearer ${ADMIN_KEY}` };

/** The control plane's side, written with the official CloudEvents SDK. */
describe('ingest with the cloudevents SDK as the client', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await t.http.post('/v1/price-books').set(auth).send(priceBookBody()).expect(201);
  });
  afterAll(async () => {
    await t.close();
  });

  const send = (message: { headers: Record<string, unknown>; body: unknown }) =>
    fetch(`${t.baseUrl}/v1/events`, {
      method: 'POST',
      headers: { ...auth, ...(message.headers as Record<string, string>) },
      body: message.body as string,
    });

  it('accepts binary mode and structured mode, and a resend in the other mode is a duplicate', async () => {
    const created = new CloudEvent({
      id: 'sdk-1',
      source: '//control-plane/cluster-7',
      type: 'vm.created',
      subject: 'vm-sdk',
      time: '2026-10-01T00:00:00.000Z',
      datacontenttype: 'application/json',
      sequence: '1',
      data: { tenantId: 't-sdk', template: 'standard', state: 'running' },
    });
    const deleted = new CloudEvent({
      id: 'sdk-2',
      source: '//control-plane/cluster-7',
      type: 'vm.deleted',
      subject: 'vm-sdk',
      time: '2026-10-02T00:00:00.000Z',
      datacontenttype: 'application/json',
      data: { tenantId: 't-sdk' },
    });

    const binary = await send(HTTP.binary(created));
    expect(binary.status).toBe(202);
    expect(await binary.json()).toEqual({ accepted: 1, duplicates: 0 });

    const structured = await send(HTTP.structured(deleted));
    expect(structured.status).toBe(202);
    expect(await structured.json()).toEqual({ accepted: 1, duplicates: 0 });

    const again = await send(HTTP.structured(created));
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 1 });

    await t.ratingSettled();
    const rows = await t.db.query(
      `SELECT hourly_rate::text, opened_by, closed_by FROM rated_intervals WHERE subject = 'vm-sdk'`,
    );
    expect(rows.rows).toEqual([{ hourly_rate: '0.04', opened_by: 'sdk-1', closed_by: 'sdk-2' }]);
  });

  it('answers an SDK event that breaks the contract with a 400 naming the field', async () => {
    const bad = new CloudEvent({
      source: '//control-plane/cluster-7',
      type: 'vm.created',
      subject: 'vm-sdk-bad',
      time: '2026-10-01T00:00:00.000Z',
      datacontenttype: 'application/json',
      data: { tenantId: 't-sdk', template: 'standard' }, // no state
    });
    const res = await send(HTTP.binary(bad));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: unknown[] }).errors).toEqual([
      expect.objectContaining({ index: 0, field: 'data.state' }),
    ]);
  });
});
