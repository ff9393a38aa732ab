/**
 * The bits of HTTP content negotiation and conditional requests the cached
 * statement answer needs (RFC 9110 §12.5.3 Accept-Encoding, §13.1.2
 * If-None-Match). Pure functions of header values; no I/O.
 */

type HeaderValue = string | string[] | undefined;

const joined = (h: HeaderValue): string => (Array.isArray(h) ? h.join(',') : (h ?? ''));

/**
 * True when the client accepts `gzip` (or `x-gzip`, or `*` without gzip
 * being refused) with a non-zero quality. Absent header: false — an answer
 * without the header is sent as is (identity).
 */
export function acceptsGzip(acceptEncoding: HeaderValue): boolean {
  let gzip: number | undefined;
  let star: number | undefined;
  for (const part of joined(acceptEncoding).split(',')) {
    const [coding, ...params] = part.split(';').map((s) => s.trim());
    if (!coding) continue;
    let q = 1;
    for (const p of params) {
      const m = /^q\s*=\s*([0-9](?:\.[0-9]{0,3})?)$/i.exec(p);
      if (m) q = Number(m[1]);
    }
    const name = coding.toLowerCase();
    if (name === 'gzip' || name === 'x-gzip') gzip = Math.max(gzip ?? 0, q);
    else if (name === '*') star = q;
  }
  if (gzip !== undefined) return gzip > 0;
  return star !== undefined && star > 0;
}

/**
 * True when an `If-None-Match` value matches one of `etags` (each a quoted
 * entity tag, e.g. `"abc"`): `*`, or any listed tag equal by the weak
 * comparison (a `W/` prefix is ignored on either side).
 */
export function ifNoneMatchHits(ifNoneMatch: HeaderValue, etags: string[]): boolean {
  const value = joined(ifNoneMatch).trim();
  if (value === '') return false;
  if (value === '*') return true;
  const opaque = (tag: string) => tag.replace(/^W\//, '');
  const ours = new Set(etags.map(opaque));
  for (const m of value.matchAll(/(?:W\/)?"[^"]*"/g)) if (ours.has(opaque(m[0]))) return true;
  return false;
}
