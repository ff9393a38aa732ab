import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { EntityManager } from 'typeorm';

const names = new Map<string, string>();

/** A statement's name: from its text, so one name never stands for two texts. */
function nameOf(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `s${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * Runs `text` as a named prepared statement: PostgreSQL parses and plans it
 * once per connection (node-postgres remembers which connections have it)
 * instead of on every call. For the hot statements of rating, where planning
 * alone measured up to 1.6 ms a call. Inside a transaction it runs on the
 * transaction's connection; otherwise on one borrowed from the pool for the
 * call. Errors are node-postgres's own (`code` is the SQLSTATE).
 */
export async function preparedQuery<T>(
  em: EntityManager,
  text: string,
  values: unknown[],
): Promise<T[]> {
  const held = em.queryRunner?.isReleased === false ? em.queryRunner : undefined;
  const runner = held ?? em.connection.createQueryRunner();
  try {
    const client = (await runner.connect()) as PoolClient;
    return (await client.query<T & object>({ name: nameOf(text), text, values })).rows;
  } finally {
    if (!held) await runner.release();
  }
}
