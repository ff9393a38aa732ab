import fc from 'fast-check';
import { Decimal } from './decimal';
import {
  CURRENCY_MINOR_UNITS,
  formatDisplay,
  formatMoney,
  hoursOf,
  isKnownCurrency,
  lineAmount,
  minorUnits,
  moneyMsToAmount,
  MS_PER_HOUR,
  roundMoney,
  statementTotal,
} from './money';
import { piecesInPeriod } from './periods';
import { at, d, HOUR } from './test-fixtures';
import type { PeriodPiece, RatedSegment } from './types';

function piece(hourlyRate: string, ms: number, currency = 'USD'): PeriodPiece {
  const segment: RatedSegment = {
    from: 0,
    to: ms,
    attributes: { template: 'normal', state: 'running' },
    priceBookId: 'g1',
    currency,
    weight: d('1'),
    pricePerHour: d(hourlyRate),
    hourlyRate: d(hourlyRate),
    openedBy: 'e1',
    closedBy: 'e2',
  };
  return { segment, from: 0, to: ms, ms, moneyMs: segment.hourlyRate.times(ms) };
}

describe('CURRENCY_MINOR_UNITS', () => {
  it('holds at least 30 ISO 4217 currencies with 0, 2 or 3 minor units', () => {
    expect(Object.keys(CURRENCY_MINOR_UNITS).length).toBeGreaterThanOrEqual(30);
    for (const [code, units] of Object.entries(CURRENCY_MINOR_UNITS)) {
      expect(code).toMatch(/^[A-Z]{3}$/);
      expect([0, 2, 3]).toContain(units);
    }
  });
});

describe(minorUnits.name, () => {
  it.each(
    [
      ...['USD', 'EUR', 'CNY', 'GBP', 'CHF', 'INR', 'BRL', 'CAD', 'AUD', 'SEK', 'NOK', 'DKK'],
      ...['PLN', 'CZK', 'HKD', 'SGD', 'NZD', 'ZAR', 'MXN', 'TRY', 'AED', 'SAR', 'ILS', 'THB'],
      ...['IDR', 'MYR', 'PHP', 'TWD', 'HUF', 'RUB', 'UAH'],
    ].map((c) => [c, 2]),
  )('gives %s %i minor units', (code, units) => {
    expect(minorUnits(code)).toBe(units);
  });

  it.each([
    ['JPY', 0],
    ['KRW', 0],
    ['CLP', 0],
    ['ISK', 0],
    ['VND', 0],
    ['BHD', 3],
    ['KWD', 3],
    ['JOD', 3],
    ['TND', 3],
  ])('gives %s %i minor units', (code, units) => {
    expect(minorUnits(code)).toBe(units);
  });

  it('throws for an unknown currency', () => {
    expect(() => minorUnits('XYZ')).toThrow(RangeError);
  });
});

describe(isKnownCurrency.name, () => {
  it.each([
    ['USD', true],
    ['JPY', true],
    ['usd', false],
    ['XYZ', false],
    ['', false],
    ['constructor', false],
  ])('says %p is known: %s', (code, known) => {
    expect(isKnownCurrency(code)).toBe(known);
  });
});

describe(hoursOf.name, () => {
  it.each([
    [MS_PER_HOUR, '1'],
    [744 * HOUR, '744'],
    [5_400_000, '1.5'],
    [1_800, '0.0005'],
    [0, '0'],
  ])('gives %i ms as %s hours', (ms, hours) => {
    expect(hoursOf(ms).toString()).toBe(hours);
  });

  it('keeps 100 significant digits of a non-terminating quotient', () => {
    expect(hoursOf(1).toString()).toBe(`0.000000${'2'}${'7'.repeat(98)}8`);
  });
});

describe(moneyMsToAmount.name, () => {
  it('divides money-milliseconds by 3 600 000', () => {
    expect(moneyMsToAmount(d('0.04').times(744 * HOUR)).toString()).toBe('29.76');
  });
});

