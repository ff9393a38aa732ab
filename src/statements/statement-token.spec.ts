import fc from 'fast-check';
import { tokenCovers, tokenString, type StatementToken } from './statement-token';

const server = fc.constantFrom('2026-12-01 19:00:00.123456+00', '2026-12-01 19:05:42.000001+00');
const openToken: fc.Arbitrary<StatementToken> = fc.record({
  server,
  version: fc.bigInt({ min: 0n, max: 1n << 62n }).map(String),
  latestFinalized: fc.option(fc.constantFrom('2026-01', '2026-02', '2026-10'), { nil: null }),
  books: fc.integer({ min: 0, max: 50 }).map(String),
  invoiceId: fc.constant(null),
});
const invoicedToken: fc.Arbitrary<StatementToken> = fc
  .tuple(openToken, fc.uuid())
  .map(([t, invoiceId]) => ({ ...t, invoiceId }));
const anyToken = fc.oneof(openToken, invoicedToken);

describe('statement tokens', () => {
  it('a token covers itself', () => {
    fc.assert(fc.property(anyToken, (t) => tokenCovers(t, t)));
  });

  it('a token of another server never covers, whatever its numbers (a failover may have lost commits)', () => {
    fc.assert(
      fc.property(anyToken, anyToken, (a, b) => {
        fc.pre(a.server !== b.server);
        expect(tokenCovers(a, b)).toBe(false);
      }),
    );
  });

  it('the same version on another server is another open ETag', () => {
    fc.assert(
      fc.property(openToken, (t) => {
        const other = { ...t, server: `${t.server} (promoted)` };
        expect(tokenString(other)).not.toBe(tokenString(t));
      }),
    );
  });

  it('an invoiced answer keeps its ETag across servers (invoice ids are never reused)', () => {
    fc.assert(
      fc.property(invoicedToken, (t) => {
        expect(tokenString({ ...t, server: 'another' })).toBe(tokenString(t));
      }),
    );
  });

  it('on one server, an open token covers another exactly when no part is older', () => {
    fc.assert(
      fc.property(openToken, openToken, (a, b0) => {
        const b = { ...b0, server: a.server };
        const newer =
          BigInt(a.version) >= BigInt(b.version) &&
          (a.latestFinalized ?? '') >= (b.latestFinalized ?? '') &&
          BigInt(a.books) >= BigInt(b.books);
        expect(tokenCovers(a, b)).toBe(newer);
      }),
    );
  });

  it('an invoiced answer covers only its own invoice, and any open token of its server', () => {
    fc.assert(
      fc.property(invoicedToken, anyToken, (a, b0) => {
        const b = { ...b0, server: a.server };
        expect(tokenCovers(a, b)).toBe(b.invoiceId === null || b.invoiceId === a.invoiceId);
      }),
    );
  });

  it('open tokens that differ in any part have different strings', () => {
    const changed: ((t: StatementToken) => StatementToken)[] = [
      (t) => ({ ...t, server: `${t.server}x` }),
      (t) => ({ ...t, version: String(BigInt(t.version) + 1n) }),
      (t) => ({ ...t, latestFinalized: t.latestFinalized === null ? '2026-03' : null }),
      (t) => ({ ...t, books: String(Number(t.books) + 1) }),
    ];
    fc.assert(
      fc.property(openToken, fc.constantFrom(...changed), (t, change) => {
        expect(tokenString(change(t))).not.toBe(tokenString(t));
      }),
    );
  });
});
