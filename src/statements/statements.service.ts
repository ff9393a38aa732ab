import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { DataSource, type EntityManager } from 'typeorm';
import { inTransaction } from '../database/transaction';
import { ProblemException } from '../common/problem/problem';
import type { AppConfig } from '../config/env.schema';
import { formatMoney, nextPeriod, periodOf, periodRange } from '../rating/core';
import { Decimal } from '../rating/core/decimal';
import { FinalizedPeriods } from '../finalized-periods/finalized-periods.repository';
import { ByteLru } from './byte-lru';
import { FreshBatcher } from './fresh-batcher';
import type { LineView, StatementSummaryView, StatementView } from './statement.model';
import { lineViews, StatementBuilder, storedIntervalView } from './statement-builder.service';
import { tokenCovers, tokenString, type StatementToken } from './statement-token';
import { StatementVersions } from './statement-versions.repository';
import { StatementsRepository, type InvoiceRow } from './statements.repository';

const gzipAsync = promisify(gzip);

/**
 * Token queries run at once, at most. While a token was Σ `rated_seq` over
 * the tenant's resources (~2 ms of PostgreSQL CPU for 10,000), three in
 * flight served 50 revalidating readers about 30 % more `304`s than one.
 * Now that it is a ≤ 64-row read, one in flight does better: statement p99
 * 27 ms vs 33–35 ms, and half the PostgreSQL CPU (BENCHMARKS.md).
 */
const TOKEN_LOADS_IN_FLIGHT = 1;

/**
 * Part of every ETag: change it whenever the JSON of an unchanged statement
 * would come out differently (fields, order, formatting), so clients and
 * replicas never match a tag of the old rendering.
 */
const RENDERING = 'statement-json-2'; // 2: intervals of finalized statements in order; no repeated unrated

/** A cacheable answer before it is built: the token it depends on and the ETags that token implies. */
export interface StatementTag {
  tenantId: string;
  period: string;
  token: StatementToken;
  /** Strong ETag of the JSON as is. */
  etag: string;
  /** Strong ETag of its gzip (another representation, so another tag). */
  gzipEtag: string;
}

/** A statement serialized once: exact JSON bytes, their gzip, and the ETags of both. */
export interface RenderedStatement {
  token: StatementToken;
  body: Buffer;
  gzip: Buffer;
  etag: string;
  gzipEtag: string;
  /** What the statements list shows of it (null: no lines and nothing unrated). */
  summary: Omit<StatementSummaryView, 'period'> | null;
}

function etagsOf(
  tenantId: string,
  period: string,
  token: StatementToken,
): { etag: string; gzipEtag: string } {
  const h = createHash('sha256')
    .update(`${RENDERING}\n${tenantId}\n${period}\n${tokenString(token)}`)
    .digest('base64url')
    .slice(0, 27);
  return { etag: `"${h}"`, gzipEtag: `"${h}-gzip"` };
}

/**
 * The portal's reads. A finalized period answers its invoice, frozen; an open
 * one is computed now, accruing up to `asOf` (now, or the period's end once it
 * is over — then it equals what its invoice will say, to the cent).
 *
 * Build once, serve many: the answer for a period that has ended (open or
 * finalized) depends only on a token — the tenant's statement version, the
 * latest finalized period, the price-book count, or once issued the invoice
 * (StatementVersions) — so it is serialized and gzipped once per token and
 * kept in a byte-bounded LRU (STATEMENT_CACHE_MB; 0 = off). Each request
 * reads the token with a query sent after it arrived (concurrent requests
 * share one: FreshBatcher), BEFORE building, so what is built is at least as
 * new as the token: a change committed before a request always moves the
 * token that request reads, and a change racing a build costs at most one
 * more build, never a stale answer. Concurrent requests for one (tenant,
 * period, token) await a single build. The current period accrues up to
 * now and is always computed.
 */
