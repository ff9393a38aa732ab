/**
 * Validation and normalisation of incoming CloudEvents (CONTRACT §1). Pure:
 * the clock is a parameter, nothing is stored. Every problem of every event
 * is reported, never only the first.
 */
import { parseRfc3339 } from '../../common/time';
import { nonNegativeDecimal } from '../../common/decimal-input';
import type { FieldError } from '../../common/problem/problem';
import type { Decimal } from '../../rating/core/decimal';
import type { EventAttributes, ResourceType, VmState } from '../../rating/core/types';
import {
  EVENT_TYPES,
  type EventType,
  type IncomingEvent,
  isEventType,
  MAX_FUTURE_MS,
  MAX_SEQUENCE,
  resourceTypeOf,
} from './cloud-event.types';
import { contentHash } from './content-hash';

/** The outcome of {@link validateEvents}. */
export type ValidateEventsResult =
  { ok: true; events: IncomingEvent[] } | { ok: false; errors: FieldError[] };

/** The outcome of {@link validateEvent}: errors carry no index. */
export type ValidateEventResult =
  { ok: true; event: IncomingEvent } | { ok: false; errors: { field: string; message: string }[] };

/** Field name used when an array element is not a JSON object at all. */
export const WHOLE_EVENT_FIELD = '(event)';

/** How deep objects and arrays may nest in an event (the event is level 0, `data` level 1). */
export const MAX_DEPTH = 64;

const VM_STATES: readonly VmState[] = ['running', 'suspended', 'stopped'];
const MAX_REAL_SERVER_COUNT = 1_000_000;
const MAX_SOURCE_LENGTH = 2048;

const SUBJECT = /^[A-Za-z0-9._:/-]{1,256}$/;
const TENANT_ID = /^[A-Za-z0-9._-]{1,128}$/;
const TEMPLATE = /^[A-Za-z0-9._-]{1,64}$/;
const DIGITS = /^[0-9]+$/;
/** `type/subtype` then optional `; parameters`. */
const MEDIA_TYPE = /^\s*([A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+)\s*(?:;.*)?$/s;

/** The validation messages, exported so callers and tests can match them. */
export const MESSAGES = {
  required: 'is required',
  specversion: 'must be "1.0"',
  id: 'must be a string of 1–256 characters',
  source: `must be a non-empty URI-reference of at most ${MAX_SOURCE_LENGTH} characters without whitespace or control characters`,
  type: `must be one of ${EVENT_TYPES.join(', ')}`,
  time: 'must be an RFC 3339 date-time with an offset, e.g. "2026-10-01T12:00:00Z", from 1970 to 9999 in UTC',
  timeFuture: 'must be at most 5 minutes in the future',
  subject: 'must be 1–256 characters of [A-Za-z0-9._:/-]',
  sequence: `must be a non-negative integer: a string of digits of at most ${MAX_SEQUENCE}, or a JSON number of at most ${Number.MAX_SAFE_INTEGER} (larger ones lose digits in JSON; send them as strings)`,
  datacontenttype: 'must be application/json or a media type ending in +json',
  dataBase64: 'is not supported: send the data as a JSON object in data',
  data: 'must be a JSON object',
  tenantId: 'must be 1–128 characters of [A-Za-z0-9._-]',
  template: 'must be 1–64 characters of [A-Za-z0-9._-]',
  state: `must be one of ${VM_STATES.join(', ')}`,
  realServerCount: `must be an integer from 0 to ${MAX_REAL_SERVER_COUNT}`,
  sizeGb: 'must be a non-negative decimal (a string such as "0.0125" or a JSON number)',
  vsUpdated: 'must carry template and/or realServerCount for vs.updated',
  nul: 'must not contain the character U+0000 (NUL), which cannot be stored',
  surrogate:
    'must not contain an unpaired surrogate (a lone \\uD800–\\uDFFF escape): it is not a Unicode character and cannot be stored',
  depth: `must not nest objects and arrays more than ${MAX_DEPTH} levels deep`,
} as const;

/** The data members each event type must carry (besides tenantId). */
const REQUIRED_ATTRIBUTES: Partial<Record<EventType, readonly (keyof EventAttributes)[]>> = {
  'vm.created': ['template', 'state'],
  'vm.resized': ['template'],
  'vs.created': ['template', 'realServerCount'],
  'image.created': ['sizeGb'],
};

/** The rated attributes of each resource type, in reporting order. */
const OWN_ATTRIBUTES: Record<ResourceType, readonly (keyof EventAttributes)[]> = {
  vm: ['template', 'state'],
  vs: ['template', 'realServerCount'],
  image: ['sizeGb'],
};

type Errors = { field: string; message: string }[];

const isJsonObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** An own member; JSON `null` counts as absent (CloudEvents JSON format). */
function member(obj: Record<string, unknown>, key: string): unknown {
  if (!Object.prototype.hasOwnProperty.call(obj, key)) return undefined;
  const v = obj[key];
  return v === null ? undefined : v;
}

/** Length in Unicode code points, as PostgreSQL counts characters. */
const charLength = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

function isUriReference(v: string): boolean {
  if (v.length === 0 || v.length > MAX_SOURCE_LENGTH) return false;
  for (const ch of v) {
    const c = ch.codePointAt(0)!;
    if (c <= 0x20 || (c >= 0x7f && c <= 0x9f) || /\s/u.test(ch)) return false;
  }
  return true;
}

/** A non-negative integer ≤ 2^63 − 1 → its canonical decimal string, else null. */
export function canonicalSequence(v: unknown): string | null {
  let digits: string;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) return null;
    digits = String(v);
  } else if (typeof v === 'string' && DIGITS.test(v)) {
    digits = v.replace(/^0+(?=.)/, '');
  } else {
    return null;
  }
  if (digits.length > 19 || BigInt(digits) > MAX_SEQUENCE) return null;
  return digits;
}

