import type { MigrationInterface, QueryRunner } from 'typeorm';
import { addCheckValidatedIfPossible } from './checks';

/**
 * An event's `time` and a price-book version's `effective_from` lie in the
 * billing periods' range, 1970-01-01T00:00:00Z up to (not including)
 * 10000-01-01T00:00:00Z, enforced by PostgreSQL.
 *
 * Why: the API refused years outside 1970–9999 only as written, so an
 * offset let `1970-01-01T00:30:00+01:00` (1969 in UTC) in, and
 * `9999-12-31T23:59:59.999-23:59` (year 10000). An event before 1970 made
 * its tenant's statement list answer 500 for good (no period holds it) and
 * left blocking unrated usage no book can price; a book in year 10000 made
 * every later currency change answer 500. The API now judges the instant
 * in UTC; this keeps rows written out of band out as well.
 *
 * How: as migration 1763820000000 (`addCheckValidatedIfPossible`):
 * outside a transaction, validated without holding ingest, re-runnable,
 * and rows stored before it out of range leave the constraint enforced on
 * new rows only, with a warning. `SELECT … WHERE time < '1970-01-01Z'`
 * finds them.
 */
export class InstantsInPeriodRange1763827200000 implements MigrationInterface {
  name = 'InstantsInPeriodRange1763827200000';
  transaction = false;

  public async up(q: QueryRunner): Promise<void> {
    for (const [table, column, constraint] of CHECKS) {
      await addCheckValidatedIfPossible(
        q,
        table,
        constraint,
        `${column} >= '1970-01-01T00:00:00Z' AND ${column} < '10000-01-01T00:00:00Z'`,
        `${table} holds rows whose ${column} is before 1970 or after 9999 (written before ` +
          'the API judged times in UTC, or out of band)',
      );
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const [table, , constraint] of CHECKS) {
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${constraint}`);
    }
  }
}

/** [table, column, constraint] */
const CHECKS: [string, string, string][] = [
  ['events', 'time', 'events_time_in_period_range'],
  ['price_book_versions', 'effective_from', 'price_book_versions_effective_from_in_period_range'],
];
