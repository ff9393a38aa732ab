import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireScopes } from '../auth';
import { ProblemCode } from '../common/problem/problem';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { ApiProblems } from '../openapi/problem-responses';
import { PERIOD_PATTERN, ref } from '../openapi/schemas';
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
  @ApiOperation({
    summary: 'Finalize an ended period: issue its invoices (idempotent)',
    description:
      'Scope `admin`. Issues an invoice to every tenant with usage in the period, freezing its ' +
      'lines and numbering them `INV-000001`, … (unique, gapless, in issue order). Every earlier ' +
      'period with usage must be finalized first. Repeating it changes nothing and answers the ' +
      'same invoices. The service also finalizes on its own `FINALIZE_AFTER_HOURS` after a period ends.',
  })
  @ApiParam({
    name: 'period',
    description: 'A UTC calendar month that has ended',
    schema: { type: 'string', pattern: PERIOD_PATTERN, example: '2026-10' },
  })
  @ApiResponse({
    status: 200,
    description: 'The period is finalized: its invoices (the same on every repetition)',
    schema: ref('FinalizeResult'),
    example: {
      period: '2026-10',
      invoices: [
        {
          invoiceNumber: 'INV-000042',
          tenantId: 't-1',
          period: '2026-10',
          currency: 'USD',
          total: '31.48',
          issuedAt: '2026-11-03T00:00:00.000Z',
        },
      ],
    },
  })
  // a body is not needed, but one that is sent is parsed: malformed, too
  // large or not JSON is answered as on every endpoint
  @ApiProblems(
    { status: 400, codes: [ProblemCode.ValidationFailed, ProblemCode.MalformedJson] },
    401,
    403,
    {
      status: 409,
      codes: [
        ProblemCode.PeriodNotEnded,
        ProblemCode.EarlierPeriodOpen,
        ProblemCode.UnratedUsage,
        ProblemCode.RatingPending,
      ],
    },
    413,
    415,
    503,
  )
  finalize(
    @Param('period', new ZodValidationPipe(periodParam)) period: string,
  ): Promise<FinalizeResult> {
    return this.finalizer.finalize(period);
  }
}
