import { book, d } from './test-fixtures';
import { isPriceFailure } from './pricer';
import { priceVm } from './price-vm';
import { RatingIssueReason } from './types';

describe(priceVm.name, () => {
  it.each([
    ['standard', 'running', '2', '0.04'],
    ['standard', 'suspended', '0.6', '0.012'],
    ['enhanced', 'stopped', '0.4', '0.008'],
    ['normal', 'running', '1', '0.02'],
  ] as const)('prices %s/%s at weight %s, hourly rate %s', (template, state, weight, rate) => {
    const outcome = priceVm(book(), { template, state });
    if (isPriceFailure(outcome)) throw new Error(outcome.message);
    expect(outcome.weight.toString()).toBe(weight);
    expect(outcome.pricePerHour.toString()).toBe('0.02');
    expect(outcome.hourlyRate.toString()).toBe(rate);
  });

  it('reports a template missing from the book, naming it and the book', () => {
    expect(priceVm(book({ id: 'pb-7' }), { template: 'huge', state: 'running' })).toEqual({
      reason: RatingIssueReason.UnknownTemplate,
      message: 'vm template "huge" is not in price book pb-7',
    });
  });

  it('treats inherited property names as unknown templates', () => {
    const outcome = priceVm(book(), { template: 'constructor', state: 'running' });
    expect(isPriceFailure(outcome) && outcome.reason).toBe(RatingIssueReason.UnknownTemplate);
  });

  it('reports a state missing from the book, naming it and the book', () => {
    const b = book({ id: 'pb-8' });
    b.vm.stateWeights = { running: d('1') };
    expect(priceVm(b, { template: 'normal', state: 'stopped' })).toEqual({
      reason: RatingIssueReason.UnknownState,
      message: 'vm state "stopped" is not in price book pb-8',
    });
  });

  it('throws when asked to price incomplete attributes (a programming error)', () => {
    expect(() => priceVm(book(), { template: 'normal' })).toThrow(/state/);
  });
});
