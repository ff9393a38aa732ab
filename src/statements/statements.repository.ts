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

  /** Intervals of some resources overlapping [start, end). */
  intervalsOfResources(
    em: EntityManager,
    keys: ResourceKey[],
    start: number,
    end: number,
  ): Promise<RatedIntervalRow[]> {
    return em.query(
      `SELECT ${RATED_INTERVAL_COLUMNS} FROM rated_intervals
        WHERE (resource_type, subject) IN (SELECT * FROM unnest($1::text[], $2::text[]))
          AND from_at < $4 AND (to_at IS NULL OR to_at > $3)
        ORDER BY resource_type, subject, from_at`,
      [keys.map((k) => k.resourceType), keys.map((k) => k.subject), iso(start), iso(end)],
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
   * What was issued for a tenant's resource in a period: its invoiced usage
   * amount and every adjustment for that period issued since.
   */
  async issuedFor(
    em: EntityManager,
    tenantId: string,
    key: ResourceKey,
    period: string,
  ): Promise<{ invoiced: string; adjustments: string }> {
    const rows: { invoiced: string; adjustments: string }[] = await em.query(
      `SELECT
         COALESCE(sum(l.amount) FILTER (WHERE l.type = 'usage' AND i.period = $4), 0)::text AS invoiced,
         COALESCE(sum(l.amount) FILTER (WHERE l.type = 'adjustment' AND l.adjusts_period = $4), 0)::text AS adjustments
       FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
      WHERE i.tenant_id = $1 AND l.resource_type = $2 AND l.subject = $3`,
      [tenantId, key.resourceType, key.subject, period],
    );
    return rows[0];
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
