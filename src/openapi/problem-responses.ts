import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { ExampleObject, HeadersObject } from '@nestjs/swagger';
import { problem, ProblemCode, type ProblemDetails } from '../common/problem/problem';
import { ref } from './schemas';

/** The media type of every error answer (RFC 9457). */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 503;

/** One documented error answer of an operation. */
export interface ProblemDoc {
  status: ProblemStatus;
  /** The problem codes this operation answers with this status (default: the status's usual one). */
  codes?: ProblemCode[];
  /** Replaces the generated description. */
  description?: string;
  /** Operation-specific examples, by code (replace the generic ones). */
  examples?: Partial<Record<ProblemCode, ProblemDetails>>;
  /** Replaces the generated response headers (`null`: none). */
  headers?: HeadersObject | null;
}

const DEFAULT_CODES: Record<ProblemStatus, ProblemCode[]> = {
  400: [ProblemCode.ValidationFailed],
  401: [ProblemCode.Unauthorized],
  403: [ProblemCode.Forbidden],
  404: [ProblemCode.NotFound],
  409: [],
  413: [ProblemCode.PayloadTooLarge],
  415: [ProblemCode.UnsupportedMediaType],
  503: [ProblemCode.ServiceUnavailable],
};

const SUMMARIES: Record<ProblemStatus, string> = {
  400: 'Bad request',
  401: 'No valid API key',
  403: 'The API key lacks the required scope',
  404: 'Not found',
  409: 'Conflict',
  413: 'Too large',
  415: 'Unsupported content type',
  503: 'Temporarily unavailable; retry',
};

/** What each code means, for the response description, and a realistic example. */
const CODES: Partial<Record<ProblemCode, { note: string; example: ProblemDetails }>> = {
  [ProblemCode.ValidationFailed]: {
    note: '`errors` lists every problem as `{index?, field, message}`',
    example: problem(
      400,
      ProblemCode.ValidationFailed,
      '1 problem with the request: tenantId: must be 1–128 chars of [A-Za-z0-9._-]',
      { errors: [{ field: 'tenantId', message: 'must be 1–128 chars of [A-Za-z0-9._-]' }] },
    ),
  },
  [ProblemCode.MalformedJson]: {
    note: 'the body is not JSON',
    example: problem(400, ProblemCode.MalformedJson, 'The body is not valid JSON'),
  },
  [ProblemCode.Unauthorized]: {
    note: 'no `Authorization: Bearer <key>`, or the key is unknown or revoked',
    example: problem(
      401,
      ProblemCode.Unauthorized,
      'Send an API key as "Authorization: Bearer <key>"',
    ),
  },
  [ProblemCode.Forbidden]: {
    note: 'the key is valid but lacks the scope',
    example: problem(403, ProblemCode.Forbidden, 'This endpoint needs scope admin'),
  },
  [ProblemCode.NotFound]: {
    note: 'no such resource',
    example: problem(404, ProblemCode.NotFound, 'No such resource'),
  },
  [ProblemCode.PayloadTooLarge]: {
    note: 'the body exceeds 1 MiB',
    example: problem(413, ProblemCode.PayloadTooLarge, 'The body exceeds 1 MiB'),
  },
  [ProblemCode.UnsupportedMediaType]: {
    note: 'a content type this operation does not accept',
    example: problem(
      415,
      ProblemCode.UnsupportedMediaType,
      'This content type is not accepted here',
    ),
  },
  [ProblemCode.EventConflict]: {
    note: 'an event `(source, id)` was stored before with different content (extension `conflicts: [{source, id}]`)',
    example: problem(
      409,
      ProblemCode.EventConflict,
      'Event evt-1 from //control-plane/cluster-7 was stored before with different content; (source, id) identifies one event forever',
      { conflicts: [{ source: '//control-plane/cluster-7', id: 'evt-1' }] },
    ),
  },
  [ProblemCode.TenantConflict]: {
    note: 'the resource belongs to another tenant (extensions `resourceType`, `resourceId`)',
    example: problem(409, ProblemCode.TenantConflict, 'vm vm-1 belongs to tenant t-1, not t-2', {
      resourceType: 'vm',
      resourceId: 'vm-1',
    }),
  },
  [ProblemCode.PriceBookExists]: {
    note: 'a different version exists for this `tenantId` and `effectiveFrom`; versions are immutable (extension `existingId`)',
    example: problem(
      409,
      ProblemCode.PriceBookExists,
      'Version 3f2b9c1e-7a4d-4f7e-9a51-0c6d2e8b1a90 already takes effect at 2026-01-01T00:00:00.000Z for the global book; versions are immutable, so choose another effectiveFrom',
      { existingId: '3f2b9c1e-7a4d-4f7e-9a51-0c6d2e8b1a90' },
    ),
  },
  [ProblemCode.PeriodFinalized]: {
    note: '`effectiveFrom` is before the end of the latest finalized period (extension `latestFinalizedPeriod`)',
    example: problem(
      409,
      ProblemCode.PeriodFinalized,
      'Period 2026-09 is finalized: effectiveFrom must be at or after 2026-10-01T00:00:00.000Z',
      { latestFinalizedPeriod: '2026-09' },
    ),
  },
  [ProblemCode.CurrencyChangeMidPeriod]: {
    note: "the version would change a tenant's currency other than at 00:00 UTC on the 1st of a month (extension `changes`)",
    example: problem(
      409,
      ProblemCode.CurrencyChangeMidPeriod,
      'tenant t-1 would change from USD to EUR at 2026-01-15T00:00:00.000Z, inside a billing period; a currency may change only at the start of a month (00:00 UTC on the 1st)',
      { changes: [{ tenantId: 't-1', at: '2026-01-15T00:00:00.000Z', from: 'USD', to: 'EUR' }] },
    ),
  },
  [ProblemCode.PeriodNotEnded]: {
    note: 'the period has not ended yet',
    example: problem(
      409,
      ProblemCode.PeriodNotEnded,
      'Period 2026-10 ends at 2026-11-01T00:00:00.000Z',
    ),
  },
  [ProblemCode.EarlierPeriodOpen]: {
    note: 'an earlier period with usage is not finalized (extension `earliestOpenPeriod`)',
    example: problem(
      409,
      ProblemCode.EarlierPeriodOpen,
      'Period 2026-09 has usage and is not finalized; finalize it first',
      { earliestOpenPeriod: '2026-09' },
    ),
  },
  [ProblemCode.UnratedUsage]: {
    note: 'the period has usage that cannot be rated, or a late event left usage unrated in a finalized period whose adjustment would land on it (extension `unrated`; see `GET /v1/rating-issues`)',
    example: problem(
      409,
      ProblemCode.UnratedUsage,
      'Period 2026-10 cannot be finalized: there is usage in 2026-10 that cannot be rated (see GET /v1/rating-issues), e.g. vm vm-1 of tenant t-1: unknown_template',
      {
        unrated: [
          { tenantId: 't-1', resourceType: 'vm', resourceId: 'vm-1', reason: 'unknown_template' },
        ],
      },
    ),
  },
  [ProblemCode.RatingPending]: {
    note: 'events touching the period are still being rated; retry after `Retry-After` seconds (extension `pendingResources`)',
    example: problem(
      409,
      ProblemCode.RatingPending,
      '3 resource(s) have events touching 2026-10 that are not rated yet; retry shortly',
      { pendingResources: 3 },
    ),
  },
  [ProblemCode.ServiceUnavailable]: {
    note: 'PostgreSQL is unavailable (e.g. a failover); nothing was half-written, retry after `Retry-After` seconds',
    example: problem(
      503,
      ProblemCode.ServiceUnavailable,
      'The database is unavailable; retry shortly',
    ),
  },
};

