import { z } from 'zod';
import type { Decimal } from '../../rating/core/decimal';
import { nonNegativeDecimal } from '../../common/decimal-input';
import { parseRfc3339 } from '../../common/time';
import { isKnownCurrency } from '../../rating/core/money';

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const TENANT_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Template name → weight. Not `z.record`: it drops a member named
 * `__proto__` without a word, and template names are the control plane's
 * data (an event may name that template). Every own member is kept, and the
 * result is built with `Object.fromEntries`, which defines members instead
 * of assigning them.
 */
const weights = z
  .custom<Record<string, unknown>>(
    (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
    (v) => ({
      message: v === undefined ? 'is required' : 'must be an object of template names and weights',
    }),
  )
  .transform((rec, ctx) => {
    const entries: [string, Decimal][] = [];
    for (const k of Object.keys(rec)) {
      if (!NAME.test(k))
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [k],
          message: 'template names are 1–64 chars of [A-Za-z0-9._-]',
        });
      const w = nonNegativeDecimal.safeParse(rec[k]);
      if (w.success) entries.push([k, w.data]);
      else
        for (const issue of w.error.issues)
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: [k, ...issue.path],
            message: issue.message,
          });
    }
    return Object.fromEntries(entries);
  });

const tier = z
  .object({ upToGb: nonNegativeDecimal.nullable(), pricePerGbHour: nonNegativeDecimal })
  .strict();

/** The body of `POST /v1/price-books` (CONTRACT §2). */
export const createPriceBookSchema = z
  .object({
    tenantId: z.string().regex(TENANT_ID, 'must be 1–128 chars of [A-Za-z0-9._-]').nullable(),
    effectiveFrom: z.string().transform((v, ctx) => {
      const ms = parseRfc3339(v);
      if (ms === null) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message:
            'must be an RFC 3339 date-time with offset, e.g. "2026-01-01T00:00:00Z", from 1970 to 9999 in UTC',
        });
        return z.NEVER;
      }
      return ms;
    }),
    currency: z
      .string()
      .refine(isKnownCurrency, 'must be a known ISO 4217 currency code, e.g. "USD"'),
    vm: z
      .object({
        pricePerHour: nonNegativeDecimal,
        templateWeights: weights,
        stateWeights: z
          .object({
            running: nonNegativeDecimal.optional(),
            suspended: nonNegativeDecimal.optional(),
            stopped: nonNegativeDecimal.optional(),
          })
          .strict(),
      })
      .strict(),
    vs: z
      .object({
        pricePerHour: nonNegativeDecimal,
        templateWeights: weights,
        realServerWeight: nonNegativeDecimal,
      })
      .strict(),
    image: z
      .object({
        tierMode: z.enum(['graduated', 'volume']),
        tiers: z
          .array(tier)
          .min(1, 'must list at least one tier')
          .max(32, 'at most 32 tiers')
          .superRefine((tiers, ctx) => {
            tiers.forEach((t, i) => {
              const last = i === tiers.length - 1;
              if (last && t.upToGb !== null)
                ctx.addIssue({
                  code: z.ZodIssueCode.custom,
                  path: [i, 'upToGb'],
                  message: 'the last tier must be open-ended (null)',
                });
              if (!last && t.upToGb === null)
                ctx.addIssue({
                  code: z.ZodIssueCode.custom,
                  path: [i, 'upToGb'],
                  message: 'only the last tier may be open-ended',
                });
              if (!last && t.upToGb !== null && t.upToGb.isZero())
                ctx.addIssue({
                  code: z.ZodIssueCode.custom,
                  path: [i, 'upToGb'],
                  message: 'must be greater than 0',
                });
              const prev = i > 0 ? tiers[i - 1].upToGb : null;
              if (prev !== null && t.upToGb !== null && !t.upToGb.gt(prev))
                ctx.addIssue({
                  code: z.ZodIssueCode.custom,
                  path: [i, 'upToGb'],
                  message: `must be greater than the previous tier's ${prev.toString()}`,
                });
            });
          }),
      })
      .strict(),
  })
  .strict();

export type CreatePriceBookInput = z.output<typeof createPriceBookSchema>;
