import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/**
 * What a cached statement was built from. Equal tokens mean the statement's
 * content is equal: every write that changes it moves one of these parts.
 */
export interface StatementToken {
  /** The tenant's `tenant_statement_versions.version`, '0' when it has no row. */
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

/** The token as one string: an invoice alone determines a frozen statement. */
export function tokenString(t: StatementToken): string {
  return t.invoiceId !== null
    ? `i:${t.invoiceId}`
    : `v:${t.version}:${t.latestFinalized ?? '-'}:${t.books}`;
}

/**
 * True when `a` is at least as new as `b` in every part (each part only
 * grows; an issued invoice is final), so an answer built from `a` may stand
 * in for one built from `b`.
 */
export function tokenCovers(a: StatementToken, b: StatementToken): boolean {
  if (b.invoiceId !== null) return a.invoiceId === b.invoiceId;
  if (a.invoiceId !== null) return true;
  return (
    BigInt(a.version) >= BigInt(b.version) &&
    (a.latestFinalized ?? '') >= (b.latestFinalized ?? '') &&
    BigInt(a.books) >= BigInt(b.books)
  );
}

/**
 * Per-tenant statement versions (`tenant_statement_versions`): the cache of
 * statement answers (StatementsService) compares them with what an answer
 * was built from, so it never serves one older than a committed change.
 *
 * **Obligation of every writer.** A transaction that inserts, updates or
 * deletes rows a tenant's statement shows — `rated_intervals`,
 * `rating_issues`, `restatements` (rating), `invoices` / `invoice_lines`
 * (finalization) — must call `bump(em, tenantIds)` with the SAME `em`, i.e.
 * inside that transaction, once, for every tenant whose rows it wrote
 * (deleted or inserted: if a resource's rows move from one tenant to
 * another, both), preferably as its last statement before COMMIT: the bump
 * takes the tenants' version rows locked until commit, so concurrent
 * writers for one tenant serialize only on that short tail. One call per
 * transaction, with all its tenants: `bump` locks them in sorted order, so
 * two writers cannot deadlock on each other's version rows. A rollback rolls
 * the bump back with the writes.
 *
 * The latest finalized period and the price-book versions are part of the
 * token by themselves (read with the version), so creating a price book or
 * marking a period finalized needs no bump of its own.
 */
@Injectable()
export class StatementVersions {
  /** Increments the version of each tenant (creating it at 1), in one statement, rows locked in sorted order. */
  async bump(em: EntityManager, tenantIds: string[]): Promise<void> {
    if (tenantIds.length === 0) return;
    await em.query(
      `INSERT INTO tenant_statement_versions (tenant_id, version)
       SELECT DISTINCT t, 1 FROM unnest($1::text[]) AS t ORDER BY t
       ON CONFLICT (tenant_id) DO UPDATE SET version = tenant_statement_versions.version + 1`,
      [tenantIds],
    );
  }

  /** The tenant's version as a decimal string, '0' when it was never bumped. */
  async current(em: EntityManager, tenantId: string): Promise<string> {
    const rows: { version: string }[] = await em.query(
      `SELECT version::text AS version FROM tenant_statement_versions WHERE tenant_id = $1`,
      [tenantId],
    );
    return rows[0]?.version ?? '0';
  }

  /** Everything a statement answer of (tenant, period) depends on, in one query. */
  async token(em: EntityManager, tenantId: string, period: string): Promise<StatementToken> {
    return (await this.tokens(em, [{ tenantId, period }]))[0];
  }

  /** `token` of many (tenant, period) pairs, in order, in one query (one snapshot). */
  async tokens(
    em: EntityManager,
    keys: { tenantId: string; period: string }[],
  ): Promise<StatementToken[]> {
    const rows: {
      version: string | null;
      latest_finalized: string | null;
      books: string;
      invoice_id: string | null;
    }[] = await em.query(
      `SELECT v.version::text AS version, f.latest AS latest_finalized, b.books, i.id::text AS invoice_id
         FROM unnest($1::text[], $2::bpchar[]) WITH ORDINALITY AS k(tenant_id, period, ord)
         LEFT JOIN tenant_statement_versions v ON v.tenant_id = k.tenant_id
         LEFT JOIN invoices i ON i.tenant_id = k.tenant_id AND i.period = k.period
        CROSS JOIN (SELECT max(period) AS latest FROM finalized_periods) f
        CROSS JOIN (SELECT count(*)::text AS books FROM price_book_versions) b
        ORDER BY k.ord`,
      [keys.map((k) => k.tenantId), keys.map((k) => k.period)],
    );
    return rows.map((r) => ({
      version: r.version ?? '0',
      latestFinalized: r.latest_finalized,
      books: r.books,
      invoiceId: r.invoice_id,
    }));
  }
}
