import { connect } from 'node:net';
import { startTestApp, type TestApp } from '../support/test-app';

/** Sends raw bytes to the server and answers everything it writes back before closing. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (out += d));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
  });
}

/**
 * Requests Node's HTTP parser refuses before any route runs are answered
 * with problem documents too (CONTRACT §7: every error is RFC 9457), not
 * Fastify's own JSON shape.
 */
describe('requests that are not valid HTTP', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp({ ROLE: 'api' });
    port = Number(new URL(t.baseUrl).port);
  });
  afterAll(async () => {
    await t.close();
  });

  const answer = async (request: string) => {
    const text = await raw(port, request);
    const [head, body] = text.split('\r\n\r\n');
    return { status: Number(head.split(' ')[1]), head, body: JSON.parse(body) as unknown };
  };

  it.each([
    [
      'a control character in a header name',
      'GET /health/live HTTP/1.1\r\nHost: x\r\nX-\u0001: 1\r\n\r\n',
    ],
    [
      'both Content-Length and Transfer-Encoding',
      'POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    ['a space in the path', 'GET /v1/tenants/t-1/statements/ 2026-11 HTTP/1.1\r\nHost: x\r\n\r\n'],
  ])('%s: 400 problem+json', async (_name, request) => {
    const a = await answer(request);
    expect(a.status).toBe(400);
    expect(a.head).toMatch(/\r\nContent-Type: application\/problem\+json/i);
    expect(a.body).toEqual({
      type: 'urn:iaas-billing:problem:bad-request',
      title: 'The request is not valid HTTP',
      status: 400,
      detail: 'The request could not be parsed as HTTP/1.1',
      code: 'bad-request',
    });
  });

  it('headers over 16 KiB: 431 problem+json', async () => {
    const a = await answer(
      `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17_000)}\r\n\r\n`,
    );
    expect(a.status).toBe(431);
    expect(a.head).toMatch(/\r\nContent-Type: application\/problem\+json/i);
    expect(a.body).toMatchObject({ status: 431, code: 'headers-too-large' });
  });
});

describe('a method a path does not take', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ROLE: 'api' });
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['put', '/v1/price-books', 'GET, HEAD, POST'],
    ['get', '/v1/periods/2026-11/finalize', 'POST'],
    ['patch', '/v1/events', 'POST'],
    ['delete', '/v1/api-keys', 'GET, HEAD, POST'],
    ['post', '/v1/tenants/t-1/statements/2026-11', 'GET, HEAD'],
  ] as const)('%s %s: 405 with Allow: %s (it was a 404)', async (method, path, allow) => {
    const res = await t.http[method](`${path}?x=1`).expect(405);
    expect(res.headers.allow).toBe(allow);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      status: 405,
      code: 'method-not-allowed',
      instance: path, // without the query
    });
  });

  it('still answers 404 for a path no route takes', async () => {
    const res = await t.http.put('/v1/nothing-here').expect(404);
    expect(res.body).toMatchObject({
      status: 404,
      code: 'not-found',
      instance: '/v1/nothing-here',
    });
  });
});
