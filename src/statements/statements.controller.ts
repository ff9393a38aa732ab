import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { assertTenantAccess, CurrentPrincipal, RequireScopes, type Principal } from '../auth';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { isPeriod } from '../rating/core';
import type { StatementSummaryView, StatementView } from './statement.model';
import { StatementsService } from './statements.service';

const tenantParam = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be 1–128 chars of [A-Za-z0-9._-]');
const periodParam = z.string().refine(isPeriod, 'must be a period YYYY-MM');

@ApiTags('statements')
@ApiBearerAuth()
@RequireScopes('tenant')
@Controller('v1/tenants/:tenantId/statements')
export class StatementsController {
  constructor(private readonly statements: StatementsService) {}

  @Get()
  @ApiOperation({ summary: "A tenant's statements, newest first" })
  async list(
    @Param('tenantId', new ZodValidationPipe(tenantParam)) tenantId: string,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<{ items: StatementSummaryView[] }> {
    assertTenantAccess(principal, tenantId);
    return { items: await this.statements.list(tenantId) };
  }

  @Get(':period')
  @ApiOperation({ summary: 'One statement: lines, intervals, unrated usage' })
  async one(
    @Param('tenantId', new ZodValidationPipe(tenantParam)) tenantId: string,
    @Param('period', new ZodValidationPipe(periodParam)) period: string,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<StatementView> {
    assertTenantAccess(principal, tenantId);
    return this.statements.statement(tenantId, period);
  }
}
