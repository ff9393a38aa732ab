import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { assertTenantAccess, CurrentPrincipal, RequireScopes, type Principal } from '../auth';
import { problem, ProblemCode } from '../common/problem/problem';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { ApiProblems, type ProblemDoc } from '../openapi/problem-responses';
import { PERIOD_PATTERN, ref, TENANT_ID_PATTERN } from '../openapi/schemas';
import { STATEMENT_EXAMPLE } from './dto/statement.openapi';
import { periodParam, replyCached, tenantParam } from './cached-answer';
import type { StatementSummaryView } from './statement.model';
import { StatementsService } from './statements.service';

const READERS =
  'Scope `admin`, or scope `tenant` for that tenant only: another tenant answers 404 and never its data.';
const FORBIDDEN: ProblemDoc = {
  status: 403,
  description: 'The API key lacks the required scope: `forbidden` — e.g. an `ingest` key',
  examples: {
    [ProblemCode.Forbidden]: problem(
      403,
      ProblemCode.Forbidden,
      'This endpoint needs scope admin or tenant',
    ),
  },
};

@ApiTags('statements')
@ApiParam({
  name: 'tenantId',
  description: 'The tenant',
  schema: { type: 'string', pattern: TENANT_ID_PATTERN },
})
@ApiBearerAuth()
@RequireScopes('tenant')
@Controller('v1/tenants/:tenantId/statements')
export class StatementsController {
  constructor(private readonly statements: StatementsService) {}

  @Get()
  @ApiOperation({ summary: "A tenant's statements, newest first", description: READERS })
  @ApiResponse({
    status: 200,
    description: 'One summary per period with usage (or an invoice), newest first',
    schema: ref('StatementList'),
    example: {
      items: [
        { period: '2026-11', status: 'open', invoiceNumber: null, currency: 'USD', total: '12.07' },
        {
          period: '2026-10',
          status: 'finalized',
          invoiceNumber: 'INV-000042',
          currency: 'USD',
          total: '31.48',
        },
      ],
    },
  })
  @ApiProblems(
    400,
    401,
    FORBIDDEN,
    {
      status: 404,
      description: 'Not found: `not-found` — a tenant key asking for another tenant',
      examples: { [ProblemCode.NotFound]: problem(404, ProblemCode.NotFound, 'No such tenant') },
    },
    503,
  )
  async list(
    @Param('tenantId', new ZodValidationPipe(tenantParam)) tenantId: string,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<{ items: StatementSummaryView[] }> {
    assertTenantAccess(principal, tenantId);
    return { items: await this.statements.list(tenantId) };
  }

  @Get(':period')
  @ApiOperation({
    summary: 'One statement: lines, intervals, unrated usage',
    description:
      `${READERS} A finalized period answers its invoice, frozen; an open one is computed now, ` +
      'accruing up to `asOf`. Lines round once, half up, to the currency’s minor unit; ' +
      'intervals are exact and name the price-book version and the events behind them. ' +
      'A period that has ended (open or finalized) is built once per change and served from memory: ' +
      'its answer carries a strong `ETag` (revalidate with `If-None-Match`: `304` while nothing changed) ' +
      'and is sent gzip-compressed when `Accept-Encoding` allows it. The current period is computed ' +
      'on every request and has no `ETag`.',
  })
  @ApiParam({
    name: 'period',
    description: 'A UTC calendar month',
    schema: { type: 'string', pattern: PERIOD_PATTERN, example: '2026-10' },
  })
  @ApiHeader({
    name: 'If-None-Match',
    required: false,
    description:
      'An `ETag` of an earlier answer: `304 Not Modified` (no body) while the statement is unchanged',
    schema: { type: 'string', example: '"hY3o1y8c2VbQm4Xk0pTqZr7sLwE"' },
  })
  @ApiHeader({
    name: 'Accept-Encoding',
    required: false,
    description: 'With `gzip`, an ended period is answered `Content-Encoding: gzip`',
    schema: { type: 'string', example: 'gzip, deflate, br' },
  })
  @ApiResponse({
    status: 200,
    description: 'The statement',
    schema: ref('Statement'),
    example: STATEMENT_EXAMPLE,
    headers: {
      ETag: {
        description:
          'Ended periods only: strong, one per statement content and encoding (the gzip tag ends in `-gzip"`)',
        schema: { type: 'string' },
      },
      'Content-Encoding': {
        description: 'Ended periods only: `gzip` when the request accepts it',
        schema: { type: 'string', enum: ['gzip'] },
      },
      Vary: {
        description: 'Ended periods only: `accept-encoding`',
        schema: { type: 'string' },
      },
      'Cache-Control': {
        description: 'Ended periods only: `private, no-cache` (revalidate with the `ETag`)',
        schema: { type: 'string' },
      },
    },
  })
  @ApiResponse({
    status: 304,
    description:
      'Not modified: the `If-None-Match` tag is the current one (ended periods only); no body',
    headers: {
      ETag: { description: 'The current tag', schema: { type: 'string' } },
    },
  })
  @ApiProblems(
    400,
    401,
    FORBIDDEN,
    {
      status: 404,
      description:
        'Not found: `not-found` — a tenant key asking for another tenant, or a period that has not started',
      examples: {
        [ProblemCode.NotFound]: problem(
          404,
          ProblemCode.NotFound,
          'Period 2027-01 has not started',
        ),
      },
    },
    503,
  )
  async one(
    @Param('tenantId', new ZodValidationPipe(tenantParam)) tenantId: string,
    @Param('period', new ZodValidationPipe(periodParam)) period: string,
    @CurrentPrincipal() principal: Principal | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    // Ended periods are usually answered before this runs, by the fast path
    // (statement-fast-path.ts) with these same checks: change both together.
    // Access first: nothing below (cache included) runs for another tenant's key.
    assertTenantAccess(principal, tenantId);
    const tag = await this.statements.tag(tenantId, period);
    if (tag === null) {
      // the current period (or no cache): computed now, serialized by Fastify as before
      await reply.send(await this.statements.statement(tenantId, period));
      return;
    }
    await replyCached(this.statements, tag, req, reply);
  }
}
