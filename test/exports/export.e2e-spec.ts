import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { safeText, sqlSafeText } from '../../src/exports/csv-safety';
import { EXPORT_APPLICATION_NAME } from '../../src/exports/invoice-lines-export.service';
import { cloudEvent } from '../factories/event.factory';
import { priceBookBody } from '../factories/price-book.factory';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/test-app';

const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const BATCH = { ...admin, 'content-type': 'application/cloudevents-batch+json' };
const HEADER =
  'invoice_number,tenant_id,period,status,line_type,resource_type,resource_id,adjusts_period,hours,amount,currency';

type CsvRow = Record<string, string>;

/**
 * The finance export (CONTRACT §6) through the real HTTP server: the bytes
 * PostgreSQL's COPY writes for a finalized period (CRLF, quoting, the `'`
 * formula prefix), the values against the invoices, an empty period, the
 * open-period path, and the export's own connection being released however
 * the download ends. Global book: CONTRACT §2's example (factory).
 */
describe('finance export: invoice-lines.csv', () => {
  let t: TestApp;

  const exportCsv = async (period: string) => {
    const res = await t.http
      .get(`/v1/exports/invoice-lines.csv?period=${period}`)
      .set(admin)
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="invoice-lines-${period}.csv"`,
    );
    return (res.body as Buffer).toString('utf8');
  };
  const rowsOf = (csv: string): CsvRow[] => parse(csv, { columns: true });
  const post = async (events: Record<string, unknown>[]) => {
    await t.http.post('/v1/events').set(BATCH).send(events).expect(202);
    await t.ratingSettled();
  };
  const finalize = (period: string) =>
    t.http.post(`/v1/periods/${period}/finalize`).set(admin).expect(200);
  /** Backends of the export connection on this test's database. */
  const exportConnections = async () =>
    (
      await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE application_name = $1 AND datname = current_database()`,
        [EXPORT_APPLICATION_NAME],
      )
    ).rows[0].n;
  const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  /** A finalized period written directly, bypassing rating (cells no event could produce). */
  const insertFinalized = async (
    period: string,
    invoices: { number: string; seq: number; tenantId: string }[],
  ) => {
    await t.db.query(`INSERT INTO finalized_periods (period) VALUES ($1)`, [period]);
    for (const inv of invoices)
      await t.db.query(
        `INSERT INTO invoices (id, number, seq, tenant_id, period, currency, total)
         VALUES (gen_random_uuid(), $1, $2, $3, $4, 'USD', 0)`,
        [inv.number, inv.seq, inv.tenantId, period],
      );
  };

  beforeAll(async () => {
    t = await startTestApp({ FINALIZE_AFTER_HOURS: '0' });
    await t.http
      .post('/v1/price-books')
      .set(admin)
      .send(priceBookBody({ effectiveFrom: '2026-01-01T00:00:00Z' }))
      .expect(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('writes a finalized period as exact RFC 4180 bytes: header, CRLF, formula-safe ids', async () => {
    await post([
      // t-x: "-vm" standard running 24 h: 24 × 0.02 × 2 = 0.96
      cloudEvent('vm.created', '-vm', '2026-03-01T00:00:00Z', {
        tenantId: 't-x',
        template: 'standard',
        state: 'running',
      }),
      cloudEvent('vm.deleted', '-vm', '2026-03-02T00:00:00Z', { tenantId: 't-x' }),
      // t-x: "lb/1:a" normal, no real servers, 10 h: 0.03 × 1 × 10 = 0.30
      cloudEvent('vs.created', 'lb/1:a', '2026-03-05T00:00:00Z', {
        tenantId: 't-x',
        template: 'normal',
        realServerCount: 0,
      }),
      cloudEvent('vs.deleted', 'lb/1:a', '2026-03-05T10:00:00Z', { tenantId: 't-x' }),
      // tenant "-t": "img.1" 100 GB for 24 h: 100 × 0.0001 × 24 = 0.24
      cloudEvent('image.created', 'img.1', '2026-03-01T00:00:00Z', {
        tenantId: '-t',
        sizeGb: '100',
      }),
      cloudEvent('image.deleted', 'img.1', '2026-03-02T00:00:00Z', { tenantId: '-t' }),
    ]);
    await finalize('2026-03');

    const csv = await exportCsv('2026-03');
    expect(csv).toBe(
      [
        HEADER,
        "INV-000001,'-t,2026-03,finalized,usage,image,img.1,,24,0.24,USD",
        "INV-000002,t-x,2026-03,finalized,usage,vm,'-vm,,24,0.96,USD",
        'INV-000002,t-x,2026-03,finalized,usage,vs,lb/1:a,,10,0.30,USD',
        '',
      ].join('\r\n'),
    );
    await until('the export connection to close', async () => (await exportConnections()) === 0);
  });

  it('parses to what the invoices say', async () => {
    const rows = rowsOf(await exportCsv('2026-03'));
    const invoices = (
      await t.db.query<{ number: string; tenant_id: string; total: string }>(
        `SELECT number, tenant_id, total::text FROM invoices WHERE period = '2026-03' ORDER BY seq`,
      )
    ).rows;
    expect(invoices).toHaveLength(2);
    for (const inv of invoices) {
      const lines = rows.filter((r) => r.invoice_number === inv.number);
      expect(lines.every((r) => r.tenant_id === safeText(inv.tenant_id))).toBe(true);
      const cents = lines.reduce((sum, r) => sum + Math.round(Number(r.amount) * 100), 0);
      expect(cents).toBe(Math.round(Number(inv.total) * 100));
      const statement = (
        await t.http.get(`/v1/tenants/${inv.tenant_id}/statements/2026-03`).set(admin).expect(200)
      ).body as {
        invoiceNumber: string;
        currency: string;
        lines: {
          type: string;
          resourceType: string;
          resourceId: string;
          hours?: string;
          adjustsPeriod?: string;
          amount: string;
        }[];
      };
      expect(statement.invoiceNumber).toBe(inv.number);
      expect(lines).toEqual(
        statement.lines.map((l) => ({
          invoice_number: inv.number,
          tenant_id: safeText(inv.tenant_id),
          period: '2026-03',
          status: 'finalized',
          line_type: l.type,
          resource_type: l.resourceType,
          resource_id: safeText(l.resourceId),
          adjusts_period: l.adjustsPeriod ?? '',
          hours: l.hours ?? '',
          amount: l.amount,
          currency: statement.currency,
        })),
      );
    }
  });

  it('answers an empty finalized period with the header row only', async () => {
    await insertFinalized('2025-02', []);
    expect(await exportCsv('2025-02')).toBe(`${HEADER}\r\n`);
  });

  it('answers 404 for a period that has not started, as the statements do (it was a header-only 200, and 9999-12 a 500)', async () => {
    for (const period of ['2099-01', '9999-12']) {
      const res = await t.http
        .get(`/v1/exports/invoice-lines.csv?period=${period}`)
        .set(admin)
        .expect(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.detail).toBe(`Period ${period} has not started`);
    }
  });

  it('names an unknown query parameter by itself (it was named "(body)")', async () => {
    const res = await t.http
      .get('/v1/exports/invoice-lines.csv?period=2026-10&tenantId=t-1')
      .set(admin)
      .expect(400);
    expect(res.body.errors).toEqual([
      { field: 'tenantId', message: 'is not a query parameter of this endpoint' },
    ]);
  });

  it('quotes and prefixes any text cell PostgreSQL formats, whatever it contains', async () => {
    await insertFinalized('2025-01', [{ number: 'INV-900001', seq: 900_001, tenantId: '=t' }]);
    const subjects = [
      '=SUM(A1)',
      '+1',
      '-1',
      '@cmd',
      '\tx',
      '\rx',
      'a,b',
      'say "hi"',
      'two\nlines',
      "'quoted",
      'plain',
    ];
    await t.db.query(
      `INSERT INTO invoice_lines (invoice_id, line_no, type, resource_type, subject, adjusts_period, hours, amount)
       SELECT i.id, u.n, 'adjustment', '@vm', u.s, '2024-12', NULL, -1.50
         FROM invoices i, unnest($1::text[]) WITH ORDINALITY AS u(s, n)
        WHERE i.number = 'INV-900001'`,
      [subjects],
    );
    const csv = await exportCsv('2025-01');
    const row = (resourceId: string) =>
      `INV-900001,'=t,2025-01,finalized,adjustment,'@vm,${resourceId},2024-12,,-1.50,USD`;
    expect(csv).toBe(
      [
        HEADER,
        row("'=SUM(A1)"),
        row("'+1"),
        row("'-1"),
        row("'@cmd"),
        row("'\tx"),
        row(`"'\rx"`),
        row('"a,b"'),
        row('"say ""hi"""'),
        row('"two\nlines"'), // a newline inside a cell is data: not turned into CRLF
        row("'quoted"),
        row('plain'),
        '',
      ].join('\r\n'),
    );
    expect(rowsOf(csv).map((r) => r.resource_id)).toEqual(subjects.map(safeText));
    expect(rowsOf(csv)[0]).toMatchObject({ tenant_id: "'=t", resource_type: "'@vm" });
  });

  it('computes the formula prefix in SQL exactly like safeText', async () => {
    const unit = fc.oneof(
      fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', "'", '"', ',', ' '),
      fc.constantFrom('a', 'Z', '0', 'é', '€', '😀'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit, maxLength: 6 }), { maxLength: 30 }),
        async (v) => {
          const { rows } = await t.db.query<{ s: string }>(
            `SELECT ${sqlSafeText('u.v')} AS s FROM unnest($1::text[]) WITH ORDINALITY AS u(v, n) ORDER BY n`,
            [v],
          );
          expect(rows.map((r) => r.s)).toEqual(v.map(safeText));
        },
      ),
      { numRuns: 50 },
    );
    const { rows } = await t.db.query(`SELECT ${sqlSafeText('NULL::text')} AS s`);
    expect(rows[0].s).toBeNull(); // written as an empty cell, like safeText(null)
  });

  it('exports an open period with the same columns, and the same values once it is finalized', async () => {
    await post([
      cloudEvent('vm.created', 'vm-4', '2026-04-01T00:00:00Z', {
        tenantId: 't-x',
        template: 'standard',
        state: 'running',
      }),
      cloudEvent('vm.deleted', 'vm-4', '2026-04-02T00:00:00Z', { tenantId: 't-x' }),
      cloudEvent('image.created', '-img', '2026-04-01T00:00:00Z', {
        tenantId: 't-x',
        sizeGb: '100',
      }),
      cloudEvent('image.deleted', '-img', '2026-04-01T12:00:00Z', { tenantId: 't-x' }),
    ]);
    const openCsv = await exportCsv('2026-04');
    expect(openCsv.split('\r\n')[0]).toBe(HEADER);
    expect(openCsv.endsWith('\r\n')).toBe(true);
    const open = rowsOf(openCsv);
    expect(open).toEqual(
      expect.arrayContaining([
        {
          invoice_number: '',
          tenant_id: 't-x',
          period: '2026-04',
          status: 'open',
          line_type: 'usage',
          resource_type: 'vm',
          resource_id: 'vm-4',
          adjusts_period: '',
          hours: '24',
          amount: '0.96',
          currency: 'USD',
        },
        expect.objectContaining({ resource_id: "'-img", hours: '12', amount: '0.12' }),
      ]),
    );
    expect(open).toHaveLength(2);

    await finalize('2026-04');
    const finalized = rowsOf(await exportCsv('2026-04'));
    expect(finalized).toEqual(
      open.map((r) => ({ ...r, invoice_number: 'INV-000003', status: 'finalized' })),
    );
  });

  it('releases its connection when the client goes away in the middle of a download', async () => {
    // ~88 MB of CSV (150,000 lines with 500-character ids): more than every
    // socket buffer between the backend and this test can hold, even grown
    // to their maximum (tcp_rmem 32 MB), so the backend has to block.
    await insertFinalized('2024-01', []);
    await t.db.query(
      `INSERT INTO invoices (id, number, seq, tenant_id, period, currency, total)
       SELECT gen_random_uuid(), 'INV-' || (800000 + n), 800000 + n, 'tenant-' || n, '2024-01', 'USD', 0
         FROM generate_series(1, 150) n`,
    );
    await t.db.query(
      `INSERT INTO invoice_lines (invoice_id, line_no, type, resource_type, subject, hours, amount)
       SELECT i.id, l, 'usage', 'vm', 'vm-' || i.seq || '-' || l || '-' || repeat('x', 500), 744, 29.76
         FROM invoices i CROSS JOIN generate_series(1, 1000) l
        WHERE i.period = '2024-01'`,
    );

    const url = new URL('/v1/exports/invoice-lines.csv?period=2024-01', t.baseUrl);
    const req = httpRequest(url, { headers: admin });
    const response = new Promise<IncomingMessage>((ok, fail) => {
      req.once('response', ok);
      req.once('error', fail);
    });
    req.end();
    const res = await response;
    expect(res.statusCode).toBe(200);
    const first = await new Promise<Buffer>((ok) => res.once('data', ok));
    res.pause(); // stop reading: the buffers fill up and the backend blocks writing
    expect(first.toString('utf8').startsWith(`${HEADER}\r\n`)).toBe(true);
    await until('the COPY to block on a client that reads nothing', async () => {
      const { rows } = await t.db.query<{ state: string; wait_event: string | null }>(
        `SELECT state, wait_event FROM pg_stat_activity
          WHERE application_name = $1 AND datname = current_database()`,
        [EXPORT_APPLICATION_NAME],
      );
      return (
        rows.length === 1 && rows[0].state === 'active' && rows[0].wait_event === 'ClientWrite'
      );
    });

    req.on('error', () => undefined); // the socket we destroy
    req.destroy();
    await until('the aborted export to release its connection', async () => {
      return (await exportConnections()) === 0;
    });

    // The service is still fine, and a complete download still works.
    const rows = rowsOf(await exportCsv('2025-02'));
    expect(rows).toEqual([]);
    expect(await exportConnections()).toBeLessThanOrEqual(1);
    await until('the export connection to close', async () => (await exportConnections()) === 0);
  });
});
