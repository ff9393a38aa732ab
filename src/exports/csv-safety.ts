/** Characters that make a spreadsheet treat a cell as a formula (CONTRACT §6). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Prefixes a text cell that a spreadsheet would evaluate with `'`. Numeric cells must not go through this. */
export function safeText(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  return FORMULA_START.test(value) ? `'${value}` : value;
}
