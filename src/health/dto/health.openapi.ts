import type { SchemaComponents } from '../../openapi/schemas';

/** OpenAPI description of the health endpoints (terminus' answer for readiness). */
const CHECKS = {
  type: 'object',
  description: 'Per dependency (`postgres`, `redis`): `{status: "up" | "down", message?}`',
  additionalProperties: {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', enum: ['up', 'down'] }, message: { type: 'string' } },
  },
};

export const HEALTH_SCHEMAS: SchemaComponents = {
  Liveness: {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', enum: ['ok'] } },
  },
  Readiness: {
    type: 'object',
    required: ['status', 'details'],
    properties: {
      status: { type: 'string', enum: ['ok'] },
      info: CHECKS,
      error: CHECKS,
      details: CHECKS,
    },
    example: {
      status: 'ok',
      info: { postgres: { status: 'up' }, redis: { status: 'up' } },
      error: {},
      details: { postgres: { status: 'up' }, redis: { status: 'up' } },
    },
  },
};
