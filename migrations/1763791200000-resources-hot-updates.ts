import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Room on every `resources` page for updated row versions. Ingest rewrites a
 * resource's row for every batch that touches it (`change_seq`), rating once
 * per rating (`rated_seq`). With full pages (fillfactor 100) most of those
 * updates had to put the new version on another page, which means a new
 * entry in every index of the table and dead entries for index scans and
 * vacuum to step over; with free room on the page an update that changes no
 * indexed column (all of ingest's marks of a resource already waiting for
 * rating) stays on the page as a HOT update, with no index entry at all.
 * Applies to pages written from now on; `VACUUM FULL resources` (or
 * pg_repack) rewrites an existing table.
 */
export class ResourcesHotUpdates1763791200000 implements MigrationInterface {
  name = 'ResourcesHotUpdates1763791200000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE resources SET (fillfactor = 70)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE resources RESET (fillfactor)`);
  }
}
