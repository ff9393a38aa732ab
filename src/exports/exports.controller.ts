import { Controller, Get, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { RequireScopes } from '../auth';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { ApiProblems } from '../openapi/problem-responses';
import { PERIOD_PATTERN } from '../openapi/schemas';
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
    description:
      'Scope `admin`. UTF-8 with a header row, one row per line of every statement of the period ' +
      '(finalized: the invoices, formatted by PostgreSQL; open: computed now). Records end in CRLF; ' +
      'a cell containing a comma, a double quote, CR or LF is quoted (`""` escapes a quote; an open ' +
      "period's export may quote other cells too), so read it with a CSV parser. Text cells " +
      "beginning with `=`, `+`, `-`, `@`, tab or CR are prefixed with `'`; `hours` and `amount` " +
      'are plain decimal numbers, as stored on the invoice lines.',
  })
  @ApiQuery({
    name: 'period',
    required: true,
    description: 'A UTC calendar month',
    schema: { type: 'string', pattern: PERIOD_PATTERN, example: '2026-10' },
  })
  @ApiResponse({
    status: 200,
    description: 'The CSV, as an attachment `invoice-lines-<period>.csv`',
    headers: {
      'Content-Disposition': {
        schema: { type: 'string', example: 'attachment; filename="invoice-lines-2026-10.csv"' },
      },
    },
    schema: { type: 'string' },
    example:
      'invoice_number,tenant_id,period,status,line_type,resource_type,resource_id,adjusts_period,hours,amount,currency\r\n' +
      'INV-000042,t-1,2026-10,finalized,usage,vm,vm-1,,744,29.76,USD\r\n' +
      "INV-000042,t-1,2026-10,finalized,usage,vm,'-vm,,24,0.96,USD\r\n" +
      'INV-000042,t-1,2026-10,finalized,adjustment,image,img-9,2026-09,,1.72,USD\r\n',
  })
  @ApiProblems(400, 401, 403, 404, 503)
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
