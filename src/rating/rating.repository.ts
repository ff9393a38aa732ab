import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared';
import { resourceKeyString, type ResourceKey } from '../events/resource-key';
import { toCorePriceBook } from '../price-books/price-book.mapper';
import { PriceBookVersionEntity } from '../price-books/price-book-version.entity';
import { attributesOf } from '../events/events.repository';
import type { PriceBook, RatingEvent, RatingResult, ResourceType } from '../rating/core/types';
import { RATED_INTERVAL_COLUMNS, type RatedIntervalRow } from './rated-interval.mapper';

/** A resource's new rating, and the `change_seq` it reflects. */
export interface NewRating {
  key: ResourceKey;
  tenantId: string;
  result: RatingResult;
  ratedSeq: string;
}

export interface ResourceState {
  tenantId: string;
  changeSeq: string;
  ratedSeq: string;
  /** Earliest event time not reflected by the stored rating (null: none pending). */
  dirtyFrom: Date | null;
}

/** What one read gives a rating transaction (`readForRating`). */
export interface RatingRead {
  /** Each requested resource that exists, by `resourceKeyString`; `events` only for those behind. */
  states: Map<string, ResourceState & { key: ResourceKey; events: RatingEvent[] | null }>;
  /** Every finalized period, oldest first. */
  finalized: string[];
  /** The ids of the price-book versions that can price these resources (their tenants' and global). */
  bookIds: string[];
}

/** Lock class of the per-resource advisory locks (the second key is a hash of the resource). */
const RATING_LOCK_CLASS = 4_711_020;

/** Rating state, price books as the core wants them, and the rating output tables. */
@Injectable()
export class RatingRepository {
  /** The rating state of several resources (one query); unknown keys are absent. */
  async resourceStates(
    em: EntityManager,
    keys: ResourceKey[],
  ): Promise<Map<string, ResourceState & { key: ResourceKey }>> {
    const rows: {
      resource_type: ResourceType;
      subject: string;
      tenant_id: string;
      change_seq: string;
      rated_seq: string;
      dirty_from: Date | null;
    }[] = await preparedQuery(
      em,
      `SELECT r.resource_type, r.subject, r.tenant_id, r.change_seq::text, r.rated_seq::text, r.dirty_from
         FROM unnest($1::text[], $2::text[]) AS u(rt, sub)
         -- one primary-key lookup per key, whatever the planner thinks of the
         -- table (OFFSET 0 keeps the subquery from being flattened into a join)
         CROSS JOIN LATERAL (SELECT * FROM resources r WHERE r.resource_type = u.rt AND r.subject = u.sub OFFSET 0) AS r`,
      [keys.map((k) => k.resourceType), keys.map((k) => k.subject)],
    );
    return new Map(
      rows.map((r) => [
        resourceKeyString({ resourceType: r.resource_type, subject: r.subject }),
        {
          key: { resourceType: r.resource_type, subject: r.subject },
          tenantId: r.tenant_id,
          changeSeq: r.change_seq,
          ratedSeq: r.rated_seq,
          dirtyFrom: r.dirty_from,
        },
      ]),
    );
  }

  /**
   * Of some resources, those whose stored rating is behind (one query, no
   * lock): lets a job skip the clean ones without opening a transaction each.
   * The rating transaction re-checks under the lock, so a stale answer here
   * only costs or saves a little work.
   */
  async dirtyAmong(em: EntityManager, keys: ResourceKey[]): Promise<ResourceKey[]> {
    if (keys.length === 0) return [];
    return [...(await this.resourceStates(em, keys)).values()]
      .filter((s) => s.ratedSeq !== s.changeSeq)
      .map((s) => s.key);
  }

