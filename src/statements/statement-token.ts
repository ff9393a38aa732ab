/**
 * What a cached statement answer was built from, and when one may stand in
 * for another. Pure: no I/O (StatementVersions reads tokens).
 */

/**
 * What a cached statement was built from. Equal tokens mean the statement's
 * content is equal: every write that changes it moves one of these parts.
 */
export interface StatementToken {
  /**
   * The PostgreSQL server that answered (`pg_postmaster_start_time()`). The
   * other parts only grow as long as no committed transaction is lost,
   * which a failover to an asynchronous standby can do: the version could
   * then fall back and later climb to a number an answer was already built
   * from, with other content. A token of another server (a promoted
   * standby, or a restart) therefore never stands in for this one, and the
   * ETags of open statements change with it.
   */
  server: string;
  /**
   * The tenant's statement version: Σ `version` over its
   * `tenant_statement_versions` rows (one per shard), '0' when it has none.
   * Only grows. Moved by every change of a resource's `rated_seq` (a
   * trigger: every rating) and by finalization (`bump`).
   */
  version: string;
  /** The latest finalized period (status, and where adjustments land), or null. */
  latestFinalized: string | null;
  /**
   * How many price-book versions exist (they are immutable): an empty
   * statement takes its currency from the book in force, which a new
   * version may change without any rating of the tenant's resources.
   */
  books: string;
  /** The tenant's invoice for the period, once issued: then the answer is frozen forever. */
  invoiceId: string | null;
}

/**
 * The token as one string (part of the ETag). An invoice alone determines a
 * frozen statement (invoice ids are never reused), so its ETag survives
 * restarts and failovers.
 */
export function tokenString(t: StatementToken): string {
  return t.invoiceId !== null
    ? `i:${t.invoiceId}`
    : `v:${t.server}:${t.version}:${t.latestFinalized ?? '-'}:${t.books}`;
}

/**
 * True when an answer built from `a` may stand in for one built from `b`:
 * both from the same server, and `a` at least as new in every part (each
 * part only grows; an issued invoice is final).
 */
export function tokenCovers(a: StatementToken, b: StatementToken): boolean {
  if (a.server !== b.server) return false;
  if (b.invoiceId !== null) return a.invoiceId === b.invoiceId;
  if (a.invoiceId !== null) return true;
  return (
    BigInt(a.version) >= BigInt(b.version) &&
    (a.latestFinalized ?? '') >= (b.latestFinalized ?? '') &&
    BigInt(a.books) >= BigInt(b.books)
  );
}
