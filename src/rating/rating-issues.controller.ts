import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { RequireScopes } from '../auth/scopes.decorator';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { parseRfc3339, toIso } from '../common/time';
import { ApiProblems } from '../openapi/problem-responses';
import { ref, TENANT_ID_PATTERN } from '../openapi/schemas';
import { RatingIssueReason } from './core/types';

/** Where a page ended: the sort key of its last issue. */
type Cursor = [
  tenantId: string,
  resourceType: string,
  subject: string,
  from: string,
  reason: string,
];

const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');

/** True for an instant as `toIso` prints it. */
const isPrintedInstant = (s: string) => {
  const ms = parseRfc3339(s);
  return ms !== null && toIso(ms) === s;
};

const cursor = z.string().transform((s, ctx): Cursor => {
  try {
    const c: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    // exactly what `encodeCursor` writes: five strings PostgreSQL can take
    // (no NUL), the instant as `toIso` prints it (`Date.parse` took Feb 30,
    // which PostgreSQL refused: a 500), and the same base64url text
    if (
      Array.isArray(c) &&
      c.length === 5 &&
      c.every((x) => typeof x === 'string' && !x.includes('\u0000')) &&
      isPrintedInstant(c[3] as string) &&
      encodeCursor(c as Cursor) === s
    )
      return c as Cursor;
  } catch {
    // not JSON: answered below
  }
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a `next` this endpoint answered' });
  return z.NEVER;
});

const query = z
  .object({
    tenantId: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be 1–128 chars of [A-Za-z0-9._-]')
      .optional(),
    reason: z.nativeEnum(RatingIssueReason).optional(),
    limit: z.coerce
      .number({ invalid_type_error: 'must be an integer from 1 to 1000' })
      .int('must be an integer from 1 to 1000')
      .min(1, 'must be an integer from 1 to 1000')
      .max(1000, 'must be an integer from 1 to 1000')
      .default(100),
    after: cursor.optional(),
  })
  .strict();

export interface RatingIssueView {
  tenantId: string;
  resourceType: string;
  resourceId: string;
  reason: RatingIssueReason;
  message: string;
  from: string;
  to: string | null;
  eventIds: string[];
  blocking: boolean;
  detectedAt: string;
}

@ApiTags('rating')
@ApiBearerAuth()
@RequireScopes('admin')
@Controller('v1/rating-issues')
export class RatingIssuesController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  @ApiOperation({
    summary: 'Usage that cannot be rated, and why (CONTRACT §4)',
    description:
      'Scope `admin`. Unrated usage is never billed as zero: it is shown on statements as ' +
      '`unrated`, blocks finalization (unless `blocking` is false) and is re-rated once the ' +
      'cause is fixed, e.g. by a new price-book version.',
  })
  @ApiQuery({
    name: 'tenantId',
    required: false,
    schema: { type: 'string', pattern: TENANT_ID_PATTERN },
  })
  @ApiQuery({
    name: 'reason',
    required: false,
    schema: { type: 'string', enum: Object.values(RatingIssueReason) },
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: 'At most this many issues',
    schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  })
  @ApiQuery({
    name: 'after',
    required: false,
    description: 'The `next` of the previous page: the issues after it, in the same order',
    schema: { type: 'string' },
  })
  @ApiResponse({
    status: 200,
    description: 'The issues',
    schema: ref('RatingIssueList'),
    example: {
      items: [
        {
          tenantId: 't-1',
          resourceType: 'vm',
          resourceId: 'vm-1',
          reason: RatingIssueReason.UnknownTemplate,
          message: 'template "gpu" is not in price book 3f2b9c1e-7a4d-4f7e-9a51-0c6d2e8b1a90',
          from: '2026-10-16T11:00:00.000Z',
          to: null,
          eventIds: ['evt-1'],
          blocking: true,
          detectedAt: '2026-10-16T11:00:02.114Z',
        },
      ],
      next: null,
    },
  })
  @ApiProblems(400, 401, 403, 503)
  async list(
    @Query(new ZodValidationPipe(query)) q: z.output<typeof query>,
  ): Promise<{ items: RatingIssueView[]; next: string | null }> {
    const rows: {
      tenant_id: string;
      resource_type: string;
      subject: string;
      reason: RatingIssueReason;
      message: string;
      from_at: Date;
      to_at: Date | null;
      event_ids: string[];
      blocking: boolean;
      detected_at: Date;
    }[] = await this.dataSource.query(
      `SELECT tenant_id, resource_type, subject, reason, message, from_at, to_at, event_ids, blocking, detected_at
         FROM rating_issues
        WHERE ($1::text IS NULL OR tenant_id = $1) AND ($2::text IS NULL OR reason = $2)
          AND ($4::text IS NULL
               OR (tenant_id, resource_type, subject, from_at, reason) > ($4, $5, $6, $7::timestamptz, $8))
        ORDER BY tenant_id, resource_type, subject, from_at, reason
        LIMIT $3`,
      [
        q.tenantId ?? null,
        q.reason ?? null,
        q.limit + 1,
        ...(q.after ?? [null, null, null, null, null]),
      ],
    );
    // one more than asked: whether there is a next page
    const page = rows.slice(0, q.limit);
    const last = rows.length > q.limit ? page[page.length - 1] : undefined;
    return {
      next:
        last === undefined
          ? null
          : encodeCursor([
              last.tenant_id,
              last.resource_type,
              last.subject,
              last.from_at.toISOString(),
              last.reason,
            ]),
      items: page.map((r) => ({
        tenantId: r.tenant_id,
        resourceType: r.resource_type,
        resourceId: r.subject,
        reason: r.reason,
        message: r.message,
        from: r.from_at.toISOString(),
        to: r.to_at?.toISOString() ?? null,
        eventIds: r.event_ids,
        blocking: r.blocking,
        detectedAt: r.detected_at.toISOString(),
      })),
    };
  }
}