  /**
   * Takes the locks of a rating transaction in one statement: `pricingLock`
   * shared (ratings run side by side, but never while a period is finalized
   * or a price book created: they take it exclusively), then each resource's
   * advisory lock in lock-key order (two workers never rate one resource at
   * once, on any number of replicas; the fixed order means two batches never
   * deadlock; a crash releases them with the connection). Returns when all
   * are held.
   */
  async lockForRating(em: EntityManager, keys: ResourceKey[], pricingLock: number): Promise<Date> {
    // The CTE is joined under the sort that orders the resource locks, so the
    // shared lock is always taken first, whatever the plan. The same
    // statement turns sequential scans off for the rest of the transaction
    // (`set_config(…, true)`): with ~100 keys against tables of tens of
    // thousands of rows the planner priced a hash join over a whole-table
    // scan close to ~100 index lookups and chose it, which measured ~16 ms a
    // scan of rated_intervals at 36,000 rows against well under 1 ms by index.
    // JIT goes off with it: the penalty seqscan = off adds to a plan's cost
    // (even where no other path exists) pushed the read past jit_above_cost,
    // and compiling it took 1.4 s.
    const [{ locked_at: lockedAt }]: { locked_at: Date }[] = await preparedQuery(
      em,
      `WITH plan AS MATERIALIZED (SELECT set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true)),
            pricing AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared($3) FROM plan)
       SELECT count(pg_advisory_xact_lock($1, l.h)), clock_timestamp() AS locked_at
         FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($2::text[]) AS k, pricing ORDER BY h) AS l`,
      [RATING_LOCK_CLASS, keys.map(resourceKeyString), pricingLock],
    );
    return lockedAt;
  }

  /**
   * Everything a rating needs, in one statement (so from one snapshot): each
   * resource's state and, for those whose rating is behind, every stored
   * event (so the events are exactly those the `change_seq` read with them
   * stands for); the finalized periods; the ids of the price-book versions
   * that can price them. One row, as JSON: one parse instead of one row per
   * event.
   */
  async readForRating(em: EntityManager, keys: ResourceKey[]): Promise<RatingRead> {
    const [row]: {
      resources: [
        ResourceType,
        string,
        string,
        string,
        string,
        number | null,
        EventTuple[] | null,
      ][];
      finalized: string[];
      book_ids: string[];
    }[] = await preparedQuery(
      em,
      `WITH r AS MATERIALIZED (
         SELECT r.resource_type, r.subject, r.tenant_id, r.change_seq, r.rated_seq, r.dirty_from FROM unnest($1::text[], $2::text[]) AS u(rt, sub)
           JOIN resources r ON r.resource_type = u.rt AND r.subject = u.sub)
       SELECT
         (SELECT coalesce(json_agg(json_build_array(
                   r.resource_type, r.subject, r.tenant_id, r.change_seq::text, r.rated_seq::text,
                   (extract(epoch FROM r.dirty_from) * 1000)::bigint,
                   CASE WHEN r.change_seq <> r.rated_seq THEN
                     (SELECT coalesce(json_agg(json_build_array(e.source, e.id, e.type,
                               (extract(epoch FROM e.time) * 1000)::bigint, e.sequence::text, e.data)), '[]')
                        FROM events e WHERE e.resource_type = r.resource_type AND e.subject = r.subject)
                   END)), '[]')
            FROM r) AS resources,
         ARRAY(SELECT period::text FROM finalized_periods ORDER BY period) AS finalized,
         ARRAY(SELECT v.id::text FROM price_book_versions v
                WHERE v.tenant_id IS NULL OR v.tenant_id IN (SELECT tenant_id FROM r)) AS book_ids`,
      [keys.map((k) => k.resourceType), keys.map((k) => k.subject)],
    );
    const states: RatingRead['states'] = new Map();
    for (const [
      resourceType,
      subject,
      tenantId,
      changeSeq,
      ratedSeq,
      dirtyFrom,
      events,
    ] of row.resources) {
      const key = { resourceType, subject };
      states.set(resourceKeyString(key), {
        key,
        tenantId,
        changeSeq,
        ratedSeq,
        dirtyFrom: dirtyFrom === null ? null : new Date(dirtyFrom),
        events:
          events === null
            ? null
            : events.map(([source, id, type, time, sequence, data]) => ({
                source,
                id,
                type,
                time,
                sequence: sequence === null ? null : BigInt(sequence),
                attributes: attributesOf(resourceType, data),
              })),
      });
    }
    return { states, finalized: row.finalized, bookIds: row.book_ids };
  }

  /** Price-book versions by id (versions are immutable: an id always names the same book). */
  async booksByIds(em: EntityManager, ids: string[]): Promise<PriceBook[]> {
    if (ids.length === 0) return [];
    const rows = await em
      .getRepository(PriceBookVersionEntity)
      .createQueryBuilder('v')
      .where('v.id = ANY(:ids)', { ids })
      .getMany();
    return rows.map(toCorePriceBook);
  }