@Injectable()
export class StatementsService {
  private readonly cache: ByteLru<RenderedStatement> | null;
  private readonly inFlight = new Map<string, Promise<RenderedStatement>>();
  /** Concurrent requests share token queries (TOKEN_LOADS_IN_FLIGHT at once), each answered by one sent after it arrived. */
  private readonly tokens = new FreshBatcher(
    (keys: { tenantId: string; period: string }[]) =>
      this.versions.tokens(this.dataSource.manager, keys),
    TOKEN_LOADS_IN_FLIGHT,
  );

  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: StatementsRepository,
    private readonly builder: StatementBuilder,
    private readonly versions: StatementVersions,
    private readonly periods: FinalizedPeriods,
    config: ConfigService<AppConfig, true>,
  ) {
    const mb = config.get('STATEMENT_CACHE_MB', { infer: true });
    this.cache = mb > 0 ? new ByteLru(mb * 1024 * 1024) : null;
  }

  /**
   * The tag of a cacheable answer (one query), or null when the answer must
   * be computed now by `statement`: the current period, or the cache is off.
   * @throws ProblemException 404 for a period that has not started.
   */
  async tag(tenantId: string, period: string, now = Date.now()): Promise<StatementTag | null> {
    const { start, end } = periodRange(period);
    if (start > now) throw ProblemException.periodNotStarted(period);
    if (this.cache === null || end > now) return null;
    const token = await this.tokens.read({ tenantId, period });
    return { tenantId, period, token, ...etagsOf(tenantId, period, token) };
  }

  /**
   * The serialized answer for a tag: from the cache when an entry built from
   * that token (or a newer one) is there, else built once for all concurrent
   * callers with the same tag.
   */
  async rendered(tag: StatementTag, now = Date.now()): Promise<RenderedStatement> {
    const key = `${tag.tenantId}/${tag.period}`;
    const hit = this.cache?.get(key);
    if (hit && tokenCovers(hit.token, tag.token)) return hit;
    const flightKey = `${key}\n${tokenString(tag.token)}`;
    let flight = this.inFlight.get(flightKey);
    if (!flight) {
      flight = this.render(tag, key, now).finally(() => this.inFlight.delete(flightKey));
      this.inFlight.set(flightKey, flight);
    }
    return flight;
  }

  private async render(tag: StatementTag, key: string, now: number): Promise<RenderedStatement> {
    const view = await this.statement(tag.tenantId, tag.period, now);
    const body = Buffer.from(JSON.stringify(view), 'utf8');
    const rendered: RenderedStatement = {
      token: tag.token,
      body,
      gzip: await gzipAsync(body, { level: 6 }),
      etag: tag.etag,
      gzipEtag: tag.gzipEtag,
      summary:
        view.lines.length === 0 && view.unrated.length === 0
          ? null
          : {
              status: view.status,
              invoiceNumber: view.invoiceNumber,
              currency: view.currency,
              total: view.total,
            },
    };
    // Never replace an entry built from a strictly newer token by this one.
    const held = this.cache?.peek(key);
    const newer =
      held !== undefined &&
      tokenCovers(held.token, tag.token) &&
      tokenString(held.token) !== tokenString(tag.token);
    if (!newer) this.cache?.set(key, rendered, body.length + rendered.gzip.length);
    return rendered;
  }

  /**
   * Built from one snapshot: a finalization committing between two reads
   * (the tenant's invoice, then the latest finalized period) answered a
   * just-invoiced tenant "finalized, no invoice, 0.00".
   */
  statement(tenantId: string, period: string, now = Date.now()): Promise<StatementView> {
    if (periodRange(period).start > now) throw ProblemException.periodNotStarted(period);
    return inTransaction(this.dataSource, (em) => this.statementIn(em, tenantId, period, now), {
      isolation: 'REPEATABLE READ',
      retryTransient: true,
    });
  }

  private async statementIn(
    em: EntityManager,
    tenantId: string,
    period: string,
    now: number,
  ): Promise<StatementView> {
    const invoice = await this.repo.invoiceOf(em, tenantId, period);
    if (invoice) return this.frozen(em, invoice);
    const latestFinalized = await this.periods.latest(em);
    if (latestFinalized !== null && period <= latestFinalized) {
      // Finalized without an invoice for this tenant: it had no usage then,
      // and that is what stays issued. Usage a late event brought since is
      // an adjustment on the earliest open period, never a line here.
      const currency = await this.builder.currencyInForce(em, tenantId, period, now);
      return {
        tenantId,
        period,
        status: 'finalized',
        invoiceNumber: null,
        currency,
        total: currency === null ? '0' : formatMoney(new Decimal(0), currency),
        asOf: new Date(Math.min(now, periodRange(period).end)).toISOString(),
        unrated: [],
        lines: [],
      };
    }
    const s = await this.builder.build(em, tenantId, period, now, latestFinalized);
    return {
      tenantId,
      period,
      status: 'open',
      invoiceNumber: null,
      currency: s.currency,
      total: s.currency === null ? '0' : formatMoney(s.total, s.currency),
      asOf: new Date(s.asOf).toISOString(),
      unrated: s.unrated,
      lines: lineViews(s.lines, s.currency),
    };
  }

  /**
   * Newest first: every period from the tenant's first usage to now, the
   * earliest open period (where adjustments and late unrated usage land,
   * with or without usage of its own), and every invoiced one; those with
   * nothing on them are left out.
   */
  async list(tenantId: string, now = Date.now()): Promise<StatementSummaryView[]> {
    // The three reads from one snapshot, as a statement's (a finalization may
    // commit between them); not the whole list, whose ended periods come from
    // the cache or a statement of their own (another connection).
    const { invoices, first, latestFinalized } = await inTransaction(
      this.dataSource,
      async (tx) => ({
        invoices: await this.repo.invoicesOfTenant(tx, tenantId),
        first: await this.repo.firstUsageOfTenant(tx, tenantId),
        latestFinalized: await this.periods.latest(tx),
      }),
      { isolation: 'REPEATABLE READ', retryTransient: true },
    );
    const em = this.dataSource.manager;
    const byPeriod = new Map(invoices.map((i) => [i.period, i]));
    const periods = new Set(byPeriod.keys());
    if (first !== null)
      // from 1970-01 at the earliest: a row before it (stored before the API
      // judged times in UTC; migration 1763827200000) is in no period
      for (let p = periodOf(Math.max(0, first.getTime())); p <= periodOf(now); p = nextPeriod(p))
        periods.add(p);
    if (latestFinalized !== null && nextPeriod(latestFinalized) <= periodOf(now))
      periods.add(nextPeriod(latestFinalized));
    const out: StatementSummaryView[] = [];
    for (const period of [...periods].sort().reverse()) {
      const invoice = byPeriod.get(period);
      if (invoice) {
        out.push({
          period,
          status: 'finalized',
          invoiceNumber: invoice.number,
          currency: invoice.currency?.trim() ?? null,
          total: invoice.total,
        });
        continue;
      }
      if (latestFinalized !== null && period <= latestFinalized) continue; // finalized without usage for this tenant
      // An ended period: its answer is (or becomes) cached, summary included.
      const tag = await this.tag(tenantId, period, now);
      if (tag) {
        const { summary } = await this.rendered(tag, now);
        if (summary) out.push({ period, ...summary });
        continue;
      }
      const s = await this.builder.build(em, tenantId, period, now, latestFinalized);
      if (s.lines.length === 0 && s.unrated.length === 0) continue;
      out.push({
        period,
        status: 'open',
        invoiceNumber: null,
        currency: s.currency,
        total: s.currency === null ? '0' : formatMoney(s.total, s.currency),
      });
    }
    return out;
  }

  private async frozen(em: EntityManager, invoice: InvoiceRow): Promise<StatementView> {
    const lines = await this.repo.invoiceLines(em, invoice.id);
    return {
      tenantId: invoice.tenant_id,
      period: invoice.period,
      status: 'finalized',
      invoiceNumber: invoice.number,
      currency: invoice.currency?.trim() ?? null,
      total: invoice.total,
      asOf: invoice.issued_at.toISOString(),
      unrated: [],
      lines: lines.map((l): LineView =>
        l.type === 'adjustment'
          ? {
              type: 'adjustment',
              resourceType: l.resource_type,
              resourceId: l.subject,
              adjustsPeriod: l.adjusts_period!,
              amount: l.amount,
            }
          : {
              type: 'usage',
              resourceType: l.resource_type,
              resourceId: l.subject,
              amount: l.amount,
              hours: l.hours ?? '0',
              intervals: ((l.intervals ?? []) as Record<string, unknown>[]).map(storedIntervalView),
            },
      ),
    };
  }
}
