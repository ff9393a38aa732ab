import { CURRENCY_MINOR_UNITS } from '../../rating/core/money';
import {
  DECIMAL_INPUT_PATTERN,
  DECIMAL_PATTERN,
  ref,
  TEMPLATE_PATTERN,
  TENANT_ID_PATTERN,
  type Schema,
  type SchemaComponents,
} from '../../openapi/schemas';

/**
 * OpenAPI description of the price-book endpoints. `createPriceBookSchema`
 * (zod) validates; this only documents. The request and the answer share one
 * shape: decimals in (string or number) vs canonical decimal strings out.
 */
function sections(decimal: Schema, upToGb: Schema, suffix: string): SchemaComponents {
  const weights: Schema = {
    type: 'object',
    description: `Template name (${TEMPLATE_PATTERN}) → weight`,
    additionalProperties: decimal,
  };
  return {
    [`PriceBookVm${suffix}`]: {
      type: 'object',
      required: ['pricePerHour', 'templateWeights', 'stateWeights'],
      additionalProperties: false,
      properties: {
        pricePerHour: decimal,
        templateWeights: weights,
        stateWeights: {
          type: 'object',
          description:
            'Weight per VM state; a state left out is unrated usage (CONTRACT §4), an unknown one is refused',
          additionalProperties: false,
          properties: { running: decimal, suspended: decimal, stopped: decimal },
        },
      },
    },
    [`PriceBookVs${suffix}`]: {
      type: 'object',
      required: ['pricePerHour', 'templateWeights', 'realServerWeight'],
      additionalProperties: false,
      properties: {
        pricePerHour: decimal,
        templateWeights: weights,
        realServerWeight: decimal,
      },
    },
    [`PriceTier${suffix}`]: {
      type: 'object',
      required: ['upToGb', 'pricePerGbHour'],
      additionalProperties: false,
      properties: {
        upToGb,
        pricePerGbHour: decimal,
      },
    },
    [`PriceBookImage${suffix}`]: {
      type: 'object',
      required: ['tierMode', 'tiers'],
      additionalProperties: false,
      properties: {
        tierMode: {
          type: 'string',
          enum: ['graduated', 'volume'],
          description:
            '`graduated`: each GB is priced by the tier it falls in; `volume`: every GB by the tier holding the whole size (a size equal to a bound belongs to the lower tier)',
        },
        tiers: {
          type: 'array',
          minItems: 1,
          maxItems: 32,
          items: ref(`PriceTier${suffix}`),
        },
      },
    },
  };
}

const UP_TO_GB = {
  description: 'Upper bound in GB, ascending; `null` on the last tier and only there',
};

const common = (suffix: string) => ({
  tenantId: {
    type: 'string',
    pattern: TENANT_ID_PATTERN,
    nullable: true,
    description: '`null`: the global book; a tenant id: a negotiated book for that tenant',
  },
  currency: {
    type: 'string',
    enum: Object.keys(CURRENCY_MINOR_UNITS),
    description: 'ISO 4217 code',
    example: 'USD',
  },
  vm: ref(`PriceBookVm${suffix}`),
  vs: ref(`PriceBookVs${suffix}`),
  image: ref(`PriceBookImage${suffix}`),
});

export const PRICE_BOOK_EXAMPLE = {
  tenantId: null,
  effectiveFrom: '2026-01-01T00:00:00Z',
  currency: 'USD',
  vm: {
    pricePerHour: '0.0200',
    templateWeights: { normal: '1', standard: '2', enhanced: '4' },
    stateWeights: { running: '1', suspended: '0.3', stopped: '0.1' },
  },
  vs: {
    pricePerHour: '0.0300',
    templateWeights: { normal: '1', standard: '1.5', enhanced: '2' },
    realServerWeight: '0.25',
  },
  image: {
    tierMode: 'graduated',
    tiers: [
      { upToGb: '100', pricePerGbHour: '0.00010' },
      { upToGb: '1000', pricePerGbHour: '0.00008' },
      { upToGb: null, pricePerGbHour: '0.00005' },
    ],
  },
};

export const PRICE_BOOK_VERSION_EXAMPLE = {
  id: '3f2b9c1e-7a4d-4f7e-9a51-0c6d2e8b1a90',
  tenantId: null,
  effectiveFrom: '2026-01-01T00:00:00.000Z',
  currency: 'USD',
  vm: {
    pricePerHour: '0.02',
    templateWeights: { normal: '1', standard: '2', enhanced: '4' },
    stateWeights: { running: '1', suspended: '0.3', stopped: '0.1' },
  },
  vs: {
    pricePerHour: '0.03',
    templateWeights: { normal: '1', standard: '1.5', enhanced: '2' },
    realServerWeight: '0.25',
  },
  image: {
    tierMode: 'graduated',
    tiers: [
      { upToGb: '100', pricePerGbHour: '0.0001' },
      { upToGb: '1000', pricePerGbHour: '0.00008' },
      { upToGb: null, pricePerGbHour: '0.00005' },
    ],
  },
  createdAt: '2025-12-20T09:30:00.000Z',
};

export const PRICE_BOOK_SCHEMAS: SchemaComponents = {
  ...sections(
    ref('DecimalInput'),
    {
      ...UP_TO_GB,
      // OpenAPI 3.0: `nullable` needs a `type` beside it, so no $ref here.
      oneOf: [
        { type: 'string', pattern: DECIMAL_INPUT_PATTERN, nullable: true },
        { type: 'number', minimum: 0 },
      ],
    },
    'Input',
  ),
  ...sections(
    ref('Decimal'),
    { ...UP_TO_GB, type: 'string', pattern: DECIMAL_PATTERN, nullable: true },
    '',
  ),
  CreatePriceBook: {
    type: 'object',
    description:
      'A new immutable price-book version (CONTRACT §2). All three sections are required; tiers ascend and only the last is open-ended.',
    required: ['tenantId', 'effectiveFrom', 'currency', 'vm', 'vs', 'image'],
    additionalProperties: false,
    properties: {
      ...common('Input'),
      effectiveFrom: {
        type: 'string',
        format: 'date-time',
        description:
          'RFC 3339 with offset; must not be before the end of the latest finalized period',
        example: '2026-01-01T00:00:00Z',
      },
    },
  },
  PriceBookVersion: {
    type: 'object',
    description: 'A stored price-book version; decimals come back canonical ("0.0200" → "0.02")',
    required: ['id', 'tenantId', 'effectiveFrom', 'currency', 'vm', 'vs', 'image', 'createdAt'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      ...common(''),
      effectiveFrom: { type: 'string', format: 'date-time' },
      createdAt: { type: 'string', format: 'date-time' },
    },
  },
  PriceBookVersionList: {
    type: 'object',
    required: ['items'],
    properties: {
      items: {
        type: 'array',
        description: 'Global versions first, then by tenant and `effectiveFrom`',
        items: ref('PriceBookVersion'),
      },
    },
  },
};
