import { z } from 'zod';

export const TENANT_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The body of `POST /v1/api-keys` (CONTRACT §7). `tenantId` is required for
 * scope `tenant` and refused for any other scope (`null` counts as absent, so
 * an answer's `"tenantId": null` may be sent back); unknown fields are refused.
 */
export const createApiKeySchema = z
  .object({
    scope: z.enum(['admin', 'ingest', 'tenant']),
    tenantId: z
      .string()
      .regex(TENANT_ID, 'must be 1–128 chars of [A-Za-z0-9._-]')
      .nullable()
      .optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    const hasTenant = body.tenantId !== undefined && body.tenantId !== null;
    if (body.scope === 'tenant' && !hasTenant)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['tenantId'],
        message: 'is required for scope "tenant"',
      });
    if (body.scope !== 'tenant' && hasTenant)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['tenantId'],
        message: `is only allowed with scope "tenant", not "${body.scope}"`,
      });
  })
  .transform((body) => ({ scope: body.scope, tenantId: body.tenantId ?? null }));

export type CreateApiKeyInput = z.output<typeof createApiKeySchema>;
