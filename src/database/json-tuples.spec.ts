import { instant, tuples } from './json-tuples';

describe(tuples.name, () => {
  it('reads each field by position, instants by arithmetic, jsonb as it is', () => {
    const sql = tuples('$2', [
      ['rt', 'text'],
      ['f', 'instant'],
      ['d', 'jsonb'],
      ['w', 'numeric'],
    ]);
    expect(sql).toBe(
      "SELECT (a->>0)::text AS rt, 'epoch'::timestamptz + (a->>1)::bigint * interval '1 millisecond' AS f, " +
        'a->2 AS d, (a->>3)::numeric AS w FROM jsonb_array_elements($2::jsonb) AS a',
    );
  });

  it('carries each row’s position under the name given', () => {
    expect(tuples('$1', [['s', 'text']], { ordinality: 'n' })).toMatch(
      /^SELECT \(a->>0\)::text AS s, x\.n\s+FROM jsonb_array_elements\(\$1::jsonb\) WITH ORDINALITY AS x\(a, n\)$/,
    );
  });
});

describe(instant.name, () => {
  it('passes epoch milliseconds and null through', () => {
    expect(instant(1759276800001)).toBe(1759276800001);
    expect(instant(0)).toBe(0);
    expect(instant(null)).toBeNull();
  });

  it.each([Infinity, -Infinity, NaN, 0.5, 2 ** 53])(
    'refuses %p, which JSON would send as null or inexactly',
    (v) => {
      expect(() => instant(v)).toThrow(RangeError);
    },
  );
});
