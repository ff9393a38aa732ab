import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { stringify } from 'csv-stringify';
import { Readable, pipeline } from 'node:stream';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/env.schema';
import { ProblemException } from '../common/problem/problem';
import { formatDisplay, formatMoney, isPeriod, periodRange } from '../rating/core';
import { FinalizedPeriods } from '../finalized-periods/finalized-periods.repository';
import { InvoicesRepository } from '../invoices/invoices.repository';
import { StatementBuilder } from '../statements/statement-builder.service';
import { CrlfTransform } from './crlf-transform';
import { safeText, sqlSafeText } from './csv-safety';

/** `application_name` of the export's own connection (visible in pg_stat_activity). */
export const EXPORT_APPLICATION_NAME = 'iaas-billing-export';

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

type CsvColumn = (typeof CSV_COLUMNS)[number];
type Row = Record<CsvColumn, string>;

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
 * Cells that depend on the invoice only: computed once per invoice, in a
 * subquery that `OFFSET 0` keeps from being flattened into the join (else
 * PostgreSQL evaluates them, char(n) casts included, on every line).
 */
const INVOICE_CELLS = {
  invoice_number: sqlSafeText('number'),
  tenant_id: sqlSafeText('tenant_id'),
  period: sqlSafeText('period::text'),
  status: `'finalized'::text`,
  currency: sqlSafeText('currency::text'),
} as const satisfies Partial<Record<CsvColumn, string>>;

/** Cells of the line itself (`l`: invoice_lines). Numbers stay plain: their stored text form. */
const LINE_CELLS = {
  line_type: sqlSafeText('l.type'),
  resource_type: sqlSafeText('l.resource_type'),
  resource_id: sqlSafeText('l.subject'),
  adjusts_period: sqlSafeText('l.adjusts_period::text'),
  hours: 'l.hours::text',
  amount: 'l.amount::text',
} as const satisfies Partial<Record<CsvColumn, string>>;

/** Every column, in terms of the subquery `i` and the line `l`. */
const CELLS: Record<CsvColumn, string> = {
  invoice_number: 'i.invoice_number',
  tenant_id: 'i.tenant_id',
  period: 'i.period',
  status: 'i.status',
  ...LINE_CELLS,
  currency: 'i.currency',
};

/**
 * The COPY that formats a finalized period's export, header row included,
 * in {@link CSV_COLUMNS} order. COPY takes no bind parameters:
 * `periodLiteral` must be `escapeLiteral` of a validated period. The plan
 * streams: invoices of the period in `seq` order (index), each one's lines
 * by primary key, an incremental sort per invoice for the `line_no` order.
 */
export function finalizedExportCopySql(periodLiteral: string): string {
  const invoiceCells = Object.entries(INVOICE_CELLS).map(([c, sql]) => `${sql} AS ${c}`);
  const cells = CSV_COLUMNS.map((c) => `${CELLS[c]} AS ${c}`);
  return `COPY (
  SELECT ${cells.join(',\n         ')}
    FROM (SELECT id, seq,
                 ${invoiceCells.join(',\n                 ')}
            FROM invoices
           WHERE period = ${periodLiteral}
           ORDER BY seq
          OFFSET 0) i
    JOIN invoice_lines l ON l.invoice_id = i.id
   ORDER BY i.seq, l.line_no
) TO STDOUT WITH (FORMAT csv, HEADER true)`;
}

/**
 * Settings of the export's session, pinning the streaming plan above. With
 * parallel workers allowed PostgreSQL may choose a parallel hash join and a
 * full sort of the period instead (it did for a costlier form of this query
 * at 1M lines): spilled to temporary files (~105 MB per 1M lines), the first
 * byte only after the whole sort (~2 s per 1M lines), every core of the
 * database busy. No JIT: past 500,000 cost units (a bigger period) it adds
 * inlining and optimization, ~0.4 s of compilation measured at 1M lines,
 * and it did not make this query faster.
 */
const EXPORT_SESSION = 'SET max_parallel_workers_per_gather = 0; SET jit = off';

/**
 * Finance's invoice lines as RFC 4180 CSV (CONTRACT §6), streamed. A
 * finalized period is formatted by PostgreSQL (`COPY … TO STDOUT` in CSV,
 * formula-safe cells computed in SQL: {@link sqlSafeText}) on a connection
 * of its own (no statement timeout: a long export is not a hung query) and
 * its bytes are piped to the response with backpressure, only turning the
 * `\n` record separators into `\r\n`: no per-row JavaScript, and memory
 * stays flat whatever the row count. An open period is computed tenant by
 * tenant and written through csv-stringify (same columns, CRLF).
 */
@Injectable()
export class InvoiceLinesExportService {
  private readonly logger = new Logger(InvoiceLinesExportService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly invoices: InvoicesRepository,
    private readonly statements: StatementBuilder,
    private readonly config: ConfigService<AppConfig, true>,
    private readonly periods: FinalizedPeriods,
  ) {}

  async csv(period: string, now = Date.now()): Promise<Readable> {
    if (!isPeriod(period)) throw new Error(`not a period: ${JSON.stringify(period)}`);
    // as the statements answer it: a 200 with only the header would say "nothing billed"
    if (periodRange(period).start > now) throw ProblemException.periodNotStarted(period);
    const finalized = await this.periods.isFinalized(this.dataSource.manager, period);
    if (finalized) return this.finalizedCsv(period);
    const csv = stringify({
      header: true,
      columns: [...CSV_COLUMNS],
      record_delimiter: '\r\n',
      quoted_match: /[\s"',;]/,
    });
    return pipeline(Readable.from(this.openRows(period, now)), csv, (err) => {
      if (err) this.logger.error(`export of ${period} aborted: ${err.message}`);
    });
  }

  /**
   * The finalized export. The connection is ended exactly once, however the
   * stream ends: completed, failed, or destroyed because the HTTP client went
   * away (Fastify destroys the payload stream, the pipeline destroys the COPY
   * stream). While COPY is still running `client.end()` destroys the socket
   * (pg does so for an active query), so the backend stops at its next write
   * instead of waiting, blocked, for a reader that is gone.
   */
  private async finalizedCsv(period: string): Promise<Readable> {
    const client = new Client({
      connectionString: this.config.get('databaseUrl', { infer: true }),
      connectionTimeoutMillis: this.config.get('DB_CONNECT_TIMEOUT_MS', { infer: true }),
      application_name: EXPORT_APPLICATION_NAME,
    });
    // A socket error after the COPY was torn down must not become an unhandled 'error'.
    client.on('error', (err) => this.logger.warn(`export connection of ${period}: ${err.message}`));
    try {
      await client.connect();
      await client.query(EXPORT_SESSION);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    const copy = client.query(copyTo(finalizedExportCopySql(client.escapeLiteral(period))));
    // pg reports the torn-down query on the COPY stream after the pipeline is done with it.
    copy.on('error', () => undefined);
    let released = false;
    return pipeline(copy, new CrlfTransform(), (err) => {
      if (err?.code === 'ERR_STREAM_PREMATURE_CLOSE')
        this.logger.warn(`export of ${period}: the client went away before the end`);
      else if (err) this.logger.error(`export of ${period} aborted: ${err.message}`);
      if (released) return;
      released = true;
      void client.end().catch(() => undefined);
    });
  }

  private async *openRows(period: string, now: number): AsyncGenerator<Row> {
    const em = this.dataSource.manager;
    const { start, end } = periodRange(period);
    const latest = await this.periods.latest(em);
    for (const tenantId of await this.invoices.tenantsToInvoice(em, start, end)) {
      const s = await this.statements.build(em, tenantId, period, now, latest);
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
