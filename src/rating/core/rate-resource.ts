import { foldIntervals, type FoldResult, type FoldSeed } from './fold-intervals';
import { bookTimeline } from './price-book-selection';
import { priceImage } from './price-image';
import type { Pricer } from './pricer';
import { isPriceFailure } from './pricer';
import { priceVm } from './price-vm';
import { priceVs } from './price-vs';
import type {
  AttributeInterval,
  EpochMs,
  PriceBook,
  RatedSegment,
  RatingEvent,
  RatingResult,
  ResourceType,
  UnratedSegment,
} from './types';
import { RatingIssueReason } from './types';

/** The pricer of each resource type. */
export const PRICERS: Readonly<Record<ResourceType, Pricer>> = {
  vm: priceVm,
  vs: priceVs,
  image: priceImage,
};

export interface RateResourceInput {
  resourceType: ResourceType;
  tenantId: string;
  /** All stored events of the resource, in any order. */
  events: RatingEvent[];
  /** All price-book versions (any tenant, any order); the tenant's and global ones are used. */
  books: PriceBook[];
}

/** Ascending `to`, null (open) last. */
function compareTo(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a - b;
}

/** A deterministic order of issues: from, to, reason, first event id. */
function compareIssues(a: UnratedSegment, b: UnratedSegment): number {
  if (a.from !== b.from) return a.from - b.from;
  const byTo = compareTo(a.to, b.to);
  if (byTo !== 0) return byTo;
  if (a.reason !== b.reason) return a.reason < b.reason ? -1 : 1;
  const ea = a.eventIds[0] ?? '';
  const eb = b.eventIds[0] ?? '';
  return ea < eb ? -1 : ea > eb ? 1 : 0;
}

/**
 * Rates one resource (CONTRACT §3–§4): folds its events into attribute
 * intervals, splits each at the tenant's price-book timeline and prices each
 * piece. Unpriceable pieces become blocking issues (`no_price_book`,
 * `unknown_template`, `unknown_state`) over that piece, with eventIds
 * [openedBy]. Pieces are never merged across attribute intervals. Segments and
 * issues are sorted by `from`; the result does not depend on the order of
 * `events` or `books`.
 */
export function rateResource(input: RateResourceInput): RatingResult {
  return priceFolded(input, foldIntervals(input.resourceType, input.events));
}

/** A rating, and the instant before which it equals the previous one (`rateResourceSince`). */
export interface RatingSince extends RatingResult {
  unchangedBefore: EpochMs;
  /**
   * null: `segments` and `issues` are the whole rating. With a seed: they
   * are the rating from this instant (the seed's `from`) on; the previous
   * rating's segments and issues that start before it are unchanged.
   */
  coversFrom: EpochMs | null;
}

/**
 * Rates one resource as `rateResource` does, when everything that changed
 * since its previous rating is at or after `cut`: every new event has
 * `time >= cut`, and every new price-book version `effectiveFrom >= cut`.
 * Also answers `unchangedBefore` (≤ `cut`): the segments of this result that
 * start before it are exactly those of the previous result that start before
 * it, so a writer may leave stored segments before it alone.
 *
 * Why: the fold is a scan in time order, identical in both ratings up to
 * `cut`. An attribute interval that ends before `cut` is closed within that
 * prefix, so it (and its pieces, priced by books that did not change before
 * `cut`) is the same in both. The interval in force at `cut`, if any, starts
 * the same in both but may end differently (and so change `closedBy` of all
 * its pieces): `unchangedBefore` is its start, or `cut` when there is none.
 *
 * With a `seed` (a segment of the previous rating that starts before `cut`,
 * `FoldSeed`), `input.events` are only the events after `seed.from`, and
 * the fold resumes there: every event at or before it is old, so the
 * previous fold's state at that instant is the seed's. The result then
 * covers `seed.from` on (`coversFrom`), and `unchangedBefore` is at or
 * after it. Books are all of them, as without a seed.
 */
export function rateResourceSince(
  input: RateResourceInput,
  cut: EpochMs,
  seed: FoldSeed | null = null,
): RatingSince {
  if (seed !== null && !(seed.from < cut)) {
    throw new Error(`a fold seed must start before the cut (${seed.from} >= ${cut})`);
  }
  const folded = foldIntervals(input.resourceType, input.events, seed);
  return {
    ...priceFolded(input, folded),
    unchangedBefore: unchangedBefore(folded.intervals, cut),
    coversFrom: seed === null ? null : seed.from,
  };
}

/** The start of the earliest interval that ends at or after `cut` (or is open), if before `cut`. */
function unchangedBefore(intervals: AttributeInterval[], cut: EpochMs): EpochMs {
  let from = cut;
  for (const i of intervals) if ((i.to === null || i.to >= cut) && i.from < from) from = i.from;
  return from;
}

function priceFolded(input: RateResourceInput, folded: FoldResult): RatingResult {
  const { resourceType, tenantId, books } = input;
  const pricer = PRICERS[resourceType];
  const segments: RatedSegment[] = [];
  const issues: UnratedSegment[] = [...folded.issues];
  for (const interval of folded.intervals) {
    for (const piece of bookTimeline(books, tenantId, interval.from, interval.to)) {
      if (piece.book === null) {
        issues.push({
          from: piece.from,
          to: piece.to,
          reason: RatingIssueReason.NoPriceBook,
          message: `no price book (tenant ${tenantId} or global) in force from ${new Date(piece.from).toISOString()}`,
          eventIds: [interval.openedBy],
          blocking: true,
        });
        continue;
      }
      const outcome = pricer(piece.book, interval.attributes);
      if (isPriceFailure(outcome)) {
        issues.push({
          from: piece.from,
          to: piece.to,
          reason: outcome.reason,
          message: outcome.message,
          eventIds: [interval.openedBy],
          blocking: true,
        });
        continue;
      }
      segments.push({
        from: piece.from,
        to: piece.to,
        attributes: { ...interval.attributes },
        priceBookId: piece.book.id,
        currency: piece.book.currency,
        weight: outcome.weight,
        pricePerHour: outcome.pricePerHour,
        hourlyRate: outcome.hourlyRate,
        openedBy: interval.openedBy,
        closedBy: interval.closedBy,
      });
    }
  }
  segments.sort((a, b) => a.from - b.from);
  issues.sort(compareIssues);
  return { segments, issues };
}
