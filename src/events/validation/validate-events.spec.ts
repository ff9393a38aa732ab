import fc from 'fast-check';
import { Decimal } from '../../rating/core/decimal';
import { EVENT_TYPES, type EventType, MAX_FUTURE_MS } from './cloud-event.types';
import { NOW, structured, VALID_DATA, without } from './test-fixtures';
import { canonicalSequence, MAX_DEPTH, validateEvent, validateEvents } from './validate-events';

const MIN5 = MAX_FUTURE_MS;
const iso = (ms: number): string => new Date(ms).toISOString();

/** `{ a: { a: … { a: 1 } } }` with `levels` objects. */
const nested = (levels: number): Record<string, unknown> => {
  let v: Record<string, unknown> = { a: 1 };
  for (let i = 1; i < levels; i++) v = { a: v };
  return v;
};

/** A valid event of `type` whose data is VALID_DATA[type] with `data` merged in. */
const ofType = (
  type: EventType,
  data: Record<string, unknown> = {},
  attrs: Record<string, unknown> = {},
): Record<string, unknown> =>
  structured({ type, ...attrs }, { tenantId: 't-1', ...VALID_DATA[type], ...data });

/** Validates one event; returns its events or fails the test. */
function valid(event: unknown) {
  const r = validateEvents([event], NOW);
  if (!r.ok) throw new Error(`expected valid, got ${JSON.stringify(r.errors)}`);
  return r.events[0];
}

