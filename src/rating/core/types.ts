/**
 * Types of the pure rating core. No framework, driver or clock imports here:
 * time is always a parameter (epoch milliseconds, UTC, integer).
 */
import type { Decimal } from './decimal';

export type ResourceType = 'vm' | 'vs' | 'image';
export type VmState = 'running' | 'suspended' | 'stopped';
export type TierMode = 'graduated' | 'volume';

/** Epoch milliseconds (integer, UTC). Times are never money, so a number is fine. */
export type EpochMs = number;

/** The rated attributes an event may carry (CONTRACT §1). */
export interface EventAttributes {
  template?: string;
  state?: VmState;
  realServerCount?: number;
  sizeGb?: Decimal;
}

/** One stored event of one resource, already validated at ingest. */
export interface RatingEvent {
  source: string;
  id: string;
  /** Full CloudEvents type, e.g. `vm.suspended`. */
  type: string;
  time: EpochMs;
  /** Orders events with equal time; null sorts first. */
  sequence: bigint | null;
  attributes: EventAttributes;
}

export interface Tier {
  /** Upper bound in GB, inclusive; null for the last, open-ended tier. */
  upToGb: Decimal | null;
  pricePerGbHour: Decimal;
}

/** One immutable price-book version (CONTRACT §2). */
export interface PriceBook {
  id: string;
  /** null = the global book. */
  tenantId: string | null;
  effectiveFrom: EpochMs;
  currency: string;
  vm: {
    pricePerHour: Decimal;
    templateWeights: Record<string, Decimal>;
    stateWeights: Partial<Record<VmState, Decimal>>;
  };
  vs: {
    pricePerHour: Decimal;
    templateWeights: Record<string, Decimal>;
    realServerWeight: Decimal;
  };
  image: { tierMode: TierMode; tiers: Tier[] };
}

/** Why usage could not be rated (CONTRACT §4). */
export enum RatingIssueReason {
  /** No price-book version (tenant or global) in force. */
  NoPriceBook = 'no_price_book',
  /** The template is missing from the book in force. */
  UnknownTemplate = 'unknown_template',
  /** The VM state is missing from the book in force. */
  UnknownState = 'unknown_state',
  /** Events exist but the rated attributes never all became known. */
  IncompleteAttributes = 'incomplete_attributes',
  /** Events after `*.deleted`: ignored; reported, carry no usage. */
  EventAfterDeletion = 'event_after_deletion',
}

/** The attributes in force over an interval, all known. */
export interface RatedAttributes {
  template?: string;
  state?: VmState;
  realServerCount?: number;
  sizeGb?: Decimal;
}

/**
 * A stretch of time with constant attributes and one price-book version:
 * its exact amount over any sub-range [a, b) is hourlyRate × (b − a) / 3 600 000.
 */
export interface RatedSegment {
  from: EpochMs;
  /** null = still open (the resource is not deleted): accrues up to "now". */
  to: EpochMs | null;
  attributes: RatedAttributes;
  priceBookId: string;
  currency: string;
  /** vm: templateWeight × stateWeight; vs: templateWeight × (1 + rsWeight × rsCount); image: 1. */
  weight: Decimal;
  /** vm, vs: the book's pricePerHour; image: tierPrice(sizeGb), the hourly price of the whole image. */
  pricePerHour: Decimal;
  /** weight × pricePerHour: money per hour, exact (a finite decimal). */
  hourlyRate: Decimal;
  /** Event that opened the attribute interval this segment belongs to. */
  openedBy: string;
  /** Event that closed that attribute interval; null while open. */
  closedBy: string | null;
}

/** A stretch of time that should be billed but cannot be. */
export interface UnratedSegment {
  from: EpochMs;
  to: EpochMs | null;
  reason: RatingIssueReason;
  /** Human-readable, precise: names the template/state/tenant that is missing. */
  message: string;
  /** Events involved (the one that opened the interval, or the ignored events). */
  eventIds: string[];
  /** False only for issues that carry no usage (events after deletion). */
  blocking: boolean;
}

export interface RatingResult {
  segments: RatedSegment[];
  issues: UnratedSegment[];
}

/** A stretch of constant, fully known attributes of one resource (before pricing). */
export interface AttributeInterval {
  from: EpochMs;
  /** null = still open (the resource is not deleted). */
  to: EpochMs | null;
  attributes: RatedAttributes;
  /** The event whose effect set the attributes in force from `from`. */
  openedBy: string;
  /** The event that ended the interval (a change or the deletion); null while open. */
  closedBy: string | null;
}

/** The part of a rated segment inside one period, up to `asOf`: [from, to). */
export interface PeriodPiece {
  segment: RatedSegment;
  from: EpochMs;
  to: EpochMs;
  /** to − from. */
  ms: number;
  /** hourlyRate × ms, exact: the piece's amount is moneyMs / 3 600 000. */
  moneyMs: Decimal;
}
