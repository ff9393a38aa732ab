/**
 * A tuple's columns, in order: name and SQL type. `instant` is epoch
 * milliseconds (a JSON number), read as timestamptz by integer arithmetic;
 * `jsonb` is the field's JSON value itself, not parsed again.
 */
export type TupleColumns = readonly (readonly [string, string])[];

/**
 * SQL for the rows of a JSON array of tuples (the `jsonb` parameter `param`,
 * e.g. `$2`), each field read by position as `columns` name it. How bulk
 * writes send their rows: the caller builds each tuple in the order of
 * `columns` and sends `JSON.stringify` of the array. With `ordinality`, the
 * rows also carry their 1-based position in the array under that name.
 *
 * One parse of the whole document, then only each field's own value. Ways
 * of sending rows, measured (PostgreSQL CPU per row, the insert included):
 *
 * - 200 rating segments (`npm run bench:row-encoding`): 16 array literals
 *   5.7–6.0 µs (and ~5 µs of the sender's CPU per row, pg escaping element
 *   by element), objects through `json_to_recordset` 4.7–6.7 µs (a hash
 *   table per object), `json` tuples ~23 µs (`->>` parses the element
 *   again), `jsonb` tuples 4.6–4.8 µs (and 1.6–1.7 µs of the sender's).
 * - 500 events into `events`: objects through `json_to_recordset` 25–31 µs,
 *   `jsonb` tuples 23–26 µs (`data` and `raw` are not parsed a second time).
 */
export function tuples(
  param: string,
  columns: TupleColumns,
  { ordinality }: { ordinality?: string } = {},
): string {
  const fields = columns.map(([name, type], n) => {
    if (type === 'instant')
      return `'epoch'::timestamptz + (a->>${n})::bigint * interval '1 millisecond' AS ${name}`;
    if (type === 'jsonb') return `a->${n} AS ${name}`;
    return `(a->>${n})::${type} AS ${name}`;
  });
  if (ordinality === undefined)
    return `SELECT ${fields.join(', ')} FROM jsonb_array_elements(${param}::jsonb) AS a`;
  return `SELECT ${fields.join(', ')}, x.${ordinality}
            FROM jsonb_array_elements(${param}::jsonb) WITH ORDINALITY AS x(a, ${ordinality})`;
}

/**
 * An `instant` field's value: epoch ms, null for none. Anything else (an
 * infinity, a fraction) is refused rather than sent: JSON would turn an
 * infinity into null, which a writer may read as "no end".
 */
export function instant(at: number | null): number | null {
  if (at !== null && !Number.isSafeInteger(at))
    throw new RangeError(`not an instant in epoch ms: ${at}`);
  return at;
}
