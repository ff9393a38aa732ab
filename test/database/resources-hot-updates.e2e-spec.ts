import { Client } from 'pg';
import { createTestDatabase } from '../support/test-app';

/**
 * Migration 1763791200000 leaves room on `resources` pages, so that a
 * rating's update of a resource (`rated_seq` + 1, `rated_at`, `deleted_at`:
 * no indexed column) is a HOT update: no new index entries. With full pages
 * almost none of these updates can be HOT. (Ingest no longer updates
 * resources at all: it inserts marks, migration 1763805600000.)
 */
describe("resources table: a rating's updates are HOT updates", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let client: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  it('has a fillfactor below 100', async () => {
    const { rows } = await client.query<{ reloptions: string[] | null }>(
      `SELECT reloptions FROM pg_class WHERE relname = 'resources'`,
    );
    expect(rows[0].reloptions).toContain('fillfactor=70');
  });

  it('updates a large share of freshly written rows in place', async () => {
    const n = 3000;
    await client.query('BEGIN');
    try {
      await client.query(
        `INSERT INTO resources (resource_type, subject, tenant_id)
         SELECT 'vm', 'vm-' || g, 'tenant-a' FROM generate_series(1, $1::int) AS g`,
        [n],
      );
      // a rating's update of the resource (writeRatings)
      const updated = await client.query(
        `UPDATE resources SET rated_seq = rated_seq + 1, rated_at = now(), deleted_at = LEAST(deleted_at, now())`,
      );
      expect(updated.rowCount).toBe(n);
      const { rows } = await client.query<{ hot: string }>(
        `SELECT n_tup_hot_upd::text AS hot FROM pg_stat_xact_user_tables WHERE relname = 'resources'`,
      );
      // ~43 % with fillfactor 70; only the last page's room with fillfactor 100
      expect(Number(rows[0].hot)).toBeGreaterThan(n * 0.25);
    } finally {
      await client.query('ROLLBACK');
    }
  });
});
