import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ProblemCode, ProblemException } from '../common/problem/problem';
import { formatMoney, nextPeriod, periodOf, periodRange } from '../rating/core';
import type { LineView, StatementSummaryView, StatementView } from './statement.model';
import { lineViews, StatementBuilder } from './statement-builder.service';
import { StatementsRepository, type InvoiceRow } from './statements.repository';

/**
 * The portal's reads. A finalized period answers its invoice, frozen; an open
 * one is computed now, accruing up to `asOf` (now, or the period's end once it
 * is over — then it equals what its invoice will say, to the cent).
 */
@Injectable()
export class StatementsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: StatementsRepository,
    private readonly builder: StatementBuilder,
  ) {}

  async statement(tenantId: string, period: string, now = Date.now()): Promise<StatementView> {
    if (periodRange(period).start > now) {
      throw new ProblemException(404, ProblemCode.NotFound, `Period ${period} has not started`);
    }
    const em = this.dataSource.manager;
    const invoice = await this.repo.invoiceOf(em, tenantId, period);
    if (invoice) return this.frozen(invoice);
    const latestFinalized = await this.repo.latestFinalizedPeriod(em);
    const s = await this.builder.build(em, tenantId, period, now);
    return {
      tenantId,
      period,
      // finalized without an invoice for this tenant: it had no usage then
      status: latestFinalized !== null && period <= latestFinalized ? 'finalized' : 'open',
      invoiceNumber: null,
      currency: s.currency,
      total: s.currency === null ? '0' : formatMoney(s.total, s.currency),
      asOf: new Date(s.asOf).toISOString(),
      unrated: s.unrated,
      lines: lineViews(s.lines, s.currency),
    };
  }

  /** Newest first: every period from the tenant's first usage to now, and every invoiced one. */
  async list(tenantId: string, now = Date.now()): Promise<StatementSummaryView[]> {
    const em = this.dataSource.manager;
    const [invoices, first, latestFinalized] = await Promise.all([
      this.repo.invoicesOfTenant(em, tenantId),
      this.repo.firstUsageOfTenant(em, tenantId),
      this.repo.latestFinalizedPeriod(em),
    ]);
    const byPeriod = new Map(invoices.map((i) => [i.period, i]));
    const periods = new Set(byPeriod.keys());
    if (first !== null)
      for (let p = periodOf(first.getTime()); p <= periodOf(now); p = nextPeriod(p)) periods.add(p);
    const out: StatementSummaryView[] = [];
    for (const period of [...periods].sort().reverse()) {
      const invoice = byPeriod.get(period);
      if (invoice) {
        out.push({
          period,
          status: 'finalized',
          invoiceNumber: invoice.number,
          currency: invoice.currency?.trim() ?? null,
          total: invoice.total,
        });
        continue;
      }
      if (latestFinalized !== null && period <= latestFinalized) continue; // finalized without usage for this tenant
      const s = await this.builder.build(em, tenantId, period, now);
      if (s.lines.length === 0 && s.unrated.length === 0) continue;
      out.push({
        period,
        status: 'open',
        invoiceNumber: null,
        currency: s.currency,
        total: s.currency === null ? '0' : formatMoney(s.total, s.currency),
      });
    }
    return out;
  }

  private async frozen(invoice: InvoiceRow): Promise<StatementView> {
    const lines = await this.repo.invoiceLines(this.dataSource.manager, invoice.id);
    return {
      tenantId: invoice.tenant_id,
      period: invoice.period,
      status: 'finalized',
      invoiceNumber: invoice.number,
      currency: invoice.currency?.trim() ?? null,
      total: invoice.total,
      asOf: invoice.issued_at.toISOString(),
      unrated: [],
      lines: lines.map((l): LineView =>
        l.type === 'adjustment'
          ? {
              type: 'adjustment',
              resourceType: l.resource_type,
              resourceId: l.subject,
              adjustsPeriod: l.adjusts_period!,
              amount: l.amount,
            }
          : {
              type: 'usage',
              resourceType: l.resource_type,
              resourceId: l.subject,
              amount: l.amount,
              hours: l.hours ?? '0',
              intervals: (l.intervals ?? []) as Extract<LineView, { type: 'usage' }>['intervals'],
            },
      ),
    };
  }
}
