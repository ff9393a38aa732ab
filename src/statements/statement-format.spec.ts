import fc from 'fast-check';
import { formatDisplay, hoursOf, moneyMsToAmount } from '../rating/core';
import { Decimal } from '../rating/core/decimal';
import { segmentFromRow, type RatedIntervalRow } from '../rating/rated-interval.mapper';
import {
  decimalString,
  displayAmount,
  displayHours,
  isoOf,
  SegmentReader,
} from './statement-format';

/** A non-negative decimal string as PostgreSQL prints NUMERIC text (trailing zeros kept). */
const numericText = fc
  .tuple(fc.nat(10_000), fc.nat(999_999_999), fc.nat(12))
  .map(([int, frac, places]) =>
    places === 0 ? String(int) : `${int}.${String(frac).padStart(9, '0').slice(0, places)}`,
  );
/** Up to 13 months of milliseconds, plus the awkward small ones. */
const ms = fc.oneof(fc.nat(34_000_000_000), fc.nat(10_000), fc.constantFrom(0, 1, 1_800_000));

describe('statement interval formatting', () => {
  it('formats hours exactly as formatDisplay(hoursOf(ms))', () => {
    fc.assert(
      fc.property(ms, (n) => {
        expect(displayHours(n)).toBe(formatDisplay(hoursOf(n)));
      }),
      { numRuns: 2000 },
    );
  });

  it('formats amounts exactly as formatDisplay(moneyMsToAmount(hourlyRate × ms))', () => {
    fc.assert(
      fc.property(numericText, numericText, ms, (weight, price, n) => {
        const rate = new Decimal(weight).times(price);
        expect(displayAmount(rate, n)).toBe(formatDisplay(moneyMsToAmount(rate.times(n))));
      }),
      { numRuns: 2000 },
    );
  });

  it('falls back to decimal.js for what the integer path does not cover', () => {
    const negative = new Decimal('-0.125');
    expect(displayAmount(negative, 3_600_000)).toBe('-0.125');
    expect(displayHours(1.5)).toBe(formatDisplay(hoursOf(1.5)));
  });

  it('rounds half up at the 15th place and strips trailing zeros', () => {
    expect(displayHours(3_600_000 * 744)).toBe('744');
    expect(displayHours(1)).toBe('0.000000277777778');
    expect(displayAmount(new Decimal('0.008'), 2_250_000)).toBe('0.005');
    expect(displayAmount(new Decimal('0'), 12_345)).toBe('0');
  });

  it('writes instants exactly as Date#toISOString', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: -62_198_755_200_000, max: 253_402_300_799_999 }),
          fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }),
          fc.constantFrom(0, 253_402_300_799_999, 253_402_300_800_000, -1),
        ),
        (t) => {
          expect(isoOf(t)).toBe(new Date(t).toISOString());
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('remembers decimal strings per instance', () => {
    const w = new Decimal('0.30');
    expect(decimalString(w)).toBe('0.3');
    expect(decimalString(w)).toBe('0.3');
  });
});

describe(SegmentReader.name, () => {
  const row = fc.record<RatedIntervalRow>({
    resource_type: fc.constantFrom('vm', 'vs', 'image'),
    subject: fc.string({ minLength: 1, maxLength: 8 }),
    from_at: fc.integer({ min: 0, max: 2_000_000_000_000 }).map((t) => new Date(t)),
    to_at: fc.option(
      fc.integer({ min: 0, max: 2_000_000_000_000 }).map((t) => new Date(t)),
      { nil: null },
    ),
    template: fc.option(fc.constantFrom('normal', 'standard'), { nil: null }),
    state: fc.option(fc.constantFrom('running', 'stopped'), { nil: null }),
    real_server_count: fc.option(fc.nat(8), { nil: null }),
    size_gb: fc.option(numericText, { nil: null }),
    price_book_id: fc.constantFrom('b1', 'b2'),
    currency: fc.constantFrom('USD', 'JPY', 'EUR '),
    weight: fc.constantFrom('1', '0.30', '2.0', '0.3'),
    price_per_hour: fc.constantFrom('0.0200', '0.02', '0.03'),
    hourly_rate: numericText,
    opened_by: fc.string({ maxLength: 6 }),
    closed_by: fc.option(fc.string({ maxLength: 6 }), { nil: null }),
  });

  it('maps rows exactly as segmentFromRow, key order included, sharing parsed decimals', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 20 }), (rows) => {
        const reader = new SegmentReader();
        const ours = rows.map((r) => reader.segment(r));
        const theirs = rows.map(segmentFromRow);
        expect(ours).toEqual(theirs);
        expect(JSON.stringify(ours)).toBe(JSON.stringify(theirs));
      }),
    );
  });
});
