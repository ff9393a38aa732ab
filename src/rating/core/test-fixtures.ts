/**
 * Builders shared by the rating-core specs (no test-framework globals, so the
 * file also compiles with the production tsconfig).
 */
import { Decimal } from './decimal';
import type {
  EpochMs,
  EventAttributes,
  PriceBook,
  RatedSegment,
  RatingEvent,
  VmState,
} from './types';

/** A Decimal from a string. */
export const d = (s: string): Decimal => new Decimal(s);

/** Epoch ms of an ISO instant (`2026-10-01T00:00:00Z`). */
export const at = (iso: string): EpochMs => {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`bad instant ${iso}`);
  return t;
};

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const OCT_2026 = at('2026-10-01T00:00:00Z');
export const NOV_2026 = at('2026-11-01T00:00:00Z');

let counter = 0;

/** A rating event; `id` defaults to a fresh `e<n>`, source to `//cp`, sequence to null. */
export function ev(
  type: string,
  time: EpochMs | string,
  attributes: EventAttributes = {},
  options: { id?: string; sequence?: bigint | null; source?: string } = {},
): RatingEvent {
  counter += 1;
  return {
    source: options.source ?? '//cp',
    id: options.id ?? `e${String(counter).padStart(6, '0')}`,
    type,
    time: typeof time === 'string' ? at(time) : time,
    sequence: options.sequence ?? null,
    attributes,
  };
}

/** Shorthand for VM attributes. */
export const vmAttrs = (template?: string, state?: VmState): EventAttributes => ({
  ...(template === undefined ? {} : { template }),
  ...(state === undefined ? {} : { state }),
});

/** The CONTRACT §2 example book (global, USD, from 2026-01-01), with overrides. */
export function book(overrides: Partial<PriceBook> = {}): PriceBook {
  return {
    id: 'pb-global-1',
    tenantId: null,
    effectiveFrom: at('2026-01-01T00:00:00Z'),
    currency: 'USD',
    vm: {
      pricePerHour: d('0.0200'),
      templateWeights: { normal: d('1'), standard: d('2'), enhanced: d('4') },
      stateWeights: { running: d('1'), suspended: d('0.3'), stopped: d('0.1') },
    },
    vs: {
      pricePerHour: d('0.0300'),
      templateWeights: { normal: d('1'), standard: d('1.5'), enhanced: d('2') },
      realServerWeight: d('0.25'),
    },
    image: {
      tierMode: 'graduated',
      tiers: [
        { upToGb: d('100'), pricePerGbHour: d('0.00010') },
        { upToGb: d('1000'), pricePerGbHour: d('0.00008') },
        { upToGb: null, pricePerGbHour: d('0.00005') },
      ],
    },
    ...overrides,
  };
}

/** A rated segment of a running standard VM at `hourlyRate` (USD per hour). */
export function segment(from: EpochMs, to: EpochMs | null, hourlyRate = '0.04'): RatedSegment {
  return {
    from,
    to,
    attributes: { template: 'standard', state: 'running' },
    priceBookId: 'g1',
    currency: 'USD',
    weight: d('2'),
    pricePerHour: d('0.02'),
    hourlyRate: d(hourlyRate),
    openedBy: 'e1',
    closedBy: to === null ? null : 'e2',
  };
}
