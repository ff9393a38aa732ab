import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/**
 * What a cached statement was built from. Equal tokens mean the statement's
 * content is equal: every write that changes it moves one of these parts.
 */
export interface StatementToken {
  /** The tenant's `tenant_statement_versions.version`, '0' when it has no row. */
  version: string;
  /**
   * Σ `rated_seq` over the tenant's resources. Every rating transaction
   * raises the `rated_seq` of each resource it rewrites (to the `change_seq`
   * it read, which is above the old one), and never lowers one, so any
   * committed rating of the tenant raises the sum, whatever the commit order.
   */
  rated: string;
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
    : `v:${t.version}:${t.rated}:${t.latestFinalized ?? '-'}:${t.books}`;
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
    BigInt(a.rated) >= BigInt(b.rated) &&
    (a.latestFinalized ?? '') >= (b.latestFinalized ?? '') &&
    BigInt(a.books) >= BigInt(b.books)
  );
}

/**
 * Per-tenant statement versions (`tenant_statement_versions`): the cache of
 * statement answers (StatementsService) compares them with what an answer
 * was built from, so it never serves one older than a committed change.
 *
 * **Obligation of every writer** that changes rows a tenant's statement
 * shows other than by rating — today finalization (`invoices`,
 * `invoice_lines`): call `bump(em, tenantIds)` with the SAME `em`, i.e.
 * inside that transaction, once, with every tenant whose rows it wrote. The
 * bump holds the tenants' version rows until commit and takes them in sorted
 * order, so two writers cannot deadlock on them; a rollback undoes it.
 *
 * **Rating needs no bump**: what it writes (`rated_intervals`,
 * `rating_issues`, `restatements`) is committed with the raised `rated_seq`
 * of each resource it rewrote, and Σ `rated_seq` over the tenant is part of
 * the token. (A bump per rating made every concurrent rating of a tenant
 * queue on its version row: with 20 tenants, all of them.) A new rating
 * writer must keep that property: raise `rated_seq` with what it writes.
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
      rated: string;
      latest_finalized: string | null;
      books: string;
      invoice_id: string | null;
    }[] = await em.query(
      `WITH k AS (SELECT * FROM unnest($1::text[], $2::bpchar[]) WITH ORDINALITY AS k(tenant_id, period, ord)),
            s AS (SELECT d.tenant_id,
                         (SELECT coalesce(sum(r.rated_seq), 0)::text FROM resources r
                           WHERE r.tenant_id = d.tenant_id) AS rated
                    FROM (SELECT DISTINCT tenant_id FROM k) AS d)
       SELECT v.version::text AS version, s.rated, f.latest AS latest_finalized, b.books,
              i.id::text AS invoice_id
         FROM k
         JOIN s ON s.tenant_id = k.tenant_id
         LEFT JOIN tenant_statement_versions v ON v.tenant_id = k.tenant_id
         LEFT JOIN invoices i ON i.tenant_id = k.tenant_id AND i.period = k.period
        CROSS JOIN (SELECT max(period) AS latest FROM finalized_periods) f
        CROSS JOIN (SELECT count(*)::text AS books FROM price_book_versions) b
        ORDER BY k.ord`,
      [keys.map((k) => k.tenantId), keys.map((k) => k.period)],
    );
    return rows.map((r) => ({
      version: r.version ?? '0',
      rated: r.rated,
      latestFinalized: r.latest_finalized,
      books: r.books,
      invoiceId: r.invoice_id,
    }));
  }
}