function parseRealServerCount(v: unknown): number | null {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && DIGITS.test(v)) {
    const digits = v.replace(/^0+(?=.)/, '');
    if (digits.length > 7) return null;
    n = Number(digits);
  } else return null;
  return Number.isInteger(n) && n >= 0 && n <= MAX_REAL_SERVER_COUNT ? n : null;
}

function parseSizeGb(v: unknown, errors: Errors): Decimal | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') {
    errors.push({ field: 'data.sizeGb', message: MESSAGES.sizeGb });
    return undefined;
  }
  const r = nonNegativeDecimal.safeParse(v);
  if (r.success) return r.data;
  errors.push({ field: 'data.sizeGb', message: r.error.issues[0]?.message ?? MESSAGES.sizeGb });
  return undefined;
}

function isJsonMediaType(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const m = MEDIA_TYPE.exec(v);
  if (!m) return false;
  const type = m[1].toLowerCase();
  return type === 'application/json' || type.endsWith('+json');
}

/** Parses and validates the own-type rated attributes present in `data`. */
function parseAttributes(
  data: Record<string, unknown>,
  resourceType: ResourceType,
  errors: Errors,
): EventAttributes {
  const attributes: EventAttributes = {};
  for (const name of OWN_ATTRIBUTES[resourceType]) {
    const v = member(data, name);
    if (v === undefined) continue;
    const field = `data.${name}`;
    switch (name) {
      case 'template':
        if (typeof v === 'string' && TEMPLATE.test(v)) attributes.template = v;
        else errors.push({ field, message: MESSAGES.template });
        break;
      case 'state':
        if (typeof v === 'string' && (VM_STATES as readonly string[]).includes(v))
          attributes.state = v as VmState;
        else errors.push({ field, message: MESSAGES.state });
        break;
      case 'realServerCount': {
        const n = parseRealServerCount(v);
        if (n === null) errors.push({ field, message: MESSAGES.realServerCount });
        else attributes.realServerCount = n;
        break;
      }
      case 'sizeGb': {
        const d = parseSizeGb(v, errors);
        if (d !== undefined) attributes.sizeGb = d;
        break;
      }
    }
  }
  return attributes;
}

/**
 * Validates one structured-mode event (a parsed JSON value) against
 * CONTRACT §1 and normalises it. Reports every problem, in a fixed order.
 * `now` is epoch milliseconds.
 */
