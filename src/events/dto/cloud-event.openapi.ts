import type { ParameterObject } from '@nestjs/swagger';
import {
  ref,
  TEMPLATE_PATTERN,
  TENANT_ID_PATTERN,
  type SchemaComponents,
} from '../../openapi/schemas';
import { EVENT_TYPES } from '../validation/cloud-event.types';

/**
 * OpenAPI description of `POST /v1/events` (CONTRACT §1). The CloudEvent
 * validator (`src/events/validation`) validates; this only documents.
 */
export const SUBJECT_PATTERN = '^[A-Za-z0-9._:/-]{1,256}$';

const SEQUENCE_DESCRIPTION =
  'Optional extension: a non-negative integer ordering events with equal `time`: a string of digits ≤ 2^63 − 1, or a JSON number ≤ 2^53 − 1 (larger numbers lose digits in JSON)';

export const CLOUD_EVENT_SCHEMAS: SchemaComponents = {
  CloudEvent: {
    type: 'object',
    description:
      'A CloudEvent 1.0 in structured mode. `(source, id)` is the idempotency key, forever. Other extension attributes (e.g. `traceparent`) are allowed and kept.',
    required: ['specversion', 'id', 'source', 'type', 'time', 'subject', 'data'],
    properties: {
      specversion: { type: 'string', enum: ['1.0'] },
      id: { type: 'string', minLength: 1, maxLength: 256, example: 'evt-1' },
      source: {
        type: 'string',
        format: 'uri-reference',
        minLength: 1,
        maxLength: 2048,
        example: '//control-plane/cluster-7',
      },
      type: { type: 'string', enum: [...EVENT_TYPES] },
      time: {
        type: 'string',
        format: 'date-time',
        description:
          'RFC 3339 with offset; at most 5 minutes in the future; finer than milliseconds is truncated',
        example: '2026-10-16T11:00:00Z',
      },
      subject: {
        type: 'string',
        pattern: SUBJECT_PATTERN,
        description: 'The resource id; (resource type, subject) identifies a resource',
        example: 'vm-1',
      },
      sequence: {
        description: SEQUENCE_DESCRIPTION,
        oneOf: [
          { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
          { type: 'string', pattern: '^[0-9]+$' },
        ],
      },
      datacontenttype: {
        type: 'string',
        description: '`application/json` or a media type ending in `+json`',
        example: 'application/json',
      },
      data: ref('EventData'),
    },
    additionalProperties: true,
  },
  EventData: {
    type: 'object',
    description:
      'Event data. Required by type: `vm.created` → `template`, `state`; `vm.resized` → `template`; ' +
      '`vs.created` → `template`, `realServerCount`; `vs.updated` → `template` and/or `realServerCount`; ' +
      '`image.created` → `sizeGb`. Any event may carry the rated attributes of its own resource type; ' +
      'they take effect at its `time` (others are kept but ignored). `data_base64` is refused.',
    required: ['tenantId'],
    properties: {
      tenantId: {
        type: 'string',
        pattern: TENANT_ID_PATTERN,
        description: 'The owner; a resource belongs to one tenant',
        example: 't-1',
      },
      template: { type: 'string', pattern: TEMPLATE_PATTERN, example: 'standard' },
      state: {
        type: 'string',
        enum: ['running', 'suspended', 'stopped'],
        description: 'VM state (the event type wins: `vm.started` means running)',
      },
      realServerCount: {
        description: 'VS real servers: an integer 0–1 000 000 (a string of digits is accepted)',
        oneOf: [
          { type: 'integer', minimum: 0, maximum: 1_000_000 },
          { type: 'string', pattern: '^[0-9]+$' },
        ],
      },
      sizeGb: { allOf: [ref('DecimalInput')], description: 'Image size in GB' },
      fromNode: { type: 'string', description: '`vm.migrated` only; not billed' },
      toNode: { type: 'string', description: '`vm.migrated` only; not billed' },
    },
    additionalProperties: true,
  },
  IngestResult: {
    type: 'object',
    required: ['accepted', 'duplicates'],
    properties: {
      accepted: {
        type: 'integer',
        minimum: 0,
        description: 'New events, stored durably (committed) before this answer',
      },
      duplicates: {
        type: 'integer',
        minimum: 0,
        description: 'Identical resends of events already stored (or repeated in this request)',
      },
    },
    additionalProperties: false,
  },
};

const VM_CREATED = {
  specversion: '1.0',
  id: 'evt-1',
  source: '//control-plane/cluster-7',
  type: 'vm.created',
  time: '2026-10-16T11:00:00Z',
  subject: 'vm-1',
  datacontenttype: 'application/json',
  data: { tenantId: 't-1', template: 'standard', state: 'running' },
};

export const EVENT_EXAMPLES = {
  structured: VM_CREATED,
  batch: [
    VM_CREATED,
    {
      specversion: '1.0',
      id: 'evt-2',
      source: '//control-plane/cluster-7',
      type: 'vm.suspended',
      time: '2026-10-16T18:00:00Z',
      sequence: 2,
      subject: 'vm-1',
      data: { tenantId: 't-1' },
    },
    {
      specversion: '1.0',
      id: 'evt-3',
      source: '//control-plane/cluster-7',
      type: 'image.created',
      time: '2026-10-16T11:05:00Z',
      subject: 'img-9',
      data: { tenantId: 't-1', sizeGb: '250' },
    },
  ],
  binaryData: { tenantId: 't-1', template: 'enhanced' },
};

/**
 * Binary mode (`Content-Type: application/json`): the attributes travel as
 * `ce-*` headers. Not `required` in the document because the other two
 * content types do not use them; in binary mode the first six are required.
 */
export const BINARY_MODE_HEADERS: (Omit<ParameterObject, 'in'> & { name: string })[] = [
  { name: 'ce-specversion', schema: { type: 'string', enum: ['1.0'] }, example: '1.0' },
  { name: 'ce-id', schema: { type: 'string', minLength: 1, maxLength: 256 }, example: 'evt-4' },
  {
    name: 'ce-source',
    schema: { type: 'string', minLength: 1, maxLength: 2048 },
    example: '//control-plane/cluster-7',
  },
  { name: 'ce-type', schema: { type: 'string', enum: [...EVENT_TYPES] }, example: 'vm.resized' },
  {
    name: 'ce-time',
    schema: { type: 'string', format: 'date-time' },
    example: '2026-10-17T08:00:00Z',
  },
  { name: 'ce-subject', schema: { type: 'string', pattern: SUBJECT_PATTERN }, example: 'vm-1' },
  {
    name: 'ce-sequence',
    schema: { type: 'string', pattern: '^[0-9]+$' },
    description: `Binary mode only. ${SEQUENCE_DESCRIPTION}`,
  },
].map((h) => ({
  description: `Binary mode only (\`Content-Type: application/json\`): the \`${h.name.slice(3)}\` attribute${h.name === 'ce-sequence' ? '' : '; required there'}. Percent-encoded per the CloudEvents HTTP binding.`,
  ...h,
  required: false,
}));
