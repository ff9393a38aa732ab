import { book } from './test-fixtures';
import { isPriceFailure } from './pricer';
import { priceVs } from './price-vs';
import { RatingIssueReason } from './types';

describe(priceVs.name, () => {
  it.each([
    ['normal', 0, '1', '0.03'],
    ['normal', 2, '1.5', '0.045'],
    ['normal', 4, '2', '0.06'],
    ['standard', 3, '2.625', '0.07875'],
    ['enhanced', 10, '7', '0.21'],
  ] as const)(
    'prices %s with %i real servers at weight %s, rate %s',
    (template, n, weight, rate) => {
      const outcome = priceVs(book(), { template, realServerCount: n });
      if (isPriceFailure(outcome)) throw new Error(outcome.message);
      expect(outcome.weight.toString()).toBe(weight);
      expect(outcome.pricePerHour.toString()).toBe('0.03');
      expect(outcome.hourlyRate.toString()).toBe(rate);
    },
  );

  it('reports a template missing from the book', () => {
    expect(priceVs(book({ id: 'pb-9' }), { template: 'xl', realServerCount: 1 })).toEqual({
      reason: RatingIssueReason.UnknownTemplate,
      message: 'vs template "xl" is not in price book pb-9',
    });
  });
});
