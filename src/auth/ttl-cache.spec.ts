import { TtlCache } from './ttl-cache';

describe(TtlCache.name, () => {
  it('answers a value until it expires, then forgets it', () => {
    const c = new TtlCache<string | null>(10);
    c.set('a', 'A', 2000, 0);
    c.set('n', null, 2000, 0);
    expect(c.get('a', 1999)).toBe('A');
    expect(c.get('n', 1999)).toBeNull(); // negative entries are cached too
    expect(c.get('a', 2000)).toBeUndefined();
    expect(c.get('n', 2000)).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('does not store what is already expired', () => {
    const c = new TtlCache<string>(10);
    c.set('a', 'A', 100, 100);
    expect(c.size).toBe(0);
  });

  it('never holds more than maxEntries, dropping the oldest first', () => {
    const c = new TtlCache<number>(3);
    for (let i = 0; i < 10; i++) c.set(`k${i}`, i, 1000 + i, 0);
    expect(c.size).toBe(3);
    expect(c.get('k6', 0)).toBeUndefined();
    expect([c.get('k7', 0), c.get('k8', 0), c.get('k9', 0)]).toEqual([7, 8, 9]);
  });

  it('drops expired entries before live ones when full', () => {
    const c = new TtlCache<number>(2);
    c.set('old', 1, 10, 0);
    c.set('live', 2, 1000, 0);
    c.set('new', 3, 1000, 50);
    expect(c.get('live', 50)).toBe(2);
    expect(c.get('new', 50)).toBe(3);
  });

  it('deletes one entry', () => {
    const c = new TtlCache<number>(2);
    c.set('a', 1, 1000, 0);
    c.delete('a');
    expect(c.get('a', 0)).toBeUndefined();
  });
});
