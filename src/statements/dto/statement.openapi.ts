import { RatingIssueReason } from '../../rating/core/types';
import {
  PERIOD_PATTERN,
  ref,
  TENANT_ID_PATTERN,
  type SchemaComponents,
} from '../../openapi/schemas';

/** OpenAPI description of the statement endpoints (CONTRACT §5). */
const STATUS = {
  type: 'string',
  enum: ['open', 'finalized'],
  description: '`open` until the period is finalized',
};
const INVOICE_NUMBER = {
  type: 'string',
  pattern: '^INV-[0-9]{6,}$',
  nullable: true,
  description: 'Set once the period is finalized and the tenant was invoiced',
  example: 'INV-000042',
};
const CURRENCY = {
  type: 'string',
  nullable: true,
  description: 'ISO 4217; `null` when nothing could be priced',
  example: 'USD',
};
const RESOURCE_TYPE = { type: 'string', enum: ['vm', 'vs', 'image'] };

export const STATEMENT_SCHEMAS: SchemaComponents = {
  StatementSummary: {
    type: 'object',
    required: ['period', 'status', 'invoiceNumber', 'currency', 'total'],
    properties: {
      period: { type: 'string', pattern: PERIOD_PATTERN, example: '2026-10' },
      status: STATUS,
      invoiceNumber: INVOICE_NUMBER,
      currency: CURRENCY,
      total: ref('Money'),
    },
  },
  StatementList: {
    type: 'object',
    required: ['items'],
    properties: {
      items: { type: 'array', description: 'Newest first', items: ref('StatementSummary') },
    },
  },
  Statement: {
    type: 'object',
    required: [
      'tenantId',
      'period',
      'status',
      'invoiceNumber',
      'currency',
      'total',
      'asOf',
      'unrated',
      'lines',
    ],
    properties: {
      tenantId: { type: 'string', pattern: TENANT_ID_PATTERN },
      period: { type: 'string', pattern: PERIOD_PATTERN },
      status: STATUS,
      invoiceNumber: INVOICE_NUMBER,
      currency: CURRENCY,
      total: { allOf: [ref('Money')], description: 'The sum of the rounded lines' },
      asOf: {
        type: 'string',
        format: 'date-time',
        description: 'Usage is counted up to this instant (now for the current period)',
      },
      unrated: {
        type: 'array',
        description: 'Usage that cannot be rated: never billed as zero (CONTRACT §4)',
        items: ref('UnratedUsage'),
      },
      lines: { type: 'array', items: ref('StatementLine') },
    },
  },
  StatementLine: {
    description: 'One resource in one period: usage, or an adjustment of a finalized period',
    oneOf: [ref('UsageLine'), ref('AdjustmentLine')],
    discriminator: {
      propertyName: 'type',
      mapping: {
        usage: '#/components/schemas/UsageLine',
        adjustment: '#/components/schemas/AdjustmentLine',
      },
    },
  },
  UsageLine: {
    type: 'object',
    required: ['type', 'resourceType', 'resourceId', 'amount', 'hours', 'intervals'],
    properties: {
      type: { type: 'string', enum: ['usage'] },
      resourceType: RESOURCE_TYPE,
      resourceId: { type: 'string', example: 'vm-1' },
      amount: {
        allOf: [ref('Money')],
        description:
          "The exact sum of the intervals, rounded once, half up, to the currency's minor unit",
      },
      hours: ref('Decimal'),
      intervals: { type: 'array', items: ref('StatementInterval') },
    },
  },
  AdjustmentLine: {
    type: 'object',
    required: ['type', 'resourceType', 'resourceId', 'adjustsPeriod', 'amount'],
    properties: {
      type: { type: 'string', enum: ['adjustment'] },
      resourceType: RESOURCE_TYPE,
      resourceId: { type: 'string', example: 'img-9' },
      adjustsPeriod: {
        type: 'string',
        pattern: PERIOD_PATTERN,
        description: 'The finalized period whose amount a late event changed',
      },
      amount: { allOf: [ref('Money')], description: 'May be negative (a credit)' },
    },
  },
  StatementInterval: {
    type: 'object',
    description:
      'Constant attributes and price-book version; hours and amount exact (up to 15 decimals, unrounded)',
    required: [
      'from',
      'to',
      'weight',
      'pricePerHour',
      'hours',
      'amount',
      'priceBookId',
      'openedBy',
      'closedBy',
    ],
    properties: {
      from: { type: 'string', format: 'date-time' },
      to: { type: 'string', format: 'date-time' },
      template: { type: 'string', description: 'VM and VS' },
      state: { type: 'string', enum: ['running', 'suspended', 'stopped'], description: 'VM' },
      realServerCount: { type: 'integer', minimum: 0, description: 'VS' },
      sizeGb: { allOf: [ref('Decimal')], description: 'Image' },
      weight: { allOf: [ref('Decimal')], description: '`1` for images' },
      pricePerHour: {
        allOf: [ref('Decimal')],
        description: 'For images: the tier price of the whole image per hour',
      },
      hours: ref('Decimal'),
      amount: ref('Money'),
      priceBookId: { type: 'string', format: 'uuid', description: 'The version that priced it' },
      openedBy: { type: 'string', description: 'The id of the event that opened the interval' },
      closedBy: {
        type: 'string',
        nullable: true,
        description:
          'The id of the event that ended these attributes; `null` while the resource is still billed (not deleted, no later change)',
      },
    },
  },
  UnratedUsage: {
    type: 'object',
    required: [
      'resourceType',
      'resourceId',
      'reason',
      'message',
      'from',
      'to',
      'eventIds',
      'blocking',
    ],
    properties: {
      resourceType: RESOURCE_TYPE,
      resourceId: { type: 'string' },
      reason: { type: 'string', enum: Object.values(RatingIssueReason) },
      message: { type: 'string' },
      from: { type: 'string', format: 'date-time' },
      to: { type: 'string', format: 'date-time', nullable: true },
      eventIds: { type: 'array', items: { type: 'string' } },
      blocking: {
        type: 'boolean',
        description: 'False only for issues that carry no usage (events after deletion)',
      },
    },
  },
};

export const STATEMENT_EXAMPLE = {
  tenantId: 't-1',
  period: '2026-10',
  status: 'finalized',
  invoiceNumber: 'INV-000042',
  currency: 'USD',
  total: '31.48',
  asOf: '2026-11-01T00:00:00.000Z',
  unrated: [],
  lines: [
    {
      type: 'usage',
      resourceType: 'vm',
      resourceId: 'vm-1',
      amount: '29.76',
      hours: '744',
      intervals: [
        {
          from: '2026-10-01T00:00:00.000Z',
          to: '2026-11-01T00:00:00.000Z',
          template: 'standard',
          state: 'running',
          weight: '2',
          pricePerHour: '0.02',
          hours: '744',
          amount: '29.76',
          priceBookId: '3f2b9c1e-7a4d-4f7e-9a51-0c6d2e8b1a90',
          openedBy: 'evt-1',
          closedBy: null,
        },
      ],
    },
    {
      type: 'adjustment',
      resourceType: 'image',
      resourceId: 'img-9',
      adjustsPeriod: '2026-09',
      amount: '1.72',
    },
  ],
};
