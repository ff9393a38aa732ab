import type { EpochMs, PriceBook } from './types';

/** One stretch [from, to) of a book timeline with the version in force (null: none). */
export interface BookPiece {
  from: EpochMs;
  /** null = open-ended. */
  to: EpochMs | null;
  book: PriceBook | null;
}

/**
 * Whether `a` takes precedence over `b` among versions of one scope: the later
 * `effectiveFrom`; on a tie (which the API should refuse), the greater id, so
 * the choice never depends on the order of `books`.
 */
function supersedes(a: PriceBook, b: PriceBook): boolean {
  if (a.effectiveFrom !== b.effectiveFrom) return a.effectiveFrom > b.effectiveFrom;
  return a.id > b.id;
}

/** The latest version of one scope (`tenantId`, null = global) in force at `t`, or null. */
export function latestInScope(
  books: readonly PriceBook[],
  tenantId: string | null,
  t: EpochMs,
): PriceBook | null {
  let best: PriceBook | null = null;
  for (const book of books) {
    if (book.tenantId !== tenantId || book.effectiveFrom > t) continue;
    if (best === null || supersedes(book, best)) best = book;
  }
  return best;
}

/**
 * The price-book version in force at `t` for `tenantId` (CONTRACT §2): the
 * latest `effectiveFrom ≤ t` among the tenant's own versions if it has any
 * such, else among the global versions (`tenantId: null`); null if none.
 */
export function bookInForce(books: PriceBook[], tenantId: string, t: EpochMs): PriceBook | null {
  return latestInScope(books, tenantId, t) ?? latestInScope(books, null, t);
}

/**
 * The version in force for `tenantId` over [from, to) (`to` null: open-ended),
 * as consecutive pieces split only where the version in force changes.
 * Empty when `to ≤ from`.
 */
export function bookTimeline(
  books: PriceBook[],
  tenantId: string,
  from: EpochMs,
  to: EpochMs | null,
): BookPiece[] {
  if (to !== null && to <= from) return [];
  const boundaries = [
    ...new Set(
      books
        .filter((b) => b.tenantId === tenantId || b.tenantId === null)
        .map((b) => b.effectiveFrom)
        .filter((t) => t > from && (to === null || t < to)),
    ),
  ].sort((a, b) => a - b);
  const pieces: BookPiece[] = [];
  let start = from;
  let current = bookInForce(books, tenantId, from);
  for (const boundary of boundaries) {
    const book = bookInForce(books, tenantId, boundary);
    if (book?.id === current?.id) continue;
    pieces.push({ from: start, to: boundary, book: current });
    start = boundary;
    current = book;
  }
  pieces.push({ from: start, to, book: current });
  return pieces;
}
