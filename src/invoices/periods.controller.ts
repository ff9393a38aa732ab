import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireScopes } from '../auth';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { isPeriod } from '../rating/core';
import { FinalizePeriodService, type FinalizeResult } from './finalize-period.service';

const periodParam = z.string().refine(isPeriod, 'must be a period YYYY-MM');

@ApiTags('invoices')
@ApiBearerAuth()
@RequireScopes('admin')
@Controller('v1/periods')
export class PeriodsController {
  constructor(private readonly finalizer: FinalizePeriodService) {}

  @Post(':period/finalize')
  @HttpCode(200)
  @ApiOperation({ summary: 'Finalize an ended period: issue its invoices (idempotent)' })
  finalize(
    @Param('period', new ZodValidationPipe(periodParam)) period: string,
  ): Promise<FinalizeResult> {
    return this.finalizer.finalize(period);
  }
}
