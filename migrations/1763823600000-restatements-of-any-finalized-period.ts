import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A restatement may name a finalized period that has no `finalized_periods`
 * row: one before the first usage the service had seen when it finalized a
 * later period. Finalization closes every earlier period, writing rows only
 * from that first usage on, so a late event into an earlier month restates a
 * period that is finalized (at or before the latest row) without a row of
 * its own. The foreign key refused that restatement, and so the rating that
 * recorded it: the resource stayed unrated for good. The period keeps its
 * format check; that it is finalized is the rating's to decide (by the end of
 * the last finalized period, read in the same transaction under the pricing
 * lock, which finalization takes exclusively).
 */
export class RestatementsOfAnyFinalizedPeriod1763823600000 implements MigrationInterface {
  name = 'RestatementsOfAnyFinalizedPeriod1763823600000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE restatements DROP CONSTRAINT restatements_period_fkey`);
    await q.query(
      `ALTER TABLE restatements ADD CONSTRAINT restatements_period_check
         CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$')`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE restatements DROP CONSTRAINT restatements_period_check`);
    // NOT VALID: restatements of periods without a row may exist by now
    await q.query(
      `ALTER TABLE restatements ADD CONSTRAINT restatements_period_fkey
         FOREIGN KEY (period) REFERENCES finalized_periods (period) NOT VALID`,
    );
  }
}
