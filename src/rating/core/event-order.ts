import type { RatingEvent } from './types';

/** Plain code-unit comparison (never locale-dependent). */
function compareStrings(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

/**
 * Total order of a resource's events (README rule 1): `time`, then `sequence`
 * (null first, then ascending as bigint), then `id`, then `source`.
 * Returns a negative number, zero or a positive number, for `Array.prototype.sort`.
 */
export function compareEvents(a: RatingEvent, b: RatingEvent): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  if (a.sequence !== b.sequence) {
    if (a.sequence === null) return -1;
    if (b.sequence === null) return 1;
    return a.sequence < b.sequence ? -1 : 1;
  }
  return compareStrings(a.id, b.id) || compareStrings(a.source, b.source);
}

/** A sorted copy of `events` (the input is not mutated). */
export function sortEvents(events: readonly RatingEvent[]): RatingEvent[] {
  return [...events].sort(compareEvents);
}
