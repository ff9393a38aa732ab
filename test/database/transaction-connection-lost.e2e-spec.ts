import { DataSource, type EntityManager } from 'typeorm';
import { preparedQuery, TransactionConnectionLost } from '../../src/database/prepared';
import { inTransaction } from '../../src/database/transaction';
import { isTransientDbError } from '../../src/database/transient-errors';
import { EventsRepository } from '../../src/events/events.repository';
import { validateEvents } from '../../src/events/validation';
import { cloudEvent } from '../factories/event.factory';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * A transaction whose connection dies (a failover, a restart, a reset; here
 * `pg_terminate_backend`) must not go on elsewhere. TypeORM marks the
 * transaction's query runner released when its connection fails, and
 * `preparedQuery` used to take a pool connection then: the rest of the
 * "transaction" committed statement by statement, outside its locks, and
 * survived the rollback. Ingest stored events without their marks (never
 * rated), and ratings wrote from stale reads (hours billed twice).
 */
describe('a transaction whose connection is lost', () => {
  let t: TestApp;
  let ds: DataSource;
  beforeAll(async () => {
    t = await startTestApp({ ROLE: 'api' });
    ds = t.app.get(DataSource);
  });
  afterAll(async () => {
    await t.close();
  });

  /** Terminates the transaction's backend and waits until TypeORM has noticed. */
  async function loseConnection(em: EntityManager): Promise<void> {
    const [{ pid }] = await em.query<{ pid: number }[]>('SELECT pg_backend_pid() AS pid');
    await t.db.query('SELECT pg_terminate_backend($1)', [pid]);
    for (let i = 0; i < 200 && em.queryRunner?.isReleased !== true; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(em.queryRunner?.isReleased).toBe(true);
  }

  const events = () => {
    const r = validateEvents(
      [
        cloudEvent('vm.created', 'vm-lost', '2026-10-01T00:00:00Z', {
          template: 'normal',
          state: 'running',
        }),
      ],
      Date.now(),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.events;
  };

  it('runs no prepared statement on another connection: it throws a transient error and nothing commits', async () => {
    await t.db.query('CREATE TABLE IF NOT EXISTS lost_probe (x int)');
    const err = await inTransaction(ds, async (em) => {
      await em.query('INSERT INTO lost_probe VALUES (1)');
      await loseConnection(em);
      await preparedQuery(em, 'INSERT INTO lost_probe VALUES (2)', []);
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransactionConnectionLost);
    expect(isTransientDbError(err)).toBe(true);
    expect((await t.db.query('SELECT x FROM lost_probe')).rows).toEqual([]);
  });

  it('stores no event of an ingest transaction that lost its connection, so a retry stores and marks it', async () => {
    const repo = t.app.get(EventsRepository);
    const err = await inTransaction(ds, async (em) => {
      await em.query('SELECT 1');
      await loseConnection(em);
      await repo.insertEvents(em, events(), 'http');
    }).catch((e: unknown) => e);
    expect(isTransientDbError(err)).toBe(true);
    expect((await t.db.query(`SELECT id FROM events WHERE subject = 'vm-lost'`)).rows).toEqual([]);

    // the retry: the event is new, so it is stored and marked
    await inTransaction(ds, async (em) => {
      const { inserted } = await repo.insertEvents(em, events(), 'http');
      expect(inserted).toHaveLength(1);
      expect(await repo.markChanged(em, inserted)).toEqual([]);
    });
    const marks = await t.db.query(`SELECT 1 FROM rating_marks WHERE subject = 'vm-lost'`);
    expect(marks.rowCount).toBe(1);
  });

  it("classifies TypeORM's released-runner errors as transient (a 503 or a retry, not a failed job)", async () => {
    const err = await inTransaction(ds, async (em) => {
      await loseConnection(em);
      await em.query('SELECT 1');
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/already released/);
    expect(isTransientDbError(err)).toBe(true);
  });
});
