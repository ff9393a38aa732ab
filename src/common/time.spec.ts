import fc from 'fast-check';
import { parseRfc3339, toIso } from './time';

/**
 * The first implementations (a regular expression, `Date.UTC`,
 * `Date#toISOString`), kept as the reference: the service's answers, stored
 * times and content hashes depend on every input parsing and printing as
 * they did.
 */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

function referenceParse(value: string): number | null {
  const m = RFC3339.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac = '', offset] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  // Date.UTC reads years 0–99 as 1900–1999; before 1969 no offset reaches 1970 anyway
  if (year < 1969 || month < 1 || month > 12 || day < 1) return null;
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
  const instant = local - offsetMin * 60_000;
  // the periods' range, 1970-01 to 9999-12, in UTC whatever the offset
  return instant >= 0 && instant <= Date.UTC(9999, 11, 31, 23, 59, 59, 999) ? instant : null;
}

const referenceIso = (ms: number) => new Date(ms).toISOString();

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Timestamps near the grammar: each part valid or not, sometimes one character changed. */
const nearRfc3339 = fc
  .record({
    year: fc.oneof(fc.integer({ min: 1960, max: 2100 }), fc.integer({ min: 0, max: 9999 })),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 25 }),
    minute: fc.integer({ min: 0, max: 61 }),
    second: fc.integer({ min: 0, max: 61 }),
    fraction: fc.option(fc.stringMatching(/^[0-9]{0,11}$/)),
    t: fc.constantFrom('T', 't', ' ', 'X'),
    offset: fc.oneof(
      fc.constantFrom('Z', 'z', '', 'UTC', '+', '+0100', '+01:0', '+01:000'),
      fc
        .tuple(
          fc.constantFrom('+', '-'),
          fc.integer({ min: 0, max: 25 }),
          fc.integer({ min: 0, max: 61 }),
        )
        .map(([s, h, m]) => `${s}${pad(h, 2)}:${pad(m, 2)}`),
    ),
    edit: fc.option(fc.tuple(fc.nat(), fc.constantFrom('', 'x', '0', '9', '-', ':', '.', '/'))),
  })
  .map((p) => {
    const text =
      `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)}${p.t}` +
      `${pad(p.hour, 2)}:${pad(p.minute, 2)}:${pad(p.second, 2)}` +
      `${p.fraction === null ? '' : `.${p.fraction}`}${p.offset}`;
    if (p.edit === null) return text;
    const at = p.edit[0] % text.length;
    return text.slice(0, at) + p.edit[1] + text.slice(at + 1);
  });

describe('parseRfc3339', () => {
  it('answers what the regular-expression implementation answers, near the grammar', () => {
    fc.assert(
      fc.property(nearRfc3339, (s) => {
        expect(parseRfc3339(s)).toBe(referenceParse(s));
      }),
      { numRuns: 20_000 },
    );
  });

  it('answers what the regular-expression implementation answers, for any string', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        expect(parseRfc3339(s)).toBe(referenceParse(s));
      }),
      { numRuns: 5_000 },
    );
  });

  it('round-trips every millisecond it prints, 1970 to 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (ms) => {
        expect(parseRfc3339(toIso(ms))).toBe(ms);
      }),
      { numRuns: 5_000 },
    );
  });

  it.each([
    ['2026-02-28T23:59:59.999Z', Date.UTC(2026, 1, 28, 23, 59, 59, 999)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
    ['2026-10-01T02:00:00.123456789+02:00', Date.UTC(2026, 9, 1, 0, 0, 0, 123)],
    ['2026-10-01t00:00:00.5z', Date.UTC(2026, 9, 1, 0, 0, 0, 500)],
    ['1970-01-01T00:00:00-00:30', 30 * 60_000],
    ['2026-02-29T00:00:00Z', null],
    ['2100-02-29T00:00:00Z', null],
    ['2026-10-01T24:00:00Z', null],
    ['2026-10-01T00:00:00.Z', null],
    ['2026-10-01T00:00:00.1234567890Z', null],
    ['2026-10-01T00:00:00+24:00', null],
    ['2026-10-01T00:00:00', null],
    ['1969-12-31T23:59:59.999Z', null],
    ['1970-01-01T00:30:00+01:00', null],
    ['1970-01-01T00:59:59.999+01:00', null],
    ['1970-01-01T01:00:00+01:00', 0],
    ['1969-12-31T23:30:00-01:00', 30 * 60_000],
    ['9999-12-31T23:59:59.999Z', 253_402_300_799_999],
    ['9999-12-31T23:59:59.999-00:01', null],
    ['9999-12-31T23:59:59.999-23:59', null],
    ['２０２６-10-01T00:00:00Z', null],
  ])('%s → %s', (text, ms) => {
    expect(parseRfc3339(text)).toBe(ms);
    expect(referenceParse(text)).toBe(ms);
  });
});

describe('toIso', () => {
  it("prints exactly Date#toISOString's text, 1970 to 9999", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (ms) => {
        expect(toIso(ms)).toBe(referenceIso(ms));
      }),
      { numRuns: 20_000 },
    );
  });

  it("prints exactly Date#toISOString's text around day, month, year and century edges", () => {
    const edges = [Date.UTC(1970, 0, 1), Date.UTC(2000, 1, 29), Date.UTC(2100, 2, 1)];
    for (let y = 1970; y <= 2400; y++) edges.push(Date.UTC(y, 0, 1), Date.UTC(y, 2, 1));
    for (const at of edges)
      for (const d of [-86_400_000, -1, 0, 1, 999, 86_399_999])
        if (at + d >= 0) expect(toIso(at + d)).toBe(referenceIso(at + d));
  });

  it('falls back to Date#toISOString outside 1970–9999 and for fractions', () => {
    for (const ms of [-1, -62_198_755_200_000, 253_402_300_800_000, 8.64e15, 1.5, -0])
      expect(toIso(ms)).toBe(referenceIso(ms));
    expect(() => toIso(Number.NaN)).toThrow(RangeError);
  });
});
