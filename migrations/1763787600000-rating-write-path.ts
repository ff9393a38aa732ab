import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The rating write path without row locks on shared rows. Every inserted
 * interval checked its two foreign keys by taking a KEY SHARE lock on the
 * referenced rows: on its resource, and on its price-book version — one row
 * (the global book) shared by every concurrent rating transaction, so each
 * insert rewrote that row's lock word and built MultiXacts. Both referenced
 * tables are append-only for these keys (price-book versions are immutable,
 * enforced by a trigger; resources are never deleted), and intervals are only
 * written by rating from rows it has just read, so the checks bought nothing.
 */
export class RatingWritePath1763787600000 implements MigrationInterface {
  name = 'RatingWritePath1763787600000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE rated_intervals DROP CONSTRAINT rated_intervals_price_book_id_fkey`,
    );
    await q.query(
      `ALTER TABLE rated_intervals DROP CONSTRAINT rated_intervals_resource_type_subject_fkey`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
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
