import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { ProblemCode, ProblemException } from '../common/problem/problem';
import type { AppConfig } from '../config/env.schema';
import { AdvisoryLock } from '../database/locks';
import { inTransaction } from '../database/transaction';
import { formatDisplay, formatMoney, nextPeriod, periodOf, periodRange } from '../rating/core';
import { lineViews, StatementBuilder } from '../statements/statement-builder.service';
import { FinalizedPeriods } from '../finalized-periods/finalized-periods.repository';
import { StatementVersions } from '../statements/statement-versions.repository';
import {
  InvoicesRepository,
  type InvoiceSummary,
  type NewInvoiceLine,
} from './invoices.repository';

export interface FinalizeResult {
  period: string;
  invoices: InvoiceSummary[];
}

/**
 * Finalizes a period (CONTRACT §5): one transaction under the exclusive
 * pricing lock — price-book creation takes it too, and every rating takes it
 * shared, so no rating is half-done and none can miss that the period is now
 * finalized. It freezes each tenant's statement as of the period's end into
 * an invoice numbered from a counter row in the same transaction (a rollback
 * returns the numbers: gapless, in issue order). A second replica finalizing
 * the same period waits for the lock, then finds it done and answers the
 * same invoices.
 */
@Injectable()
export class FinalizePeriodService {
  private readonly logger = new Logger(FinalizePeriodService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: InvoicesRepository,
    private readonly statements: StatementBuilder,
    private readonly config: ConfigService<AppConfig, true>,
    private readonly versions: StatementVersions,
    private readonly periods: FinalizedPeriods,
  ) {}

  async finalize(period: string, now = Date.now()): Promise<FinalizeResult> {
    return (await this.finalizeOnce(period, now)).result;
  }

  /** `created` tells whether this call finalized the period or found it done. */
  private async finalizeOnce(
    period: string,
    now: number,
  ): Promise<{ result: FinalizeResult; created: boolean }> {
    return inTransaction(
      this.dataSource,
      async (em) => {
        await em.query('SELECT pg_advisory_xact_lock($1)', [AdvisoryLock.PRICING]);
        if (await this.periods.isFinalized(em, period)) {
          return {
            result: { period, invoices: await this.repo.invoicesOfPeriod(em, period) },
            created: false,
          };
        }

        const { start, end } = periodRange(period);
        if (now < end) {
          throw new ProblemException(
            409,
            ProblemCode.PeriodNotEnded,
            `Period ${period} ends at ${new Date(end).toISOString()}`,
          );
        }
        await this.closeEarlierPeriods(em, period);
        // Unrated usage in this period, or in a finalized one (a late event):
        // the latter's adjustment would land here, and cannot be computed.
        const blocking = await this.repo.blockingIssues(em, 0, end);
        if (blocking.length > 0) {
          const b = blocking[0];
          const where =
            b.from_at.getTime() < start
              ? `late usage in finalized period ${periodOf(b.from_at.getTime())}, whose adjustment would land on ${period}`
              : `usage in ${period}`;
          throw new ProblemException(
            409,
            ProblemCode.UnratedUsage,
            `Period ${period} cannot be finalized: there is ${where} that cannot be rated (see GET /v1/rating-issues), e.g. ${b.resource_type} ${b.subject} of tenant ${b.tenant_id}: ${b.reason}`,
            {
              unrated: blocking.map((b) => ({
                tenantId: b.tenant_id,
                resourceType: b.resource_type,
                resourceId: b.subject,
                reason: b.reason,
              })),
            },
          );
        }
        const pending = await this.repo.pendingBefore(em, end);
        if (pending > 0) {
          throw new ProblemException(
            409,
            ProblemCode.RatingPending,
            `${pending} resource(s) have events touching ${period} that are not rated yet; retry shortly`,
            { pendingResources: pending },
            { 'retry-after': '5' },
          );
        }

        // Build every statement while the period is still the earliest open one
        // (that is where adjustments land), then freeze them.
        const statements = [];
        // read once, after closeEarlierPeriods (which may have closed some)
        const latest = await this.periods.latest(em);
        for (const tenantId of await this.repo.tenantsToInvoice(em, start, end)) {
          const s = await this.statements.build(em, tenantId, period, end, latest);
          if (s.lines.length > 0) statements.push(s);
        }
        await this.repo.markFinalized(em, period);
        for (const s of statements) {
          const tenantId = s.tenantId;
          const seq = await this.repo.nextNumber(em);
          const views = lineViews(s.lines, s.currency);
          const lines: NewInvoiceLine[] = s.lines.map((l, i) => {
            const view = views[i];
            return l.type === 'usage'
              ? {
                  type: 'usage',
                  resourceType: l.resourceType,
                  subject: l.resourceId,
                  adjustsPeriod: null,
                  hours: formatDisplay(l.hours),
                  amount: view.amount,
                  exactAmount: l.exact.toString(),
                  intervals: view.type === 'usage' ? view.intervals : null,
                }
              : {
                  type: 'adjustment',
                  resourceType: l.resourceType,
                  subject: l.resourceId,
                  adjustsPeriod: l.adjustsPeriod,
                  hours: null,
                  amount: view.amount,
                  exactAmount: null,
                  intervals: null,
                };
          });
          await this.repo.insertInvoice(
            em,
            {
              id: randomUUID(),
              number: `INV-${String(seq).padStart(6, '0')}`,
              seq,
              tenantId,
              period,
              currency: s.currency,
              total: formatMoney(s.total, s.currency!),
            },
            lines,
          );
        }
        // In this transaction: cached statement answers of these tenants are stale from its commit.
        await this.versions.bump(
          em,
          statements.map((s) => s.tenantId),
        );
        return {
          result: { period, invoices: await this.repo.invoicesOfPeriod(em, period) },
          created: true,
        };
      },
      { retryTransient: true },
    );
  }

