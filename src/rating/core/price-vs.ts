import { Decimal } from './decimal';
import type { Pricer } from './pricer';
import { ownEntry, required } from './pricer';
import { RatingIssueReason } from './types';

/**
 * Virtual-server price (CONTRACT §3): weight = templateWeights[template] ×
 * (1 + realServerWeight × realServerCount), pricePerHour = the book's
 * vs.pricePerHour.
 */
export const priceVs: Pricer = (book, attributes) => {
  const template = required(attributes, 'template');
  const realServerCount = required(attributes, 'realServerCount');
  const templateWeight = ownEntry(book.vs.templateWeights, template);
  if (templateWeight === undefined) {
    return {
      reason: RatingIssueReason.UnknownTemplate,
      message: `vs template "${template}" is not in price book ${book.id}`,
    };
  }
  const weight = templateWeight.times(
    new Decimal(1).plus(book.vs.realServerWeight.times(realServerCount)),
  );
  const pricePerHour = book.vs.pricePerHour;
  return { weight, pricePerHour, hourlyRate: weight.times(pricePerHour) };
};
