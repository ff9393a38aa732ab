import { PRICE_BOOK_EXAMPLE } from '../../src/price-books/dto/price-book.openapi';

/** A valid price-book body (CONTRACT §2's example, as the OpenAPI document shows it), with overrides. */
export function priceBookBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...structuredClone(PRICE_BOOK_EXAMPLE), ...overrides };
}
