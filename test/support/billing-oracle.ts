import { parse } from 'csv-parse/sync';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { attributesOf } from '../../src/events/events.repository';
import {
  Decimal,
  exactForEndedPeriod,
  nextPeriod,
  periodOf,
  periodRange,
  rateResource,
  roundMoney,
  usageLine,
  type PriceBook,
  type RatedSegment,
  type RatingEvent,
  type ResourceType,
  type UnratedSegment,
} from '../../src/rating/core';
import {
  RATED_INTERVAL_COLUMNS,
  segmentFromRow,
  type RatedIntervalRow,
} from '../../src/rating/rated-interval.mapper';
import { RatingRepository } from '../../src/rating/rating.repository';
import type { StatementSummaryView, StatementView } from '../../src/statements/statement.model';
import { priceBookBody } from '../factories/price-book.factory';
import { ADMIN_KEY, type TestApp } from './test-app';

/**
 * An oracle for the billing contract, for tests that drive the service
 * through random histories (events, many of them late; price books;
 * finalizations) and then ask whether what it stored and answers is still
 * right, whatever the history was:
 *
 * - the stored ratings (rated_intervals, rating_issues) equal a fresh whole
 *   rating of every resource from all its events and books by the pure core
 *   (no seeds, no incremental re-rating);
 * - for every tenant, resource and finalized period, what was invoiced plus
 *   its issued adjustments plus the adjustments pending on the earliest open
 *   statement equals round(exact amount) (CONTRACT §5), and nothing is
 *   pending while the resource has usage there that cannot be rated (§4);
 * - issued invoices never change, and their numbers are gapless in issue order;
 * - the statements list agrees with the single statements both ways, and
 *   adjustments appear on the earliest open statement only;
 * - the earliest open period's finance CSV (§6) has exactly its statements' lines.
 *
 * Checks return violations as readable strings rather than asserting, so a
 * scenario can print its own step log next to them.
 */

const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const BATCH = { ...admin, 'content-type': 'application/cloudevents-batch+json' };

