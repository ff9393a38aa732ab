/**
 * Finance export: a 1,000,000-line invoice-lines.csv (BENCH_EXPORT_LINES),
 * streamed by the real service. Prints rows/s and the service's peak RSS
 * while it streams. Goal (issue 6): ≥ 200,000 rows/s with RSS < 300 MB.
 */
import {
  ADMIN_KEY,
  freshDatabase,
  progress,
  progressDone,
  report,
  startService,
} from './lib/harness';
import { profileEnv, runAsScript } from './lib/util';

export async function run(): Promise<void> {
  const lines = Number(process.env.BENCH_EXPORT_LINES ?? 1_000_000);
  const perInvoice = 1000;
  const db = await freshDatabase();
  try {
    progress(`export: writing ${lines.toLocaleString()} invoice lines…`);
    await db.pool.query(`INSERT INTO finalized_periods (period) VALUES ('2026-01')`);
    await db.pool.query(
      `INSERT INTO invoices (id, number, seq, tenant_id, period, currency, total)
       SELECT gen_random_uuid(), 'INV-' || lpad(n::text, 6, '0'), n, 'tenant-' || n, '2026-01', 'USD', 0
         FROM generate_series(1, $1::int) n`,
      [Math.ceil(lines / perInvoice)],
    );
    await db.pool.query(
      `INSERT INTO invoice_lines (invoice_id, line_no, type, resource_type, subject, hours, amount, exact_amount)
       SELECT i.id, l, 'usage', 'vm', 'vm-' || i.seq || '-' || l, 744, 29.76, 29.76
         FROM invoices i CROSS JOIN generate_series(1, $1::int) l
        WHERE (i.seq - 1) * $1 + l <= $2`,
      [perInvoice, lines],
    );
    await db.pool.query('ANALYZE');
    const service = await startService(db, { ROLE: 'api', ...profileEnv() });
    try {
      const idleRss = service.peakRss();
      service.resetPeak();
      const started = performance.now();
      const res = await fetch(`${service.baseUrl}/v1/exports/invoice-lines.csv?period=2026-01`, {
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
      if (!res.ok || !res.body) throw new Error(`export answered ${res.status}`);
      let rows = -1; // header
      let bytes = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.length;
        for (const b of chunk) if (b === 10) rows++;
        if (rows % 50_000 < 200)
          progress(
            `export: ${rows.toLocaleString()} rows, RSS ${(service.peakRss() / 2 ** 20).toFixed(0)} MB`,
          );
      }
      const seconds = (performance.now() - started) / 1000;
      progressDone();
      if (rows !== lines) throw new Error(`expected ${lines} rows, got ${rows}`);
      report('export', {
        rows,
        seconds: seconds,
        'rows/s': rows / seconds,
        MB: bytes / 2 ** 20,
        'service RSS before (MB)': idleRss / 2 ** 20,
        'service peak RSS while streaming (MB)': service.peakRss() / 2 ** 20,
      });
    } finally {
      await service.stop();
    }
  } finally {
    await db.drop();
  }
}

runAsScript(module, run);
