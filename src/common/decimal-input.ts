import { z } from 'zod';
import { Decimal } from '../rating/core/decimal';

const PLAIN_DECIMAL = /^\d{1,18}(\.\d{1,15})?$/;

/**
 * A non-negative decimal given as a string ("0.0125") or a JSON number.
 * Strings are taken digit for digit; numbers through their shortest
 * round-trip form. At most 18 integer and 15 fractional digits.
 */
const DECIMAL_MESSAGE =
  'must be a non-negative decimal string such as "0.0125" (at most 18 integer and 15 fractional digits)';

export const nonNegativeDecimal = z
  // zod's own message for a union neither member takes is "Invalid input"
  .union([z.string(), z.number()], {
    errorMap: (_issue, ctx) => ({
      message: ctx.data === undefined ? 'is required' : DECIMAL_MESSAGE,
    }),
  })
  .transform((v, ctx) => {
    if (typeof v === 'number') {
      if (!Number.isFinite(v) || v < 0) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a non-negative decimal' });
        return z.NEVER;
      }
      const d = new Decimal(String(v));
      if (d.decimalPlaces() > 15 || d.abs().gte('1e18')) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: 'must have at most 18 integer and 15 fractional digits',
        });
        return z.NEVER;
      }
      return d;
    }
    if (!PLAIN_DECIMAL.test(v)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: DECIMAL_MESSAGE });
      return z.NEVER;
    }
    return new Decimal(v);
  });

/** Zod issues → `{ field, message }` with paths like `image.tiers[1].upToGb`. */
export function zodFieldErrors(
  error: z.ZodError,
  prefix = '',
  source: 'body' | 'query' = 'body',
): { field: string; message: string }[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.reduce<string>(
      (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p),
      prefix,
    );
    let message = issue.message;
    if (issue.code === z.ZodIssueCode.invalid_type && issue.received === 'undefined')
      message = 'is required';
    else if (issue.code === z.ZodIssueCode.unrecognized_keys && source === 'query' && !path)
      // each unknown query parameter named by itself (it was "(body)")
      return issue.keys.map((k) => ({
        field: k,
        message: 'is not a query parameter of this endpoint',
      }));
    else if (issue.code === z.ZodIssueCode.unrecognized_keys)
      return {
        field: path || `(${source})`,
        message: `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`,
      };
    else if (issue.code === z.ZodIssueCode.invalid_enum_value)
      message = `must be one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}`;
    else if (issue.code === z.ZodIssueCode.invalid_type && /^Expected /.test(issue.message))
      // zod's default wording; a schema's own message stays
      message = `must be ${issue.expected}, not ${issue.received}`;
    return { field: path || `(${source})`, message };
  });
}
