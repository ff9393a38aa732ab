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
  let out = '{';
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (v === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(k)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
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

/**
 * Hex SHA-256 of `canonicalJson({ type, subject, time: ISO string, sequence, data })`.
 * Stored hashes are compared with those of resends forever, so these bytes
 * never change. The top level is written out in its sorted key order (data,
 * sequence, subject, time, type; none of them is ever undefined) instead of
 * being built as an object and sorted for every event.
 */
export function contentHash(c: HashedContent): string {
  const canonical =
    `{"data":${canonicalJson(c.data)},"sequence":${JSON.stringify(c.sequence)},` +
    `"subject":${JSON.stringify(c.subject)},"time":${JSON.stringify(toIso(c.time))},` +
    `"type":${JSON.stringify(c.type)}}`;
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
