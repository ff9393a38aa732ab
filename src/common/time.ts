/** RFC 3339 date-time with a mandatory offset (`Z` or `±hh:mm`). */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Parses an RFC 3339 timestamp to epoch milliseconds (UTC). The service works
 * at millisecond precision: finer digits are truncated (floored), never rounded
 * up. Returns null for anything that is not a real instant (Feb 30, hour 24…)
 * and for years before 1970.
 */
export function parseRfc3339(value: string): number | null {
  const m = RFC3339.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac = '', offset] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  // Date.UTC maps years 0–99 to 1900–1999; nothing billable predates 1970 anyway.
  if (year < 1970 || month < 1 || month > 12 || day < 1) return null;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  let offsetMin = 0;
  if (offset !== 'Z' && offset !== 'z') {
    const oh = Number(offset.slice(1, 3));
    const om = Number(offset.slice(4, 6));
    if (oh > 23 || om > 59) return null;
    offsetMin = (offset[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  const local = Date.UTC(year, month - 1, day, Number(h), Number(mi), Number(s), ms);
  return local - offsetMin * 60_000;
}

/** Epoch ms → RFC 3339 UTC with milliseconds, the service's one output format. */
export const toIso = (ms: number): string => new Date(ms).toISOString();
