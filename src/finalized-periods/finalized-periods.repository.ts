import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/**
 * Reads of `finalized_periods`, the periods whose invoices are issued (one
 * place for what price books, rating, statements, finalization and the
 * export ask of it). Only finalization writes the table
 * (`InvoicesRepository.markFinalized`, in its transaction).
 *
 * A period is finalized when it is at or before the latest finalized one,
 * whether or not it has a row: finalization closes every earlier period
 * (rows are written from the first usage seen then), so a period before
 * that, where a late event may bring usage, is as closed as the rest.
 */
@Injectable()
export class FinalizedPeriods {
  /** The latest finalized period, or null when none is. */
  async latest(em: EntityManager): Promise<string | null> {
    const rows: { period: string | null }[] = await em.query(
      `SELECT max(period) AS period FROM finalized_periods`,
    );
    return rows[0]?.period ?? null;
  }

  /** Whether `period` is finalized: at or before the latest finalized period. */
  async isFinalized(em: EntityManager, period: string): Promise<boolean> {
    const latest = await this.latest(em);
    return latest !== null && period <= latest;
  }
}
