import fc from 'fast-check';
import { Decimal } from './decimal';
import { book, d } from './test-fixtures';
import { isPriceFailure } from './pricer';
import { priceImage, tierPrice } from './price-image';
import type { PriceBook, TierMode } from './types';

const contractTiers = book().image.tiers; // 100 @ 0.0001, 1000 @ 0.00008, ∞ @ 0.00005
const section = (tierMode: TierMode, tiers = contractTiers): PriceBook['image'] => ({
  tierMode,
  tiers,
});

/** A positive decimal with up to `maxScale` fractional digits. */
const positiveDecimal = (maxScale: number, maxUnits = 10n ** 9n) =>
  fc
    .tuple(fc.bigInt({ min: 1n, max: maxUnits }), fc.integer({ min: 0, max: maxScale }))
    .map(([n, scale]) => new Decimal(`${n}e-${scale}`));

/** Tiers with ascending bounds and positive prices, last open-ended. */
const tiersArb = fc
  .tuple(
    fc.array(positiveDecimal(3, 10n ** 6n), { minLength: 1, maxLength: 4 }),
    fc.array(positiveDecimal(8, 10n ** 6n), { minLength: 5, maxLength: 5 }),
  )
  .map(([increments, prices]) => {
    let bound = new Decimal(0);
    const tiers: PriceBook['image']['tiers'] = increments.map((inc, i) => {
      bound = bound.plus(inc);
      return { upToGb: bound, pricePerGbHour: prices[i] };
    });
    tiers.push({ upToGb: null, pricePerGbHour: prices[increments.length] });
    return tiers;
  });

describe(tierPrice.name, () => {
  it.each([
    // size, graduated, volume
    ['0', '0', '0'],
    ['50', '0.005', '0.005'],
    ['100', '0.01', '0.01'], // exactly on the bound: volume keeps the lower tier
    ['100.5', '0.01004', '0.00804'], // 100 × 0.0001 + 0.5 × 0.00008 | 100.5 × 0.00008
    ['150', '0.014', '0.012'],
    ['1000', '0.082', '0.08'], // 0.01 + 900 × 0.00008 | 1000 × 0.00008 (lower tier)
    ['1000.001', '0.08200005', '0.05000005'],
    ['1500', '0.107', '0.075'], // 0.082 + 500 × 0.00005 | 1500 × 0.00005
  ])('prices %s GB at %s graduated and %s volume', (size, graduated, volume) => {
    expect(tierPrice(section('graduated'), d(size)).toString()).toBe(graduated);
    expect(tierPrice(section('volume'), d(size)).toString()).toBe(volume);
  });

  it('prices with a single open-ended tier', () => {
    const tiers = [{ upToGb: null, pricePerGbHour: d('0.0002') }];
    expect(tierPrice(section('graduated', tiers), d('12.5')).toString()).toBe('0.0025');
    expect(tierPrice(section('volume', tiers), d('12.5')).toString()).toBe('0.0025');
  });

  it('throws on a negative size', () => {
    expect(() => tierPrice(section('graduated'), d('-1'))).toThrow(RangeError);
  });

  it('throws when no tier holds the size (last bound not null)', () => {
    const tiers = [{ upToGb: d('10'), pricePerGbHour: d('1') }];
    expect(() => tierPrice(section('volume', tiers), d('11'))).toThrow(RangeError);
    expect(() => tierPrice(section('graduated', tiers), d('11'))).toThrow(RangeError);
    expect(tierPrice(section('graduated', tiers), d('10')).toString()).toBe('10');
  });

  it('is continuous at every graduated bound and non-decreasing (property)', () => {
    fc.assert(
      fc.property(
        tiersArb,
        fc.nat(),
        positiveDecimal(12, 10n ** 4n),
        positiveDecimal(4),
        positiveDecimal(4),
        (tiers, pick, eps, s1, s2) => {
          const image = section('graduated', tiers);
          const maxPrice = Decimal.max(...tiers.map((t) => t.pricePerGbHour));
          const bound = tiers[pick % (tiers.length - 1)].upToGb!;
          const above = tierPrice(image, bound.plus(eps)).minus(tierPrice(image, bound));
          expect(above.gte(0)).toBe(true);
          expect(above.lte(eps.times(maxPrice))).toBe(true);
          if (eps.lt(bound)) {
            const below = tierPrice(image, bound).minus(tierPrice(image, bound.minus(eps)));
            expect(below.gte(0)).toBe(true);
            expect(below.lte(eps.times(maxPrice))).toBe(true);
          }
          const [lo, hi] = s1.lte(s2) ? [s1, s2] : [s2, s1];
          expect(tierPrice(image, lo).lte(tierPrice(image, hi))).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('gives the same price in volume and graduated mode inside the first tier (property)', () => {
    fc.assert(
      fc.property(tiersArb, fc.integer({ min: 0, max: 1_000_000 }), (tiers, millionths) => {
        const size = tiers[0].upToGb!.times(millionths).div(1_000_000);
        expect(tierPrice(section('volume', tiers), size).toString()).toBe(
          tierPrice(section('graduated', tiers), size).toString(),
        );
      }),
      { numRuns: 1000 },
    );
  });
});

describe(priceImage.name, () => {
  it('prices the whole image per hour with weight 1', () => {
    const outcome = priceImage(book(), { sizeGb: d('150') });
    if (isPriceFailure(outcome)) throw new Error(outcome.message);
    expect(outcome.weight.toString()).toBe('1');
    expect(outcome.pricePerHour.toString()).toBe('0.014');
    expect(outcome.hourlyRate.toString()).toBe('0.014');
  });
});
