import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';

/**
 * Rows of the two tables whose instants PostgreSQL checks (events' `time`,
 * price-book versions' `effective_from`), written by SQL as a backfill
 * would, for the tests of those checks' migrations; and the checks'
 * state. `db` is called at each use (the test's beforeAll sets the client).
 */
export function instantRows(db: () => Client, constraintSuffix: string) {
  let n = 0;
  return {
    insertEvent: (time: string) =>
      db().query(
        `INSERT INTO events (source, id, resource_type, subject, tenant_id, type, time, data, raw, content_hash, via)
         VALUES ('/sql', $1, 'vm', 'vm-1', 't-1', 'vm.created', $2, '{}', '{}', repeat('0', 64), 'http')`,
        [`e-${++n}`, time],
      ),
    insertBook: (effectiveFrom: string) =>
      db().query(
        `INSERT INTO price_book_versions (id, tenant_id, effective_from, currency, body)
         VALUES ($1, 't-1', $2, 'EUR', '{}')`,
        [randomUUID(), effectiveFrom],
      ),
    /** The checks named `…<constraintSuffix>`, and whether each is validated. */
    constraints: async () =>
      (
        await db().query<{ conname: string; convalidated: boolean }>(
          `SELECT conname, convalidated FROM pg_constraint WHERE conname LIKE $1 ORDER BY conname`,
          [`%${constraintSuffix}`],
        )
      ).rows,
    /** Expects `p` to be refused by one of those checks. */
    rejected: (p: Promise<unknown>) =>
      expect(p).rejects.toMatchObject({
        code: '23514',
        constraint: expect.stringMatching(new RegExp(`${constraintSuffix}$`)),
      }),
  };
}
