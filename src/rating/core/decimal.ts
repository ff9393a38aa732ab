/**
 * The one place decimal.js is configured. Import Decimal from here.
 * Precision 100 keeps every product of prices, weights and milliseconds exact
 * (they are finite decimals far shorter than that); toString never uses
 * exponent notation, so JSON carries plain decimal strings.
 */
import Decimal from 'decimal.js';

Decimal.set({
  precision: 100,
  rounding: Decimal.ROUND_HALF_UP,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});

export { Decimal };
export default Decimal;