  /** The versions that can price a tenant's resources: its own and the global ones. */
  async booksForTenant(em: EntityManager, tenantId: string): Promise<PriceBook[]> {
    return (await this.booksForTenants(em, [tenantId])).get(tenantId) ?? [];
  }

  /** For each tenant, the versions that can price its resources (one query). */
  async booksForTenants(em: EntityManager, tenantIds: string[]): Promise<Map<string, PriceBook[]>> {
    const rows = await em
      .getRepository(PriceBookVersionEntity)
      .createQueryBuilder('v')
      .where('v.tenant_id IS NULL OR v.tenant_id = ANY(:tenantIds)', { tenantIds })
      .getMany();
    const books = rows.map((r) => ({ tenantId: r.tenantId, book: toCorePriceBook(r) }));
    return new Map(
      tenantIds.map((t) => [
        t,
        books.filter((b) => b.tenantId === null || b.tenantId === t).map((b) => b.book),
      ]),
    );
  }

  /**
   * Writes several resources' new ratings and records what each reflects, in
   * one statement (one round trip, whatever the count):
   *
   * - intervals: those no longer produced are deleted, new ones inserted, and
   *   a stored one with the same start is rewritten only when it differs (a
   *   re-rating after a new event mostly leaves the earlier intervals as they
   *   were: no new row versions, index entries or WAL for them);
   * - issues: likewise, and issues still present keep their row and
   *   `detected_at` (when the problem was first seen);
   * - `rated_seq` is raised, the `resources` rows (which ingest also
   *   writes) locked in key order as ingest's `markChanged` does. This is
   *   the last statement of a rating transaction, so they are held only until
   *   the commit. Raising it is also what moves the tenant's statement version
   *   (by trigger).
   */
  async writeRatings(em: EntityManager, ratings: NewRating[]): Promise<void> {
    if (ratings.length === 0) return;
    const segs = ratings.flatMap((r) => r.result.segments.map((x) => ({ r, x })));
    // An issue is (resource, from, reason): the core's are distinct, keep it so.
    const seen = new Set<string>();
    const issues = ratings
      .flatMap((r) => r.result.issues.map((x) => ({ r, x })))
      .filter(({ r, x }) => {
        const k = `${resourceKeyString(r.key)}\u0000${x.from}\u0000${x.reason}`;
        return !seen.has(k) && seen.add(k);
      });
    await preparedQuery(
      em,
      `WITH k AS (SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) AS k(rt, sub, seq)),
       n AS (SELECT * FROM unnest($4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[],
                                  $9::text[], $10::text[], $11::int[], $12::numeric[], $13::uuid[], $14::text[],
                                  $15::numeric[], $16::numeric[], $17::numeric[], $18::text[], $19::text[])
                      AS n(rt, sub, ten, f, t, tpl, st, rsc, sz, pb, cur, w, pph, hr, ob, cb)),
       -- stored keys EXCEPT new keys: a set operation (hashed), never a scan
       -- of the new rows per stored row (measured 76 ms for 134 × 324)
       gone AS (
         DELETE FROM rated_intervals t
          USING (SELECT x.resource_type, x.subject, x.from_at
                   FROM k JOIN rated_intervals x ON x.resource_type = k.rt AND x.subject = k.sub
                 EXCEPT
                 SELECT n.rt, n.sub, n.f FROM n) AS d
          WHERE t.resource_type = d.resource_type AND t.subject = d.subject AND t.from_at = d.from_at
         RETURNING 1),
       written AS (
         INSERT INTO rated_intervals AS t (resource_type, subject, tenant_id, from_at, to_at, template, state,
                                           real_server_count, size_gb, price_book_id, currency, weight,
                                           price_per_hour, hourly_rate, opened_by, closed_by)
         SELECT * FROM n
         ON CONFLICT (resource_type, subject, from_at) DO UPDATE
            SET tenant_id = EXCLUDED.tenant_id, to_at = EXCLUDED.to_at, template = EXCLUDED.template,
                state = EXCLUDED.state, real_server_count = EXCLUDED.real_server_count, size_gb = EXCLUDED.size_gb,
                price_book_id = EXCLUDED.price_book_id, currency = EXCLUDED.currency, weight = EXCLUDED.weight,
                price_per_hour = EXCLUDED.price_per_hour, hourly_rate = EXCLUDED.hourly_rate,
                opened_by = EXCLUDED.opened_by, closed_by = EXCLUDED.closed_by
          -- numbers compared as text: 1.50 and 1.5 are equal numbers but not the same stored value
          WHERE (t.tenant_id, t.to_at, t.template, t.state, t.real_server_count, t.size_gb::text, t.price_book_id,
                 t.currency, t.weight::text, t.price_per_hour::text, t.hourly_rate::text, t.opened_by, t.closed_by)
                IS DISTINCT FROM
                (EXCLUDED.tenant_id, EXCLUDED.to_at, EXCLUDED.template, EXCLUDED.state, EXCLUDED.real_server_count,
                 EXCLUDED.size_gb::text, EXCLUDED.price_book_id, EXCLUDED.currency, EXCLUDED.weight::text,
                 EXCLUDED.price_per_hour::text, EXCLUDED.hourly_rate::text, EXCLUDED.opened_by, EXCLUDED.closed_by)
         RETURNING 1),
       i AS (SELECT * FROM unnest($20::text[], $21::text[], $22::text[], $23::timestamptz[], $24::timestamptz[],
                                  $25::text[], $26::text[], $27::text[], $28::boolean[])
                      AS i(rt, sub, ten, f, t, r, m, e, b)),
       resolved AS (
         DELETE FROM rating_issues t
          USING (SELECT x.resource_type, x.subject, x.from_at, x.reason
                   FROM k JOIN rating_issues x ON x.resource_type = k.rt AND x.subject = k.sub
                 EXCEPT
                 SELECT i.rt, i.sub, i.f, i.r FROM i) AS d
          WHERE t.resource_type = d.resource_type AND t.subject = d.subject AND t.from_at = d.from_at
            AND t.reason = d.reason
         RETURNING 1),
       found AS (
         INSERT INTO rating_issues AS t (resource_type, subject, tenant_id, from_at, to_at, reason, message,
                                         event_ids, blocking)
         SELECT i.rt, i.sub, i.ten, i.f, i.t, i.r, i.m, ARRAY(SELECT json_array_elements_text(i.e::json)), i.b
           FROM i
         ON CONFLICT (resource_type, subject, from_at, reason) DO UPDATE
            SET tenant_id = EXCLUDED.tenant_id, to_at = EXCLUDED.to_at, message = EXCLUDED.message,
                event_ids = EXCLUDED.event_ids, blocking = EXCLUDED.blocking
          WHERE (t.tenant_id, t.to_at, t.message, t.event_ids, t.blocking)
                IS DISTINCT FROM (EXCLUDED.tenant_id, EXCLUDED.to_at, EXCLUDED.message, EXCLUDED.event_ids,
                                  EXCLUDED.blocking)
         RETURNING 1)
       UPDATE resources r
          SET rated_seq = GREATEST(r.rated_seq, u.seq),
              rated_at = now(),
              dirty_since = CASE WHEN r.change_seq <= u.seq THEN NULL ELSE r.dirty_since END,
              dirty_from = CASE WHEN r.change_seq <= u.seq THEN NULL ELSE r.dirty_from END
         FROM (SELECT k.rt, k.sub, k.seq
                 FROM k JOIN resources l ON l.resource_type = k.rt AND l.subject = k.sub
                -- a one-time filter on the other parts' results: they run to
                -- completion before the first resource row is locked, so
                -- ingest waits for these rows only from here to the commit
                WHERE (SELECT count(*) FROM gone) + (SELECT count(*) FROM written)
                    + (SELECT count(*) FROM resolved) + (SELECT count(*) FROM found) >= 0
                ORDER BY k.rt COLLATE "C", k.sub COLLATE "C"
                  FOR NO KEY UPDATE OF l) AS u
        WHERE r.resource_type = u.rt AND r.subject = u.sub`,
      [
        ratings.map((r) => r.key.resourceType),
        ratings.map((r) => r.key.subject),
        ratings.map((r) => r.ratedSeq),
        segs.map(({ r }) => r.key.resourceType),
        segs.map(({ r }) => r.key.subject),
        segs.map(({ r }) => r.tenantId),
        segs.map(({ x }) => iso(x.from)),
        segs.map(({ x }) => (x.to === null ? null : iso(x.to))),
        segs.map(({ x }) => x.attributes.template ?? null),
        segs.map(({ x }) => x.attributes.state ?? null),
        segs.map(({ x }) => x.attributes.realServerCount ?? null),
        segs.map(({ x }) => x.attributes.sizeGb?.toString() ?? null),
        segs.map(({ x }) => x.priceBookId),
        segs.map(({ x }) => x.currency),
        segs.map(({ x }) => x.weight.toString()),
        segs.map(({ x }) => x.pricePerHour.toString()),
        segs.map(({ x }) => x.hourlyRate.toString()),
        segs.map(({ x }) => x.openedBy),
        segs.map(({ x }) => x.closedBy),
        issues.map(({ r }) => r.key.resourceType),
        issues.map(({ r }) => r.key.subject),
        issues.map(({ r }) => r.tenantId),
        issues.map(({ x }) => iso(x.from)),
        issues.map(({ x }) => (x.to === null ? null : iso(x.to))),
        issues.map(({ x }) => x.reason),
        issues.map(({ x }) => x.message),
        issues.map(({ x }) => JSON.stringify(x.eventIds)),
        issues.map(({ x }) => x.blocking),
      ],
    );
  }

