import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { RequireScopes } from '../auth/scopes.decorator';
import { ProblemCode, ProblemException } from '../common/problem/problem';
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
  })
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
