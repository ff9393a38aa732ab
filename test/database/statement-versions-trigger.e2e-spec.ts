import { Client } from 'pg';
import { createTestDatabase, testDataSource, undoMigrationsThrough } from '../support/test-app';

/**
 * Migration 1763798400000: a tenant's statement version (what cached
 * statements are validated by) is Σ `version` over its shard rows, and any
 * change of a resource's `rated_seq` adds to it by trigger, whoever writes
 * it: an old release during a rolling deploy included.
 */
describe('tenant statement versions: moved by every change of rated_seq', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let client: Client;

  const version = async (tenant: string, c: Client = client) =>
    (
      await c.query<{ v: string }>(
        `SELECT coalesce(sum(version), 0)::text AS v FROM tenant_statement_versions WHERE tenant_id = $1`,
        [tenant],
      )
    ).rows[0].v;

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query(
      `INSERT INTO resources (resource_type, subject, tenant_id, rated_seq)
       SELECT 'vm', 'vm-' || g, CASE WHEN g <= 3 THEN 't-a' ELSE 't-b' END, 0
         FROM generate_series(1, 5) AS g`,
    );
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  it('adds one per resource whose rated_seq changed, per tenant, in the same statement', async () => {
    const [a, b] = [BigInt(await version('t-a')), BigInt(await version('t-b'))];
    await client.query(
      `UPDATE resources SET rated_seq = 5 WHERE subject IN ('vm-1', 'vm-2', 'vm-4')`,
    );
    expect(BigInt(await version('t-a'))).toBe(a + 2n);
    expect(BigInt(await version('t-b'))).toBe(b + 1n);
  });

  it('does not move for writes that leave rated_seq as it was (other columns, rewrites of the same value, ingest)', async () => {
    const a = await version('t-a');
    await client.query(`UPDATE resources SET deleted_at = now() WHERE tenant_id = 't-a'`);
    await client.query(`UPDATE resources SET rated_seq = rated_seq WHERE tenant_id = 't-a'`);
    // ingest's shape: INSERT … ON CONFLICT DO NOTHING
    await client.query(
      `INSERT INTO resources AS r (resource_type, subject, tenant_id) VALUES ('vm', 'vm-1', 't-a'), ('vm', 'vm-new', 't-a')
       ON CONFLICT (resource_type, subject) DO NOTHING`,
    );
    expect(await version('t-a')).toBe(a);
  });

  it('moves for a rated_seq raised inside an upsert too', async () => {
    const a = BigInt(await version('t-a'));
    await client.query(
      `INSERT INTO resources AS r (resource_type, subject, tenant_id) VALUES ('vm', 'vm-3', 't-a')
       ON CONFLICT (resource_type, subject) DO UPDATE SET rated_seq = r.rated_seq + 1`,
    );
    expect(BigInt(await version('t-a'))).toBe(a + 1n);
  });

  it("writes the writer's own shard row (its backend's), so other backends do not wait for it", async () => {
    const other = new Client({ connectionString: db.url });
    await other.connect();
    try {
      await client.query('BEGIN');
      await client.query(`UPDATE resources SET rated_seq = rated_seq + 1 WHERE subject = 'vm-5'`);
      const { rows } = await client.query<{ mine: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM tenant_statement_versions
                         WHERE tenant_id = 't-b' AND shard = pg_backend_pid() % 64
                           AND xmin::text = (pg_current_xact_id()::text::numeric % 4294967296)::text) AS mine`,
      );
      expect(rows[0].mine).toBe(true);
      // Uncommitted: another reader sees the version of before, and is not blocked.
      const seenBefore = await version('t-b', other);
      await client.query('COMMIT');
      expect(BigInt(await version('t-b', other))).toBe(BigInt(seenBefore) + 1n);
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      await other.end();
    }
  });

  it('reverts to one row per tenant with the same sums, and back', async () => {
    const ds = await testDataSource(db.url);
    try {
      // a second shard row for t-a, as another backend would write
      await client.query(
        `INSERT INTO tenant_statement_versions (tenant_id, shard, version)
         VALUES ('t-a', (pg_backend_pid() + 1) % 64, 7)
         ON CONFLICT (tenant_id, shard) DO UPDATE SET version = tenant_statement_versions.version + 7`,
      );
      const [a, b] = [await version('t-a'), await version('t-b')];
      await undoMigrationsThrough(ds, 'StatementVersionsMovedByRating1763798400000');
      const { rows } = await client.query<{ tenant_id: string; version: string }>(
        `SELECT tenant_id, version::text FROM tenant_statement_versions ORDER BY tenant_id`,
      );
      expect(rows).toEqual([
        { tenant_id: 't-a', version: a },
        { tenant_id: 't-b', version: b },
      ]);
      await ds.runMigrations({ transaction: 'each' });
      expect([await version('t-a'), await version('t-b')]).toEqual([a, b]);
      await client.query(`UPDATE resources SET rated_seq = rated_seq + 1 WHERE subject = 'vm-1'`);
      expect(BigInt(await version('t-a'))).toBe(BigInt(a) + 1n);
    } finally {
      await ds.destroy();
    }
  });
});
