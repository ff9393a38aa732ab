import { nextPeriod, periodOf } from './periods';
import { exactForEndedPeriod } from './statement';
import type { EpochMs, RatedSegment } from './types';

/** What `restatementCandidates` needs of a new rating. */
export interface RestatementCandidate {
  /** The earliest time its changes start at (its marks'); null: from the start. */
  dirtyFrom: EpochMs | null;
  /** The instant its segments start at when it resumed from a seed; null: a whole rating. */
  coversFrom: EpochMs | null;
}

/** A resumed rating reached into a finalized period: the read must not have seeded it. */
export class ResumedRestatementError extends Error {}

/**
 * Of a transaction's new ratings, those that may restate a finalized
 * period. An event at t changes billing from t on only, and price books
 * cannot touch finalized periods, so a rating whose changes start at or
 * after `finalizedEnd` (the end of the last finalized period, as the
 * rating's read computed it; null: none is finalized) cannot.
 *
 * A candidate must be a whole rating: restatements compare a period's whole
 * amount before and after, and a resumed one has only the segments from its
 * seed on. The read never seeds one that reaches into a finalized period;
 * if one does, this throws (`ResumedRestatementError`, with `name(rating)`)
 * and the rating transaction writes nothing.
 */
export function restatementCandidates<T extends RestatementCandidate>(
  ratings: readonly T[],
  finalizedEnd: EpochMs | null,
  name: (rating: T) => string,
): T[] {
  if (finalizedEnd === null) return [];
  const candidates = ratings.filter((r) => r.dirtyFrom === null || r.dirtyFrom < finalizedEnd);
  const resumed = candidates.find((r) => r.coversFrom !== null);
  if (resumed !== undefined)
    throw new ResumedRestatementError(
      `${name(resumed)}: a rating resumed at ${resumed.coversFrom} has changes from ` +
        `${resumed.dirtyFrom ?? 'the start'}, before the end of the last finalized period (${finalizedEnd})`,
    );
  return candidates;
}

/**
 * The finalized periods whose exact amount differs between a resource's
 * previous and new segments (whole ratings both), oldest first. Every
 * period that ends by `finalizedEnd` (the end of the last finalized period)
 * is finalized, including one before the first usage anyone had when the
 * periods were finalized: finalization closes every earlier period, and
 * late usage there is an adjustment like any other.
 */
export function restatedPeriods(
  previous: RatedSegment[],
  next: RatedSegment[],
  finalizedEnd: EpochMs,
): string[] {
  const touched = new Set<string>();
  for (const seg of [...previous, ...next]) {
    const last = Math.min(seg.to ?? finalizedEnd, finalizedEnd) - 1;
    if (last < seg.from) continue;
    for (let p = periodOf(seg.from); p <= periodOf(last); p = nextPeriod(p)) touched.add(p);
  }
  return [...touched]
    .sort()
    .filter((p) => !exactForEndedPeriod(previous, p).equals(exactForEndedPeriod(next, p)));
}
