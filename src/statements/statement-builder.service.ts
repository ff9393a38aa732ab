import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Decimal } from '../rating/core/decimal';
import {
  adjustmentAmount,
  bookInForce,
  exactForEndedPeriod,
  formatDisplay,
  formatMoney,
  nextPeriod,
  periodRange,
  statementTotal,
  unratedInPeriod,
  usageLine,
} from '../rating/core';
import type { PeriodPiece, RatedSegment, UnratedSegment } from '../rating/core/types';
import { segmentFromRow, type RatedIntervalRow } from '../rating/rated-interval.mapper';
import { FinalizedPeriods } from '../finalized-periods/finalized-periods.repository';
import { RatingRepository } from '../rating/rating.repository';
import type {
  BuiltLine,
  BuiltStatement,
  IntervalView,
  LineView,
  UnratedView,
} from './statement.model';
import {
  decimalString,
  displayAmount,
  displayHours,
  isoOf as iso,
  SegmentReader,
} from './statement-format';
import { StatementsRepository, type IssueRow } from './statements.repository';

function groupByResource(
  rows: RatedIntervalRow[],
): Map<string, { resourceType: string; subject: string; segments: RatedSegment[] }> {
  const out = new Map<
    string,
    { resourceType: string; subject: string; segments: RatedSegment[] }
  >();
  const reader = new SegmentReader();
  for (const r of rows) {
    const k = `${r.resource_type}/${r.subject}`;
    let g = out.get(k);
    if (!g) out.set(k, (g = { resourceType: r.resource_type, subject: r.subject, segments: [] }));
    g.segments.push(reader.segment(r));
  }
  return out;
}

/**
 * Computes a tenant's statement for a period as of an instant — the one code
 * path behind open statements, invoices (finalization freezes exactly this,
 * with asOf = the period's end) and the CSV export. Money comes from the pure
 * core: each line's exact sum rounded once, the total the sum of lines.
 */
@Injectable()
export class StatementBuilder {
  constructor(
    private readonly repo: StatementsRepository,
    private readonly rating: RatingRepository,
    private readonly periods: FinalizedPeriods,
  ) {}

  /**
   * `latestFinalized` (`FinalizedPeriods.latest`) is read here unless the
   * caller, building many statements, read it once for all of them.
   */
  async build(
    em: EntityManager,
    tenantId: string,
    period: string,
    asOf: number,
    latestFinalized?: string | null,
  ): Promise<BuiltStatement> {
    const { start, end } = periodRange(period);
    const until = Math.min(asOf, end);
    // One after another: inside a transaction `em` is a single connection.
    const rows = await this.repo.intervalsOfTenant(em, tenantId, start, end);
    if (latestFinalized === undefined) latestFinalized = await this.periods.latest(em);
    // The earliest open period also shows what late events left unrated in
    // finalized ones (below): its query also reads the blocking issues that
    // start before it (`unrated` keeps only those overlapping the period).
    const landing = latestFinalized !== null && period === nextPeriod(latestFinalized);
    const issueRows = await this.repo.issuesOfTenant(em, tenantId, start, end, landing);

    const lines: BuiltLine[] = [];
    let currency: string | null = null;
    for (const g of groupByResource(rows).values()) {
      const line = usageLine(g.segments, period, until);
      if (!line) continue;
      currency ??= line.currency;
      lines.push({
        type: 'usage',
        resourceType: g.resourceType,
        resourceId: g.subject,
        hours: line.hours,
        exact: line.exact,
        amount: line.amount,
        pieces: line.pieces,
      });
    }
    currency ??= await this.currencyInForce(em, tenantId, period, asOf);
    // Adjustments land on the earliest period that is not finalized (CONTRACT §5),
    // and so does what a late event left unrated in a finalized period: its
    // adjustment cannot be computed, and unrated usage is never billed as zero
    // (§4), so it is shown here as unrated (finalizing this period is refused
    // meanwhile) and the adjustment follows once it is rated.
    // Only the landing statement shows them: a later open period's list of
    // issues overlapping it also holds ones that start earlier, which are
    // that earlier period's own (shown there), not late usage.
    const late = landing ? issueRows.filter((r) => r.blocking && r.from_at.getTime() < start) : [];
    if (landing && currency !== null) {
      lines.push(...(await this.adjustments(em, tenantId, currency, late)));
    }
    return {
      tenantId,
      period,
      asOf: until,
      currency,
      lines,
      total: statementTotal(lines.map((l) => l.amount)),
      unrated: [...this.lateUnrated(late, start), ...this.unrated(issueRows, period, until)],
    };
  }

  /**
   * The currency of the tenant's book in force at the period's last instant
   * so far (its end, or `asOf` while it runs); null when none is.
   */
  async currencyInForce(
    em: EntityManager,
    tenantId: string,
    period: string,
    asOf: number,
  ): Promise<string | null> {
    const { start, end } = periodRange(period);
    const book = bookInForce(
      await this.rating.booksForTenant(em, tenantId),
      tenantId,
      Math.max(start, Math.min(asOf, end - 1)),
    );
    return book?.currency ?? null;
  }