describe(validateEvents.name, () => {
  describe('valid events', () => {
    it.each(EVENT_TYPES.map((t) => [t]))('accepts a valid %s', (type) => {
      const input = ofType(type);
      const e = valid(input);
      expect(e.type).toBe(type);
      expect(e.resourceType).toBe(type.split('.')[0]);
      expect(e.tenantId).toBe('t-1');
      expect(e.subject).toBe('vm-1');
      expect(e.source).toBe('//control-plane/cluster-7');
      expect(e.id).toBe('evt-1');
      expect(e.time).toBe(Date.parse('2026-10-16T11:00:00Z'));
      expect(e.sequence).toBeNull();
      expect(e.raw).toBe(input);
      expect(e.data).toBe(input.data);
      expect(e.contentHash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('accepts objects nested up to the limit, and refuses any deeper without overflowing the stack', () => {
      expect(valid(ofType('vm.created', { deep: nested(MAX_DEPTH - 1) })).data.deep).toEqual(
        nested(MAX_DEPTH - 1),
      );
      // 100,000 levels: the walk stops at the limit (it overflowed the stack at ~5,000)
      const r = validateEvents([ofType('vm.created', { deep: nested(100_000) })], NOW);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors).toEqual([expect.objectContaining({ index: 0 })]);
    });

    it('accepts any Unicode text in data, astral characters (surrogate pairs) included', () => {
      const data = {
        tenantId: 't-1',
        template: 'standard',
        state: 'running',
        note: 'é 😀 \ud83d\ude00 𝄞',
      };
      expect(valid(ofType('vm.created', data)).data).toEqual(data);
    });

    it('parses the own-type attributes (sizeGb as Decimal, realServerCount from a string)', () => {
      expect(valid(ofType('vm.created')).attributes).toEqual({
        template: 'standard',
        state: 'running',
      });
      expect(valid(ofType('vs.updated')).attributes).toEqual({ realServerCount: 4 });
      expect(valid(ofType('vs.created', { realServerCount: '007' })).attributes).toEqual({
        template: 'normal',
        realServerCount: 7,
      });
      const img = valid(ofType('image.created', { sizeGb: '0.0125' })).attributes;
      expect(img.sizeGb).toBeInstanceOf(Decimal);
      expect(img.sizeGb!.toString()).toBe('0.0125');
      expect(valid(ofType('image.created', { sizeGb: 1.5 })).attributes.sizeGb!.toString()).toBe(
        '1.5',
      );
      expect(valid(ofType('vm.deleted')).attributes).toEqual({});
    });

    it("ignores another resource type's attributes and other members, keeping them in data", () => {
      const input = ofType('vm.migrated', {
        sizeGb: 'not a number',
        realServerCount: -4,
        fromNode: 'n1',
        note: { any: ['thing'] },
      });
      const e = valid(input);
      expect(e.attributes).toEqual({});
      expect(e.data).toEqual(input.data);
      expect(e.data.sizeGb).toBe('not a number');
    });

    it.each([
      ['//control-plane/cluster-7'],
      ['urn:x'],
      ['https://a/b'],
      ['/relative'],
      ['x'],
      ['https://example.com/path?q=1#frag'],
    ])('accepts source %s', (source) => {
      expect(valid(structured({ source })).source).toBe(source);
    });

    it.each([
      ['application/json'],
      ['application/json; charset=utf-8'],
      ['Application/JSON'],
      ['application/cloudevents+json'],
      ['application/vnd.acme.event+json;v=2'],
    ])('accepts datacontenttype %s', (datacontenttype) => {
      expect(validateEvents([structured({ datacontenttype })], NOW).ok).toBe(true);
    });

    it('accepts an absent datacontenttype and null optional attributes (treated as absent)', () => {
      expect(valid(without(structured(), 'datacontenttype')).sequence).toBeNull();
      expect(valid(structured({ sequence: null, datacontenttype: null })).sequence).toBeNull();
    });

    it.each([
      ['007', '7'],
      ['0', '0'],
      ['000', '0'],
      [0, '0'],
      [42, '42'],
      [Number.MAX_SAFE_INTEGER, '9007199254740991'],
      ['9223372036854775807', '9223372036854775807'],
      ['00009223372036854775807', '9223372036854775807'],
    ])('canonicalises sequence %p to %p', (sequence, expected) => {
      expect(valid(structured({ sequence })).sequence).toBe(expected);
    });

    it.each([
      ['2026-10-16T11:59:59.999999999Z', '2026-10-16T11:59:59.999Z'],
      ['2026-10-16T11:59:59.1239Z', '2026-10-16T11:59:59.123Z'],
      ['2026-10-16T13:30:00.5+02:00', '2026-10-16T11:30:00.500Z'],
      ['2026-10-16t11:00:00z', '2026-10-16T11:00:00.000Z'],
    ])('parses time %s to %s (finer digits floored)', (time, expected) => {
      expect(valid(structured({ time })).time).toBe(Date.parse(expected));
    });

    it('accepts a time exactly 5 minutes in the future (also with sub-millisecond digits)', () => {
      expect(valid(structured({ time: iso(NOW + MIN5) })).time).toBe(NOW + MIN5);
      const nanos = iso(NOW + MIN5).replace('Z', '999Z'); // …00.000999Z floors to +5 min
      expect(valid(structured({ time: nanos })).time).toBe(NOW + MIN5);
    });

    it('accepts time long in the past', () => {
      expect(valid(structured({ time: '2001-01-01T00:00:00Z' })).time).toBe(
        Date.parse('2001-01-01T00:00:00Z'),
      );
    });

    it('keeps both of two identical events (same source and id) in input order', () => {
      const r = validateEvents([structured(), structured()], NOW);
      expect(r.ok && r.events.length).toBe(2);
      expect(r.ok && r.events[0].contentHash === r.events[1].contentHash).toBe(true);
    });

    it('keeps both events of a (source, id) with different content (conflicts are found later)', () => {
      const r = validateEvents([structured(), structured({ subject: 'vm-2' })], NOW);
      expect(r.ok && r.events.length).toBe(2);
    });

    it('accepts an empty batch', () => {
      expect(validateEvents([], NOW)).toEqual({ ok: true, events: [] });
    });
  });

  describe('invalid events', () => {
    const long = (n: number): string => 'a'.repeat(n);
    const vm = (data: Record<string, unknown>) => ofType('vm.created', data);
    const vs = (data: Record<string, unknown>) => ofType('vs.created', data);
    const img = (data: Record<string, unknown>) => ofType('image.created', data);

    it.each<[string, unknown, string, RegExp]>([
      ['an array instead of an object', [structured()], '(event)', /JSON object/],
      ['null instead of an object', null, '(event)', /JSON object/],
      ['a string instead of an object', 'event', '(event)', /JSON object/],
      ['specversion missing', without(structured(), 'specversion'), 'specversion', /is required/],
      ['specversion 0.3', structured({ specversion: '0.3' }), 'specversion', /"1\.0"/],
      ['specversion as a number', structured({ specversion: 1.0 }), 'specversion', /"1\.0"/],
      ['id missing', without(structured(), 'id'), 'id', /is required/],
      ['id empty', structured({ id: '' }), 'id', /1–256/],
      ['id of 257 characters', structured({ id: long(257) }), 'id', /1–256/],
      ['id as a number', structured({ id: 17 }), 'id', /string/],
      ['source missing', without(structured(), 'source'), 'source', /is required/],
      ['source empty', structured({ source: '' }), 'source', /non-empty URI-reference/],
      ['source with a space', structured({ source: '//cp/a b' }), 'source', /whitespace/],
      ['source with a control char', structured({ source: '//cp/\u0001' }), 'source', /control/],
      ['a NUL in a data string', vm({ note: 'a\u0000b' }), 'data.note', /U\+0000/],
      [
        'a NUL deep in data',
        vm({ tags: [{ k: 'x' }, { k: '\u0000' }] }),
        'data.tags[1].k',
        /U\+0000/,
      ],
      ['a NUL in the id', structured({ id: 'e-\u0000' }), 'id', /U\+0000/],
      ['a NUL in an extension', structured({ note: '\u0000' }), 'note', /U\+0000/],
      ['a NUL in a member name', vm({ 'a\u0000': 1 }), 'data', /U\+0000/],
      [
        'a lone high surrogate in data',
        vm({ note: 'x\ud800y' }),
        'data.note',
        /unpaired surrogate/,
      ],
      [
        'a lone low surrogate at the end',
        vm({ note: 'x\udc00' }),
        'data.note',
        /unpaired surrogate/,
      ],
      ['swapped surrogates', vm({ tags: ['\udc00\ud800'] }), 'data.tags[0]', /unpaired surrogate/],
      [
        'a lone surrogate in an extension',
        structured({ note: '\ud83d' }),
        'note',
        /unpaired surrogate/,
      ],
      ['a lone surrogate in a member name', vm({ 'k\udfff': 1 }), 'data', /unpaired surrogate/],
      // data is level 1: a member of it holding MAX_DEPTH − 1 nested objects is the most allowed
      [
        'objects nested deeper than the limit',
        vm({ deep: nested(MAX_DEPTH) }),
        `data.deep${'.a'.repeat(MAX_DEPTH - 1)}`,
        /more than 64 levels deep/,
      ],
      [
        'arrays nested deeper than the limit',
        vm({ deep: JSON.parse('['.repeat(MAX_DEPTH) + ']'.repeat(MAX_DEPTH)) }),
        `data.deep${'[0]'.repeat(MAX_DEPTH - 1)}`,
        /more than 64 levels deep/,
      ],
      ['source with a tab', structured({ source: '//cp\t' }), 'source', /whitespace/],
      ['source of 2049 characters', structured({ source: long(2049) }), 'source', /2048/],
      ['source as an object', structured({ source: { a: 1 } }), 'source', /URI-reference/],
      ['type missing', without(structured(), 'type'), 'type', /is required/],
      [
        'type unknown',
        structured({ type: 'vm.exploded' }),
        'type',
        /one of vm\.created, .*image\.deleted$/,
      ],
      ['type in upper case', structured({ type: 'VM.CREATED' }), 'type', /must be one of/],
      ['time missing', without(structured(), 'time'), 'time', /is required/],
      ['time without offset', structured({ time: '2026-10-16T11:00:00' }), 'time', /RFC 3339/],
      ['time with a space', structured({ time: '2026-10-16 11:00:00Z' }), 'time', /RFC 3339/],
      ['time Feb 30', structured({ time: '2026-02-30T00:00:00Z' }), 'time', /RFC 3339/],
      ['time as epoch ms', structured({ time: NOW }), 'time', /RFC 3339/],
      [
        'time 5 min + 1 ms ahead',
        structured({ time: iso(NOW + MIN5 + 1) }),
        'time',
        /at most 5 minutes in the future/,
      ],
      ['subject missing', without(structured(), 'subject'), 'subject', /is required/],
      [
        'subject empty',
        structured({ subject: '' }),
        'subject',
        /1–256 characters of \[A-Za-z0-9\._:\/-\]/,
      ],
      ['subject with #', structured({ subject: 'vm#1' }), 'subject', /\[A-Za-z0-9\._:\/-\]/],
      ['subject with a space', structured({ subject: 'vm 1' }), 'subject', /\[A-Za-z0-9/],
      ['subject of 257 characters', structured({ subject: long(257) }), 'subject', /1–256/],
      ['sequence negative', structured({ sequence: -1 }), 'sequence', /non-negative integer/],
      ['sequence fractional', structured({ sequence: 1.5 }), 'sequence', /non-negative integer/],
      [
        'sequence unsafe number',
        structured({ sequence: 2 ** 63 }),
        'sequence',
        /JSON number of at most 9007199254740991/,
      ],
      [
        'sequence 2^63 as a string',
        structured({ sequence: '9223372036854775808' }),
        'sequence',
        /at most 9223372036854775807/,
      ],
      ['sequence "-1"', structured({ sequence: '-1' }), 'sequence', /non-negative/],
      ['sequence "1e3"', structured({ sequence: '1e3' }), 'sequence', /string of digits/],
      ['sequence ""', structured({ sequence: '' }), 'sequence', /string of digits/],
      ['sequence " 1"', structured({ sequence: ' 1' }), 'sequence', /string of digits/],
      ['sequence true', structured({ sequence: true }), 'sequence', /non-negative integer/],
      [
        'datacontenttype text/plain',
        structured({ datacontenttype: 'text/plain' }),
        'datacontenttype',
        /application\/json or .*\+json/,
      ],
      [
        'datacontenttype application/xml',
        structured({ datacontenttype: 'application/xml' }),
        'datacontenttype',
        /\+json/,
      ],
      [
        'datacontenttype json-ish',
        structured({ datacontenttype: 'application/jsonx' }),
        'datacontenttype',
        /\+json/,
      ],
      [
        'datacontenttype not a type',
        structured({ datacontenttype: 'json' }),
        'datacontenttype',
        /\+json/,
      ],
      ['datacontenttype a number', structured({ datacontenttype: 5 }), 'datacontenttype', /\+json/],
      ['data_base64', structured({ data_base64: 'e30=' }), 'data_base64', /not supported/],
      ['data missing', without(structured(), 'data'), 'data', /is required/],
      ['data null', structured({ data: null }), 'data', /is required/],
      ['data an array', structured({ data: [{ tenantId: 't' }] }), 'data', /JSON object/],
      ['data a string', structured({ data: '{"tenantId":"t"}' }), 'data', /JSON object/],
      [
        'data.tenantId missing',
        ofType('vm.deleted', { tenantId: undefined }),
        'data.tenantId',
        /is required/,
      ],
      [
        'data.tenantId empty',
        ofType('vm.deleted', { tenantId: '' }),
        'data.tenantId',
        /1–128 characters of \[A-Za-z0-9\._-\]/,
      ],
      [
        'data.tenantId with /',
        ofType('vm.deleted', { tenantId: 'a/b' }),
        'data.tenantId',
        /\[A-Za-z0-9\._-\]/,
      ],
      [
        'data.tenantId of 129',
        ofType('vm.deleted', { tenantId: long(129) }),
        'data.tenantId',
        /1–128/,
      ],
      ['data.tenantId a number', ofType('vm.deleted', { tenantId: 7 }), 'data.tenantId', /1–128/],
      ['vm.created without template', vm({ template: undefined }), 'data.template', /is required/],
      ['vm.created without state', vm({ state: undefined }), 'data.state', /is required/],
      ['vm.created with state null', vm({ state: null }), 'data.state', /is required/],
      [
        'vm.resized without template',
        ofType('vm.resized', { template: undefined }),
        'data.template',
        /is required/,
      ],
      ['vs.created without template', vs({ template: undefined }), 'data.template', /is required/],
      [
        'vs.created without realServerCount',
        vs({ realServerCount: undefined }),
        'data.realServerCount',
        /is required/,
      ],
      [
        'vs.updated with neither',
        ofType('vs.updated', { realServerCount: undefined }),
        'data',
        /template and\/or realServerCount/,
      ],
      ['image.created without sizeGb', img({ sizeGb: undefined }), 'data.sizeGb', /is required/],
      [
        'template empty',
        vm({ template: '' }),
        'data.template',
        /1–64 characters of \[A-Za-z0-9\._-\]/,
      ],
      ['template of 65', vm({ template: long(65) }), 'data.template', /1–64/],
      ['template with :', vm({ template: 'a:b' }), 'data.template', /\[A-Za-z0-9\._-\]/],
      ['template a number', ofType('vs.updated', { template: 2 }), 'data.template', /1–64/],
      [
        'template on vm.deleted',
        ofType('vm.deleted', { template: 'x y' }),
        'data.template',
        /1–64/,
      ],
      ['state paused', vm({ state: 'paused' }), 'data.state', /one of running, suspended, stopped/],
      [
        'state on vm.stopped',
        ofType('vm.stopped', { state: 'RUNNING' }),
        'data.state',
        /one of running/,
      ],
      [
        'realServerCount -1',
        vs({ realServerCount: -1 }),
        'data.realServerCount',
        /integer from 0 to 1000000/,
      ],
      ['realServerCount 1.5', vs({ realServerCount: 1.5 }), 'data.realServerCount', /integer/],
      [
        'realServerCount 1000001',
        vs({ realServerCount: 1_000_001 }),
        'data.realServerCount',
        /1000000/,
      ],
      [
        'realServerCount "1000001"',
        vs({ realServerCount: '1000001' }),
        'data.realServerCount',
        /1000000/,
      ],
      ['realServerCount "3.0"', vs({ realServerCount: '3.0' }), 'data.realServerCount', /integer/],
      ['realServerCount "abc"', vs({ realServerCount: 'abc' }), 'data.realServerCount', /integer/],
      ['sizeGb "-1"', img({ sizeGb: '-1' }), 'data.sizeGb', /non-negative decimal/],
      ['sizeGb -1', img({ sizeGb: -1 }), 'data.sizeGb', /non-negative decimal/],
      ['sizeGb "1e3"', img({ sizeGb: '1e3' }), 'data.sizeGb', /non-negative decimal/],
      ['sizeGb 16 decimals', img({ sizeGb: '0.0000000000000001' }), 'data.sizeGb', /15 fractional/],
      ['sizeGb 1e-16', img({ sizeGb: 1e-16 }), 'data.sizeGb', /15 fractional/],
      ['sizeGb 19 digits', img({ sizeGb: '1234567890123456789' }), 'data.sizeGb', /18 integer/],
      ['sizeGb a boolean', img({ sizeGb: true }), 'data.sizeGb', /non-negative decimal/],
      [
        'sizeGb on image.deleted',
        ofType('image.deleted', { sizeGb: 'big' }),
        'data.sizeGb',
        /decimal/,
      ],
    ])('rejects %s', (_label, event, field, message) => {
      const r = validateEvents([structured(), event], NOW);
      expect(r).toEqual({
        ok: false,
        errors: [{ index: 1, field, message: expect.stringMatching(message) }],
      });
    });

    it('lists every problem of every event of a batch, with its index', () => {
      const r = validateEvents(
        [
          structured({ id: 'ok-0' }),
          structured({ specversion: '0.3', time: 'yesterday', subject: 'a b' }, { template: 'x' }),
          42,
          structured({ id: 'ok-3' }),
          ofType(
            'vs.created',
            { tenantId: '', realServerCount: -2, template: undefined },
            { sequence: 'x' },
          ),
        ],
        NOW,
      );
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.errors.map((e) => [e.index, e.field])).toEqual([
        [1, 'specversion'],
        [1, 'time'],
        [1, 'subject'],
        [1, 'data.tenantId'],
        [1, 'data.state'],
        [2, '(event)'],
        [4, 'sequence'],
        [4, 'data.tenantId'],
        [4, 'data.template'],
        [4, 'data.realServerCount'],
      ]);
      for (const e of r.errors) expect(e.message.length).toBeGreaterThan(0);
    });

    it('reports a missing data.tenantId and a bad rated attribute together', () => {
      const r = validateEvent(ofType('image.created', { tenantId: undefined, sizeGb: 'x' }), NOW);
      expect(r.ok ? [] : r.errors.map((e) => e.field)).toEqual(['data.tenantId', 'data.sizeGb']);
    });

    it('checks data even when the type is unknown (tenantId), but no rated attributes', () => {
      const r = validateEvent(structured({ type: 'db.created' }, { template: '' }), NOW);
      expect(r.ok ? [] : r.errors.map((e) => e.field)).toEqual(['type', 'data.tenantId']);
    });
  });

  describe('properties', () => {
    const tenant = fc.stringMatching(/^[A-Za-z0-9._-]{1,128}$/);
    const template = fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/);
    const subject = fc.stringMatching(/^[A-Za-z0-9._:/-]{1,256}$/);
    const state = fc.constantFrom('running', 'suspended', 'stopped');
    const count = fc.integer({ min: 0, max: 1_000_000 });
    const size = fc
      .tuple(
        fc.bigInt({ min: 0n, max: 10n ** 18n - 1n }),
        fc.bigInt({ min: 0n, max: 10n ** 15n - 1n }),
      )
      .map(([i, f]) => `${i}.${f.toString().padStart(15, '0')}`);
    const time = fc.integer({ min: Date.parse('1970-01-01T00:00:00Z'), max: NOW + MIN5 });
    const sequence = fc.option(fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), { nil: undefined });

    const validEvent = fc
      .record({
        type: fc.constantFrom(...EVENT_TYPES),
        id: fc.string({ minLength: 1, maxLength: 256 }),
        source: fc.webUrl(),
        subject,
        time,
        sequence,
        tenantId: tenant,
        template,
        state,
        count,
        size,
      })
      .map((g) => {
        const rt = g.type.split('.')[0];
        const data: Record<string, unknown> = { tenantId: g.tenantId };
        if (rt === 'vm') Object.assign(data, { template: g.template, state: g.state });
        if (rt === 'vs') Object.assign(data, { template: g.template, realServerCount: g.count });
        if (rt === 'image') data.sizeGb = g.size;
        const event: Record<string, unknown> = {
          specversion: '1.0',
          id: g.id,
          source: g.source,
          type: g.type,
          subject: g.subject,
          time: iso(g.time),
          data,
        };
        if (g.sequence !== undefined) event.sequence = g.sequence.toString();
        return { event, g };
      });

    it('accepts any valid generated event and round-trips its attributes', () => {
      fc.assert(
        fc.property(validEvent, ({ event, g }) => {
          const e = valid(event);
          expect(e.time).toBe(g.time);
          expect(e.sequence).toBe(g.sequence === undefined ? null : g.sequence.toString());
          expect(e.tenantId).toBe(g.tenantId);
          const data = event.data as Record<string, unknown>;
          expect(e.attributes.template).toBe(data.template);
          expect(e.attributes.state).toBe(data.state);
          expect(e.attributes.realServerCount).toBe(data.realServerCount);
          if (data.sizeGb !== undefined) expect(e.attributes.sizeGb!.eq(g.size)).toBe(true);
        }),
      );
    });

    it('shuffling a batch permutes the output in the same way', () => {
      fc.assert(
        fc.property(
          fc.array(validEvent, { minLength: 1, maxLength: 8 }).chain((evs) =>
            fc.tuple(
              fc.constant(evs),
              fc.shuffledSubarray(
                evs.map((_, i) => i),
                { minLength: evs.length },
              ),
            ),
          ),
          ([evs, order]) => {
            const a = validateEvents(
              evs.map((x) => x.event),
              NOW,
            );
            const b = validateEvents(
              order.map((i) => evs[i].event),
              NOW,
            );
            expect(a.ok && b.ok).toBe(true);
            if (!a.ok || !b.ok) return;
            expect(b.events).toEqual(order.map((i) => a.events[i]));
          },
        ),
        { numRuns: 50 },
      );
    });
  });
});

describe(canonicalSequence.name, () => {
  it('maps any zero-padded integer in [0, 2^63 − 1] to its canonical form', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), fc.nat(5), (n, zeros) => {
        expect(canonicalSequence('0'.repeat(zeros) + n.toString())).toBe(n.toString());
      }),
    );
  });

  it('rejects everything from 2^63 on', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 2n ** 63n, max: 2n ** 80n }), (n) => {
        expect(canonicalSequence(n.toString())).toBeNull();
      }),
    );
    expect(canonicalSequence('9'.repeat(10_000))).toBeNull();
  });
});
