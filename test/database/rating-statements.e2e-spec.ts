import type { DataSource } from 'typeorm';
import { AdvisoryLock } from '../../src/database/locks';
import { preparedQuery } from '../../src/database/prepared';
import { RatingRepository } from '../../src/rating/rating.repository';
import { createTestDatabase, testDataSource } from '../support/test-app';

/**
 * What the rating transaction asks of its connection: statements prepared
 * once per connection, and planner settings (no sequential scans, no JIT)
 * that last only until the transaction ends, so the pooled connection goes
 * back as it came.
 */
describe('rating statements on a connection', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ds: DataSource;
  const repo = new RatingRepository();

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await testDataSource(db.url, 2);
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('prepares a statement once per connection and reuses it', async () => {
    const text = 'SELECT $1::int + 1 AS n';
    await ds.transaction(async (em) => {
      expect(await preparedQuery<{ n: number }>(em, text, [1])).toEqual([{ n: 2 }]);
      expect(await preparedQuery<{ n: number }>(em, text, [41])).toEqual([{ n: 42 }]);
      const prepared: { statement: string }[] = await em.query(
        'SELECT statement FROM pg_prepared_statements',
      );
      expect(prepared.filter((p) => p.statement === text)).toHaveLength(1);
    });
  });

  it('runs outside a transaction on a connection borrowed for the call, and gives it back', async () => {
    for (let i = 0; i < 5; i++)
      expect(await preparedQuery<{ n: number }>(ds.manager, 'SELECT $1::int AS n', [i])).toEqual([
        { n: i },
      ]);
    // every call returned its connection: the pool of two still serves two at once
    await Promise.all([1, 2].map(() => ds.transaction((em) => em.query('SELECT pg_sleep(0.05)'))));
  });

  it('turns sequential scans and JIT off for the rating transaction only', async () => {
    const runner = ds.createQueryRunner();
    try {
      const settings = async () =>
        (
          (await runner.query(
            `SELECT current_setting('enable_seqscan') AS seqscan, current_setting('jit') AS jit`,
          )) as { seqscan: string; jit: string }[]
        )[0];
      const before = await settings();
      await runner.startTransaction();
      await repo.lockForRating(
        runner.manager,
        [{ resourceType: 'vm', subject: 'vm-1' }],
        AdvisoryLock.PRICING,
      );
      expect(await settings()).toEqual({ seqscan: 'off', jit: 'off' });
      await runner.commitTransaction();
      // the same connection, back as it was
      expect(await settings()).toEqual(before);
      expect(before.seqscan).toBe('on');
    } finally {
      await runner.release();
    }
  });
});