  /** Resources whose stored rating is behind, marked at least `olderThanMs` ago; keyset-paged by key. */
  async dirtyResources(
    em: EntityManager,
    olderThanMs: number,
    limit: number,
    after: ResourceKey | null = null,
  ): Promise<ResourceKey[]> {
    const rows: { resource_type: ResourceType; subject: string }[] = await em.query(
      `SELECT resource_type, subject FROM resources
        WHERE dirty_since IS NOT NULL AND dirty_since <= now() - make_interval(secs => $1::double precision / 1000)
          AND ($3::text IS NULL OR (resource_type, subject) > ($3::text, $4::text))
        ORDER BY resource_type, subject LIMIT $2`,
      [olderThanMs, limit, after?.resourceType ?? null, after?.subject ?? null],
    );
    return rows.map((r) => ({ resourceType: r.resource_type, subject: r.subject }));
  }

  /**
   * After a new price-book version: every resource it may re-price (the
   * tenant's, or everyone's for a global book) that had not ended before it
   * takes effect is marked as needing rating, in the same transaction.
   */
  async markRepriced(
    em: EntityManager,
    tenantId: string | null,
    effectiveFrom: Date,
  ): Promise<number> {
    // TypeORM answers an UPDATE with [rows, rowCount].
    const [, count]: [unknown[], number] = await em.query(
      `UPDATE resources SET change_seq = change_seq + 1, dirty_since = COALESCE(dirty_since, now()),
                            dirty_from = LEAST(dirty_from, $2)
        WHERE ($1::text IS NULL OR tenant_id = $1) AND (deleted_at IS NULL OR deleted_at > $2)`,
      [tenantId, effectiveFrom],
    );
    return count;
  }

