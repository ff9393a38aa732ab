import type { ValueTransformer } from 'typeorm';
import { Decimal } from '../rating/core/decimal';

/**
 * The one transformer for every NUMERIC column: node-postgres returns NUMERIC
 * as a string, which becomes a Decimal here — never parseFloat.
 */
export const decimalTransformer: ValueTransformer = {
  to: (value: Decimal | null | undefined) => (value == null ? value : value.toString()),
  from: (value: string | null) => (value == null ? null : new Decimal(value)),
};
