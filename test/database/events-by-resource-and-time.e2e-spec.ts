import { READ_FOR_RATING } from '../../src/rating/rating.repository';
import { migrationTestDatabase, undoMigrationsThrough } from '../support/test-app';

/**
 * Migration 1763812800000: a rating reads a resource's events after a point
 * in time, so the events' index on the resource ends with the time; it
 * replaces the index on (resource_type, subject).
 */
describe('events indexed by resource and time', () => {
  const m = migrationTestDatabase();

  const indexes = async () =>
    (
      await m.client.query<{ indexname: string; indexdef: string }>(
        `SELECT indexname, indexdef FROM pg_indexes
          WHERE tablename = 'events' AND indexname LIKE 'events_resource%' ORDER BY indexname`,
      )
    ).rows.map((r) => r.indexdef.replace(/^.* USING btree /, `${r.indexname} `));

  it('reads a resource’s events after an instant by a range of the index', async () => {
    expect(await indexes()).toEqual(['events_resource_time_idx (resource_type, subject, "time")']);
    await m.client.query('BEGIN');
    try {
      await m.client.query(`SET LOCAL enable_seqscan = off`);
      const { rows } = await m.client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT id FROM events
          WHERE resource_type = 'vm' AND subject = 'vm-1' AND time > '2026-10-01T00:00:00Z'`,
      );
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toContain('events_resource_time_idx');
      expect(plan).toMatch(/Index Cond: .*"time" >/);
    } finally {
      await m.client.query('ROLLBACK');
    }
  });

  it('is how the rating’s read takes the events after a seed: a range, not a filter', async () => {
    await m.client.query('BEGIN');
    try {
      // as the rating transaction runs it (lockForRating)
      await m.client.query(`SET LOCAL enable_seqscan = off`);
      const { rows } = await m.client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN ${READ_FOR_RATING}`,
        [['vm'], ['vm-1']],
      );
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      const eventsScan = plan.slice(plan.indexOf('on events e'));
      expect(eventsScan).toMatch(/^on events e[^\n]*\n\s*Index Cond: [^\n]*"time" >/);
      expect(eventsScan.split('\n').slice(0, 3).join('\n')).not.toMatch(/Filter:/);
    } finally {
      await m.client.query('ROLLBACK');
    }
  });

  it('goes back to the index on the resource, and forward over one built beforehand', async () => {
    await undoMigrationsThrough(m.ds, 'EventsByResourceAndTime1763812800000');
    expect(await indexes()).toEqual(['events_resource_idx (resource_type, subject)']);
    // what an operator does before the release on a large table
    await m.client.query(
      `CREATE INDEX CONCURRENTLY events_resource_time_idx ON events (resource_type, subject, time)`,
    );
    await m.ds.runMigrations({ transaction: 'each' });
    expect(await indexes()).toEqual(['events_resource_time_idx (resource_type, subject, "time")']);
  });
});
