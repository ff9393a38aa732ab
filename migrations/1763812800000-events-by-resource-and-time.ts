import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A rating reads only the events of a resource after a point in time (the
 * stored interval it resumes from), so the events' index on the resource
 * gets the event time as its last column: the read becomes a range scan
 * instead of a visit to every event of the resource. It replaces the index
 * on (resource_type, subject), which it serves as well, so ingest still
 * maintains one index besides the primary key.
 *
 * On a large table `CREATE INDEX` blocks writes to `events` while it builds:
 * build it beforehand with `CREATE INDEX CONCURRENTLY events_resource_time_idx
 * ON events (resource_type, subject, time)` and this migration finds it.
 */
export class EventsByResourceAndTime1763812800000 implements MigrationInterface {
  name = 'EventsByResourceAndTime1763812800000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX IF NOT EXISTS events_resource_time_idx ON events (resource_type, subject, time)`,
    );
    await q.query(`DROP INDEX IF EXISTS events_resource_idx`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX IF NOT EXISTS events_resource_idx ON events (resource_type, subject)`,
    );
    await q.query(`DROP INDEX IF EXISTS events_resource_time_idx`);
  }
}