describe(roundMoney.name, () => {
  it.each([
    ['USD', '1.005', '1.01'],
    ['USD', '1.00499999999', '1'],
    ['USD', '2.675', '2.68'],
    ['USD', '0.125', '0.13'],
    ['USD', '-1.005', '-1.01'], // half away from zero for credits
    ['USD', '-1.004', '-1'],
    ['EUR', '29.76', '29.76'],
    ['CNY', '0.015', '0.02'],
    ['JPY', '1234.5', '1235'],
    ['JPY', '1234.4999', '1234'],
    ['JPY', '-0.5', '-1'],
    ['KRW', '0.49', '0'],
    ['BHD', '0.0125', '0.013'],
    ['BHD', '1.2344', '1.234'],
    ['KWD', '0.0005', '0.001'],
  ])('rounds %s %s half up to %s', (currency, amount, rounded) => {
    expect(roundMoney(d(amount), currency).toString()).toBe(rounded);
  });

  it('is within half a minor unit of the exact amount and idempotent (property)', () => {
    const codes = Object.keys(CURRENCY_MINOR_UNITS);
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
        fc.integer({ min: 0, max: 12 }),
        fc.constantFrom(...codes),
        (units, scale, currency) => {
          const exact = new Decimal(`${units}e-${scale}`);
          const rounded = roundMoney(exact, currency);
          const half = new Decimal(10).pow(-minorUnits(currency)).div(2);
          expect(rounded.minus(exact).abs().lte(half)).toBe(true);
          expect(rounded.decimalPlaces()).toBeLessThanOrEqual(minorUnits(currency));
          expect(roundMoney(rounded, currency).equals(rounded)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe(lineAmount.name, () => {
  it('gives the CONTRACT example: 744 h at 0.04/h → 29.76', () => {
    const line = lineAmount([piece('0.04', 744 * HOUR)], 'USD');
    expect([line.hours, line.exact, line.amount].map(String)).toEqual(['744', '29.76', '29.76']);
  });

  it('sums money-milliseconds first and divides once (no drift from split pieces)', () => {
    // 1 ms and 3 599 999 ms at 0.01/h: each alone is a non-terminating amount
    const line = lineAmount([piece('0.01', 1), piece('0.01', 3_599_999)], 'USD');
    expect(line.exact.toString()).toBe('0.01');
    expect(line.hours.toString()).toBe('1');
  });

  it('rounds once: 3 pieces of 0.0033 → exact 0.0099 → 0.01 (rounding each would give 0)', () => {
    const line = lineAmount(
      [piece('0.0033', HOUR), piece('0.0033', HOUR), piece('0.0033', HOUR)],
      'USD',
    );
    expect(line.exact.toString()).toBe('0.0099');
    expect(line.amount.toString()).toBe('0.01');
  });

  it('rounds per currency: JPY to 0 and BHD to 3 decimals', () => {
    // 10 h at 12.35/h = 123.5 JPY → 124; 5 h at 0.0025/h = 0.0125 BHD → 0.013
    expect(lineAmount([piece('12.35', 10 * HOUR, 'JPY')], 'JPY').amount.toString()).toBe('124');
    expect(lineAmount([piece('0.0025', 5 * HOUR, 'BHD')], 'BHD').amount.toString()).toBe('0.013');
  });

  it('is zero for no pieces', () => {
    const line = lineAmount([], 'EUR');
    expect([line.hours, line.exact, line.amount].map(String)).toEqual(['0', '0', '0']);
  });

  it('throws for a piece priced in another currency', () => {
    expect(() => lineAmount([piece('1', HOUR, 'EUR')], 'USD')).toThrow(/EUR/);
  });
});

describe(statementTotal.name, () => {
  it('sums rounded lines, which can differ from rounding the sum of exact amounts', () => {
    // three resources, each 5 h at 0.001/h = 0.005 exactly → 0.01 each
    const lines = [1, 2, 3].map(() => lineAmount([piece('0.001', 5 * HOUR)], 'USD'));
    expect(lines.map((l) => l.amount.toString())).toEqual(['0.01', '0.01', '0.01']);
    expect(statementTotal(lines.map((l) => l.amount)).toString()).toBe('0.03');
    const sumOfExacts = lines.reduce((s, l) => s.plus(l.exact), new Decimal(0));
    expect(roundMoney(sumOfExacts, 'USD').toString()).toBe('0.02'); // not what is billed
  });

  it('is 0 for no lines', () => {
    expect(statementTotal([]).toString()).toBe('0');
  });

  it('totals lines built from period pieces of October', () => {
    const segment = piece('0.04', 0).segment;
    const open = { ...segment, from: at('2026-10-01T00:00:00Z'), to: null };
    const line = lineAmount(piecesInPeriod([open], '2026-10', at('2026-11-03T00:00:00Z')), 'USD');
    expect(statementTotal([line.amount, d('1.72')]).toString()).toBe('31.48');
  });
});

describe(formatDisplay.name, () => {
  it.each([
    [d('1').div(3), undefined, '0.333333333333333'],
    [d('2').div(3), undefined, '0.666666666666667'],
    [d('744'), undefined, '744'],
    [d('1.50'), undefined, '1.5'],
    [d('1e-20'), undefined, '0'],
    [d('-1e-20'), undefined, '0'],
    [d('1e21'), undefined, '1000000000000000000000'],
    [d('123456789.0000000000000004'), undefined, '123456789'],
    [d('0.0000000000000005'), undefined, '0.000000000000001'],
    [d('1.005'), 2, '1.01'],
    [d('-2.5'), 0, '-3'],
    [d('-0.1234'), 2, '-0.12'],
  ])('shows %s (dp %p) as %s', (value, dp, shown) => {
    expect(formatDisplay(value, dp)).toBe(shown);
  });
});

describe(formatMoney.name, () => {
  it.each([
    ['29.76', 'USD', '29.76'],
    ['1', 'USD', '1.00'],
    ['0.1', 'EUR', '0.10'],
    ['1235', 'JPY', '1235'],
    ['0.013', 'BHD', '0.013'],
    ['-1.01', 'USD', '-1.01'],
    ['-0.001', 'USD', '0.00'],
  ])('formats %s %s as %s', (value, currency, shown) => {
    expect(formatMoney(d(value), currency)).toBe(shown);
  });
});