/** A seeded PRNG (mulberry32): the same seed, the same numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The admin's calls a scenario makes: writes return the answer as it comes (to log); reads must answer 200. */
export function billingClient(t: TestApp) {
  /** A GET as the admin that must answer 200 (else throws with the answer). */
  const read = async (url: string): Promise<Response> => {
    const res = await t.http.get(url).set(admin);
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${res.text}`);
    return res;
  };
  return {
    ingest: (events: Record<string, unknown>[]) =>
      t.http.post('/v1/events').set(BATCH).send(events),
    createPriceBook: (overrides: Record<string, unknown>) =>
      t.http.post('/v1/price-books').set(admin).send(priceBookBody(overrides)),
    finalize: (period: string) => t.http.post(`/v1/periods/${period}/finalize`).set(admin),
    statement: async (tenant: string, period: string): Promise<StatementView> =>
      (await read(`/v1/tenants/${tenant}/statements/${period}`)).body,
    statements: async (tenant: string): Promise<StatementSummaryView[]> =>
      (await read(`/v1/tenants/${tenant}/statements`)).body.items,
    exportCsv: async (period: string): Promise<Record<string, string>[]> =>
      parse((await read(`/v1/exports/invoice-lines.csv?period=${period}`)).text, {
        columns: true,
      }),
  };
}

interface ResourceRow {
  resource_type: ResourceType;
  subject: string;
  tenant_id: string;
}
interface EventRow {
  source: string;
  id: string;
  type: string;
  ms: string;
  seq: string | null;
  data: Record<string, unknown>;
}
interface IssueRow {
  from_ms: string;
  to_ms: string | null;
  reason: string;
  blocking: boolean;
}
interface IssuedLineRow {
  period: string;
  type: 'usage' | 'adjustment';
  adjusts_period: string | null;
  amount: string;
}
interface InvoiceRow {
  number: string;
  seq: string;
  issued_at: Date;
  snapshot: string;
}
/** A violation about one period (or none): comparisons of the current period, which accrues, may be re-read. */
interface Finding {
  period: string | null;
  message: string;
}

const EVENTS = `SELECT source, id, type, (extract(epoch FROM time) * 1000)::bigint::text AS ms,
                       sequence::text AS seq, data
                  FROM events WHERE resource_type = $1 AND subject = $2`;
const ISSUES = `SELECT (extract(epoch FROM from_at) * 1000)::bigint::text AS from_ms,
                       (extract(epoch FROM to_at) * 1000)::bigint::text AS to_ms, reason, blocking
                  FROM rating_issues WHERE resource_type = $1 AND subject = $2`;
const ISSUED_LINES = `SELECT i.period, l.type, l.adjusts_period, l.amount::text AS amount
                        FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
                       WHERE i.tenant_id = $1 AND l.resource_type = $2 AND l.subject = $3`;
/** Every issued invoice with everything on it, as one JSON text per invoice. */
const INVOICES = `SELECT i.number, i.seq::text AS seq, i.issued_at,
                         json_build_object(
                           'tenantId', i.tenant_id, 'period', i.period, 'currency', i.currency,
                           'total', i.total::text, 'issuedAt', i.issued_at,
                           'lines', (SELECT json_agg(json_build_array(l.line_no, l.type, l.resource_type,
                                              l.subject, l.adjusts_period, l.hours::text, l.amount::text,
                                              l.exact_amount::text, l.intervals) ORDER BY l.line_no)
                                       FROM invoice_lines l WHERE l.invoice_id = i.id))::text AS snapshot
                    FROM invoices i ORDER BY i.seq`;

const segmentKey = (s: RatedSegment) =>
  JSON.stringify([
    s.from,
    s.to,
    s.attributes.template ?? null,
    s.attributes.state ?? null,
    s.attributes.realServerCount ?? null,
    s.attributes.sizeGb?.toString() ?? null,
    s.priceBookId,
    s.currency,
    s.weight.toString(),
    s.pricePerHour.toString(),
    s.hourlyRate.toString(),
    s.openedBy,
    s.closedBy,
  ]);
const issueKey = (from: number, to: number | null, reason: string, blocking: boolean) =>
  `${from}|${to}|${reason}|${blocking}`;
const overlaps = (i: UnratedSegment, period: string) => {
  const { start, end } = periodRange(period);
  return i.from < end && (i.to === null || i.to > start);
};
const sum = (xs: string[]) => xs.reduce((s, x) => s.plus(x), new Decimal(0));

/**
 * Checks the invariants above on a test app's database and HTTP answers.
 * Keeps the invoices it saw, so call `violations()` after every step of a
 * history: an invoice that changed since the previous call is a violation.
 */
export class BillingOracle {
  private readonly client: ReturnType<typeof billingClient>;
  private readonly ratingRepository = new RatingRepository();
  private issued = new Map<string, string>();

  constructor(private readonly t: TestApp) {
    this.client = billingClient(t);
  }

  /** Every violation now ([] when all hold). Call only when rating has settled. */
  async violations(): Promise<string[]> {
    const latest = await this.latestFinalized();
    const resources = (
      await this.t.db.query<ResourceRow>(
        'SELECT resource_type, subject, tenant_id FROM resources ORDER BY 1, 2',
      )
    ).rows;
    const tenants = [...new Set(resources.map((r) => r.tenant_id))].sort();
    const { rows: first } = await this.t.db.query<{ ms: string | null }>(
      'SELECT (extract(epoch FROM min(time)) * 1000)::bigint::text AS ms FROM events',
    );
    if (first[0].ms === null) return [];
    // The earliest period that is not finalized: where adjustments land.
    const earliestOpen = latest === null ? periodOf(Number(first[0].ms)) : nextPeriod(latest);
    const out: string[] = [];
    const books = new Map<string, PriceBook[]>();
    const landing = new Map<string, StatementView>();
    for (const r of resources) {
      if (!books.has(r.tenant_id))
        books.set(
          r.tenant_id,
          await this.ratingRepository.booksForTenant(
            this.t.app.get(DataSource).manager,
            r.tenant_id,
          ),
        );
      let land = landing.get(r.tenant_id);
      if (latest !== null && land === undefined) {
        land = await this.client.statement(r.tenant_id, earliestOpen);
        landing.set(r.tenant_id, land);
      }
      out.push(...(await this.resource(r, books.get(r.tenant_id)!, latest, land)));
    }
    out.push(...(await this.invoices()));
    const current = periodOf(Date.now());
    for (const tenant of tenants)
      out.push(
        ...(await this.reread(current, () =>
          this.statementsList(tenant, periodOf(Number(first[0].ms)), earliestOpen, latest),
        )),
      );
    if (earliestOpen <= current)
      out.push(
        ...(await this.reread(current, () =>
          this.openExport(tenants, earliestOpen, earliestOpen === current),
        )),
      );
    return out;
  }

  private async latestFinalized(): Promise<string | null> {
    const { rows } = await this.t.db.query<{ p: string | null }>(
      'SELECT max(period) AS p FROM finalized_periods',
    );
    return rows[0].p;
  }

  /**
   * One resource: its stored rating against the core's whole rating, and
   * invoiced + issued adjustments + pending adjustments = round(exact) for
   * every finalized period since its first event.
   */
  private async resource(
    r: ResourceRow,
    books: PriceBook[],
    latest: string | null,
    landing: StatementView | undefined,
  ): Promise<string[]> {
    const name = `${r.tenant_id} ${r.resource_type}/${r.subject}`;
    const key = [r.resource_type, r.subject];
    const events: RatingEvent[] = (await this.t.db.query<EventRow>(EVENTS, key)).rows.map((e) => ({
      source: e.source,
      id: e.id,
      type: e.type,
      time: Number(e.ms),
      sequence: e.seq === null ? null : BigInt(e.seq),
      attributes: attributesOf(r.resource_type, e.data),
    }));
    const rating = rateResource({
      resourceType: r.resource_type,
      tenantId: r.tenant_id,
      events,
      books,
    });
    const out: string[] = [];

    const stored = (
      await this.t.db.query<RatedIntervalRow>(
        `SELECT ${RATED_INTERVAL_COLUMNS} FROM rated_intervals
          WHERE resource_type = $1 AND subject = $2 ORDER BY from_at`,
        key,
      )
    ).rows.map(segmentFromRow);
    const storedKeys = stored.map(segmentKey).join('\n  ');
    const wantKeys = rating.segments.map(segmentKey).join('\n  ');
    if (storedKeys !== wantKeys)
      out.push(`${name}: stored segments\n  ${storedKeys}\nare not the core's\n  ${wantKeys}`);
    const storedIssues = (await this.t.db.query<IssueRow>(ISSUES, key)).rows
      .map((i) =>
        issueKey(
          Number(i.from_ms),
          i.to_ms === null ? null : Number(i.to_ms),
          i.reason,
          i.blocking,
        ),
      )
      .sort()
      .join(', ');
    const wantIssues = rating.issues
      .map((i) => issueKey(i.from, i.to, i.reason, i.blocking))
      .sort()
      .join(', ');
    if (storedIssues !== wantIssues)
      out.push(`${name}: stored issues [${storedIssues}] are not the core's [${wantIssues}]`);

    if (latest === null || events.length === 0) return out;
    const issuedLines = (await this.t.db.query<IssuedLineRow>(ISSUED_LINES, [r.tenant_id, ...key]))
      .rows;
    const first = Math.min(...events.map((e) => e.time));
    for (let p = periodOf(first); p <= latest; p = nextPeriod(p)) {
      const line = usageLine(rating.segments, p, periodRange(p).end);
      const exact = line?.exact ?? new Decimal(0);
      const storedExact = exactForEndedPeriod(stored, p);
      if (!storedExact.equals(exact))
        out.push(
          `${name} ${p}: stored exact amount ${storedExact.toString()} is not the core's ${exact.toString()}`,
        );
      const invoiced = sum(
        issuedLines.filter((l) => l.type === 'usage' && l.period === p).map((l) => l.amount),
      );
      const adjusted = sum(
        issuedLines
          .filter((l) => l.type === 'adjustment' && l.adjusts_period === p)
          .map((l) => l.amount),
      );
      const pending = sum(
        (landing?.lines ?? []).flatMap((l) =>
          l.type === 'adjustment' &&
          l.resourceType === r.resource_type &&
          l.resourceId === r.subject &&
          l.adjustsPeriod === p
            ? [l.amount]
            : [],
        ),
      );
      if (rating.issues.some((i) => i.blocking && overlaps(i, p))) {
        // unrated usage is never billed as zero: no adjustment until it is rated
        if (!pending.isZero())
          out.push(
            `${name} ${p}: adjustment ${pending.toString()} pending while usage there is unrated`,
          );
        continue;
      }
      const total = invoiced.plus(adjusted).plus(pending);
      const want = line === null ? new Decimal(0) : roundMoney(line.exact, line.currency);
      if (!total.equals(want))
        out.push(
          `${name} ${p}: invoiced ${invoiced.toString()} + adjustments ${adjusted.toString()} + pending ${pending.toString()} = ${total.toString()}, not round(${exact.toString()}) = ${want.toString()}`,
        );
    }
    return out;
  }

  /** Issued invoices are unchanged since the previous call; numbers gapless in issue order. */
  private async invoices(): Promise<string[]> {
    const out: string[] = [];
    const { rows } = await this.t.db.query<InvoiceRow>(INVOICES);
    const now = new Map(rows.map((i) => [i.number, i.snapshot]));
    for (const [number, before] of this.issued) {
      const after = now.get(number);
      if (after !== before) out.push(`invoice ${number} changed:\n  ${before}\n  ${after}`);
    }
    this.issued = now;
    rows.forEach((inv, i) => {
      const want = `INV-${String(i + 1).padStart(6, '0')}`;
      if (inv.number !== want || inv.seq !== String(i + 1))
        out.push(`invoice ${inv.number} (seq ${inv.seq}) issued as number ${i + 1}`);
      if (i > 0 && inv.issued_at < rows[i - 1].issued_at)
        out.push(`invoice ${inv.number} issued before ${rows[i - 1].number}`);
    });
    return out;
  }

  /**
   * A tenant's list against its single statements, every period from the
   * first event to now and every listed one: what has lines, unrated usage
   * or an invoice is listed, what is listed is so, with the same status,
   * invoice number, currency and total. Adjustments (of finalized periods)
   * only on the earliest open statement.
   */
  private async statementsList(
    tenant: string,
    firstPeriod: string,
    earliestOpen: string,
    latest: string | null,
  ): Promise<Finding[]> {
    const out: Finding[] = [];
    const items = await this.client.statements(tenant);
    const listed = new Map(items.map((i) => [i.period, i]));
    const order = items.map((i) => i.period);
    if (listed.size !== items.length || order.join() !== [...order].sort().reverse().join())
      out.push({
        period: null,
        message: `${tenant}: list not newest first, once each: ${order.join(', ')}`,
      });
    const periods = new Set(order);
    for (let p = firstPeriod; p <= periodOf(Date.now()); p = nextPeriod(p)) periods.add(p);
    for (const p of [...periods].sort()) {
      const s = await this.client.statement(tenant, p);
      const it = listed.get(p);
      const shown = s.lines.length > 0 || s.unrated.length > 0 || s.invoiceNumber !== null;
      const what = `${s.status} ${s.invoiceNumber} ${s.currency} ${s.total}, ${s.lines.length} lines, ${s.unrated.length} unrated`;
      if (shown && it === undefined)
        out.push({ period: p, message: `${tenant} ${p} (${what}) is missing from the list` });
      if (!shown && it !== undefined)
        out.push({ period: p, message: `${tenant} ${p} is listed but has nothing on it` });
      if (
        it !== undefined &&
        (it.status !== s.status ||
          it.invoiceNumber !== s.invoiceNumber ||
          it.currency !== s.currency ||
          it.total !== s.total)
      )
        out.push({
          period: p,
          message: `${tenant} ${p}: listed ${JSON.stringify(it)}, is ${what}`,
        });
      for (const l of s.lines)
        if (
          l.type === 'adjustment' &&
          s.status === 'open' &&
          (p !== earliestOpen || latest === null || l.adjustsPeriod > latest)
        )
          out.push({
            period: p,
            message: `${tenant} ${p}: open statement adjusts ${l.adjustsPeriod} (${l.resourceId} ${l.amount})`,
          });
    }
    return out;
  }

  /**
   * The earliest open period's CSV (CONTRACT §6): its statements' lines, no
   * more, no less, every column. Hours of a period still accruing differ
   * from one read to the next by the milliseconds between them: not compared.
   */
  private async openExport(
    tenants: string[],
    period: string,
    accruing: boolean,
  ): Promise<Finding[]> {
    const rows = (await this.client.exportCsv(period)).map((r) =>
      JSON.stringify([
        r.invoice_number,
        r.tenant_id,
        r.period,
        r.status,
        r.line_type,
        r.resource_type,
        r.resource_id,
        r.adjusts_period,
        accruing ? '' : r.hours,
        r.amount,
        r.currency,
      ]),
    );
    const want: string[] = [];
    for (const tenant of tenants) {
      const s = await this.client.statement(tenant, period);
      for (const l of s.lines)
        want.push(
          JSON.stringify([
            '',
            tenant,
            period,
            s.status,
            l.type,
            l.resourceType,
            l.resourceId,
            l.type === 'adjustment' ? l.adjustsPeriod : '',
            l.type === 'usage' && !accruing ? l.hours : '',
            l.amount,
            s.currency,
          ]),
        );
    }
    const missing = want.filter((w) => !rows.includes(w));
    const extra = rows.filter((r) => !want.includes(r));
    if (missing.length === 0 && extra.length === 0 && rows.length === want.length) return [];
    return [
      {
        period,
        message: `CSV of ${period}: ${rows.length} rows for ${want.length} statement lines; not in the CSV:\n  ${missing.join('\n  ')}\nnot on a statement:\n  ${extra.join('\n  ')}`,
      },
    ];
  }

  /**
   * Runs a comparison of HTTP answers; while what disagrees is the current
   * period, which accrues up to each answer's own now (two reads a few ms
   * apart may round a line differently), reads again, up to 3 times in all.
   * A real disagreement persists.
   */
  private async reread(current: string, compare: () => Promise<Finding[]>): Promise<string[]> {
    let findings = await compare();
    for (let i = 1; i < 3 && findings.some((f) => f.period === current); i++)
      findings = await compare();
    return findings.map((f) => f.message);
  }
}
