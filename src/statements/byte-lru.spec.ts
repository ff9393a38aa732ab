import fc from 'fast-check';
import { ByteLru } from './byte-lru';

describe(ByteLru.name, () => {
  it('evicts the least recently used entries until a new one fits', () => {
    const c = new ByteLru<string>(10);
    c.set('a', 'A', 4);
    c.set('b', 'B', 4);
    expect(c.get('a')).toBe('A'); // a is now more recent than b
    c.set('c', 'C', 4);
    expect(c.peek('b')).toBeUndefined();
    expect(c.keys()).toEqual(['a', 'c']);
    expect(c.bytes).toBe(8);
  });

  it('does not store a value larger than the whole budget, and forgets the older one under its key', () => {
    const c = new ByteLru<string>(10);
    c.set('a', 'A', 3);
    c.set('big', 'old', 3);
    expect(c.set('big', 'B', 11)).toBe(false);
    expect(c.peek('big')).toBeUndefined();
    expect(c.keys()).toEqual(['a']);
    expect(c.bytes).toBe(3);
  });

  it('replaces a value under the same key, counting only the new size', () => {
    const c = new ByteLru<string>(10);
    c.set('a', 'A', 6);
    c.set('a', 'A2', 9);
    expect(c.get('a')).toBe('A2');
    expect(c.size).toBe(1);
    expect(c.bytes).toBe(9);
  });

  it('holds nothing with a budget of zero bytes except empty values', () => {
    const c = new ByteLru<string>(0);
    expect(c.set('a', 'A', 1)).toBe(false);
    expect(c.size).toBe(0);
    expect(c.set('e', '', 0)).toBe(true);
    expect(c.keys()).toEqual(['e']);
  });

  it('refuses a negative or fractional budget or size', () => {
    expect(() => new ByteLru(-1)).toThrow(RangeError);
    expect(() => new ByteLru(1.5)).toThrow(RangeError);
    expect(() => new ByteLru(10).set('a', 1, -1)).toThrow(RangeError);
  });

  type Op =
    | { op: 'set'; key: string; bytes: number }
    | { op: 'get'; key: string }
    | { op: 'delete'; key: string };
  const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
  const ops = fc.array(
    fc.oneof(
      fc.record({ op: fc.constant('set' as const), key, bytes: fc.nat(40) }),
      fc.record({ op: fc.constant('get' as const), key }),
      fc.record({ op: fc.constant('delete' as const), key }),
    ),
    { maxLength: 60 },
  );

  it('behaves like a reference LRU: same answers, same keys in recency order, bytes within the budget', () => {
    fc.assert(
      fc.property(fc.nat(100), ops, (max, list: Op[]) => {
        const c = new ByteLru<number>(max);
        // reference: an array from least to most recently used
        let model: { key: string; bytes: number; value: number }[] = [];
        list.forEach((o, i) => {
          if (o.op === 'set') {
            model = model.filter((e) => e.key !== o.key);
            const stored = c.set(o.key, i, o.bytes);
            expect(stored).toBe(o.bytes <= max);
            if (o.bytes <= max) {
              while (model.reduce((s, e) => s + e.bytes, 0) + o.bytes > max) model.shift();
              model.push({ key: o.key, bytes: o.bytes, value: i });
            }
          } else if (o.op === 'get') {
            const found = model.find((e) => e.key === o.key);
            expect(c.get(o.key)).toBe(found?.value);
            if (found) model = [...model.filter((e) => e !== found), found];
          } else {
            c.delete(o.key);
            model = model.filter((e) => e.key !== o.key);
          }
          expect(c.keys()).toEqual(model.map((e) => e.key));
          expect(c.bytes).toBe(model.reduce((s, e) => s + e.bytes, 0));
          expect(c.bytes).toBeLessThanOrEqual(max);
        });
      }),
    );
  });
});
