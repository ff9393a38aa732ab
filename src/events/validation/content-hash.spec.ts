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
