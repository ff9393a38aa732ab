import { Decimal } from './decimal';
import type { Pricer } from './pricer';
import { required } from './pricer';
import type { PriceBook } from './types';

/**
 * The hourly price of a whole image of `sizeGb` (CONTRACT §2):
 * - graduated: each GB is priced by the tier it falls in (the part of the size
 *   in (previous bound, bound] at that tier's price);
 * - volume: every GB is priced by the first tier whose bound is ≥ the size (a
 *   size exactly on a bound belongs to the lower tier).
 * Size 0 costs 0.
 *
 * @throws RangeError for a negative size or tiers whose last bound is not null
 *   and below the size (validated books never have them).
 */
export function tierPrice(image: PriceBook['image'], sizeGb: Decimal): Decimal {
  if (sizeGb.lt(0)) {
    throw new RangeError(`image size ${sizeGb.toString()} GB is negative`);
  }
  const { tiers } = image;
  if (image.tierMode === 'volume') {
    const tier = tiers.find((t) => t.upToGb === null || sizeGb.lte(t.upToGb));
    if (tier === undefined) throw new RangeError(`no tier holds ${sizeGb.toString()} GB`);
    return sizeGb.times(tier.pricePerGbHour);
  }
  let total = new Decimal(0);
  let lower = new Decimal(0);
  for (const tier of tiers) {
    if (sizeGb.lte(lower)) return total;
    const upper = tier.upToGb === null ? sizeGb : Decimal.min(sizeGb, tier.upToGb);
    if (upper.gt(lower)) total = total.plus(upper.minus(lower).times(tier.pricePerGbHour));
    if (tier.upToGb === null) return total;
    lower = tier.upToGb;
  }
  if (sizeGb.gt(lower)) throw new RangeError(`no tier holds ${sizeGb.toString()} GB`);
  return total;
}

/** Image price: weight 1, pricePerHour = hourlyRate = tierPrice(sizeGb). Never fails. */
export const priceImage: Pricer = (book, attributes) => {
  const price = tierPrice(book.image, required(attributes, 'sizeGb'));
  return { weight: new Decimal(1), pricePerHour: price, hourlyRate: price };
};
