import type { MigrationInterface, QueryRunner } from 'typeorm';
import { addCheckValidatedIfPossible } from './checks';

/**
 * The instants rating reads from outside its own writes are whole
 * milliseconds, enforced by PostgreSQL: an event's `time` and a price-book
 * version's `effective_from`.
 *
 * Why: the service works at millisecond precision (ingest floors finer
 * digits, price books are parsed to epoch ms), and a rating that resumes
 * compares these columns in SQL with the epoch-ms instants it wrote itself:
 * `e.time > seed_from` takes the events after a seed, and a seed is never a
 * segment that starts at a price-book version's `effective_from` (equality).
 * A row written out of band (a backfill by SQL, a manual fix) with
 * microseconds would make those comparisons disagree with the core's ms
 * arithmetic: an event folded again after the seed that already holds it,
 * or a seed at a price change. Until now only the write paths kept such rows
 * out; now the tables refuse them, with an error naming the constraint.
 *
 * How, on a large table: the constraint is added `NOT VALID` (a moment's
 * exclusive lock, existing rows not read) and then validated in a statement
 * of its own, which reads every row under a lock that lets ingest go on. So
 * this migration runs outside a transaction (`transaction = false`), and is
 * written to be re-run after a crash between its statements.
 *
 * Rows already stored with microseconds (out of band, before this) fail the
 * validation. Both tables are immutable (a trigger refuses UPDATE and
 * DELETE), and those rows were rated as they are, so the service still
 * starts: the constraint stays `NOT VALID` (enforced on every new row, not
 * on the old ones) and the migration says so on stderr. `SELECT … WHERE
 * time <> date_trunc('milliseconds', time)` finds them.
 */
export class InstantsInWholeMilliseconds1763820000000 implements MigrationInterface {
  name = 'InstantsInWholeMilliseconds1763820000000';
  transaction = false;

  public async up(q: QueryRunner): Promise<void> {
    for (const [table, column, constraint] of CHECKS) {
      // UTC: date_trunc of a timestamp (not timestamptz) is immutable
      const utc = `(${column} AT TIME ZONE 'UTC')`;
      await addCheckValidatedIfPossible(
        q,
        table,
        constraint,
        `${utc} = date_trunc('milliseconds', ${utc})`,
        `${table} holds rows whose ${column} has digits finer than a millisecond (written out of band)`,
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
  ['events', 'time', 'events_time_whole_ms'],
  ['price_book_versions', 'effective_from', 'price_book_versions_effective_from_whole_ms'],
];
