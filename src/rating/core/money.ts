import { Decimal } from './decimal';
import type { PeriodPiece } from './types';

/**
 * ISO 4217 minor units (decimal places of the smallest coin) of the currencies
 * the service bills in. A price book in another currency is refused upstream.
 */
export const CURRENCY_MINOR_UNITS: Readonly<Record<string, number>> = Object.freeze({
  // 0 decimals
  JPY: 0,
  KRW: 0,
  CLP: 0,
  ISK: 0,
  VND: 0,
  PYG: 0,
  UGX: 0,
  XAF: 0,
  XOF: 0,
  // 3 decimals
  BHD: 3,
  KWD: 3,
  JOD: 3,
  TND: 3,
  OMR: 3,
  IQD: 3,
  LYD: 3,
  // 2 decimals
  USD: 2,
  EUR: 2,
  CNY: 2,
  GBP: 2,
  CHF: 2,
  INR: 2,
  BRL: 2,
  CAD: 2,
  AUD: 2,
  SEK: 2,
  NOK: 2,
  DKK: 2,
  PLN: 2,
  CZK: 2,
  HUF: 2,
  RON: 2,
  HKD: 2,
  SGD: 2,
  NZD: 2,
  ZAR: 2,
  MXN: 2,
  ARS: 2,
  COP: 2,
  PEN: 2,
  TRY: 2,
  AED: 2,
  SAR: 2,
  QAR: 2,
  ILS: 2,
  EGP: 2,
  NGN: 2,
  KES: 2,
  THB: 2,
  IDR: 2,
  MYR: 2,
  PHP: 2,
  TWD: 2,
  PKR: 2,
  BDT: 2,
  KZT: 2,
  RUB: 2,
  UAH: 2,
});

/** Milliseconds in an hour. */
export const MS_PER_HOUR = 3_600_000;

/** True when `code` is a currency of `CURRENCY_MINOR_UNITS` (upper-case ISO 4217 code). */
export function isKnownCurrency(code: string): boolean {
  return Object.hasOwn(CURRENCY_MINOR_UNITS, code);
}

/** The ISO 4217 minor units of `code`. @throws RangeError for an unknown currency. */
export function minorUnits(code: string): number {
  if (!isKnownCurrency(code)) throw new RangeError(`unknown currency "${code}"`);
  return CURRENCY_MINOR_UNITS[code];
}

/** Hours in `ms` milliseconds: ms / 3 600 000 (exact when finite, else to 100 significant digits). */
export function hoursOf(ms: number | Decimal): Decimal {
  return new Decimal(ms).div(MS_PER_HOUR);
}

/** Money from money-milliseconds (hourlyRate × ms): moneyMs / 3 600 000, the one division. */
export function moneyMsToAmount(moneyMs: Decimal): Decimal {
  return moneyMs.div(MS_PER_HOUR);
}

/**
 * Rounds `amount` once to the currency's minor unit, half up (CONTRACT §5):
 * 0.125 USD → 0.13. Negative amounts (credits in adjustments) round half away
 * from zero, symmetric with positive ones: −0.125 → −0.13 (decimal.js
 * ROUND_HALF_UP).
 */
export function roundMoney(amount: Decimal, currency: string): Decimal {
  return amount.toDecimalPlaces(minorUnits(currency), Decimal.ROUND_HALF_UP);
}

/**
 * A line's hours and amount (one resource in one period, CONTRACT §5): the
 * exact amount is Σ moneyMs / 3 600 000 (summed first, divided once), rounded
 * once. @throws Error if a piece is priced in another currency.
 */
export function lineAmount(
  pieces: PeriodPiece[],
  currency: string,
): { hours: Decimal; exact: Decimal; amount: Decimal } {
  let ms = new Decimal(0);
  let moneyMs = new Decimal(0);
  for (const piece of pieces) {
    if (piece.segment.currency !== currency) {
      throw new Error(
        `a ${currency} line cannot hold a piece priced in ${piece.segment.currency} ` +
          `(price book ${piece.segment.priceBookId})`,
      );
    }
    ms = ms.plus(piece.ms);
    moneyMs = moneyMs.plus(piece.moneyMs);
  }
  const exact = moneyMsToAmount(moneyMs);
  return { hours: hoursOf(ms), exact, amount: roundMoney(exact, currency) };
}

/** A statement's total: the plain sum of its already rounded line amounts. */
export function statementTotal(lineAmounts: Decimal[]): Decimal {
  return lineAmounts.reduce((sum, amount) => sum.plus(amount), new Decimal(0));
}

/** `s` without trailing fractional zeros, and never `-0`. */
function trimZeros(s: string): string {
  const trimmed = s.includes('.') ? s.replace(/\.?0+$/, '') : s;
  return /^-0(\.0*)?$/.test(trimmed) ? trimmed.slice(1) : trimmed;
}

/**
 * For display only (interval hours and exact amounts): at most `dp` decimal
 * places, half up, trailing zeros stripped, never exponent notation.
 */
export function formatDisplay(d: Decimal, dp = 15): string {
  return trimZeros(d.toFixed(dp, Decimal.ROUND_HALF_UP));
}

/** A money amount as a string with exactly the currency's minor units (`29.76`, `1235`, `0.125`). */
export function formatMoney(d: Decimal, currency: string): string {
  const s = d.toFixed(minorUnits(currency), Decimal.ROUND_HALF_UP);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}
