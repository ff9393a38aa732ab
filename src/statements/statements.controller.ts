import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { assertTenantAccess, CurrentPrincipal, RequireScopes, type Principal } from '../auth';
import { problem, ProblemCode } from '../common/problem/problem';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { ApiProblems, type ProblemDoc } from '../openapi/problem-responses';
import { PERIOD_PATTERN, ref, TENANT_ID_PATTERN } from '../openapi/schemas';
import { STATEMENT_EXAMPLE } from './dto/statement.openapi';
import { isPeriod } from '../rating/core';
import type { StatementSummaryView, StatementView } from './statement.model';
import { StatementsService } from './statements.service';

const tenantParam = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be 1–128 chars of [A-Za-z0-9._-]');
const periodParam = z.string().refine(isPeriod, 'must be a period YYYY-MM');

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
      'intervals are exact and name the price-book version and the events behind them.',
  })
  @ApiParam({
    name: 'period',
    description: 'A UTC calendar month',
    schema: { type: 'string', pattern: PERIOD_PATTERN, example: '2026-10' },
  })
  @ApiResponse({
    status: 200,
    description: 'The statement',
    schema: ref('Statement'),
    example: STATEMENT_EXAMPLE,
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
  ): Promise<StatementView> {
    assertTenantAccess(principal, tenantId);
    return this.statements.statement(tenantId, period);
  }
}
