import { Decimal } from './decimal';
import { adjustmentAmount, exactForEndedPeriod, usageLine } from './statement';
import type { RatedSegment } from './types';

const seg = (from: string, to: string | null, rate: string): RatedSegment => ({
  from: Date.parse(from),
  to: to === null ? null : Date.parse(to),
  attributes: { template: 'standard', state: 'running' },
  priceBookId: 'pb',
  currency: 'USD',
  weight: new Decimal(2),
  pricePerHour: new Decimal('0.02'),
  hourlyRate: new Decimal(rate),
  openedBy: 'e1',
  closedBy: null,
});

describe(usageLine.name, () => {
  it('gives the contract example: 744 h at 0.04/h is 29.76', () => {
    const line = usageLine(
      [seg('2026-10-01T00:00:00Z', null, '0.04')],
      '2026-10',
      Date.parse('2026-11-03T00:00:00Z'),
    );
    expect(line).not.toBeNull();
    expect(line!.hours.toString()).toBe('744');
    expect(line!.amount.toFixed(2)).toBe('29.76');
  });

  it('accrues an open segment only up to asOf', () => {
    const line = usageLine(
      [seg('2026-10-01T00:00:00Z', null, '0.04')],
      '2026-10',
      Date.parse('2026-10-02T00:00:00Z'),
    );
    expect(line!.hours.toString()).toBe('24');
    expect(line!.amount.toString()).toBe('0.96');
  });

  it('is null without usage in the period', () => {
    expect(
      usageLine(
        [seg('2026-10-01T00:00:00Z', '2026-10-02T00:00:00Z', '1')],
        '2026-11',
        Date.parse('2026-12-01T00:00:00Z'),
      ),
    ).toBeNull();
  });
});

describe(adjustmentAmount.name, () => {
  it.each([
    // exact now, invoiced, prior adjustments, expected adjustment
    ['10.004', '10', '0', '0'],
    ['10.005', '10', '0', '0.01'],
    ['12.5', '10', '1', '1.5'],
    ['9.994', '10', '0', '-0.01'],
    ['0', '10', '-2', '-8'],
  ])('round(%s) − %s − %s = %s', (exact, invoiced, prior, expected) => {
    expect(
      adjustmentAmount(
        new Decimal(exact),
        new Decimal(invoiced),
        new Decimal(prior),
        'USD',
      ).toString(),
    ).toBe(expected);
  });

  it('keeps invoiced + adjustments = round(exact) across successive late changes', () => {
    let issued = new Decimal('29.76'); // invoiced
    for (const exact of ['31.004', '31.006', '29.7649', '0', '45.125']) {
      const adj = adjustmentAmount(
        new Decimal(exact),
        new Decimal('29.76'),
        issued.minus('29.76'),
        'USD',
      );
      issued = issued.plus(adj);
      expect(issued.toString()).toBe(
        new Decimal(exact).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toString(),
      );
    }
  });
});

describe(exactForEndedPeriod.name, () => {
  it('sums the whole period whatever asOf is', () => {
    expect(
      exactForEndedPeriod([seg('2026-10-31T00:00:00Z', null, '0.04')], '2026-10').toString(),
    ).toBe('0.96');
    expect(exactForEndedPeriod([], '2026-10').toString()).toBe('0');
  });
});
