import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiHeaders, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { RequireScopes } from '../auth/scopes.decorator';
import { problem, ProblemCode, ProblemException } from '../common/problem/problem';
import { ApiProblems } from '../openapi/problem-responses';
import { ref } from '../openapi/schemas';
import { BINARY_MODE_HEADERS, EVENT_EXAMPLES } from './dto/cloud-event.openapi';
import { IngestService, type IngestResult } from './ingest.service';
import { eventFromBinary } from './validation';

export const STRUCTURED = 'application/cloudevents+json';
export const BATCH = 'application/cloudevents-batch+json';

@ApiTags('events')
@ApiBearerAuth()
@Controller('v1/events')
export class EventsController {
  constructor(private readonly ingest: IngestService) {}

  @Post()
  @HttpCode(202)
  @RequireScopes('ingest')
  @ApiOperation({
    summary: 'Ingest CloudEvents: structured, batch or binary mode (all or nothing)',
    description:
      'Scope `ingest` or `admin`. A request is all or nothing: every event is validated first ' +
      '(a 400 lists every problem), then new events are committed to PostgreSQL before the ' +
      '202. `(source, id)` is the idempotency key forever: an identical resend counts as a ' +
      'duplicate, the same key with different content is a 409. At most 1000 events and 1 MiB.',
    requestBody: {
      required: true,
      description:
        'Structured mode (one event), batch mode (a JSON array of 1–1000 events), or binary ' +
        'mode: `Content-Type: application/json`, the event data as the body and its attributes ' +
        'as `ce-*` headers (see the header parameters).',
      content: {
        [STRUCTURED]: {
          schema: ref('CloudEvent'),
          examples: { vmCreated: { summary: 'vm.created', value: EVENT_EXAMPLES.structured } },
        },
        [BATCH]: {
          schema: { type: 'array', minItems: 1, maxItems: 1000, items: ref('CloudEvent') },
          examples: { batch: { summary: 'Three events', value: EVENT_EXAMPLES.batch } },
        },
        'application/json': {
          schema: ref('EventData'),
          examples: {
            vmResized: {
              summary: 'Binary mode: data of a vm.resized (with ce-* headers)',
              value: EVENT_EXAMPLES.binaryData,
            },
          },
        },
      },
    },
  })
  @ApiHeaders(BINARY_MODE_HEADERS)
  @ApiResponse({
    status: 202,
    description: 'Every event valid; new ones are stored durably',
    schema: ref('IngestResult'),
    example: { accepted: 2, duplicates: 1 },
  })
  @ApiProblems(
    {
      status: 400,
      codes: [ProblemCode.ValidationFailed, ProblemCode.MalformedJson],
      description:
        'Any event invalid, nothing stored: `validation-failed` lists every problem as ' +
        '`{index, field, message}` (`index`: position in the request); an empty batch is a 400 ' +
        'too. `malformed-json` — the body is not JSON.',
      examples: {
        [ProblemCode.ValidationFailed]: problem(
          400,
          ProblemCode.ValidationFailed,
          '2 problems with the request: [0] data.tenantId: is required; [1] time: must be at most 5 minutes in the future',
          {
            errors: [
              { index: 0, field: 'data.tenantId', message: 'is required' },
              { index: 1, field: 'time', message: 'must be at most 5 minutes in the future' },
            ],
          },
        ),
      },
    },
    401,
    {
      status: 403,
      examples: {
        [ProblemCode.Forbidden]: problem(
          403,
          ProblemCode.Forbidden,
          'This endpoint needs scope admin or ingest',
        ),
      },
    },
    { status: 409, codes: [ProblemCode.EventConflict, ProblemCode.TenantConflict] },
    {
      status: 413,
      description:
        'Too large, nothing stored: `payload-too-large` — more than 1000 events, or a body over 1 MiB',
    },
    {
      status: 415,
      description:
        '`unsupported-media-type` — any content type but `application/cloudevents+json`, ' +
        '`application/cloudevents-batch+json` or `application/json`',
    },
    503,
  )
  async create(@Req() req: FastifyRequest): Promise<IngestResult> {
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    let raw: unknown[];
    if (mediaType === STRUCTURED) {
      if (Array.isArray(req.body)) {
        throw ProblemException.validation([
          {
            field: '(body)',
            message: `a structured event is one JSON object; send an array as ${BATCH}`,
          },
        ]);
      }
      raw = [req.body];
    } else if (mediaType === BATCH) {
      if (!Array.isArray(req.body))
        throw ProblemException.validation([
          { field: '(body)', message: 'a batch is a JSON array of events' },
        ]);
      raw = req.body as unknown[];
    } else if (mediaType === 'application/json') {
      raw = [eventFromBinary(req.headers, req.body)];
    } else {
      throw new ProblemException(
        415,
        ProblemCode.UnsupportedMediaType,
        `Send ${STRUCTURED}, ${BATCH}, or application/json with ce-* headers (binary mode)`,
      );
    }
    return this.ingest.store(this.ingest.validate(raw), 'http');
  }
}
