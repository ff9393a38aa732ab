/** Public API of the pure rating core. */
export { Decimal } from './decimal';
export * from './types';
export { compareEvents, sortEvents } from './event-order';
export type { FoldResult, FoldSeed } from './fold-intervals';
export {
  foldIntervals,
  isDeletion,
  missingAttributes,
  REQUIRED_ATTRIBUTES,
} from './fold-intervals';
export type { BookPiece } from './price-book-selection';
export { bookInForce, bookTimeline, latestInScope } from './price-book-selection';
export type { Price, PriceFailure, PriceOutcome, Pricer } from './pricer';
export { isPriceFailure } from './pricer';
export { priceVm } from './price-vm';
export { priceVs } from './price-vs';
export { priceImage, tierPrice } from './price-image';
export type { RateResourceInput, RatingSince } from './rate-resource';
export { PRICERS, rateResource, rateResourceSince } from './rate-resource';
export {
  isPeriod,
  isPeriodStart,
  nextPeriod,
  periodOf,
  periodRange,
  piecesInPeriod,
  unratedInPeriod,
} from './periods';
export {
  CURRENCY_MINOR_UNITS,
  MS_PER_HOUR,
  formatDisplay,
  formatMoney,
  hoursOf,
  isKnownCurrency,
  lineAmount,
  minorUnits,
  moneyMsToAmount,
  roundMoney,
  statementTotal,
} from './money';
export type { CurrencyChange } from './currency-breaks';
export { findCurrencyChangesMidPeriod } from './currency-breaks';
export * from './statement';
export type { RestatementCandidate } from './restatement';
export { restatedPeriods, restatementCandidates, ResumedRestatementError } from './restatement';
