import type { Decimal } from './decimal';
import type { PriceBook, RatedAttributes, RatingIssueReason } from './types';

/** A priced attribute set; semantics as in `RatedSegment`. */
export interface Price {
  weight: Decimal;
  pricePerHour: Decimal;
  /** weight × pricePerHour, exact. */
  hourlyRate: Decimal;
}

/** Why a book cannot price an attribute set. */
export interface PriceFailure {
  reason: RatingIssueReason.UnknownTemplate | RatingIssueReason.UnknownState;
  /** Names the missing template or state and the price-book id. */
  message: string;
}

export type PriceOutcome = Price | PriceFailure;

/** Prices one resource type's fully known attributes with one book version. */
export type Pricer = (book: PriceBook, attributes: RatedAttributes) => PriceOutcome;

/** True when the outcome is a failure (no price). */
export function isPriceFailure(outcome: PriceOutcome): outcome is PriceFailure {
  return 'reason' in outcome;
}

/** `record[key]` only if it is an own entry (a template named `constructor` is just unknown). */
export function ownEntry<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Reads a required attribute, throwing if the fold let an incomplete set through. */
export function required<K extends keyof RatedAttributes>(
  attributes: RatedAttributes,
  key: K,
): NonNullable<RatedAttributes[K]> {
  const value = attributes[key];
  if (value === undefined || value === null) {
    throw new Error(`rated attribute ${key} is unknown; only complete intervals can be priced`);
  }
  return value;
}
