/** The content hash that tells an identical resend from a conflicting reuse of `(source, id)`. */
import { createHash } from 'node:crypto';
import { toIso } from '../../common/time';

/**
 * JSON with object keys sorted recursively (by UTF-16 code unit, as
 * `Array.prototype.sort` does) and no whitespace. Members whose value is
 * `undefined` are left out, as `JSON.stringify` does. Input is JSON data.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  }
  const obj = value as Record<string, unknown>;
  const members = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`);
  return `{${members.join(',')}}`;
}

/** What an event's content hash covers. */
export interface HashedContent {
  type: string;
  subject: string;
  /** Epoch milliseconds. */
  time: number;
  /** Canonical sequence or null. */
  sequence: string | null;
  data: Record<string, unknown>;
}

/** Hex SHA-256 of `canonicalJson({ type, subject, time: ISO string, sequence, data })`. */
export function contentHash(c: HashedContent): string {
  const canonical = canonicalJson({
    type: c.type,
    subject: c.subject,
    time: toIso(c.time),
    sequence: c.sequence,
    data: c.data,
  });
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
