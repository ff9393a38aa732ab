import { ref, TENANT_ID_PATTERN, type SchemaComponents } from '../../openapi/schemas';

/** OpenAPI description of `GET /v1/rating-issues` (CONTRACT §4). */
export const RATING_ISSUE_SCHEMAS: SchemaComponents = {
  RatingIssue: {
    description: 'Unrated usage of one resource, and why',
    allOf: [
      ref('UnratedUsage'),
      {
        type: 'object',
        required: ['tenantId', 'detectedAt'],
        properties: {
          tenantId: { type: 'string', pattern: TENANT_ID_PATTERN },
          detectedAt: { type: 'string', format: 'date-time' },
        },
      },
    ],
  },
  RatingIssueList: {
    type: 'object',
    required: ['items', 'next'],
    properties: {
      items: {
        type: 'array',
        description: 'By tenant, resource type, resource id, `from` and reason',
        items: ref('RatingIssue'),
      },
      next: {
        type: 'string',
        nullable: true,
        description:
          'More issues follow: pass this as `after` for the next page (null: this page is the last)',
      },
    },
  },
};
