import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The write paths without row locks on shared rows. Every inserted event
 * and interval checked its foreign keys by taking a KEY SHARE lock on the
 * referenced rows: an event on its resource (which made ingest create the
 * resource row first and hold it for the whole transaction, so concurrent
 * batches touching one resource queued behind each other), an interval on
 * its resource and on its price-book version — one row (the global book)
 * shared by every concurrent rating, so each insert rewrote that row's lock
 * word and built MultiXacts. The referenced keys never go away
 * (price-book versions are immutable, enforced by a trigger; resources are
 * never deleted), and the writers create or read them in the same
 * transaction (ingest writes the event and its resource's row together;
 * rating writes intervals from rows it has just read), so the checks bought
 * nothing but waiting. The rating issues' key goes too: its KEY SHARE lock,
 * taken mid-rating, blocks ingest's upsert of that resource (an exclusive row
 * lock) while ingest may hold rows the rating's final mark then waits for —
 * a deadlock, where the two otherwise lock resource rows in one order.
 */
export class WritePathsWithoutFkLocks1763787600000 implements MigrationInterface {
  name = 'WritePathsWithoutFkLocks1763787600000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE rated_intervals DROP CONSTRAINT rated_intervals_price_book_id_fkey`);
    await q.query(
      `ALTER TABLE rated_intervals DROP CONSTRAINT rated_intervals_resource_type_subject_fkey`,
    );
    await q.query(`ALTER TABLE events DROP CONSTRAINT events_resource_type_subject_fkey`);
    await q.query(
      `ALTER TABLE rating_issues DROP CONSTRAINT rating_issues_resource_type_subject_fkey`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE rating_issues ADD CONSTRAINT rating_issues_resource_type_subject_fkey
         FOREIGN KEY (resource_type, subject) REFERENCES resources (resource_type, subject)`,
    );
    await q.query(
      `ALTER TABLE events ADD CONSTRAINT events_resource_type_subject_fkey
         FOREIGN KEY (resource_type, subject) REFERENCES resources (resource_type, subject)`,
    );
    await q.query(
      `ALTER TABLE rated_intervals ADD CONSTRAINT rated_intervals_resource_type_subject_fkey
         FOREIGN KEY (resource_type, subject) REFERENCES resources (resource_type, subject)`,
    );
    await q.query(
      `ALTER TABLE rated_intervals ADD CONSTRAINT rated_intervals_price_book_id_fkey
         FOREIGN KEY (price_book_id) REFERENCES price_book_versions (id)`,
    );
  }
}
