import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { stringify } from 'csv-stringify';
import { Readable, Transform, pipeline } from 'node:stream';
import { Client } from 'pg';
import QueryStream from 'pg-query-stream';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/env.schema';
import { formatDisplay, formatMoney, periodRange } from '../rating/core';
import { InvoicesRepository } from '../invoices/invoices.repository';
import { StatementBuilder } from '../statements/statement-builder.service';
import { safeText } from './csv-safety';

export const CSV_COLUMNS = [
  'invoice_number',
  'tenant_id',
  'period',
  'status',
  'line_type',
  'resource_type',
  'resource_id',
  'adjusts_period',
  'hours',
  'amount',
  'currency',
] as const;

type Row = Record<(typeof CSV_COLUMNS)[number], string>;

interface LineRow {
  number: string;
  tenant_id: string;
  period: string;
  type: string;
  resource_type: string;
  subject: string;
  adjusts_period: string | null;
  hours: string | null;
  amount: string;
  currency: string | null;
}

/** Text cells are made formula-safe; hours and amount stay plain numbers. */
function toRow(r: LineRow, status: 'open' | 'finalized'): Row {
  return {
    invoice_number: safeText(r.number),
    tenant_id: safeText(r.tenant_id),
    period: safeText(r.period),
    status,
    line_type: safeText(r.type),
    resource_type: safeText(r.resource_type),
    resource_id: safeText(r.subject),
    adjusts_period: safeText(r.adjusts_period),
    hours: r.hours ?? '',
    amount: r.amount,
    currency: safeText(r.currency?.trim()),
  };
}

/**
 * Finance's invoice lines as RFC 4180 CSV (CONTRACT §6), streamed: a
 * finalized period is read through a server-side cursor on a connection of
 * its own (no statement timeout: a long export is not a hung query) and
 * written through csv-stringify with backpressure, so memory stays flat
 * whatever the row count. An open period is computed tenant by tenant.
 */
@Injectable()
export class InvoiceLinesExportService {
  private readonly logger = new Logger(InvoiceLinesExportService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly invoices: InvoicesRepository,
    private readonly statements: StatementBuilder,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  async csv(period: string, now = Date.now()): Promise<Readable> {
    const finalized = await this.invoices.isFinalized(this.dataSource.manager, period);
    const rows = finalized
      ? await this.finalizedRows(period)
      : Readable.from(this.openRows(period, now));
    const csv = stringify({
      header: true,
      columns: [...CSV_COLUMNS],
      record_delimiter: '\r\n',
      quoted_match: /[\s"',;]/,
    });
    return pipeline(rows, csv, (err) => {
      if (err) this.logger.error(`export of ${period} aborted: ${err.message}`);
    });
  }

  private async finalizedRows(period: string): Promise<Readable> {
    const client = new Client({
      connectionString: this.config.get('databaseUrl', { infer: true }),
      connectionTimeoutMillis: this.config.get('DB_CONNECT_TIMEOUT_MS', { infer: true }),
      application_name: 'iaas-billing-export',
    });
    await client.connect();
    const query = client.query(
      new QueryStream(
        `SELECT i.number, i.tenant_id, i.period, l.type, l.resource_type, l.subject, l.adjusts_period,
                l.hours::text AS hours, l.amount::text AS amount, i.currency
           FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id
          WHERE i.period = $1
          ORDER BY i.seq, l.line_no`,
        [period],
        { batchSize: 2000 },
      ),
    );
    const toCsvRow = new Transform({
      objectMode: true,
      transform(r: LineRow, _enc, done) {
        done(null, toRow(r, 'finalized'));
      },
    });
    const release = () => void client.end().catch(() => undefined);
    query.once('close', release);
    query.once('error', release);
    return pipeline(query, toCsvRow, () => undefined);
  }

  private async *openRows(period: string, now: number): AsyncGenerator<Row> {
    const em = this.dataSource.manager;
    const { start, end } = periodRange(period);
    for (const tenantId of await this.invoices.tenantsToInvoice(em, start, end)) {
      const s = await this.statements.build(em, tenantId, period, now);
      for (const l of s.lines) {
        yield toRow(
          {
            number: '',
            tenant_id: tenantId,
            period,
            type: l.type,
            resource_type: l.resourceType,
            subject: l.resourceId,
            adjusts_period: l.type === 'adjustment' ? l.adjustsPeriod : null,
            hours: l.type === 'usage' ? formatDisplay(l.hours) : null,
            amount: formatMoney(l.amount, s.currency!),
            currency: s.currency,
          },
          'open',
        );
      }
    }
  }
}
