import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ResourceKey } from '../events/resource-key';
import { RATED_INTERVAL_COLUMNS, type RatedIntervalRow } from '../rating/rated-interval.mapper';
import type { RatingIssueReason, ResourceType } from '../rating/core/types';

export interface IssueRow {
  resource_type: string;
  subject: string;
  from_at: Date;
  to_at: Date | null;
  reason: RatingIssueReason;
  message: string;
  event_ids: string[];
  blocking: boolean;
}

export interface InvoiceRow {
  id: string;
  number: string;
  tenant_id: string;
  period: string;
  currency: string | null;
  total: string;
  issued_at: Date;
}

export interface InvoiceLineRow {
  line_no: number;
  type: 'usage' | 'adjustment';
  resource_type: string;
  subject: string;
  adjusts_period: string | null;
  hours: string | null;
  amount: string;
  intervals: unknown;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Reads behind statements, invoices and adjustments. Every read hits the primary. */
@Injectable()
export class StatementsRepository {
  /** A tenant's rated intervals overlapping [start, end), by resource then time. */
  intervalsOfTenant(
    em: EntityManager,
    tenantId: string,
    start: number,
    end: number,
  ): Promise<RatedIntervalRow[]> {
    return em.query(
      `SELECT ${RATED_INTERVAL_COLUMNS} FROM rated_intervals
        WHERE tenant_id = $1 AND from_at < $3 AND (to_at IS NULL OR to_at > $2)
        ORDER BY resource_type, subject, from_at`,
      [tenantId, iso(start), iso(end)],
    );
  }

  /**
   * A tenant's issues that overlap [start, end], and with `withEarlierBlocking`
   * also its blocking issues that start before `start` (what late events left
   * unrated in finalized periods), however far back; non-blocking ones that
   * end before `start` are never read.
   */
  issuesOfTenant(
    em: EntityManager,
    tenantId: string,
    start: number,
    end: number,
    withEarlierBlocking = false,
  ): Promise<IssueRow[]> {
    return em.query(
      `SELECT resource_type, subject, from_at, to_at, reason, message, event_ids, blocking FROM rating_issues
        WHERE tenant_id = $1 AND from_at < $3
          AND (to_at IS NULL OR to_at >= $2 OR ($4 AND blocking AND from_at < $2))
        ORDER BY resource_type, subject, from_at`,
      [tenantId, iso(start), iso(end), withEarlierBlocking],
    );
  }

  /** (resource, finalized period) pairs of a tenant that a late change touched. */
  async restatementsOfTenant(
    em: EntityManager,
    tenantId: string,
  ): Promise<{ key: ResourceKey; period: string }[]> {
    const rows: { resource_type: ResourceType; subject: string; period: string }[] = await em.query(
      `SELECT resource_type, subject, period FROM restatements WHERE tenant_id = $1 ORDER BY period, resource_type, subject`,
      [tenantId],
    );
    return rows.map((r) => ({
      key: { resourceType: r.resource_type, subject: r.subject },
      period: r.period,
    }));
  }

  /**
   * For each (resource, finalized period) pair: its rated intervals overlapping
   * the period, and what was issued for it there (its invoiced usage amount
   * and every adjustment for that period issued since). Two statements
   * however many pairs a tenant has accumulated.
   */
  async restated(
    em: EntityManager,
    tenantId: string,
    pairs: { key: ResourceKey; period: string; start: number; end: number }[],
  ): Promise<{
    intervals: RatedIntervalRow[][];
    issued: { invoiced: string; adjustments: string }[];
  }> {
    if (pairs.length === 0) return { intervals: [], issued: [] };
    const types = pairs.map((p) => p.key.resourceType);
    const subjects = pairs.map((p) => p.key.subject);
    const periods = pairs.map((p) => p.period);
    const rows: (RatedIntervalRow & { pair: number })[] = await em.query(
      `SELECT x.pair::int AS pair, ${RATED_INTERVAL_COLUMNS}
         FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[])
              WITH ORDINALITY AS x(resource_type, subject, start_at, end_at, pair)
         JOIN rated_intervals USING (resource_type, subject)
        WHERE from_at < x.end_at AND (to_at IS NULL OR to_at > x.start_at)
        ORDER BY x.pair, from_at`,
      [types, subjects, pairs.map((p) => iso(p.start)), pairs.map((p) => iso(p.end))],
    );
    const intervals: RatedIntervalRow[][] = pairs.map(() => []);
    for (const { pair, ...row } of rows) intervals[pair - 1].push(row);
    const sums: { pair: string; invoiced: string; adjustments: string }[] = await em.query(
      `SELECT x.pair::text AS pair,
         COALESCE(sum(l.amount) FILTER (WHERE l.type = 'usage' AND i.period = x.period), 0)::text AS invoiced,
         COALESCE(sum(l.amount) FILTER (WHERE l.type = 'adjustment' AND l.adjusts_period = x.period), 0)::text AS adjustments
         FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS x(resource_type, subject, period, pair)
         LEFT JOIN (invoice_lines l JOIN invoices i ON i.id = l.invoice_id AND i.tenant_id = $1)
           ON l.resource_type = x.resource_type AND l.subject = x.subject
        GROUP BY x.pair`,
      [tenantId, types, subjects, periods],
    );
    const issued = pairs.map(() => ({ invoiced: '0', adjustments: '0' }));
    for (const { pair, invoiced, adjustments } of sums)
      issued[Number(pair) - 1] = { invoiced, adjustments };
    return { intervals, issued };
  }

  async invoiceOf(em: EntityManager, tenantId: string, period: string): Promise<InvoiceRow | null> {
    const rows: InvoiceRow[] = await em.query(
      `SELECT id, number, tenant_id, period, currency, total::text AS total, issued_at FROM invoices WHERE tenant_id = $1 AND period = $2`,
      [tenantId, period],
    );
    return rows[0] ?? null;
  }

  invoiceLines(em: EntityManager, invoiceId: string): Promise<InvoiceLineRow[]> {
    return em.query(
      `SELECT line_no, type, resource_type, subject, adjusts_period, hours::text AS hours, amount::text AS amount, intervals
         FROM invoice_lines WHERE invoice_id = $1 ORDER BY line_no`,
      [invoiceId],
    );
  }

  invoicesOfTenant(em: EntityManager, tenantId: string): Promise<InvoiceRow[]> {
    return em.query(
      `SELECT id, number, tenant_id, period, currency, total::text AS total, issued_at FROM invoices WHERE tenant_id = $1`,
      [tenantId],
    );
  }

  /** The earliest instant a tenant has usage (rated or not), or null. */
  async firstUsageOfTenant(em: EntityManager, tenantId: string): Promise<Date | null> {
    const rows: { first: Date | null }[] = await em.query(
      `SELECT LEAST((SELECT min(from_at) FROM rated_intervals WHERE tenant_id = $1),
                    (SELECT min(from_at) FROM rating_issues WHERE tenant_id = $1 AND blocking)) AS first`,
      [tenantId],
    );
    return rows[0]?.first ?? null;
  }
}
