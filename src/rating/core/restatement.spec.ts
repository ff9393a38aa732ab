import fc from 'fast-check';
import { exactForEndedPeriod } from './statement';
import {
  restatedPeriods,
  restatementCandidates,
  ResumedRestatementError,
  type RestatementCandidate,
} from './restatement';
import { at, HOUR, NOV_2026, OCT_2026, segment } from './test-fixtures';

const SEP_2026 = at('2026-09-01T00:00:00Z');

type Named = RestatementCandidate & { name: string };
const rating = (name: string, dirtyFrom: number | null, coversFrom: number | null = null) => ({
  name,
  dirtyFrom,
  coversFrom,
});
const names = (rs: Named[]) => rs.map((r) => r.name);

describe('restatementCandidates', () => {
  // September and October finalized: their end is November's start
  const end = NOV_2026;

  it('has none when no period is finalized', () => {
    expect(
      restatementCandidates([rating('a', null), rating('b', OCT_2026)], null, (r) => r.name),
    ).toEqual([]);
  });

  it('takes the ratings whose changes start before the end of the last finalized period', () => {
    const rs = [
      rating('whole history', null),
      rating('in October', OCT_2026 + HOUR),
      rating('last ms of October', end - 1),
      rating('at the end', end),
      rating('in November', end + HOUR),
      rating('resumed in November', end + 2 * HOUR, end + HOUR),
    ];
    expect(names(restatementCandidates(rs, end, (r) => r.name))).toEqual([
      'whole history',
      'in October',
      'last ms of October',
    ]);
  });

  it('refuses a resumed rating that reaches into a finalized period, naming it', () => {
    const rs = [rating('fine', end), rating('vm/vm-1', OCT_2026 + HOUR, SEP_2026)];
    expect(() => restatementCandidates(rs, end, (r) => r.name)).toThrow(ResumedRestatementError);
    expect(() => restatementCandidates(rs, end, (r) => r.name)).toThrow(
      /^vm\/vm-1: a rating resumed at/,
    );
  });

  it('never leaves out a rating that starts before the end, nor keeps one that does not (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.integer({ min: SEP_2026, max: NOV_2026 + 40 * 24 * HOUR })), {
          maxLength: 20,
        }),
        fc.option(fc.integer({ min: SEP_2026, max: NOV_2026 + 40 * 24 * HOUR })),
        (froms, finalizedEnd) => {
          const rs = froms.map((f, i) => rating(String(i), f));
          const got = new Set(names(restatementCandidates(rs, finalizedEnd, (r) => r.name)));
          for (const r of rs)
            expect(got.has(r.name)).toBe(
              finalizedEnd !== null && (r.dirtyFrom === null || r.dirtyFrom < finalizedEnd),
            );
        },
      ),
    );
  });
});

describe('restatedPeriods', () => {
  // September and October finalized: their end is November's start
  const finalized = NOV_2026;
  const AUG_2026 = at('2026-08-01T00:00:00Z');

  it('names the finalized periods whose exact amount changed, and only those', () => {
    // running from mid-September; a late event ends it on Oct 10 instead of never
    const before = [segment(SEP_2026 + 14 * 24 * HOUR, null)];
    const after = [segment(SEP_2026 + 14 * 24 * HOUR, OCT_2026 + 9 * 24 * HOUR)];
    expect(restatedPeriods(before, after, finalized)).toEqual(['2026-10']);
    expect(restatedPeriods(after, before, finalized)).toEqual(['2026-10']);
  });

  it('names none when only an open period changed', () => {
    const before = [segment(SEP_2026, null)];
    const after = [segment(SEP_2026, NOV_2026 + HOUR)];
    expect(restatedPeriods(before, after, finalized)).toEqual([]);
  });

  it('names none when segments changed but the amount did not (split at the same rate)', () => {
    const before = [segment(OCT_2026, null)];
    const after = [segment(OCT_2026, OCT_2026 + HOUR), segment(OCT_2026 + HOUR, null)];
    expect(restatedPeriods(before, after, finalized)).toEqual([]);
  });

  it('names a period a resource newly appears in, and one it disappears from', () => {
    const inOctober = [segment(OCT_2026 + HOUR, OCT_2026 + 3 * HOUR, '2')];
    expect(restatedPeriods([], inOctober, finalized)).toEqual(['2026-10']);
    expect(restatedPeriods(inOctober, [], finalized)).toEqual(['2026-10']);
  });

  it('names a period before every other usage, as finalized as the rest (late usage in August)', () => {
    const inAugust = [segment(AUG_2026 + HOUR, AUG_2026 + 3 * HOUR)];
    expect(restatedPeriods([], inAugust, finalized)).toEqual(['2026-08']);
    const runningSinceJuly = [segment(AUG_2026 - 24 * HOUR, null)];
    expect(restatedPeriods([], runningSinceJuly, finalized)).toEqual([
      '2026-07',
      '2026-08',
      '2026-09',
      '2026-10',
    ]);
  });

  it('agrees with comparing exactForEndedPeriod period by period (property)', () => {
    const anySegment = fc
      .tuple(
        fc.integer({ min: -31 * 24, max: 90 * 24 }),
        fc.option(fc.integer({ min: 1, max: 40 * 24 })),
        fc.constantFrom('1', '2', '0.5'),
      )
      .map(([start, length, rate]) =>
        segment(
          SEP_2026 + start * HOUR,
          length === null ? null : SEP_2026 + (start + length) * HOUR,
          rate,
        ),
      );
    fc.assert(
      fc.property(
        fc.array(anySegment, { maxLength: 4 }),
        fc.array(anySegment, { maxLength: 4 }),
        (a, b) => {
          expect(restatedPeriods(a, b, finalized)).toEqual(
            ['2026-08', '2026-09', '2026-10'].filter(
              (p) => !exactForEndedPeriod(a, p).equals(exactForEndedPeriod(b, p)),
            ),
          );
        },
      ),
    );
  });
});
