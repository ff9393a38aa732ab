import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export interface InvoiceSummary {
  invoiceNumber: string;
  tenantId: string;
  period: string;
  currency: string | null;
  total: string;
  issuedAt: string;
}

export interface NewInvoiceLine {
  type: 'usage' | 'adjustment';
  resourceType: string;
  subject: string;
  adjustsPeriod: string | null;
  hours: string | null;
  amount: string;
  exactAmount: string | null;
  intervals: unknown;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Finalized periods and invoices: written once, never updated. */
@Injectable()
export class InvoicesRepository {
  async markFinalized(em: EntityManager, period: string): Promise<void> {
    await em.query(`INSERT INTO finalized_periods (period) VALUES ($1)`, [period]);
  }

  /** The earliest instant of any usage, rated or blocked on a rating issue. */
  async firstUsage(em: EntityManager): Promise<number | null> {
    const rows: { first: Date | null }[] = await em.query(
      `SELECT LEAST((SELECT min(from_at) FROM rated_intervals),
                    (SELECT min(from_at) FROM rating_issues WHERE blocking)) AS first`,
    );
    return rows[0]?.first ? rows[0].first.getTime() : null;
  }

  async hasUsage(em: EntityManager, start: number, end: number): Promise<boolean> {
    const rows: { any: boolean }[] = await em.query(
      `SELECT EXISTS (SELECT 1 FROM rated_intervals WHERE from_at < $2 AND (to_at IS NULL OR to_at > $1))
           OR EXISTS (SELECT 1 FROM rating_issues WHERE blocking AND from_at < $2 AND (to_at IS NULL OR to_at > $1)) AS any`,
      [iso(start), iso(end)],
    );
    return rows[0].any;
  }

  /** Blocking rating issues overlapping [start, end), earliest first, a few for the error message. */
  blockingIssues(
    em: EntityManager,
    start: number,
    end: number,
  ): Promise<
    { tenant_id: string; resource_type: string; subject: string; reason: string; from_at: Date }[]
  > {
    return em.query(
      `SELECT tenant_id, resource_type, subject, reason, from_at FROM rating_issues
        WHERE blocking AND from_at < $2 AND (to_at IS NULL OR to_at > $1)
        ORDER BY from_at, tenant_id, resource_type, subject LIMIT 20`,
      [iso(start), iso(end)],
    );
  }

  /** Resources with events not yet rated that could change usage before `end`. */
  async pendingBefore(em: EntityManager, end: number): Promise<number> {
    const rows: { n: number }[] = await em.query(
      `SELECT count(*)::int AS n
         FROM (SELECT DISTINCT resource_type, subject FROM rating_marks WHERE from_at < $1) AS m`,
      [iso(end)],
    );
    return rows[0].n;
  }

  /** Tenants with usage in [start, end) or a late change to an earlier finalized period. */
  async tenantsToInvoice(em: EntityManager, start: number, end: number): Promise<string[]> {
    const rows: { tenant_id: string }[] = await em.query(
      `SELECT tenant_id FROM rated_intervals WHERE from_at < $2 AND (to_at IS NULL OR to_at > $1)
       UNION SELECT tenant_id FROM restatements
       ORDER BY tenant_id`,
      [iso(start), iso(end)],
    );
    return rows.map((r) => r.tenant_id);
  }

  /** Tenants with a late change to a finalized period (whether or not its adjustment is still due). */
  async tenantsWithRestatements(em: EntityManager): Promise<string[]> {
    const rows: { tenant_id: string }[] = await em.query(
      `SELECT DISTINCT tenant_id FROM restatements ORDER BY tenant_id`,
    );
    return rows.map((r) => r.tenant_id);
  }

  /** The next invoice number: the counter row is locked until the transaction ends, so numbers are gapless. */
  async nextNumber(em: EntityManager): Promise<number> {
    const [rows]: [{ last_number: string }[], number] = await em.query(
      `UPDATE invoice_counter SET last_number = last_number + 1 WHERE id = 1 RETURNING last_number::text`,
    );
    return Number(rows[0].last_number);
  }

  async insertInvoice(
    em: EntityManager,
    invoice: {
      id: string;
      number: string;
      seq: number;
      tenantId: string;
      period: string;
      currency: string | null;
      total: string;
    },
    lines: NewInvoiceLine[],
  ): Promise<void> {
    await em.query(
      // issued when written, under the pricing lock (the column's default,
      // now(), is when the transaction began: possibly before a finalization
      // it waited for, whose invoices have lower numbers)
      `INSERT INTO invoices (id, number, seq, tenant_id, period, currency, total, issued_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, clock_timestamp())`,
      [
        invoice.id,
        invoice.number,
        invoice.seq,
        invoice.tenantId,
        invoice.period,
        invoice.currency,
        invoice.total,
      ],
    );
    if (lines.length === 0) return;
    await em.query(
      `INSERT INTO invoice_lines (invoice_id, line_no, type, resource_type, subject, adjusts_period, hours, amount, exact_amount, intervals)
       SELECT $1, n, t, rt, s, ap, h::numeric, a::numeric, e::numeric, i::jsonb
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
              WITH ORDINALITY AS u(t, rt, s, ap, h, a, e, i, n)`,
      [
        invoice.id,
        lines.map((l) => l.type),
        lines.map((l) => l.resourceType),
        lines.map((l) => l.subject),
        lines.map((l) => l.adjustsPeriod),
        lines.map((l) => l.hours),
        lines.map((l) => l.amount),
        lines.map((l) => l.exactAmount),
        lines.map((l) => (l.intervals === null ? null : JSON.stringify(l.intervals))),
      ],
    );
  }

  async invoicesOfPeriod(em: EntityManager, period: string): Promise<InvoiceSummary[]> {
    const rows: {
      number: string;
      tenant_id: string;
      period: string;
      currency: string | null;
      total: string;
      issued_at: Date;
    }[] = await em.query(
      `SELECT number, tenant_id, period, currency, total::text AS total, issued_at FROM invoices WHERE period = $1 ORDER BY seq`,
      [period],
    );
    return rows.map((r) => ({
      invoiceNumber: r.number,
      tenantId: r.tenant_id,
      period: r.period,
      currency: r.currency?.trim() ?? null,
      total: r.total,
      issuedAt: r.issued_at.toISOString(),
    }));
  }
}
