import { sortEvents } from './event-order';
import type {
  AttributeInterval,
  EpochMs,
  EventAttributes,
  RatedAttributes,
  RatingEvent,
  ResourceType,
  UnratedSegment,
  VmState,
} from './types';
import { RatingIssueReason } from './types';

/** The rated attributes of each resource type, in the order they are named in messages. */
export const REQUIRED_ATTRIBUTES: Readonly<
  Record<ResourceType, readonly (keyof RatedAttributes)[]>
> = {
  vm: ['template', 'state'],
  vs: ['template', 'realServerCount'],
  image: ['sizeGb'],
};

/** The state a VM event type sets, whatever state it carries (the type wins). */
const VM_STATE_EFFECT: Readonly<Record<string, VmState>> = {
  'vm.started': 'running',
  'vm.resumed': 'running',
  'vm.suspended': 'suspended',
  'vm.stopped': 'stopped',
};

export interface FoldResult {
  intervals: AttributeInterval[];
  issues: UnratedSegment[];
}

/**
 * Where a fold can resume instead of starting from the first event: a
 * segment of the previous rating (`from`, its attributes, `openedBy`). At
 * that instant the previous fold had these attributes, fully known, in an
 * open interval opened by `openedBy`, and no deletion yet: a segment starts
 * either where its attribute interval opened or at a price-book boundary
 * inside it, and nothing is billed after a deletion. Resuming there needs
 * only the events after `from`, provided none at or before it has been
 * added since.
 */
export interface FoldSeed {
  from: EpochMs;
  attributes: RatedAttributes;
  openedBy: string;
}

/** The event type that ends a resource of each type (built once: the fold asks per event). */
const DELETION_TYPE: Record<ResourceType, string> = {
  vm: 'vm.deleted',
  vs: 'vs.deleted',
  image: 'image.deleted',
};

/** True when `type` ends the resource (`vm.deleted`, `vs.deleted`, `image.deleted`). */
export function isDeletion(resourceType: ResourceType, type: string): boolean {
  return type === DELETION_TYPE[resourceType];
}

/**
 * The attributes after `event`: the rated attributes of this resource type it
 * carries (others are ignored), then its type's effect.
 */
function applyEvent(
  resourceType: ResourceType,
  current: RatedAttributes,
  event: RatingEvent,
): RatedAttributes {
  const carried: EventAttributes = event.attributes;
  const next: RatedAttributes = { ...current };
  if (resourceType !== 'image' && carried.template !== undefined) next.template = carried.template;
  if (resourceType === 'vm' && carried.state !== undefined) next.state = carried.state;
  if (resourceType === 'vs' && carried.realServerCount !== undefined) {
    next.realServerCount = carried.realServerCount;
  }
  if (resourceType === 'image' && carried.sizeGb !== undefined) next.sizeGb = carried.sizeGb;
  if (resourceType === 'vm') {
    const effect = VM_STATE_EFFECT[event.type];
    if (effect !== undefined) next.state = effect;
  }
  return next;
}

/** Attribute-wise equality (sizes compare as decimals: `100` equals `100.0`). */
function sameAttributes(a: RatedAttributes, b: RatedAttributes): boolean {
  if (a.template !== b.template || a.state !== b.state) return false;
  if (a.realServerCount !== b.realServerCount) return false;
  if (a.sizeGb === undefined || b.sizeGb === undefined) return a.sizeGb === b.sizeGb;
  return a.sizeGb.equals(b.sizeGb);
}

/** The required attribute names of `resourceType` still unknown in `attributes`. */
export function missingAttributes(
  resourceType: ResourceType,
  attributes: RatedAttributes,
): (keyof RatedAttributes)[] {
  return REQUIRED_ATTRIBUTES[resourceType].filter((key) => attributes[key] === undefined);
}

/** Only the required attributes of the type, as a fresh object. */
function pickRated(resourceType: ResourceType, a: RatedAttributes): RatedAttributes {
  switch (resourceType) {
    case 'vm':
      return { template: a.template, state: a.state };
    case 'vs':
      return { template: a.template, realServerCount: a.realServerCount };
    case 'image':
      return { sizeGb: a.sizeGb };
  }
}

