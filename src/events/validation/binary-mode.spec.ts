import fc from 'fast-check';
import { eventFromBinary, percentDecode } from './binary-mode';
import { NOW, structured } from './test-fixtures';
import { validateEvents } from './validate-events';

const headers = {
  host: 'billing:3000',
  authorization: 'Bearer secret',
  'content-type': 'application/json',
  'ce-specversion': '1.0',
  'ce-id': 'evt-1',
  'ce-source': '//control-plane/cluster-7',
  'ce-type': 'vm.created',
  'ce-time': '2026-10-16T11:00:00Z',
  'ce-subject': 'vm-1',
};
const body = { tenantId: 't-1', template: 'standard', state: 'running' };

describe(eventFromBinary.name, () => {
  it('maps ce-* headers to attributes, content-type to datacontenttype and the body to data', () => {
    expect(eventFromBinary({ ...headers, 'ce-sequence': '007' }, body)).toEqual({
      specversion: '1.0',
      id: 'evt-1',
      source: '//control-plane/cluster-7',
      type: 'vm.created',
      time: '2026-10-16T11:00:00Z',
      subject: 'vm-1',
      sequence: '007',
      datacontenttype: 'application/json',
      data: body,
    });
  });

  it('validates like the structured form, with the same content hash', () => {
    const r = validateEvents([eventFromBinary(headers, body), structured()], NOW);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.events[0].contentHash).toBe(r.events[1].contentHash);
    expect(r.events[0].attributes).toEqual(r.events[1].attributes);
  });

  it('keeps ce-sequence a string, which then validates and canonicalises', () => {
    const e = eventFromBinary({ ...headers, 'ce-sequence': '0042' }, body);
    expect(e.sequence).toBe('0042');
    const r = validateEvents([e], NOW);
    expect(r.ok && r.events[0].sequence).toBe('42');
  });

  it('percent-decodes values, matches names case-insensitively and joins repeated headers', () => {
    const e = eventFromBinary(
      {
        'CE-Subject': 'vm%3A1',
        'ce-comment': ['a', 'b%20c'],
        'ce-absent': undefined,
        'ce-': 'nameless',
      },
      undefined,
    );
    expect(e).toEqual({ subject: 'vm:1', comment: 'a, b c' });
  });

  it('lets the body and Content-Type win over ce-data and ce-datacontenttype headers', () => {
    const e = eventFromBinary(
      { 'ce-data': '{}', 'ce-datacontenttype': 'text/plain', 'content-type': 'application/json' },
      body,
    );
    expect(e).toEqual({ datacontenttype: 'application/json', data: body });
    expect(eventFromBinary({ 'ce-datacontenttype': 'text/plain' }, body)).toEqual({ data: body });
  });

  it('never touches the prototype', () => {
    const e = eventFromBinary({ 'ce-__proto__': 'x', 'ce-constructor': 'y' }, body);
    expect(Object.getPrototypeOf(e)).toBe(Object.prototype);
    expect(Object.keys(e).sort()).toEqual(['__proto__', 'constructor', 'data']);
  });

  it('reports a missing body and a non-object body through validation', () => {
    const missing = validateEvents([eventFromBinary(headers, undefined)], NOW);
    expect(missing).toEqual({
      ok: false,
      errors: [{ index: 0, field: 'data', message: 'is required' }],
    });
    const text = validateEvents([eventFromBinary(headers, 'hello')], NOW);
    expect(text.ok ? [] : text.errors.map((x) => x.field)).toEqual(['data']);
  });
});

describe(percentDecode.name, () => {
  it.each([
    ['plain', 'plain'],
    ['a%20b', 'a b'],
    ['%C3%A9t%C3%A9', 'été'],
    ['%c3%a9', 'é'],
    ['%E2%82%AC', '€'],
    ['%F0%9F%98%80', '😀'],
    ['100%25', '100%'],
    ['%2541', '%41'],
    ['%22q%22', '"q"'],
    ['%zz', '%zz'],
    ['%4', '%4'],
    ['%', '%'],
    ['50%', '50%'],
    ['%FF', '%FF'],
    ['%C3', '%C3'],
    ['%C3x', '%C3x'],
    ['%C3%A9%FF', 'é%FF'],
    ['%C3%28', '%C3('],
    ['%ED%A0%80', '%ED%A0%80'],
    ['%C0%AF', '%C0%AF'],
  ])('decodes %p to %p', (input, expected) => {
    expect(percentDecode(input)).toBe(expected);
  });

  it('inverts encodeURIComponent for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        expect(percentDecode(encodeURIComponent(s))).toBe(s);
      }),
    );
  });
});
