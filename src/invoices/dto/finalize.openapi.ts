import { PERIOD_PATTERN, ref, type SchemaComponents } from '../../openapi/schemas';

/** OpenAPI description of `POST /v1/periods/{period}/finalize` (CONTRACT §5). */
export const FINALIZE_SCHEMAS: SchemaComponents = {
  Invoice: {
    type: 'object',
    required: ['invoiceNumber', 'tenantId', 'period', 'currency', 'total', 'issuedAt'],
    properties: {
      invoiceNumber: {
        type: 'string',
        pattern: '^INV-[0-9]{6,}$',
        description: 'Unique, gapless, in issue order',
        example: 'INV-000042',
      },
      tenantId: { type: 'string' },
      period: { type: 'string', pattern: PERIOD_PATTERN },
      currency: { type: 'string', nullable: true, example: 'USD' },
      total: ref('Money'),
      issuedAt: { type: 'string', format: 'date-time' },
    },
  },
  FinalizeResult: {
    type: 'object',
    required: ['period', 'invoices'],
    properties: {
      period: { type: 'string', pattern: PERIOD_PATTERN, example: '2026-10' },
      invoices: {
        type: 'array',
        description:
          'Every invoice of the period (one per tenant with usage); the same on every repetition',
        items: ref('Invoice'),
      },
    },
  },
};
