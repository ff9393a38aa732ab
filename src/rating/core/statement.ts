import { Decimal } from './decimal';
import { lineAmount, roundMoney } from './money';
import { periodRange, piecesInPeriod } from './periods';
import type { PeriodPiece, RatedSegment } from './types';

/** One resource's usage in one period: its pieces, exact sum and the amount rounded once. */
export interface UsageLine {
  pieces: PeriodPiece[];
  hours: Decimal;
  exact: Decimal;
  amount: Decimal;
  currency: string;
}

/**
 * A resource's usage line for `period` as of `asOf` (CONTRACT §5), or null
 * when it has no usage there. All pieces of one tenant and period share one
 * currency (price-book versions cannot change it mid-period).
 */
export function usageLine(
  segments: RatedSegment[],
  period: string,
  asOf: number,
): UsageLine | null {
  const pieces = piecesInPeriod(segments, period, asOf);
  if (pieces.length === 0) return null;
  const currency = pieces[0].segment.currency;
  const { hours, exact, amount } = lineAmount(pieces, currency);
  return { pieces, hours, exact, amount, currency };
}

/** The exact amount of a resource in a whole, ended period (what an invoice for it must equal once rounded). */
export function exactForEndedPeriod(segments: RatedSegment[], period: string): Decimal {
  const line = usageLine(segments, period, periodRange(period).end);
  return line ? line.exact : new Decimal(0);
}

/**
 * The adjustment owed for one resource and finalized period (CONTRACT §5):
 * round(exact now) − invoiced − adjustments already issued, so that what was
 * invoiced plus all adjustments equals round(exact). Zero means none.
 */
export function adjustmentAmount(
  exactNow: Decimal,
  invoiced: Decimal,
  priorAdjustments: Decimal,
  currency: string,
): Decimal {
  return roundMoney(exactNow, currency).minus(invoiced).minus(priorAdjustments);
}
