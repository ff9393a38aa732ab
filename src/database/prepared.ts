import type { PoolClient } from 'pg';
import type { EntityManager } from 'typeorm';

/**
 * A hot statement that PostgreSQL parses and plans once per connection (a
 * named prepared statement) instead of on every call: the ingest and rating
 * statements run thousands of times a minute, and parsing and planning were
 * about a tenth of PostgreSQL's CPU under the ingest bench
 * (`pg_stat_statements` with `track_planning`).
 *
 * **Only statements without a plan choice**: inserts from `unnest` or
 * `json_to_recordset` (conflicts go through the arbiter index) and function
 * calls. A prepared statement may switch to a generic plan, which is kept
 * until the tables' statistics change: a join of an `unnest` with a table,
 * prepared while the table was still empty on a new database, kept a hash
 * join over a sequential scan of `rated_intervals` (13 ms instead of 0.7 ms
 * per rating job) for the whole ingest bench. Such statements stay unnamed
 * and are planned with their values every time.
 *
 * Behind a pooler, the pooler must support protocol-level prepared
 * statements (PgBouncer ≥ 1.21 with `max_prepared_statements`) or run in
 * session mode.
 */
export interface PreparedSql {
  readonly name: string;
  readonly text: string;
}

const registered = new Map<string, string>();

/** Declares a prepared statement; a name names one text only (checked here, at load). */
export function preparedSql(name: string, text: string): PreparedSql {
  const known = registered.get(name);
  if (known !== undefined && known !== text)
    throw new Error(`prepared statement ${name} is declared twice with different texts`);
  registered.set(name, text);
  return { name, text };
}

/**
 * Runs `sql` with `values` on the transaction's connection as a named
 * prepared statement, answering its rows. Outside a transaction (no
 * connection of its own) it runs as a plain query.
 */
export async function queryPrepared<R>(
  em: EntityManager,
  sql: PreparedSql,
  values: unknown[],
): Promise<R[]> {
  const client = (em.queryRunner as unknown as { databaseConnection?: PoolClient } | undefined)
    ?.databaseConnection;
  if (!client || em.queryRunner?.isReleased) {
    const result: unknown = await em.query(sql.text, values);
    // TypeORM answers a statement without RETURNING rows as [rows, count]
    return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as R[];
  }
  const result = await client.query({ name: sql.name, text: sql.text, values });
  return result.rows as R[];
}