export function validateEvent(input: unknown, now: number): ValidateEventResult {
  if (!isJsonObject(input)) {
    return { ok: false, errors: [{ field: WHOLE_EVENT_FIELD, message: 'must be a JSON object' }] };
  }
  const errors: Errors = [];
  const req = (field: string, v: unknown, ok: boolean, message: string): void => {
    if (v === undefined) errors.push({ field, message: MESSAGES.required });
    else if (!ok) errors.push({ field, message });
  };

  const specversion = member(input, 'specversion');
  req('specversion', specversion, specversion === '1.0', MESSAGES.specversion);

  const id = member(input, 'id');
  const idOk = typeof id === 'string' && id.length > 0 && charLength(id) <= 256;
  req('id', id, idOk, MESSAGES.id);

  const source = member(input, 'source');
  const sourceOk = typeof source === 'string' && isUriReference(source);
  req('source', source, sourceOk, MESSAGES.source);

  const type = member(input, 'type');
  req('type', type, isEventType(type), MESSAGES.type);

  const timeRaw = member(input, 'time');
  const time = typeof timeRaw === 'string' ? parseRfc3339(timeRaw) : null;
  req('time', timeRaw, time !== null, MESSAGES.time);
  if (time !== null && time > now + MAX_FUTURE_MS) {
    errors.push({ field: 'time', message: MESSAGES.timeFuture });
  }

  const subject = member(input, 'subject');
  const subjectOk = typeof subject === 'string' && SUBJECT.test(subject);
  req('subject', subject, subjectOk, MESSAGES.subject);

  const sequenceRaw = member(input, 'sequence');
  const sequence = sequenceRaw === undefined ? null : canonicalSequence(sequenceRaw);
  if (sequenceRaw !== undefined && sequence === null) {
    errors.push({ field: 'sequence', message: MESSAGES.sequence });
  }

  const datacontenttype = member(input, 'datacontenttype');
  if (datacontenttype !== undefined && !isJsonMediaType(datacontenttype)) {
    errors.push({ field: 'datacontenttype', message: MESSAGES.datacontenttype });
  }

  if (member(input, 'data_base64') !== undefined) {
    errors.push({ field: 'data_base64', message: MESSAGES.dataBase64 });
  }

  const data = member(input, 'data');
  req('data', data, isJsonObject(data), MESSAGES.data);

  let attributes: EventAttributes = {};
  let tenantId: unknown;
  if (isJsonObject(data)) {
    tenantId = member(data, 'tenantId');
    const tenantOk = typeof tenantId === 'string' && TENANT_ID.test(tenantId);
    req('data.tenantId', tenantId, tenantOk, MESSAGES.tenantId);

    if (isEventType(type)) {
      for (const name of REQUIRED_ATTRIBUTES[type] ?? []) {
        if (member(data, name) === undefined) {
          errors.push({ field: `data.${name}`, message: MESSAGES.required });
        }
      }
      if (
        type === 'vs.updated' &&
        member(data, 'template') === undefined &&
        member(data, 'realServerCount') === undefined
      ) {
        errors.push({ field: 'data', message: MESSAGES.vsUpdated });
      }
      attributes = parseAttributes(data, resourceTypeOf(type), errors);
    }
  }

  // The event is stored as sent (jsonb), and jsonb cannot hold U+0000 or
  // an unpaired surrogate (JSON's "\ud800" parses to one).
  const unstorable = unstorablePath(input, '');
  if (unstorable !== null)
    errors.push({ field: unstorable.path, message: MESSAGES[unstorable.what] });

  if (errors.length > 0) return { ok: false, errors };

  // Every check above passed, so the narrowings below hold.
  const eventType = type as EventType;
  const eventData = data as Record<string, unknown>;
  const eventTime = time as number;
  return {
    ok: true,
    event: {
      source: source as string,
      id: id as string,
      type: eventType,
      resourceType: resourceTypeOf(eventType),
      subject: subject as string,
      time: eventTime,
      sequence,
      tenantId: tenantId as string,
      attributes,
      data: eventData,
      raw: input,
      contentHash: contentHash({
        type: eventType,
        subject: subject as string,
        time: eventTime,
        sequence,
        data: eventData,
      }),
    },
  };
}

/** A UTF-16 surrogate without its other half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What PostgreSQL cannot store in a string, if `s` holds it. */
function unstorable(s: string): 'nul' | 'surrogate' | null {
  if (s.includes('\u0000')) return 'nul';
  return LONE_SURROGATE.test(s) ? 'surrogate' : null;
}

/**
 * The path (`data.note`, `tags[2]`, or `(event)` for a key at the top) of the
 * first string or member name PostgreSQL cannot store (U+0000, an unpaired
 * surrogate), and what it holds; or of the first object or array nested
 * deeper than MAX_DEPTH (the event itself is level 0), where the walk stops:
 * this walk, the content hash and PostgreSQL's jsonb all recurse, and a
 * deep enough document overflows a stack (it was a 500). Or null.
 */
function unstorablePath(
  v: unknown,
  path: string,
  depth = 0,
): { path: string; what: 'nul' | 'surrogate' | 'depth' } | null {
  if (typeof v === 'string') {
    const what = unstorable(v);
    return what === null ? null : { path: path || WHOLE_EVENT_FIELD, what };
  }
  if (v !== null && typeof v === 'object' && depth > MAX_DEPTH)
    return { path: path || WHOLE_EVENT_FIELD, what: 'depth' };
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = unstorablePath(v[i], `${path}[${i}]`, depth + 1);
      if (p !== null) return p;
    }
    return null;
  }
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const at = path ? `${path}.${k}` : k;
      const what = unstorable(k);
      if (what !== null) return { path: path || WHOLE_EVENT_FIELD, what };
      const p = unstorablePath(x, at, depth + 1);
      if (p !== null) return p;
    }
  }
  return null;
}

/**
 * Validates a batch of structured-mode events (binary mode goes through
 * `eventFromBinary` first). All-or-nothing: either every event is valid and
 * all are returned normalised, in input order (resends of the same
 * `(source, id)` included: the caller counts duplicates and checks
 * `findBatchConflicts`), or every problem of every event is returned, each
 * with its position in `input`. `now` is epoch milliseconds.
 */
export function validateEvents(input: unknown[], now: number): ValidateEventsResult {
  const events: IncomingEvent[] = [];
  const errors: FieldError[] = [];
  input.forEach((item, index) => {
    const r = validateEvent(item, now);
    if (r.ok) events.push(r.event);
    else for (const e of r.errors) errors.push({ index, field: e.field, message: e.message });
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, events };
}
