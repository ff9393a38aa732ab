import { Decimal } from './core/decimal';
import type { RatedAttributes, RatedSegment, VmState } from './core/types';

/** A `rated_intervals` row as node-postgres returns it (NUMERIC as strings). */
export interface RatedIntervalRow {
  resource_type: string;
  subject: string;
  from_at: Date;
  to_at: Date | null;
  template: string | null;
  state: string | null;
  real_server_count: number | null;
  size_gb: string | null;
  price_book_id: string;
  currency: string;
  weight: string;
  price_per_hour: string;
  hourly_rate: string;
  opened_by: string;
  closed_by: string | null;
}

export const RATED_INTERVAL_COLUMNS = `resource_type, subject, from_at, to_at, template, state, real_server_count,
  size_gb::text AS size_gb, price_book_id, currency, weight::text AS weight, price_per_hour::text AS price_per_hour,
  hourly_rate::text AS hourly_rate, opened_by, closed_by`;

/** The attribute columns of a `rated_intervals` row (null: absent); `size_gb` as text. */
export function attributesFromColumns(
  r: Pick<RatedIntervalRow, 'template' | 'state' | 'real_server_count' | 'size_gb'>,
): RatedAttributes {
  return {
    ...(r.template !== null ? { template: r.template } : {}),
    ...(r.state !== null ? { state: r.state as VmState } : {}),
    ...(r.real_server_count !== null ? { realServerCount: r.real_server_count } : {}),
    ...(r.size_gb !== null ? { sizeGb: new Decimal(r.size_gb) } : {}),
  };
}

/** Row → the core's segment; NUMERIC strings become Decimal, never a JS number. */
export function segmentFromRow(r: RatedIntervalRow): RatedSegment {
  return {
    from: r.from_at.getTime(),
    to: r.to_at === null ? null : r.to_at.getTime(),
    attributes: attributesFromColumns(r),
    priceBookId: r.price_book_id,
    currency: r.currency.trim(),
    weight: new Decimal(r.weight),
    pricePerHour: new Decimal(r.price_per_hour),
    hourlyRate: new Decimal(r.hourly_rate),
    openedBy: r.opened_by,
    closedBy: r.closed_by,
  };
}
