import { at, book } from './test-fixtures';
import { bookInForce, bookTimeline } from './price-book-selection';

const g1 = book({ id: 'g1', effectiveFrom: at('2026-01-01T00:00:00Z') });
const g2 = book({ id: 'g2', effectiveFrom: at('2026-06-01T00:00:00Z') });
const a1 = book({ id: 'a1', tenantId: 'acme', effectiveFrom: at('2026-03-15T12:00:00Z') });
const a2 = book({ id: 'a2', tenantId: 'acme', effectiveFrom: at('2026-09-01T00:00:00Z') });
const books = [a2, g2, a1, g1];

describe(bookInForce.name, () => {
  it.each([
    ['acme', '2025-12-31T23:59:59.999Z', null],
    ['acme', '2026-01-01T00:00:00.000Z', 'g1'],
    ['acme', '2026-03-15T11:59:59.999Z', 'g1'],
    ['acme', '2026-03-15T12:00:00.000Z', 'a1'],
    ['acme', '2026-07-01T00:00:00.000Z', 'a1'], // a newer global version does not override the tenant's own
    ['acme', '2026-09-01T00:00:00.000Z', 'a2'],
    ['other', '2026-03-20T00:00:00.000Z', 'g1'], // another tenant's book is never used
    ['other', '2026-06-01T00:00:00.000Z', 'g2'],
  ])('for tenant %s at %s picks %s', (tenant, instant, expected) => {
    expect(bookInForce(books, tenant, at(instant))?.id ?? null).toBe(expected);
  });

  it('uses the global book until the tenant has a version in force (a future one does not count)', () => {
    const future = book({ id: 'f', tenantId: 't', effectiveFrom: at('2027-01-01T00:00:00Z') });
    expect(bookInForce([future, g1], 't', at('2026-12-31T00:00:00Z'))?.id).toBe('g1');
    expect(bookInForce([future, g1], 't', at('2027-01-01T00:00:00Z'))?.id).toBe('f');
  });

  it('breaks an effectiveFrom tie by the greater id, whatever the order of books', () => {
    const x = book({ id: 'x', effectiveFrom: g1.effectiveFrom });
    expect(bookInForce([g1, x], 't', g1.effectiveFrom)?.id).toBe('x');
    expect(bookInForce([x, g1], 't', g1.effectiveFrom)?.id).toBe('x');
  });
});

describe(bookTimeline.name, () => {
  it('covers [from, to) and splits only where the version in force changes', () => {
    const timeline = bookTimeline(
      books,
      'acme',
      at('2025-12-01T00:00:00Z'),
      at('2026-10-01T00:00:00Z'),
    );
    expect(timeline.map((p) => [p.from, p.to, p.book?.id ?? null])).toEqual([
      [at('2025-12-01T00:00:00Z'), at('2026-01-01T00:00:00Z'), null],
      [at('2026-01-01T00:00:00Z'), at('2026-03-15T12:00:00Z'), 'g1'],
      // g2 (2026-06-01) changes nothing for acme: no split there
      [at('2026-03-15T12:00:00Z'), at('2026-09-01T00:00:00Z'), 'a1'],
      [at('2026-09-01T00:00:00Z'), at('2026-10-01T00:00:00Z'), 'a2'],
    ]);
  });

  it('ends open when to is null', () => {
    const timeline = bookTimeline(books, 'other', at('2026-02-01T00:00:00Z'), null);
    expect(timeline.map((p) => [p.from, p.to, p.book?.id])).toEqual([
      [at('2026-02-01T00:00:00Z'), at('2026-06-01T00:00:00Z'), 'g1'],
      [at('2026-06-01T00:00:00Z'), null, 'g2'],
    ]);
  });

  it('does not split at a boundary equal to from, and is empty for an empty range', () => {
    expect(bookTimeline(books, 'other', g2.effectiveFrom, g2.effectiveFrom + 1)).toEqual([
      { from: g2.effectiveFrom, to: g2.effectiveFrom + 1, book: g2 },
    ]);
    expect(bookTimeline(books, 'other', 10, 10)).toEqual([]);
  });
});