const retryAfter = (when: string) => ({
  'Retry-After': {
    description: `Seconds to wait before retrying; sent ${when}`,
    schema: { type: 'integer', minimum: 0 },
  },
});

function headersFor(status: ProblemStatus, codes: ProblemCode[]): HeadersObject | undefined {
  if (status === 401)
    return { 'WWW-Authenticate': { description: 'Always `Bearer`', schema: { type: 'string' } } };
  if (status === 503) return retryAfter('when the database is unavailable (e.g. a failover)');
  if (codes.includes(ProblemCode.RatingPending)) return retryAfter('with `rating-pending`');
  return undefined;
}

/**
 * Documents error answers: each status as `application/problem+json` with the
 * shared `Problem` schema, a description naming the codes it can carry, and
 * one example per code. `ApiProblems(400, 401, 403, { status: 409, codes: [...] })`.
 */
export function ApiProblems(...docs: (ProblemStatus | ProblemDoc)[]): MethodDecorator {
  return applyDecorators(
    ...docs.map((d) => {
      const doc: ProblemDoc = typeof d === 'number' ? { status: d } : d;
      const codes = doc.codes ?? DEFAULT_CODES[doc.status];
      const examples: Record<string, ExampleObject> = {};
      for (const code of codes) {
        const value = doc.examples?.[code] ?? CODES[code]?.example;
        if (value) examples[code] = { summary: CODES[code]?.note ?? code, value };
      }
      const description =
        doc.description ??
        `${SUMMARIES[doc.status]}: ${codes.map((c) => `\`${c}\` — ${CODES[c]?.note ?? c}`).join('; ')}`;
      return ApiResponse({
        status: doc.status,
        description,
        headers:
          doc.headers === undefined ? headersFor(doc.status, codes) : (doc.headers ?? undefined),
        content: {
          [PROBLEM_MEDIA_TYPE]: {
            schema: ref('Problem'),
            ...(Object.keys(examples).length > 0 ? { examples } : {}),
          },
        },
      });
    }),
  );
}