  /**
   * One line per (resource, finalized period) whose rounded exact amount now
   * differs from what was issued; none while the resource has usage there
   * that cannot be rated (`late`: blocking issues before this period).
   */
  private async adjustments(
    em: EntityManager,
    tenantId: string,
    currency: string,
    late: IssueRow[],
  ): Promise<BuiltLine[]> {
    const pairs = (await this.repo.restatementsOfTenant(em, tenantId))
      .map(({ key, period }) => ({ key, period, ...periodRange(period) }))
      .filter(
        ({ key, start, end }) =>
          !late.some(
            (r) =>
              r.resource_type === key.resourceType &&
              r.subject === key.subject &&
              r.from_at.getTime() < end &&
              (r.to_at === null || r.to_at.getTime() > start),
          ),
      );
    const { intervals, issued } = await this.repo.restated(em, tenantId, pairs);
    const out: BuiltLine[] = [];
    pairs.forEach(({ key, period }, i) => {
      const amount = adjustmentAmount(
        exactForEndedPeriod(intervals[i].map(segmentFromRow), period),
        new Decimal(issued[i].invoiced),
        new Decimal(issued[i].adjustments),
        currency,
      );
      if (!amount.isZero())
        out.push({
          type: 'adjustment',
          resourceType: key.resourceType,
          resourceId: key.subject,
          adjustsPeriod: period,
          amount,
        });
    });
    return out;
  }

  /** Blocking issues in finalized periods (late events), as far as they reach before `before`. */
  private lateUnrated(rows: IssueRow[], before: number): UnratedView[] {
    return rows
      .map(issueOf)
      .map((i) => unratedView({ ...i, to: Math.min(i.to ?? before, before) }));
  }

  private unrated(rows: IssueRow[], period: string, asOf: number): UnratedView[] {
    return unratedInPeriod(rows.map(issueOf), period, asOf).map((i) =>
      unratedView(i as ResourceIssue),
    );
  }
}

/** A stored issue as the core's unrated segment, with its resource. */
type ResourceIssue = UnratedSegment & { resourceType: string; subject: string };

function issueOf(r: IssueRow): ResourceIssue {
  return {
    resourceType: r.resource_type,
    subject: r.subject,
    from: r.from_at.getTime(),
    to: r.to_at === null ? null : r.to_at.getTime(),
    reason: r.reason,
    message: r.message,
    eventIds: r.event_ids,
    blocking: r.blocking,
  };
}

function unratedView(i: ResourceIssue): UnratedView {
  return {
    resourceType: i.resourceType,
    resourceId: i.subject,
    reason: i.reason,
    message: i.message,
    from: iso(i.from),
    to: i.to === null ? null : iso(i.to),
    eventIds: i.eventIds,
    blocking: i.blocking,
  };
}

/**
 * Formats lines for the API: money to the minor unit, interval figures to 15
 * places (statement-format.ts: the same strings as formatDisplay, faster).
 * Key order is part of the answer: the JSON of every statement, cached or
 * not, and of every invoice's intervals, follows it.
 */
export function lineViews(lines: BuiltLine[], currency: string | null): LineView[] {
  return lines.map((l) =>
    l.type === 'adjustment'
      ? {
          type: 'adjustment',
          resourceType: l.resourceType,
          resourceId: l.resourceId,
          adjustsPeriod: l.adjustsPeriod,
          amount: formatMoney(l.amount, currency!),
        }
      : {
          type: 'usage',
          resourceType: l.resourceType,
          resourceId: l.resourceId,
          amount: formatMoney(l.amount, currency!),
          hours: formatDisplay(l.hours),
          intervals: l.pieces.map(intervalView),
        },
  );
}

/** IntervalView's members, in the documented order (the order answers have). */
const INTERVAL_KEYS: readonly (keyof IntervalView)[] = [
  'from',
  'to',
  'template',
  'state',
  'realServerCount',
  'sizeGb',
  'weight',
  'pricePerHour',
  'hours',
  'amount',
  'priceBookId',
  'openedBy',
  'closedBy',
];

/**
 * A stored interval (an invoice line's `intervals`, jsonb) in the documented
 * order: jsonb keeps its own key order (shortest first), so a finalized
 * statement listed `to` before `from`.
 */
export function storedIntervalView(stored: Record<string, unknown>): IntervalView {
  const v: Record<string, unknown> = {};
  for (const k of INTERVAL_KEYS) if (k in stored) v[k] = stored[k];
  return v as unknown as IntervalView;
}

function intervalView(p: PeriodPiece): IntervalView {
  const seg = p.segment;
  const a = seg.attributes;
  // Assigned one by one, in the documented order (no spread of temporaries).
  const v = { from: iso(p.from), to: iso(p.to) } as IntervalView;
  if (a.template !== undefined) v.template = a.template;
  if (a.state !== undefined) v.state = a.state;
  if (a.realServerCount !== undefined) v.realServerCount = a.realServerCount;
  if (a.sizeGb !== undefined) v.sizeGb = decimalString(a.sizeGb);
  v.weight = decimalString(seg.weight);
  v.pricePerHour = decimalString(seg.pricePerHour);
  v.hours = displayHours(p.ms);
  v.amount = displayAmount(seg.hourlyRate, p.ms);
  v.priceBookId = seg.priceBookId;
  v.openedBy = seg.openedBy;
  v.closedBy = seg.closedBy;
  return v;
}
