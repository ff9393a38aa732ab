/** A valid price-book body (CONTRACT §2's example), with overrides. */
export function priceBookBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    tenantId: null,
    effectiveFrom: '2026-01-01T00:00:00Z',
    currency: 'USD',
    vm: {
      pricePerHour: '0.0200',
      templateWeights: { normal: '1', standard: '2', enhanced: '4' },
      stateWeights: { running: '1', suspended: '0.3', stopped: '0.1' },
    },
    vs: {
      pricePerHour: '0.0300',
      templateWeights: { normal: '1', standard: '1.5', enhanced: '2' },
      realServerWeight: '0.25',
    },
    image: {
      tierMode: 'graduated',
      tiers: [
        { upToGb: '100', pricePerGbHour: '0.00010' },
        { upToGb: '1000', pricePerGbHour: '0.00008' },
        { upToGb: null, pricePerGbHour: '0.00005' },
      ],
    },
    ...overrides,
  };
}
