import type { EpochMs, PeriodPiece, RatedSegment, UnratedSegment } from './types';

const PERIOD_PATTERN = /^(\d{4})-(\d{2})$/;

/** True for a billing-period name `YYYY-MM`: years 1970–9999, months 01–12. */
export function isPeriod(s: string): boolean {
  const match = PERIOD_PATTERN.exec(s);
  if (match === null) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  return year >= 1970 && year <= 9999 && month >= 1 && month <= 12;
}

function parsePeriod(period: string): { year: number; month: number } {
  if (!isPeriod(period)) throw new RangeError(`not a billing period (YYYY-MM): "${period}"`);
  return { year: Number(period.slice(0, 4)), month: Number(period.slice(5, 7)) };
}

function formatPeriod(year: number, month: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

/** The billing period (UTC calendar month, `YYYY-MM`) holding instant `t`. */
export function periodOf(t: EpochMs): string {
  const date = new Date(t);
  const period = formatPeriod(date.getUTCFullYear(), date.getUTCMonth() + 1);
  if (!isPeriod(period)) throw new RangeError(`instant ${t} is outside periods 1970-01…9999-12`);
  return period;
}

/** [start, end) of a period in epoch ms: 00:00:00.000 UTC on its first day to that of the next month. */
export function periodRange(period: string): { start: EpochMs; end: EpochMs } {
  const { year, month } = parsePeriod(period);
  return { start: Date.UTC(year, month - 1, 1), end: Date.UTC(year, month, 1) };
}

/** The period after `period` (`2026-12` → `2027-01`). @throws RangeError after 9999-12. */
export function nextPeriod(period: string): string {
  const { year, month } = parsePeriod(period);
  const next = month === 12 ? formatPeriod(year + 1, 1) : formatPeriod(year, month + 1);
  if (!isPeriod(next)) throw new RangeError(`no billing period after ${period}`);
  return next;
}

/** True when `t` is 00:00:00.000 UTC on the first day of a month (a period start). */
export function isPeriodStart(t: EpochMs): boolean {
  return periodRange(periodOf(t)).start === t;
}

/**
 * The parts of `segments` inside `period` and before `asOf`: each segment
 * clipped to [max(from, start), min(to ?? ∞, end, asOf)), with its exact
 * money-milliseconds (hourlyRate × ms). Empty pieces are dropped; order is kept.
 */
export function piecesInPeriod(
  segments: RatedSegment[],
  period: string,
  asOf: EpochMs,
): PeriodPiece[] {
  const { start, end } = periodRange(period);
  const limit = Math.min(end, asOf);
  const pieces: PeriodPiece[] = [];
  for (const segment of segments) {
    const from = Math.max(segment.from, start);
    const to = segment.to === null ? limit : Math.min(segment.to, limit);
    if (to <= from) continue;
    const ms = to - from;
    pieces.push({ segment, from, to, ms, moneyMs: segment.hourlyRate.times(ms) });
  }
  return pieces;
}

/**
 * The issues touching `period` up to `asOf`, with from/to clipped to
 * [start, min(end, asOf)] (an open `to` becomes that bound). A blocking issue
 * with from < to covers [from, to) (usage time) and must overlap
 * [start, min(end, asOf)); a non-blocking or zero-length issue covers the
 * closed range [from, to] of its events' times and is kept when that range
 * meets the period at or before `asOf`. Order is kept.
 */
export function unratedInPeriod(
  issues: UnratedSegment[],
  period: string,
  asOf: EpochMs,
): UnratedSegment[] {
  const { start, end } = periodRange(period);
  const limit = Math.min(end, asOf);
  const out: UnratedSegment[] = [];
  for (const issue of issues) {
    const issueTo = issue.to ?? Number.POSITIVE_INFINITY;
    const closed = !issue.blocking || issue.from === issue.to;
    const overlaps = closed
      ? issue.from < end && issue.from <= asOf && issueTo >= start
      : issue.from < limit && issueTo > start;
    if (!overlaps) continue;
    out.push({
      ...issue,
      eventIds: [...issue.eventIds],
      from: Math.max(issue.from, start),
      to: Math.min(issueTo, limit),
    });
  }
  return out;
}