/**
 * Folds one resource's events (any order) into intervals of constant, fully
 * known attributes (README rule 2) and the issues found on the way.
 *
 * - Events sort with `compareEvents`; each sets the attributes it carries,
 *   then its type's effect. Events at one instant act together: only the
 *   attributes after the last of them count (no zero-length intervals), and
 *   an instant whose events leave the attributes as they were splits nothing.
 *   The interval opened at an instant is `openedBy` the last event at that
 *   instant that changed an attribute; the interval it ends is `closedBy` it.
 * - Billing starts at the first instant at which all required attributes are
 *   known; `*.deleted` closes the open interval and ends the resource. Later
 *   events are ignored and reported as one non-blocking `event_after_deletion`.
 * - Never fully described: one `incomplete_attributes` issue from the first
 *   event to the deletion (or open). It blocks finalization unless it covers
 *   no time at all (deleted at the instant it was first seen, e.g. a lone
 *   `*.deleted`): no usage is unrated then, and nothing could ever rate it.
 *
 * With a `seed`, `events` are only those after `seed.from`, and the fold
 * resumes there: the result is the full fold's from `seed.from` on
 * (intervals that start at or after it, the seed's own interval from
 * `seed.from`, and the issues, which then all start after it).
 *
 * @throws Error when an event's type does not belong to `resourceType`, or
 *   with a seed, when an event is not after `seed.from`.
 */
export function foldIntervals(
  resourceType: ResourceType,
  events: RatingEvent[],
  seed: FoldSeed | null = null,
): FoldResult {
  // built once, not per event: the fold runs for every rating
  const prefix = `${resourceType}.`;
  for (const event of events) {
    if (!event.type.startsWith(prefix)) {
      throw new Error(
        `event ${event.id} of type ${event.type} is not a ${resourceType} event; ` +
          `fold each resource type separately`,
      );
    }
    if (seed !== null && event.time <= seed.from) {
      throw new Error(
        `event ${event.id} at ${event.time} is not after the seed at ${seed.from}; ` +
          `a resumed fold reads only the events after it`,
      );
    }
  }
  if (seed !== null && missingAttributes(resourceType, seed.attributes).length > 0) {
    throw new Error(`a fold seed needs every rated attribute of a ${resourceType}`);
  }
  const sorted = sortEvents(events);
  const intervals: AttributeInterval[] = [];
  const issues: UnratedSegment[] = [];
  const seen: RatingEvent[] = [];
  const ignored: RatingEvent[] = [];
  let attributes: RatedAttributes = seed === null ? {} : pickRated(resourceType, seed.attributes);
  let open: { from: number; attributes: RatedAttributes; openedBy: string } | null =
    seed === null
      ? null
      : { from: seed.from, attributes: { ...attributes }, openedBy: seed.openedBy };
  let deletion: RatingEvent | null = null;

  let i = 0;
  while (i < sorted.length) {
    const time = sorted[i].time;
    const before = attributes;
    let lastChanger: string | null = null;
    for (; i < sorted.length && sorted[i].time === time; i++) {
      const event = sorted[i];
      if (deletion !== null) {
        ignored.push(event);
        continue;
      }
      seen.push(event);
      if (isDeletion(resourceType, event.type)) {
        deletion = event;
        if (open !== null) {
          intervals.push({ ...open, to: time, closedBy: event.id });
          open = null;
        }
        continue;
      }
      const next = applyEvent(resourceType, attributes, event);
      if (!sameAttributes(next, attributes)) {
        attributes = next;
        lastChanger = event.id;
      }
    }
    if (
      deletion === null &&
      lastChanger !== null &&
      !sameAttributes(attributes, before) &&
      missingAttributes(resourceType, attributes).length === 0
    ) {
      if (open !== null) intervals.push({ ...open, to: time, closedBy: lastChanger });
      open = { from: time, attributes: pickRated(resourceType, attributes), openedBy: lastChanger };
    }
  }
  if (open !== null) intervals.push({ ...open, to: null, closedBy: null });

  const missing = missingAttributes(resourceType, attributes);
  if (seen.length > 0 && missing.length > 0) {
    const deletedBy = deletion === null ? '' : `, deleted by event ${deletion.id}`;
    issues.push({
      from: seen[0].time,
      to: deletion === null ? null : deletion.time,
      reason: RatingIssueReason.IncompleteAttributes,
      message:
        `${resourceType} never fully described: missing ${missing.join(', ')} ` +
        `(events seen: ${seen.length}${deletedBy})`,
      eventIds: seen.map((e) => e.id),
      blocking: deletion === null || deletion.time > seen[0].time,
    });
  }
  if (deletion !== null && ignored.length > 0) {
    issues.push({
      from: ignored[0].time,
      to: ignored[ignored.length - 1].time,
      reason: RatingIssueReason.EventAfterDeletion,
      message:
        `${ignored.length} event(s) after deletion event ${deletion.id} ` +
        `(${resourceType} deleted at ${new Date(deletion.time).toISOString()}) were ignored`,
      eventIds: ignored.map((e) => e.id),
      blocking: false,
    });
  }
  return { intervals, issues };
}
