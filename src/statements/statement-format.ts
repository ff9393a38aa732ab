/**
 * Fast paths for formatting the ~30,000 intervals of a big statement, each
 * giving exactly the string of the decimal.js path it replaces (the
 * statement-format.spec.ts properties compare them), with that path as the
 * fallback outside the cases proven equal. No I/O.
 *
 * Why integer arithmetic is exact here: a piece's hours are ms / 3 600 000 and
 * its amount hourlyRate × ms / 3 600 000, with ms an integer and hourlyRate a
 * finite decimal. 3 600 000 = 2^7 · 5^5 · 9, so the quotient is a finite
 * decimal divided by 9: its expansion ends in one digit r ∈ 0…8 repeated.
 * decimal.js first rounds it to 100 significant digits (no carry can come out
 * of a repeated digit ≤ 8) and then to 15 places half up; rounding the exact
 * quotient to 15 places half up with BigInts gives the same digits.
 */
import { Decimal } from '../rating/core/decimal';
import { formatDisplay, hoursOf, moneyMsToAmount } from '../rating/core';
import type { RatedSegment, VmState } from '../rating/core/types';
import type { RatedIntervalRow } from '../rating/rated-interval.mapper';

const MS_PER_HOUR = 3_600_000n;
const SCALE = 10n ** 15n;

/** num / den ≥ 0 rounded half up to 15 places, trailing zeros stripped (formatDisplay's output). */
function fixed15(num: bigint, den: bigint): string {
  const q = (2n * num * SCALE + den) / (2n * den);
  const int = q / SCALE;
  const frac = q % SCALE;
  if (frac === 0n) return int.toString();
  return `${int}.${frac.toString().padStart(15, '0').replace(/0+$/, '')}`;
}

/** `formatDisplay(hoursOf(ms))`. */
export function displayHours(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) return formatDisplay(hoursOf(ms));
  return fixed15(BigInt(ms), MS_PER_HOUR);
}

/** A non-negative finite decimal as mantissa × 10^−scale, or null for anything else. */
const scaledCache = new WeakMap<Decimal, { mantissa: bigint; scale: bigint } | null>();
function scaled(d: Decimal): { mantissa: bigint; scale: bigint } | null {
  let s = scaledCache.get(d);
  if (s === undefined) {
    const m = /^(\d+)(?:\.(\d+))?$/.exec(d.toString());
    s = m
      ? { mantissa: BigInt(m[1] + (m[2] ?? '')), scale: 10n ** BigInt((m[2] ?? '').length) }
      : null;
    scaledCache.set(d, s);
  }
  return s;
}

/** `formatDisplay(moneyMsToAmount(hourlyRate × ms))`: the exact amount of `ms` at `hourlyRate`. */
export function displayAmount(hourlyRate: Decimal, ms: number): string {
  const rate = scaled(hourlyRate);
  if (rate === null || !Number.isSafeInteger(ms) || ms < 0)
    return formatDisplay(moneyMsToAmount(hourlyRate.times(ms)));
  return fixed15(rate.mantissa * BigInt(ms), rate.scale * MS_PER_HOUR);
}

const decimalStrings = new WeakMap<Decimal, string>();
/** `d.toString()`, remembered per instance (segments of one build share their Decimals). */
export function decimalString(d: Decimal): string {
  let s = decimalStrings.get(d);
  if (s === undefined) decimalStrings.set(d, (s = d.toString()));
  return s;
}

const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const DAY = 86_400_000;
/** Last instant toISOString writes with a 4-digit year (9999-12-31T23:59:59.999Z). */
const LAST_PLAIN = 253_402_300_799_999;
const days = new Map<number, string>();

/** `new Date(ms).toISOString()`, with each day's `YYYY-MM-DDT` computed once. */
export function isoOf(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > LAST_PLAIN) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY);
  let prefix = days.get(day);
  if (prefix === undefined) {
    if (days.size >= 4096) days.clear();
    days.set(day, (prefix = new Date(day * DAY).toISOString().slice(0, 11)));
  }
  let r = ms - day * DAY;
  const h = Math.floor(r / 3_600_000);
  r -= h * 3_600_000;
  const m = Math.floor(r / 60_000);
  r -= m * 60_000;
  const s = Math.floor(r / 1000);
  return `${prefix}${TWO[h]}:${TWO[m]}:${TWO[s]}.${THREE[r - s * 1000]}Z`;
}

/**
 * Rows → the core's segments, exactly as `segmentFromRow` maps them, but
 * parsing each distinct NUMERIC text once (a tenant's 30,000 intervals carry
 * a handful of distinct weights and prices). Decimals are immutable, so
 * segments may share them.
 */
export class SegmentReader {
  private readonly decimals = new Map<string, Decimal>();
  private readonly currencies = new Map<string, string>();

  private decimal(s: string): Decimal {
    let d = this.decimals.get(s);
    if (d === undefined) this.decimals.set(s, (d = new Decimal(s)));
    return d;
  }

  segment(r: RatedIntervalRow): RatedSegment {
    let currency = this.currencies.get(r.currency);
    if (currency === undefined) this.currencies.set(r.currency, (currency = r.currency.trim()));
    const attributes: RatedSegment['attributes'] = {};
    if (r.template !== null) attributes.template = r.template;
    if (r.state !== null) attributes.state = r.state as VmState;
    if (r.real_server_count !== null) attributes.realServerCount = r.real_server_count;
    if (r.size_gb !== null) attributes.sizeGb = this.decimal(r.size_gb);
    return {
      from: r.from_at.getTime(),
      to: r.to_at === null ? null : r.to_at.getTime(),
      attributes,
      priceBookId: r.price_book_id,
      currency,
      weight: this.decimal(r.weight),
      pricePerHour: this.decimal(r.price_per_hour),
      hourlyRate: this.decimal(r.hourly_rate),
      openedBy: r.opened_by,
      closedBy: r.closed_by,
    };
  }
}
