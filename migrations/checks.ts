import type { QueryRunner } from 'typeorm';

/**
 * Adds CHECK `constraint` (`expression`) to `table` without holding ingest:
 * `NOT VALID` first (a moment's exclusive lock; existing rows not read),
 * then validated in a statement of its own, which reads every row under a
 * lock that lets writes go on. For migrations that run outside a
 * transaction (`transaction = false`); re-runnable after a crash between
 * the statements. Rows already stored that fail it (written out of band,
 * and immutable) leave the constraint `NOT VALID`: enforced on new rows
 * only, and `warning` is printed on stderr, so the service still starts.
 */
export async function addCheckValidatedIfPossible(
  q: QueryRunner,
  table: string,
  constraint: string,
  expression: string,
  warning: string,
): Promise<void> {
  await q.query(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${constraint}`);
  await q.query(
    `ALTER TABLE ${table} ADD CONSTRAINT ${constraint} CHECK (${expression}) NOT VALID`,
  );
  try {
    await q.query(`ALTER TABLE ${table} VALIDATE CONSTRAINT ${constraint}`);
  } catch (err) {
    if ((err as { driverError?: { code?: string } }).driverError?.code !== '23514') throw err;
    console.error(`[migrate] warning: ${warning}: ${constraint} is enforced on new rows only.`);
  }
}