  /**
   * Every earlier period must be finalized first. Earlier periods without any
   * usage are finalized here too (no invoices), so "the earliest period that is
   * not finalized" — where adjustments land — is always the next one. Periods
   * at or before the latest finalized one are finalized already, rows or not.
   * The earliest open period counts as having usage when adjustments (late
   * changes to finalized periods) land on it: they are invoiced there, never
   * carried on to a later period by closing it empty.
   */
  private async closeEarlierPeriods(em: EntityManager, period: string): Promise<void> {
    const p0 = await this.earliestOpen(em);
    for (let p = p0 ?? period; p < period; p = nextPeriod(p)) {
      const { start, end } = periodRange(p);
      const has = (await this.repo.hasUsage(em, start, end))
        ? 'usage'
        : p === p0 && (await this.hasAdjustments(em, p))
          ? 'adjustments'
          : null;
      if (has !== null) {
        throw new ProblemException(
          409,
          ProblemCode.EarlierPeriodOpen,
          `Period ${p} has ${has} and is not finalized; finalize it first`,
          {
            earliestOpenPeriod: p,
          },
        );
      }
      await this.repo.markFinalized(em, p);
    }
  }

  /** The earliest period that is not finalized and may need to be: null when there is no usage and none is finalized. */
  private async earliestOpen(em: EntityManager): Promise<string | null> {
    const latest = await this.periods.latest(em);
    if (latest !== null) return nextPeriod(latest);
    const first = await this.repo.firstUsage(em);
    return first === null ? null : periodOf(first);
  }

  /** Whether any tenant's statement of `period` (the earliest open one) carries an adjustment. */
  private async hasAdjustments(em: EntityManager, period: string): Promise<boolean> {
    const { end } = periodRange(period);
    const latest = await this.periods.latest(em);
    for (const tenantId of await this.repo.tenantsWithRestatements(em)) {
      const s = await this.statements.build(em, tenantId, period, end, latest);
      if (s.lines.some((l) => l.type === 'adjustment')) return true;
    }
    return false;
  }

  /**
   * Automatic finalization (FINALIZE_AFTER_HOURS after a period ends; 0 = off):
   * finalizes, oldest first, every period with usage that is due. A 409
   * (unrated usage, pending ratings) leaves it for the next run. `hours`
   * is the setting unless given (tests give it, with the setting 0, so the
   * scheduled run with the real clock finalizes nothing behind their back).
   */
  async finalizeDue(
    now = Date.now(),
    hours = this.config.get('FINALIZE_AFTER_HOURS', { infer: true }),
  ): Promise<string[]> {
    if (hours === 0) return [];
    const done: string[] = [];
    const em = this.dataSource.manager;
    const first = await this.earliestOpen(em);
    if (first === null) return done;
    for (let p = first; periodRange(p).end + hours * 3_600_000 <= now; p = nextPeriod(p)) {
      try {
        if ((await this.finalizeOnce(p, now)).created) done.push(p);
      } catch (err) {
        if (err instanceof ProblemException) {
          this.logger.log(
            `automatic finalization of ${p} postponed: ${err.problem.detail ?? err.problem.code}`,
          );
          return done;
        }
        throw err;
      }
    }
    return done;
  }
}
