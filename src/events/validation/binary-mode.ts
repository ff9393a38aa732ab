/** CloudEvents HTTP binary mode → the structured form that `validateEvents` takes. */

const CE_PREFIX = 'ce-';
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Hex digit value, or -1. */
function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/** The byte of a `%XX` escape at `i`, or -1 if there is none there. */
function escapeAt(s: string, i: number): number {
  if (s.charCodeAt(i) !== 0x25 || i + 2 >= s.length) return -1;
  const hi = hexValue(s.charCodeAt(i + 1));
  const lo = hexValue(s.charCodeAt(i + 2));
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

/** How many bytes a UTF-8 sequence starting with `lead` has (1–4), or 0 if `lead` cannot start one. */
function utf8Length(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/**
 * Percent-decodes a header value per the CloudEvents HTTP binding: `%XX`
 * escapes are UTF-8 bytes. An escape that is malformed (`%zz`, a trailing
 * `%4`) or that does not start a complete, valid UTF-8 sequence of escapes is
 * left as it is. Decoding is single-pass: `%2541` becomes `%41`.
 */
export function percentDecode(value: string): string {
  if (!value.includes('%')) return value;
  let out = '';
  let i = 0;
  while (i < value.length) {
    const lead = escapeAt(value, i);
    if (lead < 0) {
      out += value[i];
      i++;
      continue;
    }
    const n = utf8Length(lead);
    const bytes: number[] = [lead];
    for (let k = 1; k < n; k++) {
      const b = escapeAt(value, i + 3 * k);
      if (b < 0) break;
      bytes.push(b);
    }
    let decoded: string | null = null;
    if (n > 0 && bytes.length === n) {
      try {
        decoded = utf8.decode(Uint8Array.from(bytes));
      } catch {
        decoded = null;
      }
    }
    if (decoded === null) {
      out += value.slice(i, i + 3);
      i += 3;
    } else {
      out += decoded;
      i += 3 * n;
    }
  }
  return out;
}

/**
 * Builds the structured form of a CloudEvent received in HTTP binary mode:
 * every `ce-*` header becomes the attribute named without the prefix
 * (`ce-specversion` → `specversion`; header names are matched
 * case-insensitively), its value percent-decoded; `content-type` becomes
 * `datacontenttype`; the (already parsed) body becomes `data`. All values stay
 * strings (`ce-sequence` included). A header given several times is joined
 * with ", " as HTTP does. Body and Content-Type win over `ce-data` and
 * `ce-datacontenttype` headers. The result then goes through `validateEvents`.
 */
export function eventFromBinary(
  headers: Record<string, string | string[] | undefined>,
  body: unknown,
): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  let contentType: string | undefined;
  for (const [rawName, rawValue] of Object.entries(headers)) {
    if (rawValue === undefined) continue;
    const value = Array.isArray(rawValue) ? rawValue.join(', ') : rawValue;
    const name = rawName.toLowerCase();
    if (name === 'content-type') contentType = value;
    else if (name.startsWith(CE_PREFIX) && name.length > CE_PREFIX.length) {
      // defineProperty: a `ce-__proto__` header must not touch the prototype.
      Object.defineProperty(event, name.slice(CE_PREFIX.length), {
        value: percentDecode(value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  delete event.data;
  delete event.datacontenttype;
  if (contentType !== undefined) event.datacontenttype = contentType;
  if (body !== undefined) event.data = body;
  return event;
}
