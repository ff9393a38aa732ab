import { migrationTestDatabase, undoMigrationsThrough } from '../support/test-app';

/**
 * Migration 1763805600000 moves "needs rating" from counters on `resources`
 * to the `rating_marks` log. A resource waiting for rating when it runs must
 * still be waiting after it (and after a revert), with the same earliest
 * time; a rated one must not be marked; `resources.deleted_at` stays.
 */
describe('migration: rating marks', () => {
  const m = migrationTestDatabase();

  const marks = async () =>
    (
      await m.client.query<{ subject: string; from_at: string }>(
        `SELECT subject, from_at::text FROM rating_marks ORDER BY subject, id`,
      )
    ).rows;

  it('carries waiting resources over as marks, and back', async () => {
    await undoMigrationsThrough(m.ds, 'RatingMarks1763805600000');
    await m.client.query(`SET timezone = 'UTC'`);
    await m.client.query(`
      INSERT INTO resources (resource_type, subject, tenant_id, change_seq, rated_seq, dirty_since, dirty_from, deleted_at)
      VALUES ('vm', 'vm-rated',   't', 3, 3, NULL, NULL, NULL),
             ('vm', 'vm-waiting', 't', 4, 2, '2026-11-01T00:00:00Z', '2026-10-05T00:00:00Z', '2026-10-06T00:00:00Z'),
             ('vm', 'vm-old',     't', 2, 1, '2026-11-01T00:00:00Z', '-infinity', NULL)`);
    await m.client.query(`
      INSERT INTO events (source, id, resource_type, subject, tenant_id, type, time, data, raw, content_hash, via)
      VALUES ('//t', 'e-1', 'vm', 'vm-old', 't', 'vm.created', '2026-10-02T00:00:00Z', '{}', '{}', repeat('0', 64), 'http'),
             ('//t', 'e-2', 'vm', 'vm-old', 't', 'vm.stopped', '2026-10-03T00:00:00Z', '{}', '{}', repeat('0', 64), 'http')`);

    await m.ds.runMigrations({ transaction: 'each' });
    expect(await marks()).toEqual([
      // '-infinity' (marked before dirty_from existed): from the first event
      { subject: 'vm-old', from_at: '2026-10-02 00:00:00+00' },
      { subject: 'vm-waiting', from_at: '2026-10-05 00:00:00+00' },
    ]);
    const deleted = await m.client.query<{ deleted_at: string }>(
      `SELECT deleted_at::text FROM resources WHERE subject = 'vm-waiting'`,
    );
    expect(deleted.rows).toEqual([{ deleted_at: '2026-10-06 00:00:00+00' }]);
    const columns = await m.client.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'resources' ORDER BY column_name`,
    );
    expect(columns.rows.map((c) => c.column_name)).not.toContain('change_seq');

    await undoMigrationsThrough(m.ds, 'RatingMarks1763805600000');
    const { rows } = await m.client.query<{
      subject: string;
      waiting: boolean;
      dirty_from: string | null;
    }>(
      `SELECT subject, change_seq > rated_seq AS waiting, dirty_from::text
         FROM resources ORDER BY subject`,
    );
    expect(rows).toEqual([
      { subject: 'vm-old', waiting: true, dirty_from: '2026-10-02 00:00:00+00' },
      { subject: 'vm-rated', waiting: false, dirty_from: null },
      { subject: 'vm-waiting', waiting: true, dirty_from: '2026-10-05 00:00:00+00' },
    ]);
    await m.ds.runMigrations({ transaction: 'each' });
    expect((await marks()).map((r) => r.subject)).toEqual(['vm-old', 'vm-waiting']);
  });
});