  /** The stored intervals of some resources (before they are replaced), by resource, in time order. */
  async intervalsOfMany(
    em: EntityManager,
    keys: ResourceKey[],
  ): Promise<Map<string, RatedIntervalRow[]>> {
    const out = new Map<string, RatedIntervalRow[]>();
    if (keys.length === 0) return out;
    const rows: RatedIntervalRow[] = await em.query(
      `SELECT ${RATED_INTERVAL_COLUMNS} FROM rated_intervals t
         JOIN unnest($1::text[], $2::text[]) AS u(rt, sub) ON t.resource_type = u.rt AND t.subject = u.sub
        ORDER BY t.resource_type, t.subject, t.from_at`,
      [keys.map((k) => k.resourceType), keys.map((k) => k.subject)],
    );
    for (const r of rows) {
      const k = `${r.resource_type}/${r.subject}`;
      const list = out.get(k);
      if (list) list.push(r);
      else out.set(k, [r]);
    }
    return out;
  }

  async insertRestatements(
    em: EntityManager,
    rows: { key: ResourceKey; tenantId: string; period: string }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await em.query(
      `INSERT INTO restatements (resource_type, subject, tenant_id, period)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
       ON CONFLICT DO NOTHING`,
      [
        rows.map((r) => r.key.resourceType),
        rows.map((r) => r.key.subject),
        rows.map((r) => r.tenantId),
        rows.map((r) => r.period),
      ],
    );
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/** An event as `readForRating` sends it: source, id, type, time (epoch ms), sequence, data. */
type EventTuple = [string, string, string, number, string | null, Record<string, unknown>];
