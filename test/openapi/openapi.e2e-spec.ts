import SwaggerParser from '@apidevtools/swagger-parser';
import { startTestApp, type TestApp } from '../support/test-app';

type Operation = {
  summary?: string;
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
};
type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Record<string, unknown>> };
};

/**
 * Every endpoint of the contract (CONTRACT.md) that is a Nest route: method, path, its success
 * answers and every error answer it can give (each must be a problem+json `Problem`).
 * Health and metrics take no key and no input, so they have no 4xx.
 */
const CONTRACT: [method: string, path: string, success: string, problems: string][] = [
  ['post', '/v1/price-books', '201 200', '400 401 403 409 413 415 503'],
  ['get', '/v1/price-books', '200', '400 401 403 503'],
  ['post', '/v1/events', '202', '400 401 403 409 413 415 503'],
  ['get', '/v1/rating-issues', '200', '400 401 403 503'],
  ['post', '/v1/api-keys', '201', '400 401 403 413 415 503'],
  ['get', '/v1/api-keys', '200', '401 403 503'],
  ['delete', '/v1/api-keys/{id}', '204', '401 403 404 503'],
  ['get', '/v1/tenants/{tenantId}/statements', '200', '400 401 403 404 503'],
  ['get', '/v1/tenants/{tenantId}/statements/{period}', '200', '400 401 403 404 503'],
  ['post', '/v1/periods/{period}/finalize', '200', '400 401 403 409 503'],
  ['get', '/v1/exports/invoice-lines.csv', '200', '400 401 403 503'],
  ['get', '/health/live', '200', ''],
  ['get', '/health/ready', '200', '503'],
  ['get', '/metrics', '200', ''],
];

const PROBLEM = 'application/problem+json';

describe('OpenAPI document (GET /docs-json) and UI (GET /docs)', () => {
  let t: TestApp;
  let doc: Doc;

  beforeAll(async () => {
    t = await startTestApp();
    const res = await fetch(`${t.baseUrl}/docs-json`); // no Authorization header
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = (await res.json()) as Doc;
  });
  afterAll(() => t?.close());

  it('is a valid OpenAPI 3 document', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
  });

  it.each(CONTRACT)('documents %s %s', (method, path, success, problems) => {
    const op = doc.paths[path]?.[method];
    expect(op).toBeDefined();
    expect(op.summary).toEqual(expect.any(String));
    for (const status of success.split(' ')) {
      expect(op.responses[status]).toBeDefined();
      if (status !== '204') expect(Object.keys(op.responses[status].content ?? {})).not.toEqual([]);
    }
    for (const status of problems.split(' ').filter(Boolean)) {
      expect({ status, schema: op.responses[status]?.content?.[PROBLEM]?.schema }).toEqual({
        status,
        schema: { $ref: '#/components/schemas/Problem' },
      });
    }
    if (path.startsWith('/v1/')) {
      const problem4xx = Object.entries(op.responses).filter(
        ([status, r]) => status.startsWith('4') && r.content?.[PROBLEM],
      );
      expect(problem4xx.length).toBeGreaterThan(0);
    }
    // Every documented error answer is a problem, never another media type.
    for (const [status, r] of Object.entries(op.responses))
      if (/^[45]/.test(status)) expect(Object.keys(r.content ?? {})).toEqual([PROBLEM]);
  });

  it('documents the three request content types of POST /v1/events and the binary-mode headers', () => {
    const op = doc.paths['/v1/events'].post;
    expect(Object.keys(op.requestBody!.content).sort()).toEqual([
      'application/cloudevents+json',
      'application/cloudevents-batch+json',
      'application/json',
    ]);
    const headers = (op.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name);
    expect(headers).toEqual(
      expect.arrayContaining([
        'ce-specversion',
        'ce-id',
        'ce-source',
        'ce-type',
        'ce-time',
        'ce-subject',
      ]),
    );
  });

  it('describes money, prices and weights as decimal strings with a pattern', () => {
    const { schemas } = doc.components;
    for (const name of ['Decimal', 'Money'])
      expect(schemas[name]).toMatchObject({ type: 'string', pattern: expect.any(String) });
    const decimal = { $ref: '#/components/schemas/Decimal' };
    expect(schemas.PriceBookVm.properties).toMatchObject({
      pricePerHour: decimal,
      templateWeights: { additionalProperties: decimal },
    });
    expect(schemas.StatementSummary.properties).toMatchObject({
      total: { $ref: '#/components/schemas/Money' },
    });
  });

  it('documents the CSV export as text/csv', () => {
    const op = doc.paths['/v1/exports/invoice-lines.csv'].get;
    expect(Object.keys(op.responses['200'].content ?? {})).toEqual(['text/csv']);
  });

  it.each(['/docs', '/docs/'])(
    'serves the UI at %s without a key, with every file it loads',
    async (path) => {
      const page = `${t.baseUrl}${path}`;
      const res = await fetch(page);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html).toContain('swagger-ui');
      const files = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => new URL(m[1], page));
      expect(files.map((u) => u.pathname)).toEqual(
        expect.arrayContaining(['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css']),
      );
      for (const url of [...files, new URL('/docs/swagger-ui-init.js', page)]) {
        const file = await fetch(url);
        await file.arrayBuffer(); // read it all: an unread body keeps the connection busy
        expect({ url: url.pathname, status: file.status }).toEqual({
          url: url.pathname,
          status: 200,
        });
      }
    },
  );
});

describe.each(['api', 'worker'])('OpenAPI with ROLE=%s', (role) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ROLE: role });
  });
  afterAll(() => t?.close());

  it('serves /docs and a valid /docs-json', async () => {
    expect((await fetch(`${t.baseUrl}/docs`)).status).toBe(200);
    const res = await fetch(`${t.baseUrl}/docs-json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Doc;
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
    expect(Object.keys(doc.paths)).toContain('/health/ready');
    expect('/v1/events' in doc.paths).toBe(role === 'api');
  });
});
