import fc from 'fast-check';
import { compareEvents, sortEvents } from './event-order';
import type { RatingEvent } from './types';

const e = (time: number, sequence: bigint | null, id: string, source = '//cp'): RatingEvent => ({
  time,
  sequence,
  id,
  source,
  type: 'vm.migrated',
  attributes: {},
});

describe(compareEvents.name, () => {
  it.each([
    ['earlier time first, whatever the sequence', e(1, 9n, 'z'), e(2, 0n, 'a')],
    ['absent sequence before any sequence', e(5, null, 'z'), e(5, 0n, 'a')],
    ['smaller sequence first', e(5, 2n, 'z'), e(5, 10n, 'a')],
    [
      'bigint sequences beyond 2^53 compare exactly',
      e(5, 2n ** 60n, 'z'),
      e(5, 2n ** 60n + 1n, 'a'),
    ],
    ['equal sequence: id by code unit', e(5, 1n, 'B'), e(5, 1n, 'a')],
    ['both absent: id decides', e(5, null, 'a'), e(5, null, 'b')],
    ['equal id: source decides', e(5, null, 'x', '//a'), e(5, null, 'x', '//b')],
    ['id compared by code unit, not locale (Z < a)', e(5, null, 'Z'), e(5, null, 'a')],
  ])('orders %s', (_label, first, second) => {
    expect(compareEvents(first, second)).toBeLessThan(0);
    expect(compareEvents(second, first)).toBeGreaterThan(0);
  });

  it('returns 0 only for the same (time, sequence, id, source)', () => {
    expect(compareEvents(e(5, 3n, 'x'), e(5, 3n, 'x'))).toBe(0);
  });

  it('is a total order: sorting any permutation gives one result', () => {
    const event = fc.record({
      time: fc.integer({ min: 0, max: 5 }),
      sequence: fc.option(fc.bigInt({ min: 0n, max: 3n }), { nil: null }),
      id: fc.constantFrom('a', 'b', 'B'),
      source: fc.constantFrom('//a', '//b'),
    });
    fc.assert(
      fc.property(
        fc
          .uniqueArray(event, { selector: (x) => `${x.id}|${x.source}`, maxLength: 6 })
          .chain((raw) => {
            const events = raw.map((x) => e(x.time, x.sequence, x.id, x.source));
            return fc.tuple(
              fc.constant(events),
              fc.shuffledSubarray(events, { minLength: events.length }),
            );
          }),
        ([events, shuffled]) => {
          const sorted = sortEvents(events);
          expect(sortEvents(shuffled)).toEqual(sorted);
          for (let i = 1; i < sorted.length; i++) {
            expect(compareEvents(sorted[i - 1], sorted[i])).toBeLessThan(0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe(sortEvents.name, () => {
  it('returns a sorted copy and leaves the input untouched', () => {
    const input = [e(2, null, 'b'), e(1, null, 'a')];
    const sorted = sortEvents(input);
    expect(sorted.map((x) => x.id)).toEqual(['a', 'b']);
    expect(input.map((x) => x.id)).toEqual(['b', 'a']);
  });
});
