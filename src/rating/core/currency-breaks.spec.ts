import { findCurrencyChangesMidPeriod } from './currency-breaks';
import { at, book } from './test-fixtures';

const usd = book({ id: 'g-usd', currency: 'USD', effectiveFrom: at('2026-01-01T00:00:00Z') });

describe(findCurrencyChangesMidPeriod.name, () => {
  it('finds nothing when every currency change is at a period start', () => {
    const eur = book({ id: 'g-eur', currency: 'EUR', effectiveFrom: at('2026-10-01T00:00:00Z') });
    const acme = book({
      id: 'a',
      tenantId: 'acme',
      currency: 'GBP',
      effectiveFrom: at('2026-05-01T00:00:00Z'),
    });
    expect(findCurrencyChangesMidPeriod([eur, usd, acme])).toEqual([]);
  });

  it('ignores mid-period versions in the same currency', () => {
    const later = book({ id: 'g2', effectiveFrom: at('2026-10-16T13:00:00Z') });
    expect(findCurrencyChangesMidPeriod([usd, later])).toEqual([]);
  });

  it('reports a global change mid-period for the global timeline and tenants still on it', () => {
    const t = at('2026-10-16T00:00:00Z');
    const eur = book({ id: 'g-eur', currency: 'EUR', effectiveFrom: t });
    const acme = book({
      id: 'a',
      tenantId: 'acme',
      currency: 'EUR',
      effectiveFrom: at('2026-12-01T00:00:00Z'),
    });
    expect(findCurrencyChangesMidPeriod([acme, eur, usd])).toEqual([
      { tenantId: null, at: t, from: 'USD', to: 'EUR' },
      { tenantId: 'acme', at: t, from: 'USD', to: 'EUR' },
    ]);
  });

  it("reports a tenant's own version changing its currency mid-period, one millisecond late", () => {
    const t = at('2026-10-01T00:00:00.001Z');
    const acme = book({ id: 'a', tenantId: 'acme', currency: 'EUR', effectiveFrom: t });
    expect(findCurrencyChangesMidPeriod([usd, acme])).toEqual([
      { tenantId: 'acme', at: t, from: 'USD', to: 'EUR' },
    ]);
  });

  it("ignores global changes once the tenant's own version is in force", () => {
    const acme = book({
      id: 'a',
      tenantId: 'acme',
      currency: 'USD',
      effectiveFrom: at('2026-03-01T00:00:00Z'),
    });
    const t = at('2026-10-16T00:00:00Z');
    const eur = book({ id: 'g-eur', currency: 'EUR', effectiveFrom: t });
    expect(findCurrencyChangesMidPeriod([usd, acme, eur])).toEqual([
      { tenantId: null, at: t, from: 'USD', to: 'EUR' },
    ]);
  });

  it('does not report the first version (no currency before it)', () => {
    const first = book({ id: 'g', currency: 'JPY', effectiveFrom: at('2026-10-16T00:00:00Z') });
    expect(findCurrencyChangesMidPeriod([first])).toEqual([]);
    expect(findCurrencyChangesMidPeriod([])).toEqual([]);
  });
});
