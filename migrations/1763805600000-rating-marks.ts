import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * "Needs rating" becomes an insert-only log, `rating_marks`, instead of a
 * counter on the resource's row.
 *
 * Before: every ingest transaction raised `resources.change_seq` (and
 * `dirty_since`, `dirty_from`, `deleted_at`) of each resource it touched,
 * and every rating raised `rated_seq` on the same rows. Batches in flight
 * share resources, so each waited for the others' row locks, and for the
 * ratings', until they committed: `pg_stat_statements` put that upsert at
 * ~300 ms per 500-row call, nearly all of it waiting.
 *
 * Now ingest only inserts: the resource row when it is new (`ON CONFLICT DO
 * NOTHING`, which takes no lock on an existing row) and one mark per resource
 * per transaction. A rating reads a resource's marks with its events (one
 * snapshot), and deletes exactly the marks it read in the transaction that
 * writes the rating; marks committed after its snapshot stay and mark the
 * resource again. `rated_seq` stays, raised by every rating: it is what moves
 * cached statements (trigger `resources_rated_moves_statement_versions`).
 *
 * - `from_at`: the earliest event time of the mark (a price book's effective
 *   time): rating changes nothing before it, so finalization waits only for
 *   marks that start before the period ends;
 * - `resources.deleted_at` (the earliest deletion, which lets a new price
 *   book skip resources that ended before it) is now set by the rating, from
 *   the events it reads; a deletion not yet rated merely costs one needless
 *   re-rating;
 * - `marked_at`: when it was written, for the sweeper and the lag metric.
 */
export class RatingMarks1763805600000 implements MigrationInterface {
  name = 'RatingMarks1763805600000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rating_marks (
        resource_type text NOT NULL,
        subject       text NOT NULL,
        id            bigint GENERATED ALWAYS AS IDENTITY,
        from_at       timestamptz NOT NULL,
        marked_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (resource_type, subject, id)
      )`);
    // Resources waiting for rating keep waiting: one mark each. A mark from
    // before `dirty_from` existed ('-infinity') starts at the first event.
    await q.query(`
      INSERT INTO rating_marks (resource_type, subject, from_at, marked_at)
      SELECT r.resource_type, r.subject,
             CASE WHEN r.dirty_from IS NULL OR r.dirty_from = '-infinity'
                  THEN coalesce((SELECT min(e.time) FROM events e
                                  WHERE e.resource_type = r.resource_type AND e.subject = r.subject),
                                '-infinity')
                  ELSE r.dirty_from END,
             r.dirty_since
        FROM resources r
       WHERE r.dirty_since IS NOT NULL OR r.change_seq <> r.rated_seq`);
    await q.query('DROP INDEX resources_dirty_idx');
    await q.query(`
      ALTER TABLE resources
        DROP COLUMN change_seq, -- and with it CHECK (rated_seq <= change_seq)
        DROP COLUMN dirty_since,
        DROP COLUMN dirty_from`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE resources
        ADD COLUMN change_seq bigint NOT NULL DEFAULT 1,
        ADD COLUMN dirty_since timestamptz NULL DEFAULT now(),
        ADD COLUMN dirty_from timestamptz NULL`);
    await q.query(`UPDATE resources SET change_seq = rated_seq, dirty_since = NULL`);
    await q.query(`
      UPDATE resources r
         SET change_seq = r.rated_seq + 1, dirty_since = m.marked_at, dirty_from = m.from_at
        FROM (SELECT resource_type, subject, min(marked_at) AS marked_at, min(from_at) AS from_at
                FROM rating_marks GROUP BY resource_type, subject) m
       WHERE r.resource_type = m.resource_type AND r.subject = m.subject`);
    await q.query(
      `ALTER TABLE resources ADD CONSTRAINT resources_check CHECK (rated_seq <= change_seq)`,
    );
    await q.query(
      `CREATE INDEX resources_dirty_idx ON resources (dirty_since) WHERE dirty_since IS NOT NULL`,
    );
    await q.query('DROP TABLE rating_marks');
  }
}
