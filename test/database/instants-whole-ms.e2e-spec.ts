import { instantRows } from '../support/instant-rows';
import { migrationTestDatabase, undoMigrationsThrough } from '../support/test-app';

/**
 * Migration 1763820000000: an event's `time` and a price-book version's
 * `effective_from` are whole milliseconds, enforced by PostgreSQL, so a row
 * written out of band cannot break a resumed rating's comparisons.
 */
describe('instants in whole milliseconds', () => {
  const m = migrationTestDatabase();
  const MIGRATION = 'InstantsInWholeMilliseconds1763820000000';

  const { insertEvent, insertBook, constraints, rejected } = instantRows(
    () => m.client,
    '_whole_ms',
  );

  it('refuses an event time or an effectiveFrom finer than a millisecond, and takes whole ones', async () => {
    expect(await constraints()).toEqual([
      { conname: 'events_time_whole_ms', convalidated: true },
      { conname: 'price_book_versions_effective_from_whole_ms', convalidated: true },
    ]);
    await rejected(insertEvent('2026-05-01T00:00:00.000500Z'));
    await rejected(insertEvent('2026-05-01T00:00:00.123001Z'));
    await insertEvent('2026-05-01T00:00:00.123Z');
    await insertEvent('2026-05-01T00:00:00Z');
    // a time zone whose offset is not whole hours changes nothing
    await insertEvent('2026-05-01T05:45:00.999+05:45');
    await rejected(insertBook('2026-06-01T00:00:00.000001Z'));
    await insertBook('2026-06-01T00:00:00.001Z');
  });

  it('keeps rows stored before it with microseconds, refusing new ones, and is validated once they are gone', async () => {
    await undoMigrationsThrough(m.ds, MIGRATION);
    expect(await constraints()).toEqual([]);
    await insertEvent('2026-05-02T00:00:00.000001Z'); // out of band, before the migration
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((msg: string) => {
      errors.push(msg);
    });
    try {
      await m.ds.runMigrations({ transaction: 'each' });
    } finally {
      spy.mockRestore();
    }
    expect(errors).toEqual([
      expect.stringMatching(
        /^\[migrate\] warning: events holds rows whose time .* events_time_whole_ms is enforced on new rows only/,
      ),
    ]);
    // the service starts: the migration is applied, the constraint enforced on new rows
    expect(await constraints()).toEqual([
      { conname: 'events_time_whole_ms', convalidated: false },
      { conname: 'price_book_versions_effective_from_whole_ms', convalidated: true },
    ]);
    await rejected(insertEvent('2026-05-02T00:00:00.000002Z'));

    // after an operator removed the row (bypassing the immutability trigger), a re-run validates it
    await m.client.query(`ALTER TABLE events DISABLE TRIGGER events_immutable`);
    await m.client.query(`DELETE FROM events WHERE time <> date_trunc('milliseconds', time)`);
    await m.client.query(`ALTER TABLE events ENABLE TRIGGER events_immutable`);
    await undoMigrationsThrough(m.ds, MIGRATION);
    await m.ds.runMigrations({ transaction: 'each' });
    expect((await constraints()).every((c) => c.convalidated)).toBe(true);
  });

  it('runs again after a crash between its statements (the constraint added, not yet validated)', async () => {
    await undoMigrationsThrough(m.ds, MIGRATION);
    await m.client.query(
      `ALTER TABLE events ADD CONSTRAINT events_time_whole_ms
         CHECK ((time AT TIME ZONE 'UTC') = date_trunc('milliseconds', time AT TIME ZONE 'UTC')) NOT VALID`,
    );
    await m.ds.runMigrations({ transaction: 'each' });
    expect(await constraints()).toEqual([
      { conname: 'events_time_whole_ms', convalidated: true },
      { conname: 'price_book_versions_effective_from_whole_ms', convalidated: true },
    ]);
  });
});
