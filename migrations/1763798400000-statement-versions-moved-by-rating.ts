import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A tenant's statement version becomes the sum of up to 64 rows, and every
 * change of a resource's `rated_seq` adds to it, by trigger.
 *
 * Before: cached statements were validated by Σ `rated_seq` over the
 * tenant's resources, read for every request: for a tenant with 10,000
 * resources ~1.8 ms of PostgreSQL CPU (plus planning), and with 50
 * concurrent readers those token queries used more CPU than the service
 * (BENCHMARKS.md). Now a token read sums ≤ 64 rows of one index range.
 *
 * Why rows per (tenant, shard): one counter row per tenant made concurrent
 * rating transactions of a tenant queue on it until commit. Each writer adds
 * to the row of its backend's shard (`pg_backend_pid() % 64`), so two
 * transactions meet only when their backends share a shard and both touch
 * the tenant, and then only from that statement to commit. Rows of one
 * statement are taken in tenant order, so two writers cannot deadlock on
 * them.
 *
 * Why a trigger: it moves the version for every writer of `rated_seq`,
 * including one from a release that predates this (replicas during a
 * rolling deploy), so a cached answer can never miss a rating. It is
 * statement-level, with transition tables: one sorted insert per statement;
 * statements that change no `rated_seq` (ingest's marks) insert nothing
 * (about 0.4 ms per 500-row ingest statement to capture the rows, measured).
 * The largest statement it sees is a new global price book marking every
 * resource for re-rating (`markRepriced`): two transition tables of all
 * resources and one hash join, once per book — spilled to disk past
 * `work_mem` on a large fleet, but never more than that statement's own
 * rows.
 */
export class StatementVersionsMovedByRating1763798400000 implements MigrationInterface {
  name = 'StatementVersionsMovedByRating1763798400000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tenant_statement_versions
        ADD COLUMN shard smallint NOT NULL DEFAULT 0 CHECK (shard BETWEEN 0 AND 63),
        DROP CONSTRAINT tenant_statement_versions_pkey,
        ADD PRIMARY KEY (tenant_id, shard)`);
    await q.query(`ALTER TABLE tenant_statement_versions ALTER COLUMN shard DROP DEFAULT`);
    await q.query(`
      CREATE FUNCTION bump_statement_versions_on_rating() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO tenant_statement_versions AS v (tenant_id, shard, version)
        SELECT n.tenant_id, pg_backend_pid() % 64, count(*)
          FROM new_rows n
          JOIN old_rows o ON o.resource_type = n.resource_type AND o.subject = n.subject
         WHERE n.rated_seq IS DISTINCT FROM o.rated_seq
         GROUP BY n.tenant_id
         ORDER BY n.tenant_id
        ON CONFLICT (tenant_id, shard) DO UPDATE SET version = v.version + EXCLUDED.version;
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER resources_rated_moves_statement_versions
        AFTER UPDATE ON resources
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION bump_statement_versions_on_rating()`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER resources_rated_moves_statement_versions ON resources');
    await q.query('DROP FUNCTION bump_statement_versions_on_rating()');
    // Fold the shards back into one row per tenant (the sum only grows).
    await q.query(`
      CREATE TEMP TABLE folded AS
      SELECT tenant_id, sum(version)::bigint AS version FROM tenant_statement_versions GROUP BY tenant_id`);
    await q.query('DELETE FROM tenant_statement_versions');
    await q.query(`
      ALTER TABLE tenant_statement_versions
        DROP CONSTRAINT tenant_statement_versions_pkey,
        DROP COLUMN shard,
        ADD PRIMARY KEY (tenant_id)`);
    await q.query('INSERT INTO tenant_statement_versions SELECT tenant_id, version FROM folded');
    await q.query('DROP TABLE folded');
  }
}
