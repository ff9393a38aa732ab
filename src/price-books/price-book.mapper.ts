import { Decimal } from '../rating/core/decimal';
import type { PriceBook } from '../rating/core/types';
import { toIso } from '../common/time';
import type { CreatePriceBookInput } from './dto/create-price-book.dto';
import type { PriceBookBody, PriceBookVersionEntity } from './price-book-version.entity';

const str = (d: Decimal) => d.toString();
const mapValues = <A, B>(rec: Record<string, A>, f: (a: A) => B): Record<string, B> =>
  Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, f(v)]));

/** Validated input → the stored body: every decimal as its canonical string. */
export function toBody(input: CreatePriceBookInput): PriceBookBody {
  const stateWeights: Record<string, string> = {};
  for (const s of ['running', 'suspended', 'stopped'] as const) {
    const w = input.vm.stateWeights[s];
    if (w) stateWeights[s] = str(w);
  }
  return {
    vm: {
      pricePerHour: str(input.vm.pricePerHour),
      templateWeights: mapValues(input.vm.templateWeights, str),
      stateWeights,
    },
    vs: {
      pricePerHour: str(input.vs.pricePerHour),
      templateWeights: mapValues(input.vs.templateWeights, str),
      realServerWeight: str(input.vs.realServerWeight),
    },
    image: {
      tierMode: input.image.tierMode,
      tiers: input.image.tiers.map((t) => ({
        upToGb: t.upToGb === null ? null : str(t.upToGb),
        pricePerGbHour: str(t.pricePerGbHour),
      })),
    },
  };
}

/** A canonical JSON string of a body, keys sorted: equal bodies give equal strings. */
export function canonicalBody(body: PriceBookBody): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sort(body));
}

/** Stored row → the rating core's PriceBook. */
export function toCorePriceBook(row: PriceBookVersionEntity): PriceBook {
  const b = row.body;
  const dec = (s: string) => new Decimal(s);
  return {
    id: row.id,
    tenantId: row.tenantId,
    effectiveFrom: row.effectiveFrom.getTime(),
    currency: row.currency,
    vm: {
      pricePerHour: dec(b.vm.pricePerHour),
      templateWeights: mapValues(b.vm.templateWeights, dec),
      stateWeights: mapValues(b.vm.stateWeights, dec),
    },
    vs: {
      pricePerHour: dec(b.vs.pricePerHour),
      templateWeights: mapValues(b.vs.templateWeights, dec),
      realServerWeight: dec(b.vs.realServerWeight),
    },
    image: {
      tierMode: b.image.tierMode,
      tiers: b.image.tiers.map((t) => ({
        upToGb: t.upToGb === null ? null : dec(t.upToGb),
        pricePerGbHour: dec(t.pricePerGbHour),
      })),
    },
  };
}

/** The API's view of a version (CONTRACT §2 shape plus id and createdAt). */
export interface PriceBookVersionView extends PriceBookBody {
  id: string;
  tenantId: string | null;
  effectiveFrom: string;
  currency: string;
  createdAt: string;
}

export function toView(row: PriceBookVersionEntity): PriceBookVersionView {
  return {
    id: row.id,
    tenantId: row.tenantId,
    effectiveFrom: toIso(row.effectiveFrom.getTime()),
    currency: row.currency,
    ...row.body,
    createdAt: toIso(row.createdAt.getTime()),
  };
}
