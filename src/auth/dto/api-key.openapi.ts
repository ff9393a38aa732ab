import { ref, TENANT_ID_PATTERN, type SchemaComponents } from '../../openapi/schemas';

/** OpenAPI description of the API-key endpoints; `createApiKeySchema` (zod) validates. */
const SCOPE = {
  type: 'string',
  enum: ['admin', 'ingest', 'tenant'],
  description:
    '`admin`: everything; `ingest`: `POST /v1/events`; `tenant`: that tenant’s statements',
};

export const API_KEY_SCHEMAS: SchemaComponents = {
  CreateApiKey: {
    type: 'object',
    required: ['scope'],
    additionalProperties: false,
    properties: {
      scope: SCOPE,
      tenantId: {
        type: 'string',
        pattern: TENANT_ID_PATTERN,
        nullable: true,
        description:
          'Required for scope `tenant`, refused for the others (`null` counts as absent)',
      },
    },
  },
  IssuedApiKey: {
    type: 'object',
    required: ['id', 'key', 'scope', 'tenantId', 'createdAt'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      key: {
        type: 'string',
        pattern: '^bk_[A-Za-z0-9_-]{43}$',
        description: 'The key itself: shown in this answer only, stored hashed',
      },
      scope: SCOPE,
      tenantId: { type: 'string', nullable: true },
      createdAt: { type: 'string', format: 'date-time' },
    },
  },
  ApiKey: {
    type: 'object',
    description: 'A stored key: never the key or its hash',
    required: ['id', 'scope', 'tenantId', 'keyPrefix', 'createdAt', 'revokedAt'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      scope: SCOPE,
      tenantId: { type: 'string', nullable: true },
      keyPrefix: {
        type: 'string',
        description: 'The first 11 characters of the key, to recognise it',
        example: 'bk_Xy3kP0aQ',
      },
      createdAt: { type: 'string', format: 'date-time' },
      revokedAt: { type: 'string', format: 'date-time', nullable: true },
    },
  },
  ApiKeyList: {
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array', description: 'Oldest first', items: ref('ApiKey') } },
  },
};
