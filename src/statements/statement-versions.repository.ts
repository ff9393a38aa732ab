import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { StatementToken } from './statement-token';

/**
 * Per-tenant statement versions (`tenant_statement_versions`): the cache of
 * statement answers (StatementsService) compares them with what an answer
 * was built from, so it never serves one older than a committed change.
 *
 * A tenant's version is the sum of up to 64 rows, one per shard
 * (`pg_backend_pid() % 64` of the writer), so concurrent writers of one
 * tenant rarely share a row (migration 1763798400000).
 *
 * **Rating moves it by itself**: a trigger on `resources` adds, in the same
 * statement, one per resource whose `rated_seq` changed, and every rating
 * transaction raises `rated_seq` with what it writes (`rated_intervals`,
 * `rating_issues`, `restatements`). A new rating writer must keep that
 * property: raise `rated_seq` with what it writes. (A bump of one row per
 * tenant made every concurrent rating of a tenant queue on it; reading
 * Σ `rated_seq` instead cost ~2 ms of PostgreSQL CPU per request for a
 * 10,000-resource tenant.)
 *
 * **Obligation of every other writer** that changes rows a tenant's
 * statement shows — today finalization (`invoices`, `invoice_lines`): call
 * `bump(em, tenantIds)` with the SAME `em`, i.e. inside that transaction,
 * once, with every tenant whose rows it wrote. Rows are taken in tenant
 * order, so two writers cannot deadlock on them; a rollback undoes it.
 *
 * The latest finalized period and the price-book versions are part of the
 * token by themselves (read with the version), so creating a price book or
 * marking a period finalized needs no bump of its own.
 */
@Injectable()
export class StatementVersions {
  /** Adds one to the version of each tenant (on this backend's shard row), in one statement, rows locked in tenant order. */
  async bump(em: EntityManager, tenantIds: string[]): Promise<void> {
    if (tenantIds.length === 0) return;
    await em.query(
      `INSERT INTO tenant_statement_versions AS v (tenant_id, shard, version)
       SELECT DISTINCT t, pg_backend_pid() % 64, 1 FROM unnest($1::text[]) AS t ORDER BY t
       ON CONFLICT (tenant_id, shard) DO UPDATE SET version = v.version + 1`,
      [tenantIds],
    );
  }

  /** Everything the statement answers of these (tenant, period) pairs depend on, in order, in one query (one snapshot). */
  async tokens(
    em: EntityManager,
    keys: { tenantId: string; period: string }[],
  ): Promise<StatementToken[]> {
    const rows: {
      server: string;
      version: string;
      latest_finalized: string | null;
      books: string;
      invoice_id: string | null;
    }[] = await em.query(
      `SELECT pg_postmaster_start_time()::text AS server,
              (SELECT coalesce(sum(v.version), 0)::text FROM tenant_statement_versions v
                WHERE v.tenant_id = k.tenant_id) AS version,
              (SELECT max(period) FROM finalized_periods) AS latest_finalized,
              (SELECT count(*)::text FROM price_book_versions) AS books,
              (SELECT i.id::text FROM invoices i
                WHERE i.tenant_id = k.tenant_id AND i.period = k.period) AS invoice_id
         FROM unnest($1::text[], $2::bpchar[]) WITH ORDINALITY AS k(tenant_id, period, ord)
        ORDER BY k.ord`,
      [keys.map((k) => k.tenantId), keys.map((k) => k.period)],
    );
    return rows.map((r) => ({
      server: r.server,
      version: r.version,
      latestFinalized: r.latest_finalized,
      books: r.books,
      invoiceId: r.invoice_id,
    }));
  }
}
