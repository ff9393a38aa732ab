import fc from 'fast-check';
import { Decimal } from './decimal';
import { lineAmount } from './money';
import {
  isPeriod,
  isPeriodStart,
  nextPeriod,
  periodOf,
  periodRange,
  piecesInPeriod,
  unratedInPeriod,
} from './periods';
import { at, d, HOUR, segment } from './test-fixtures';
import type { UnratedSegment } from './types';
import { RatingIssueReason } from './types';

describe(periodOf.name, () => {
  it.each([
    ['1970-01-01T00:00:00.000Z', '1970-01'],
    ['2024-02-29T12:00:00.000Z', '2024-02'],
    ['2026-10-31T23:59:59.999Z', '2026-10'],
    ['2026-11-01T00:00:00.000Z', '2026-11'],
    ['2026-12-31T23:59:59.999Z', '2026-12'],
    ['9999-12-31T23:59:59.999Z', '9999-12'],
  ])('puts %s in %s (UTC)', (instant, period) => {
    expect(periodOf(at(instant))).toBe(period);
  });

  it('throws outside 1970-01…9999-12', () => {
    expect(() => periodOf(-1)).toThrow(RangeError);
    expect(() => periodOf(at('+010000-01-01T00:00:00Z'))).toThrow(RangeError);
  });
});

describe(periodRange.name, () => {
  it.each([
    ['2026-10', '2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z', 744],
    ['2026-12', '2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z', 744],
    ['2024-02', '2024-02-01T00:00:00Z', '2024-03-01T00:00:00Z', 696],
    ['2026-03', '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z', 744],
  ])('gives %s as [%s, %s), %i hours', (period, start, end, hours) => {
    const range = periodRange(period);
    expect(range).toEqual({ start: at(start), end: at(end) });
    expect((range.end - range.start) / HOUR).toBe(hours);
  });

  it('throws for a malformed period', () => {
    expect(() => periodRange('2026-13')).toThrow(RangeError);
  });
});

describe(nextPeriod.name, () => {
  it.each([
    ['2026-10', '2026-11'],
    ['2026-12', '2027-01'],
    ['1970-01', '1970-02'],
    ['9999-11', '9999-12'],
  ])('follows %s with %s', (period, next) => {
    expect(nextPeriod(period)).toBe(next);
  });

  it('throws after 9999-12 and for a malformed period', () => {
    expect(() => nextPeriod('9999-12')).toThrow(RangeError);
    expect(() => nextPeriod('2026-1')).toThrow(RangeError);
  });
});

describe(isPeriod.name, () => {
  it.each(['1970-01', '2026-10', '2026-12', '9999-12'])('accepts %s', (s) => {
    expect(isPeriod(s)).toBe(true);
  });

  it.each([
    '2026-1',
    '2026-00',
    '2026-13',
    '1969-12',
    '10000-01',
    '2026/10',
    ' 2026-10',
    '2026-10 ',
    '2026-10\n',
    '2026-10-01',
    '',
    '２０２６-10',
  ])('rejects %p', (s) => {
    expect(isPeriod(s)).toBe(false);
  });
});

describe(isPeriodStart.name, () => {
  it.each([
    ['2026-10-01T00:00:00.000Z', true],
    ['2026-10-01T00:00:00.001Z', false],
    ['2026-10-02T00:00:00.000Z', false],
    ['2026-09-30T23:59:59.999Z', false],
  ])('says %s is a period start: %s', (instant, expected) => {
    expect(isPeriodStart(at(instant))).toBe(expected);
  });
});

