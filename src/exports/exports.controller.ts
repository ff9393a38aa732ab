import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { RequireScopes } from '../auth';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { isPeriod } from '../rating/core';
import { InvoiceLinesExportService } from './invoice-lines-export.service';

const query = z
  .object({ period: z.string().refine(isPeriod, 'must be a period YYYY-MM') })
  .strict();

@ApiTags('exports')
@ApiBearerAuth()
@RequireScopes('admin')
@Controller('v1/exports')
export class ExportsController {
  constructor(private readonly exports: InvoiceLinesExportService) {}

  @Get('invoice-lines.csv')
  @ApiProduces('text/csv')
  @ApiOperation({
    summary: 'Every line of every statement of a period, as RFC 4180 CSV (streamed)',
  })
  async invoiceLines(
    @Query(new ZodValidationPipe(query)) q: z.output<typeof query>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const csv = await this.exports.csv(q.period);
    await reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="invoice-lines-${q.period}.csv"`)
      .send(csv);
  }
}
