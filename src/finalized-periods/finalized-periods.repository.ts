import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/**
 * Reads of `finalized_periods`, the periods whose invoices are issued (one
 * place for what price books, rating, statements, finalization and the
 * export ask of it). Only finalization writes the table
 * (`InvoicesRepository.markFinalized`, in its transaction).
 */
@Injectable()
export class FinalizedPeriods {
  /** Every finalized period, `YYYY-MM`, oldest first. */
  async all(em: EntityManager): Promise<string[]> {
    const rows: { period: string }[] = await em.query(
      `SELECT period FROM finalized_periods ORDER BY period`,
    );
    return rows.map((r) => r.period);
  }

  /** The latest finalized period, or null when none is. */
  async latest(em: EntityManager): Promise<string | null> {
    const rows: { period: string | null }[] = await em.query(
      `SELECT max(period) AS period FROM finalized_periods`,
    );
    return rows[0]?.period ?? null;
  }

  async has(em: EntityManager, period: string): Promise<boolean> {
    const rows: unknown[] = await em.query(`SELECT 1 FROM finalized_periods WHERE period = $1`, [
      period,
    ]);
    return rows.length > 0;
  }
}
