/**
 * RFC 3339 timestamps in and out, at millisecond precision. Both run once or
 * more per ingested event (validation parses `time`; the content hash writes
 * it back out), so they read and write characters directly: a regular
 * expression with its capture strings, `Date.UTC` and `Date#toISOString`
 * measured 1.5–1.6 µs an event each in the service's profile. `time.spec.ts`
 * holds the first, regular-expression implementations and requires the same
 * answers from these, input for input.
 */

const MS_PER_DAY = 86_400_000;
/** 9999-12-31T23:59:59.999Z: the last instant with a four-digit year. */
const LAST_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999;

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The value of the `n` ASCII digits at `at`, or -1 if any is not 0–9. */
function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Parses an RFC 3339 date-time with a mandatory offset (`Z` or `±hh:mm`;
 * `T` and `Z` in either case; 1–9 fractional digits) to epoch milliseconds
 * (UTC). The service works at millisecond precision: finer digits are
 * truncated (floored), never rounded up. Returns null for anything that is
 * not a real instant (Feb 30, hour 24…) and for instants outside
 * 1970-01-01T00:00:00Z…9999-12-31T23:59:59.999Z, the range of billing
 * periods (an offset can move a local 1970 or 9999 date out of it).
 */
export function parseRfc3339(value: string): number | null {
  // YYYY-MM-DDTHH:MM:SS is 19 characters, the shortest offset one more
  if (value.length < 20) return null;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  const hour = digits(value, 11, 2);
  const minute = digits(value, 14, 2);
  const second = digits(value, 17, 2);
  if (
    year < 0 ||
    month < 0 ||
    day < 0 ||
    hour < 0 ||
    minute < 0 ||
    second < 0 ||
    value[4] !== '-' ||
    value[7] !== '-' ||
    (value[10] !== 'T' && value[10] !== 't') ||
    value[13] !== ':' ||
    value[16] !== ':'
  )
    return null;
  let at = 19;
  let ms = 0;
  if (value[at] === '.') {
    const first = ++at;
    while (at < value.length && at - first < 9) {
      const c = value.charCodeAt(at) - 48;
      if (c < 0 || c > 9) break;
      if (at - first < 3) ms = ms * 10 + c;
      at++;
    }
    const n = at - first;
    if (n === 0) return null;
    if (n === 1) ms *= 100;
    else if (n === 2) ms *= 10;
  }
  let offsetMin = 0;
  const sign = value[at];
  if (sign === 'Z' || sign === 'z') {
    if (at + 1 !== value.length) return null;
  } else if (sign === '+' || sign === '-') {
    if (at + 6 !== value.length || value[at + 3] !== ':') return null;
    const oh = digits(value, at + 1, 2);
    const om = digits(value, at + 4, 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return null;
    offsetMin = (sign === '-' ? -1 : 1) * (oh * 60 + om);
  } else return null;
  if (month < 1 || month > 12 || day < 1) return null;
  if (day > (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1])) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const local =
    daysFromCivil(year, month, day) * MS_PER_DAY +
    hour * 3_600_000 +
    minute * 60_000 +
    second * 1000 +
    ms;
  const instant = local - offsetMin * 60_000;
  // nothing billable predates 1970, judged in UTC (the year as written may be 1969)
  return instant >= 0 && instant <= LAST_FOUR_DIGIT_YEAR_MS ? instant : null;
}

const TWO = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));
const THREE = Array.from({ length: 1000 }, (_, i) => `${i}`.padStart(3, '0'));

/**
 * Epoch ms → RFC 3339 UTC with milliseconds, the service's one output
 * format: exactly `Date#toISOString`'s text (which it falls back to outside
 * 1970–9999, where that has a sign or six-digit years).
 */
export function toIso(ms: number): string {
  if (!(ms >= 0 && ms <= LAST_FOUR_DIGIT_YEAR_MS) || !Number.isInteger(ms))
    return new Date(ms).toISOString();
  const days = Math.floor(ms / MS_PER_DAY);
  let rest = ms - days * MS_PER_DAY;
  // civil_from_days (H. Hinnant), for days ≥ 0
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  return (
    `${TWO[Math.floor(year / 100)]}${TWO[year % 100]}-${TWO[month]}-${TWO[day]}` +
    `T${TWO[hour]}:${TWO[minute]}:${TWO[second]}.${THREE[rest - second * 1000]}Z`
  );
}
