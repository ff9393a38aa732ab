import { isPeriodStart } from './periods';
import { latestInScope } from './price-book-selection';
import type { EpochMs, PriceBook } from './types';

/** A change of the currency in force at an instant that is not a period start. */
export interface CurrencyChange {
  /** null = the global timeline (tenants without own versions). */
  tenantId: string | null;
  at: EpochMs;
  from: string;
  to: string;
}

/** The version in force for a tenant (own versions first) or, for null, the global one. */
function effectiveBook(books: PriceBook[], tenantId: string | null, t: EpochMs): PriceBook | null {
  return (
    (tenantId === null ? null : latestInScope(books, tenantId, t)) ?? latestInScope(books, null, t)
  );
}

/** Currency changes mid-period on one timeline (the tenant's, or global for null). */
function changesOn(books: PriceBook[], tenantId: string | null): CurrencyChange[] {
  const instants = [
    ...new Set(
      books
        .filter((b) => b.tenantId === null || b.tenantId === tenantId)
        .map((b) => b.effectiveFrom),
    ),
  ].sort((a, b) => a - b);
  const changes: CurrencyChange[] = [];
  let previous: PriceBook | null = null;
  for (const at of instants) {
    const current = effectiveBook(books, tenantId, at);
    if (
      previous !== null &&
      current !== null &&
      current.currency !== previous.currency &&
      !isPeriodStart(at)
    ) {
      changes.push({ tenantId, at, from: previous.currency, to: current.currency });
    }
    previous = current;
  }
  return changes;
}

/**
 * Every instant at which the version in force (CONTRACT §2) changes currency
 * somewhere other than a period start (00:00:00.000 UTC on the 1st of a
 * month): on the global timeline and on that of each tenant with own
 * versions. Empty means every tenant has one currency per period. Sorted by
 * tenant (global first), then time.
 */
export function findCurrencyChangesMidPeriod(books: PriceBook[]): CurrencyChange[] {
  const tenants = [
    ...new Set(books.map((b) => b.tenantId).filter((t): t is string => t !== null)),
  ].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [null, ...tenants].flatMap((tenantId) => changesOn(books, tenantId));
}
