import { instantRows } from '../support/instant-rows';
import { migrationTestDatabase, undoMigrationsThrough } from '../support/test-app';

/**
 * Migration 1763827200000: an event's `time` and a price-book version's
 * `effective_from` lie in the billing periods' range (1970-01 to 9999-12 in
 * UTC), enforced by PostgreSQL, whatever writes them.
 */
describe('instants in the periods range', () => {
  const m = migrationTestDatabase();
  const MIGRATION = 'InstantsInPeriodRange1763827200000';

  const { insertEvent, insertBook, constraints, rejected } = instantRows(
    () => m.client,
    '_in_period_range',
  );

  it('refuses instants before 1970 or after 9999 in UTC, and takes the first and last ones', async () => {
    expect(await constraints()).toEqual([
      { conname: 'events_time_in_period_range', convalidated: true },
      { conname: 'price_book_versions_effective_from_in_period_range', convalidated: true },
    ]);
    await rejected(insertEvent('1969-12-31T23:59:59.999Z'));
    await rejected(insertEvent('1970-01-01T00:30:00+01:00'));
    await rejected(insertEvent('10000-01-01T00:00:00Z'));
    await insertEvent('1970-01-01T00:00:00Z');
    await insertEvent('9999-12-31T23:59:59.999Z');
    await rejected(insertBook('9999-12-31T23:30:00-01:00'));
    await insertBook('9999-12-31T23:59:59.999Z');
  });

  it('keeps rows stored before it out of range, refusing new ones, with a warning', async () => {
    await undoMigrationsThrough(m.ds, MIGRATION);
    await insertEvent('1969-12-31T23:30:00Z'); // as the API took "1970-01-01T00:30:00+01:00"
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
        /^\[migrate\] warning: events holds rows whose time is before 1970 .* events_time_in_period_range is enforced on new rows only/,
      ),
    ]);
    expect(await constraints()).toEqual([
      { conname: 'events_time_in_period_range', convalidated: false },
      { conname: 'price_book_versions_effective_from_in_period_range', convalidated: true },
    ]);
    await rejected(insertEvent('1969-12-31T23:00:00Z'));
  });
});