describe(piecesInPeriod.name, () => {
  const from = at('2026-10-31T12:00:00Z');
  const to = at('2026-11-01T12:00:00Z');
  const asOf = at('2026-12-03T00:00:00Z');

  it('splits a segment at the month boundary into one piece per month', () => {
    const s = segment(from, to);
    const oct = piecesInPeriod([s], '2026-10', asOf);
    const nov = piecesInPeriod([s], '2026-11', asOf);
    expect(oct).toEqual([
      { segment: s, from, to: at('2026-11-01T00:00:00Z'), ms: 12 * HOUR, moneyMs: d('1728000') },
    ]);
    expect(nov).toEqual([
      { segment: s, from: at('2026-11-01T00:00:00Z'), to, ms: 12 * HOUR, moneyMs: d('1728000') },
    ]);
    // 12 h × 0.04 = 0.48 in each month
    expect(lineAmount(oct, 'USD').amount.toString()).toBe('0.48');
    expect(lineAmount(nov, 'USD').amount.toString()).toBe('0.48');
    expect(piecesInPeriod([s], '2026-12', asOf)).toEqual([]);
  });

  it('clips open segments, and any segment, to asOf', () => {
    const asOfMid = at('2026-10-11T00:00:00Z');
    const open = segment(at('2026-10-01T00:00:00Z'), null);
    const closed = segment(at('2026-10-05T00:00:00Z'), at('2026-10-20T00:00:00Z'));
    const pieces = piecesInPeriod([open, closed], '2026-10', asOfMid);
    expect(pieces.map((p) => [p.from, p.to, p.ms])).toEqual([
      [open.from, asOfMid, 240 * HOUR],
      [closed.from, asOfMid, 144 * HOUR],
    ]);
  });

  it('drops empty pieces: segments outside the period or after asOf', () => {
    const endsAtStart = segment(at('2026-09-01T00:00:00Z'), at('2026-10-01T00:00:00Z'));
    const startsAtEnd = segment(at('2026-11-01T00:00:00Z'), null);
    const afterAsOf = segment(at('2026-10-20T00:00:00Z'), null);
    expect(
      piecesInPeriod([endsAtStart, startsAtEnd, afterAsOf], '2026-10', at('2026-10-20T00:00:00Z')),
    ).toEqual([]);
  });

  it('sums to the whole segment over consecutive periods (property)', () => {
    const lo = at('2025-11-15T00:00:00Z');
    const hi = at('2027-03-15T00:00:00Z');
    fc.assert(
      fc.property(
        fc.integer({ min: lo, max: hi }),
        fc.integer({ min: 1, max: 400 * 24 * HOUR }),
        fc.boolean(),
        fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 10 })),
        (start, length, open, [units, scale]) => {
          const end = start + length;
          const rate = new Decimal(`${units}e-${scale}`).toString();
          const s = segment(start, open ? null : end, rate);
          const asOf = end; // an open segment accrues up to asOf
          let sum = new Decimal(0);
          let ms = 0;
          for (let p = periodOf(start); p <= periodOf(end - 1); p = nextPeriod(p)) {
            for (const piece of piecesInPeriod([s], p, asOf)) {
              sum = sum.plus(piece.moneyMs);
              ms += piece.ms;
            }
          }
          expect(ms).toBe(length);
          expect(sum.equals(s.hourlyRate.times(length))).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe(unratedInPeriod.name, () => {
  const issue = (
    from: string,
    to: string | null,
    blocking = true,
    reason = RatingIssueReason.UnknownTemplate,
  ): UnratedSegment => ({
    from: at(from),
    to: to === null ? null : at(to),
    reason,
    message: 'm',
    eventIds: ['e1'],
    blocking,
  });
  const asOf = at('2026-12-01T00:00:00Z');

  it('clips a blocking issue spanning months to the period and to asOf', () => {
    const open = issue('2026-09-20T00:00:00Z', null);
    expect(unratedInPeriod([open], '2026-10', asOf)).toEqual([
      { ...open, from: at('2026-10-01T00:00:00Z'), to: at('2026-11-01T00:00:00Z') },
    ]);
    const now = at('2026-10-10T00:00:00Z');
    expect(unratedInPeriod([open], '2026-10', now)).toEqual([
      { ...open, from: at('2026-10-01T00:00:00Z'), to: now },
    ]);
  });

  it('excludes a blocking issue that ends at the period start or starts after asOf', () => {
    const before = issue('2026-09-20T00:00:00Z', '2026-10-01T00:00:00Z');
    const later = issue('2026-10-20T00:00:00Z', null);
    expect(unratedInPeriod([before, later], '2026-10', at('2026-10-20T00:00:00Z'))).toEqual([]);
  });

  it('selects non-blocking issues by the closed range of their event times', () => {
    const atStart = issue('2026-10-01T00:00:00Z', '2026-10-01T00:00:00Z', false);
    const atEnd = issue('2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z', false);
    const spanning = issue('2026-09-30T00:00:00Z', '2026-11-02T00:00:00Z', false);
    const endsAtStart = issue('2026-09-30T00:00:00Z', '2026-10-01T00:00:00Z', false);
    const result = unratedInPeriod([atStart, atEnd, spanning, endsAtStart], '2026-10', asOf);
    expect(result.map((r) => [r.from, r.to])).toEqual([
      [atStart.from, atStart.from],
      [at('2026-10-01T00:00:00Z'), at('2026-11-01T00:00:00Z')],
      [at('2026-10-01T00:00:00Z'), at('2026-10-01T00:00:00Z')],
    ]);
    expect(unratedInPeriod([atEnd], '2026-11', asOf)).toHaveLength(1);
  });
});
