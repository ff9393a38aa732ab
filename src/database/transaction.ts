import type { DataSource, EntityManager } from 'typeorm';
import { isTransientDbError } from './transient-errors';

/** SQLSTATEs after which re-running the whole transaction is safe and likely to succeed. */
const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

export interface TransactionOptions {
  /**
   * Also retry connection-level failures (failover, restart: 57P01, 57P03,
   * ECONNREFUSED, "Connection terminated"…). Only for work that is idempotent
   * when repeated after an unknown outcome — a commit may have happened
   * before the connection died.
   */
  retryTransient?: boolean;
  attempts?: number;
  /** `REPEATABLE READ`: every statement reads one snapshot (for reads that must agree). */
  isolation?: 'READ COMMITTED' | 'REPEATABLE READ';
}

const codeOf = (err: unknown) =>
  (err as { driverError?: { code?: string } }).driverError?.code ?? (err as { code?: string }).code;

/**
 * Runs `work` in one READ COMMITTED (or `isolation`) transaction, re-running it from the start
 * (with jittered exponential backoff) when PostgreSQL aborts it for a
 * deadlock or serialization failure, and — with `retryTransient` — when the
 * connection fails. `work` must only talk to the database through `em`.
 */
export async function inTransaction<T>(
  dataSource: DataSource,
  work: (em: EntityManager) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? (options.retryTransient ? 4 : 5);
  for (let attempt = 1; ; attempt++) {
    try {
      return await dataSource.transaction(options.isolation ?? 'READ COMMITTED', work);
    } catch (err) {
      const code = codeOf(err);
      const retryable =
        (code !== undefined && RETRYABLE.has(code)) ||
        (options.retryTransient === true && isTransientDbError(err));
      if (!retryable || attempt >= attempts) throw err;
      await new Promise((r) =>
        setTimeout(r, Math.min(2000, 100 * 2 ** attempt) + Math.random() * 50),
      );
    }
  }
}
