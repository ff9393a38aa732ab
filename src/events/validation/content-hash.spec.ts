import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { canonicalJson, contentHash } from './content-hash';
import { eventFromBinary } from './binary-mode';
import { NOW, structured } from './test-fixtures';
import { validateEvents } from './validate-events';

/** The content hash of each input event (all must be valid). */
function hashes(...events: unknown[]): string[] {
  const r = validateEvents(events, NOW);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.events.map((e) => e.contentHash);
}

describe(canonicalJson.name, () => {
  it('sorts keys recursively, keeps array order and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' }, u: undefined })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson('é"')).toBe('"é\\""');
  });
});

/** The first implementation, kept as the definition the faster one must match byte for byte. */
function referenceCanonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : referenceCanonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const members = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${referenceCanonicalJson(obj[k])}`);
  return `{${members.join(',')}}`;
}

/** JSON data as a parsed body holds it, with `undefined` members mixed in. */
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ unit: 'binary' }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.string({ unit: 'binary', maxLength: 6 }),
      fc.option(tie('value'), { nil: undefined }),
      {
        maxKeys: 5,
      },
    ),
  ),
})).value;

describe('canonical form, against the first implementation', () => {
  it('canonicalJson writes the same bytes for any JSON data', () => {
    fc.assert(
      fc.property(jsonish, (v) => canonicalJson(v) === referenceCanonicalJson(v)),
      { numRuns: 2000 },
    );
  });

  it('contentHash is the SHA-256 of the canonical { type, subject, time, sequence, data }', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.string({ unit: 'binary' }),
        fc.integer({ min: 0, max: 253402300799999 }),
        fc.option(fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String), { nil: null }),
        fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), jsonish, { maxKeys: 5 }),
        (type, subject, time, sequence, data) => {
          const expected = createHash('sha256')
            .update(
              referenceCanonicalJson({
                type,
                subject,
                time: new Date(time).toISOString(),
                sequence,
                data,
              }),
              'utf8',
            )
            .digest('hex');
          return contentHash({ type, subject, time, sequence, data }) === expected;
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('is pinned: hashes stored by earlier versions stay the hashes of their events', () => {
    expect(
      contentHash({
        type: 'vm.created',
        subject: 'vm-"é\u2028',
        time: 1759276800001,
        sequence: null,
        data: { z: [1, { b: null, a: 'x' }], a: 1.5e-7, u: undefined },
      }),
    ).toBe('e019120c888d2cb143d89befe5a3c0c62195832b4d089caac4003725e6de1332');
  });
});

describe(contentHash.name, () => {
  const base = structured(
    { sequence: '12', datacontenttype: 'application/json' },
    { tenantId: 't-1', template: 'standard', state: 'running', extra: { b: 1, a: 2 } },
  );

  it('is the same for binary mode, time spellings, extensions, sequence forms and key order', () => {
    const binary = eventFromBinary(
      {
        'ce-specversion': '1.0',
        'ce-id': 'evt-1',
        'ce-source': '%2F%2Fcontrol-plane%2Fcluster-7',
        'ce-type': 'vm.created',
        'ce-time': '2026-10-16T11:00:00Z',
        'ce-subject': 'vm-1',
        'ce-sequence': '012',
        'ce-traceparent': '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        'content-type': 'application/json; charset=utf-8',
      },
      { extra: { a: 2, b: 1 }, state: 'running', template: 'standard', tenantId: 't-1' },
    );
    const all = hashes(
      base,
      binary,
      { ...base, time: '2026-10-16T13:00:00.000000+02:00' },
      { ...base, time: '2026-10-16t11:00:00.0001z' },
      { ...base, traceparent: '00-abc-def-01', partitionkey: 'p' },
      { ...base, sequence: 12 },
      { ...base, datacontenttype: undefined },
    );
    expect(new Set(all).size).toBe(1);
  });

  it('is pinned for a stored event (validated as ingest does)', () => {
    expect(hashes(base)).toEqual([
      '4e1ad57ad8758aa099b3eeb52724df20b592be66dcc2fef422637e75d96dd55e',
    ]);
  });

  it('does not depend on source or id (the idempotency key itself)', () => {
    const [a, b] = hashes(base, { ...base, id: 'other', source: 'urn:other' });
    expect(a).toBe(b);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a data member value', { data: { ...(base.data as object), template: 'enhanced' } }],
    ['an added data member', { data: { ...(base.data as object), note: 'x' } }],
    ['a nested data value', { data: { ...(base.data as object), extra: { a: 2, b: 2 } } }],
    [
      'a decimal spelling in data',
      { data: { ...(base.data as object), extra: { a: '2.0', b: 1 } } },
    ],
    ['the tenant', { data: { ...(base.data as object), tenantId: 't-2' } }],
    ['the time by 1 ms', { time: '2026-10-16T11:00:00.001Z' }],
    ['the sequence', { sequence: '13' }],
    ['no sequence', { sequence: undefined }],
    ['the subject', { subject: 'vm-2' }],
    ['the type', { type: 'vm.stopped' }],
  ])('changes with %s', (_label, change) => {
    const [a, b] = hashes(base, { ...base, ...change });
    expect(a).not.toBe(b);
  });
});
