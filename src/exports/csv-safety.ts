/** Characters that make a spreadsheet treat a cell as a formula (CONTRACT §6). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** The same characters as code points, for the SQL form of the rule ({@link sqlSafeText}). */
const FORMULA_START_CODES = ['=', '+', '-', '@', '\t', '\r'].map((c) => c.charCodeAt(0));
const MAX_FORMULA_START_CODE = Math.max(...FORMULA_START_CODES);

/** Prefixes a text cell that a spreadsheet would evaluate with `'`. Numeric cells must not go through this. */
export function safeText(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * {@link safeText} as a PostgreSQL expression over `textExpr` (a `text`
 * column or expression, written by us: never user input), for exports that
 * PostgreSQL formats itself. `ascii()` is the code point of the first
 * character (0 for `''`); NULL stays NULL, which COPY's CSV writes as an
 * empty cell. Every formula character is ASCII ≤ 64 (`@`), so a cell that
 * starts with a letter (nearly all of them) costs one `ascii()` and one
 * comparison: measured on 1M rows × 7 cells, `CASE ascii(…) WHEN 61 … WHEN
 * 13 …` cost ~3× as much per cell, a regular expression ~10×.
 */
export function sqlSafeText(textExpr: string): string {
  return (
    `CASE WHEN ascii(${textExpr}) > ${MAX_FORMULA_START_CODE} THEN ${textExpr} ` +
    `WHEN ascii(${textExpr}) IN (${FORMULA_START_CODES.join(', ')}) THEN '''' || ${textExpr} ` +
    `ELSE ${textExpr} END`
  );
}
