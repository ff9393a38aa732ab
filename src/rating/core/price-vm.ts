import type { Pricer } from './pricer';
import { ownEntry, required } from './pricer';
import { RatingIssueReason } from './types';

/**
 * VM price (CONTRACT §3): weight = templateWeights[template] ×
 * stateWeights[state], pricePerHour = the book's vm.pricePerHour. A template
 * missing from the book is reported before a missing state.
 */
export const priceVm: Pricer = (book, attributes) => {
  const template = required(attributes, 'template');
  const state = required(attributes, 'state');
  const templateWeight = ownEntry(book.vm.templateWeights, template);
  if (templateWeight === undefined) {
    return {
      reason: RatingIssueReason.UnknownTemplate,
      message: `vm template "${template}" is not in price book ${book.id}`,
    };
  }
  const stateWeight = ownEntry(book.vm.stateWeights, state);
  if (stateWeight === undefined) {
    return {
      reason: RatingIssueReason.UnknownState,
      message: `vm state "${state}" is not in price book ${book.id}`,
    };
  }
  const weight = templateWeight.times(stateWeight);
  const pricePerHour = book.vm.pricePerHour;
  return { weight, pricePerHour, hourlyRate: weight.times(pricePerHour) };
};
