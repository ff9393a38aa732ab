import type { ReferenceObject, SchemaObject } from '@nestjs/swagger';
import { ProblemCode } from '../common/problem/problem';

/**
 * Hand-written OpenAPI 3.0 schemas. Validation is done by the zod schemas
 * (the single source of truth); these only describe it for clients, so keep
 * them in step when a zod schema changes. Named schemas become components
 * (`#/components/schemas/<name>`) in `src/openapi/openapi.ts`.
 */
export type Schema = SchemaObject | ReferenceObject;
export type SchemaComponents = Record<string, SchemaObject>;

/** A reference to a named component schema. */
export const ref = (name: string): ReferenceObject => ({ $ref: `#/components/schemas/${name}` });

/** 1–128 chars of `[A-Za-z0-9._-]`: tenant ids everywhere. */
export const TENANT_ID_PATTERN = '^[A-Za-z0-9._-]{1,128}$';
/** A billing period: a UTC calendar month (1970-01 … 9999-12). */
export const PERIOD_PATTERN = '^[0-9]{4}-(0[1-9]|1[0-2])$';
/** Template names in price books and events. */
export const TEMPLATE_PATTERN = '^[A-Za-z0-9._-]{1,64}$';

/** What the API answers for prices, weights, hours and sizes: a canonical non-negative decimal string. */
export const DECIMAL_PATTERN = '^[0-9]+(\\.[0-9]+)?$';
/** Money amounts: fixed to the currency's minor unit; adjustment credits (and so totals) may be negative. */
const MONEY_PATTERN = '^-?[0-9]+(\\.[0-9]+)?$';
/** What requests may send as a decimal string (README: at most 18 integer and 15 fractional digits). */
export const DECIMAL_INPUT_PATTERN = '^[0-9]{1,18}(\\.[0-9]{1,15})?$';

export const COMMON_SCHEMAS: SchemaComponents = {
  Problem: {
    type: 'object',
    description:
      'RFC 9457 problem details (`application/problem+json`). `code` is stable and is also the ' +
      'last segment of `type`. Validation problems list every problem in `errors`. Some codes ' +
      'add extension members (e.g. `conflicts`, `unrated`, `checks`). Never a stack trace, SQL ' +
      'or an internal path.',
    required: ['type', 'title', 'status', 'code'],
    properties: {
      type: {
        type: 'string',
        format: 'uri',
        pattern: '^urn:iaas-billing:problem:[a-z-]+$',
        example: 'urn:iaas-billing:problem:validation-failed',
      },
      title: { type: 'string', example: 'The request is invalid' },
      status: { type: 'integer', minimum: 400, maximum: 599, example: 400 },
      detail: { type: 'string', description: 'What went wrong with this request, for humans' },
      instance: {
        type: 'string',
        description: 'The path of the request (without its query)',
        example: '/v1/price-books',
      },
      code: { type: 'string', enum: Object.values(ProblemCode), example: 'validation-failed' },
      errors: {
        type: 'array',
        description: 'Every problem with the request (validation problems only)',
        items: ref('ProblemFieldError'),
      },
    },
    additionalProperties: true,
  },
  ProblemFieldError: {
    type: 'object',
    required: ['field', 'message'],
    properties: {
      index: {
        type: 'integer',
        minimum: 0,
        description: 'The position of the event in the request (events only)',
      },
      field: {
        type: 'string',
        description:
          'The field, as a path such as `image.tiers[1].upToGb`, `data.tenantId`; `(body)` or `(event)` for the whole',
        example: 'data.tenantId',
      },
      message: { type: 'string', example: 'is required' },
    },
    additionalProperties: false,
  },
  Decimal: {
    type: 'string',
    pattern: DECIMAL_PATTERN,
    description:
      'A non-negative decimal as a string, canonical (no exponent, no trailing zeros), never a binary float',
    example: '0.02',
  },
  Money: {
    type: 'string',
    pattern: MONEY_PATTERN,
    description:
      "A money amount as a decimal string: rounded half up to the currency's minor unit for lines " +
      'and totals (negative for credits), exact (up to 15 decimals) for intervals',
    example: '29.76',
  },
  DecimalInput: {
    description:
      'A non-negative decimal: preferably a string (at most 18 integer and 15 fractional digits, ' +
      'no exponent); a JSON number is also accepted and taken through its shortest round-trip form',
    oneOf: [
      { type: 'string', pattern: DECIMAL_INPUT_PATTERN, example: '0.0125' },
      { type: 'number', minimum: 0 },
    ],
  },
};
