/**
 * The CloudEvents accepted from the control plane (CONTRACT §1), after
 * validation and normalisation. Pure types and constants: no I/O.
 */
import type { EventAttributes, ResourceType } from '../../rating/core/types';

/** The 13 event types of CONTRACT §1, in contract order. */
export const EVENT_TYPES = [
  'vm.created',
  'vm.started',
  'vm.resumed',
  'vm.suspended',
  'vm.stopped',
  'vm.resized',
  'vm.migrated',
  'vm.deleted',
  'vs.created',
  'vs.updated',
  'vs.deleted',
  'image.created',
  'image.deleted',
] as const;

/** One of {@link EVENT_TYPES}. */
export type EventType = (typeof EVENT_TYPES)[number];

const EVENT_TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);

/** True if `value` is one of {@link EVENT_TYPES}. */
export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && EVENT_TYPE_SET.has(value);
}

/** The resource type an event type is about: the part before the dot. */
export function resourceTypeOf(type: EventType): ResourceType {
  return type.slice(0, type.indexOf('.')) as ResourceType;
}

/** The largest accepted `sequence`: 2^63 − 1 (a PostgreSQL bigint). */
export const MAX_SEQUENCE = 9223372036854775807n;

/** How far in the future an event's `time` may be, in milliseconds. */
export const MAX_FUTURE_MS = 5 * 60_000;

/** A valid incoming event, normalised. */
export interface IncomingEvent {
  source: string;
  id: string;
  type: EventType;
  resourceType: ResourceType;
  subject: string;
  /** Epoch milliseconds (UTC); finer digits of `time` are floored. */
  time: number;
  /** Canonical decimal string (no leading zeros) of an integer in [0, 2^63 − 1], or null if absent. */
  sequence: string | null;
  /** `data.tenantId`. */
  tenantId: string;
  /** The rated attributes of the event's own resource type that it carries, parsed. */
  attributes: EventAttributes;
  /** `data` as received. */
  data: Record<string, unknown>;
  /** The whole structured event as received (the same object), for audit. */
  raw: Record<string, unknown>;
  /**
   * Hex SHA-256 of the canonical JSON of { type, subject, time (ISO, ms), sequence, data }:
   * independent of the transport mode, of how `time` is spelled and of extension attributes.
   */
  contentHash: string;
}
