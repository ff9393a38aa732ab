import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared';
import { instant, tuples, type TupleColumns } from '../database/json-tuples';
import { resourceKeyString, type ResourceKey } from '../events/resource-key';
import { toCorePriceBook } from '../price-books/price-book.mapper';
import { PriceBookVersionEntity } from '../price-books/price-book-version.entity';
import { attributesOf } from '../events/events.repository';
import type { FoldSeed } from './core/fold-intervals';
import type { PriceBook, RatingEvent, RatingResult, ResourceType } from '../rating/core/types';
import {
  attributesFromColumns,
  RATED_INTERVAL_COLUMNS,
  type RatedIntervalRow,
} from './rated-interval.mapper';

/** A resource's new rating, and the marks it settles. */
export interface NewRating {
  key: ResourceKey;
  tenantId: string;
  result: RatingResult;
  /** The `rating_marks` ids read with the events this rating reflects: deleted with its write. */
  markIds: string[];
  /** The earliest deletion among the events (epoch ms), carried to `resources.deleted_at`. */
  deletedAt: number | null;
  /**
   * Stored intervals that start before this instant (epoch ms) are left as
   * they are, and only segments from it on are written: the rating equals the
   * stored one before it (`rateResourceSince`). null: all are written.
   */
  keepBefore: number | null;
  /**
   * The rating resumed from a seed at this instant (epoch ms;
   * `RatingSince.coversFrom`): stored issues that start before it are left
   * as they are, and its issues are those from it on. null: a whole rating,
   * whose issues are all of them.
   */
  coversFrom: number | null;
}

export interface ResourceState {
  tenantId: string;
  /** The ids of the resource's pending marks (empty: its stored rating is current). */
  markIds: string[];
  /** Earliest event time not reflected by the stored rating, epoch ms (null: from the start, or none pending). */
  dirtyFrom: number | null;
  /**
   * Where the fold can resume (`FoldSeed`), and then `events` are only those
   * after `seed.from`; null: `events` are all of the resource's.
   */
  seed: FoldSeed | null;
}

/** What one read gives a rating transaction (`readForRating`). */
export interface RatingRead {
  /** Each requested resource that exists, by `resourceKeyString`; `events` only for those with marks. */
  states: Map<string, ResourceState & { key: ResourceKey; events: RatingEvent[] | null }>;
  /**
   * The end of the last finalized period (epoch ms; null: none): the bound
   * the read seeded ratings by, and so the one restatements are judged by.
   */
  finalizedEnd: number | null;
  /** The ids of the price-book versions that can price these resources (their tenants' and global). */
  bookIds: string[];
}

/**
 * How many resources wait for a rating (have a mark), as one row `n`.
 * DISTINCT in a subquery is an index-only scan; `count(DISTINCT (a, b))`
 * sorts row values, ~10× slower on a backlog of marks (5 against 60 ms for
 * 40,000). For the metrics, and for tests and benches waiting for rating.
 */
export const COUNT_PENDING_RESOURCES =
  'SELECT count(*)::int AS n FROM (SELECT DISTINCT resource_type, subject FROM rating_marks) AS m';

/**
 * The statement of `readForRating` (exported for the test of its plan):
 * $1, $2 the resources' types and subjects.
 */
export const READ_FOR_RATING = `WITH fin AS MATERIALIZED (
         -- the end of the last finalized period (UTC months), or -infinity
         SELECT coalesce((((max(period) || '-01')::date + interval '1 month')::timestamp AT TIME ZONE 'UTC'),
                         '-infinity') AS end_at
           FROM finalized_periods),
       r AS MATERIALIZED (
         SELECT r.resource_type, r.subject, r.tenant_id, m.ids, m.from_at, s.seed_from, s.seed
           FROM unnest($1::text[], $2::text[]) AS u(rt, sub)
           JOIN resources r ON r.resource_type = u.rt AND r.subject = u.sub
           CROSS JOIN LATERAL (SELECT json_agg(m.id::text) AS ids, min(m.from_at) AS from_at
                                 FROM rating_marks m
                                WHERE m.resource_type = r.resource_type AND m.subject = r.subject) AS m
           LEFT JOIN LATERAL (
             SELECT x.from_at AS seed_from,
                    json_build_array((extract(epoch FROM x.from_at) * 1000)::bigint, x.opened_by, x.template,
                                     x.state, x.real_server_count, x.size_gb::text) AS seed
               FROM rated_intervals x
              WHERE m.ids IS NOT NULL AND isfinite(m.from_at) AND m.from_at >= (SELECT end_at FROM fin)
                AND x.resource_type = r.resource_type AND x.subject = r.subject AND x.from_at < m.from_at
                AND NOT EXISTS (SELECT FROM price_book_versions v
                                 WHERE v.effective_from = x.from_at
                                   AND (v.tenant_id IS NULL OR v.tenant_id = r.tenant_id))
              ORDER BY x.from_at DESC
              LIMIT 1) AS s ON true)
       SELECT
         (SELECT coalesce(json_agg(json_build_array(
                   r.resource_type, r.subject, r.tenant_id, r.ids,
                   CASE WHEN isfinite(r.from_at) THEN (extract(epoch FROM r.from_at) * 1000)::bigint END,
                   CASE WHEN r.ids IS NOT NULL THEN
                     (SELECT coalesce(json_agg(json_build_array(e.source, e.id, e.type,
                               (extract(epoch FROM e.time) * 1000)::bigint, e.sequence::text,
                               -- only what attributesOf reads, each as its JSON value
                               e.data->'template', e.data->'state', e.data->'realServerCount',
                               e.data->'sizeGb')), '[]')
                        FROM events e
                       WHERE e.resource_type = r.resource_type AND e.subject = r.subject
                         -- a bound of the index range, not a filter on every event
                         -- of the resource (an OR with IS NULL would be one)
                         AND e.time > coalesce(r.seed_from, '-infinity'))
                   END,
                   r.seed)), '[]')
            FROM r) AS resources,
         (SELECT CASE WHEN isfinite(end_at) THEN (extract(epoch FROM end_at) * 1000)::bigint END
            FROM fin) AS finalized_end,
         ARRAY(SELECT v.id::text FROM price_book_versions v
                WHERE v.tenant_id IS NULL OR v.tenant_id IN (SELECT tenant_id FROM r)) AS book_ids`;

/** Lock class of the per-resource advisory locks (the second key is a hash of the resource). */
const RATING_LOCK_CLASS = 4_711_020;

/** Rating state, price books as the core wants them, and the rating output tables. */
@Injectable()
export class RatingRepository {
  /**
   * Of some resources, those with pending marks (one query, no lock): lets a
   * job skip the clean ones without opening a transaction each. The rating
   * transaction re-reads the marks under the lock, so a stale answer here
   * only costs or saves a little work.
   */
  async dirtyAmong(em: EntityManager, keys: ResourceKey[]): Promise<ResourceKey[]> {
    if (keys.length === 0) return [];
    const rows: { resource_type: ResourceType; subject: string }[] = await preparedQuery(
      em,
      `SELECT u.rt AS resource_type, u.sub AS subject
         FROM unnest($1::text[], $2::text[]) AS u(rt, sub)
        -- one index probe per key, whatever the planner thinks of the table
        WHERE EXISTS (SELECT FROM rating_marks m WHERE m.resource_type = u.rt AND m.subject = u.sub OFFSET 0)`,
      [keys.map((k) => k.resourceType), keys.map((k) => k.subject)],
    );
    return rows.map((r) => ({ resourceType: r.resource_type, subject: r.subject }));
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
   * resource's tenant and pending marks and, for those with marks, its
   * stored events (a mark and its events are committed together, so the
   * events are exactly those the marks read with them stand for); the
   * end of the last finalized period; the ids of the price-book versions that can price
   * them. One row, as JSON: one parse instead of one row per event.
   *
   * The events are all of them, or only those after a seed (`FoldSeed`):
   * the latest stored segment that starts before the marks' earliest time
   * (every event at or before it is then rated already) and not at a
   * price-book version's `effective_from` for the tenant (pieces start
   * where their attribute interval opened or at such a boundary, so it is
   * where its interval opened; a piece cut off by a boundary shares its
   * interval's `closedBy`, which a new event may change). No seed when the
   * marks reach into a finalized period (restatements compare whole
   * ratings) or start at `-infinity`, or when no such segment exists.
   */
  async readForRating(em: EntityManager, keys: ResourceKey[]): Promise<RatingRead> {
    const [row]: {
      resources: [
        ResourceType,
        string,
        string,
        string[] | null,
        number | null,
        EventTuple[] | null,
        SeedTuple | null,
      ][];
      finalized_end: string | null;
      book_ids: string[];
    }[] = await preparedQuery(em, READ_FOR_RATING, [
      keys.map((k) => k.resourceType),
      keys.map((k) => k.subject),
    ]);
    const states: RatingRead['states'] = new Map();
    for (const [
      resourceType,
      subject,
      tenantId,
      markIds,
      dirtyFrom,
      events,
      seed,
    ] of row.resources) {
      const key = { resourceType, subject };
      states.set(resourceKeyString(key), {
        key,
        tenantId,
        markIds: markIds ?? [],
        dirtyFrom,
        seed: seed === null ? null : seedOf(seed),
        events:
          events === null
            ? null
            : events.map(
                ([source, id, type, time, sequence, template, state, realServerCount, sizeGb]) => ({
                  source,
                  id,
                  type,
                  time,
                  sequence: sequence === null ? null : BigInt(sequence),
                  attributes: attributesOf(resourceType, {
                    template,
                    state,
                    realServerCount,
                    sizeGb,
                  }),
                }),
              ),
      });
    }
    return {
      states,
      finalizedEnd: row.finalized_end === null ? null : Number(row.finalized_end),
      bookIds: row.book_ids,
    };
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
   * - intervals: only from each rating's `keepBefore` on (earlier ones are
   *   known to be unchanged, and are neither sent nor compared): those no
   *   longer produced are deleted, new ones inserted, and a stored one with
   *   the same start is rewritten only when it differs (no new row versions,
   *   index entries or WAL for the ones a new event leaves as they were);
   * - issues: likewise, from each rating's `coversFrom` on (all of them when
   *   null), and issues still present keep their row and `detected_at` (when
   *   the problem was first seen);
   * - the marks the rating read are deleted (exactly those: marks committed
   *   since stay, and the resource stays marked);
   * - `rated_seq` is raised (and the earliest deletion carried to
   *   `deleted_at`), the `resources` rows locked in key order. Ingest never
   *   waits for them (it only inserts); other ratings of the same resources
   *   wait for the advisory lock first. Raising `rated_seq` is what moves the
   *   tenant's statement version (by trigger).
   */
  async writeRatings(em: EntityManager, ratings: NewRating[]): Promise<void> {
    if (ratings.length === 0) return;
    const segs = ratings.flatMap((r) =>
      r.result.segments
        .filter((x) => r.keepBefore === null || x.from >= r.keepBefore)
        .map((x) => ({ r, x })),
    );
    // An issue is (resource, from, reason): the core's are distinct, keep it so.
    const seen = new Set<string>();
    const issues = ratings
      .flatMap((r) => r.result.issues.map((x) => ({ r, x })))
      .filter(({ r, x }) => {
        const k = `${resourceKeyString(r.key)}\u0000${x.from}\u0000${x.reason}`;
        return !seen.has(k) && seen.add(k);
      });
    const marks = ratings.flatMap((r) => r.markIds.map((id) => ({ r, id })));
    // Four JSON arrays of tuples (`tuples`), instead of 33 array literals
    // that pg escaped element by element; instants as epoch ms, turned into
    // timestamptz by arithmetic rather than parsed from text. Decimals go as
    // their strings, never as JS numbers.
    await preparedQuery(
      em,
      `WITH k AS (${tuples('$1', RATING_TUPLE)}),
       n AS (${tuples('$2', SEGMENT_TUPLE)}),
       -- stored keys EXCEPT new keys: a set operation (hashed), never a scan
       -- of the new rows per stored row (measured 76 ms for 134 × 324)
       gone AS (
         DELETE FROM rated_intervals t
          USING (SELECT x.resource_type, x.subject, x.from_at
                   FROM k JOIN rated_intervals x ON x.resource_type = k.rt AND x.subject = k.sub
                                                 AND (k.keep IS NULL OR x.from_at >= k.keep)
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
       i AS (${tuples('$3', ISSUE_TUPLE)}),
       resolved AS (
         DELETE FROM rating_issues t
          USING (SELECT x.resource_type, x.subject, x.from_at, x.reason
                   FROM k JOIN rating_issues x ON x.resource_type = k.rt AND x.subject = k.sub
                                               AND (k.ifrom IS NULL OR x.from_at >= k.ifrom)
                 EXCEPT
                 SELECT i.rt, i.sub, i.f, i.r FROM i) AS d
          WHERE t.resource_type = d.resource_type AND t.subject = d.subject AND t.from_at = d.from_at
            AND t.reason = d.reason
         RETURNING 1),
       found AS (
         INSERT INTO rating_issues AS t (resource_type, subject, tenant_id, from_at, to_at, reason, message,
                                         event_ids, blocking)
         SELECT i.rt, i.sub, i.ten, i.f, i.t, i.r, i.m, ARRAY(SELECT jsonb_array_elements_text(i.e)), i.b
           FROM i
         ON CONFLICT (resource_type, subject, from_at, reason) DO UPDATE
            SET tenant_id = EXCLUDED.tenant_id, to_at = EXCLUDED.to_at, message = EXCLUDED.message,
                event_ids = EXCLUDED.event_ids, blocking = EXCLUDED.blocking
          WHERE (t.tenant_id, t.to_at, t.message, t.event_ids, t.blocking)
                IS DISTINCT FROM (EXCLUDED.tenant_id, EXCLUDED.to_at, EXCLUDED.message, EXCLUDED.event_ids,
                                  EXCLUDED.blocking)
         RETURNING 1),
       consumed AS (
         DELETE FROM rating_marks t
          USING (${tuples('$4', READ_MARK_TUPLE)}) AS m
          WHERE t.resource_type = m.rt AND t.subject = m.sub AND t.id = m.id
         RETURNING 1)
       UPDATE resources r
          SET rated_seq = r.rated_seq + 1,
              rated_at = now(),
              deleted_at = LEAST(r.deleted_at, u.del)
         FROM (SELECT k.rt, k.sub, k.del
                 FROM k JOIN resources l ON l.resource_type = k.rt AND l.subject = k.sub
                -- a one-time filter on the other parts' results: they run to
                -- completion before the first resource row is locked, so
                -- ingest waits for these rows only from here to the commit
                WHERE (SELECT count(*) FROM gone) + (SELECT count(*) FROM written)
                    + (SELECT count(*) FROM resolved) + (SELECT count(*) FROM found)
                    + (SELECT count(*) FROM consumed) >= 0
                ORDER BY k.rt COLLATE "C", k.sub COLLATE "C"
                  FOR NO KEY UPDATE OF l) AS u
        WHERE r.resource_type = u.rt AND r.subject = u.sub`,
      [
        // each tuple in the order of its *_TUPLE
        JSON.stringify(
          ratings.map((r) => [
            r.key.resourceType,
            r.key.subject,
            instant(r.deletedAt),
            instant(r.keepBefore),
            instant(r.coversFrom),
          ]),
        ),
        JSON.stringify(
          segs.map(({ r, x }) => [
            r.key.resourceType,
            r.key.subject,
            r.tenantId,
            instant(x.from),
            instant(x.to),
            x.attributes.template ?? null,
            x.attributes.state ?? null,
            x.attributes.realServerCount ?? null,
            x.attributes.sizeGb?.toString() ?? null,
            x.priceBookId,
            x.currency,
            x.weight.toString(),
            x.pricePerHour.toString(),
            x.hourlyRate.toString(),
            x.openedBy,
            x.closedBy,
          ]),
        ),
        JSON.stringify(
          issues.map(({ r, x }) => [
            r.key.resourceType,
            r.key.subject,
            r.tenantId,
            instant(x.from),
            instant(x.to),
            x.reason,
            x.message,
            x.eventIds,
            x.blocking,
          ]),
        ),
        JSON.stringify(marks.map(({ r, id }) => [r.key.resourceType, r.key.subject, id])),
      ],
    );
  }

  /** Resources with a mark written at least `olderThanMs` ago; keyset-paged by key. */
  async dirtyResources(
    em: EntityManager,
    olderThanMs: number,
    limit: number,
    after: ResourceKey | null = null,
  ): Promise<ResourceKey[]> {
    const rows: { resource_type: ResourceType; subject: string }[] = await em.query(
      `SELECT DISTINCT resource_type, subject FROM rating_marks
        WHERE marked_at <= now() - make_interval(secs => $1::double precision / 1000)
          AND ($3::text IS NULL OR (resource_type, subject) > ($3::text, $4::text))
        ORDER BY resource_type, subject LIMIT $2`,
      [olderThanMs, limit, after?.resourceType ?? null, after?.subject ?? null],
    );
    return rows.map((r) => ({ resourceType: r.resource_type, subject: r.subject }));
  }

  /**
   * After a new price-book version: every resource it may re-price (the
   * tenant's, or everyone's for a global book) that had not ended before it
   * takes effect is marked as needing rating from then on, in the same
   * transaction.
   */
  async markRepriced(
    em: EntityManager,
    tenantId: string | null,
    effectiveFrom: Date,
  ): Promise<number> {
    const [{ n }]: { n: number }[] = await em.query(
      `WITH marked AS (
         INSERT INTO rating_marks (resource_type, subject, from_at)
         SELECT resource_type, subject, $2 FROM resources
          WHERE ($1::text IS NULL OR tenant_id = $1) AND (deleted_at IS NULL OR deleted_at > $2)
         RETURNING 1)
       SELECT count(*)::int AS n FROM marked`,
      [tenantId, effectiveFrom],
    );
    return n;
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

const RATING_TUPLE: TupleColumns = [
  ['rt', 'text'],
  ['sub', 'text'],
  ['del', 'instant'],
  ['keep', 'instant'],
  ['ifrom', 'instant'],
];
/** A rated segment as `writeRatings` sends it (also measured by `bench:row-encoding`). */
export const SEGMENT_TUPLE: TupleColumns = [
  ['rt', 'text'],
  ['sub', 'text'],
  ['ten', 'text'],
  ['f', 'instant'],
  ['t', 'instant'],
  ['tpl', 'text'],
  ['st', 'text'],
  ['rsc', 'int'],
  ['sz', 'numeric'],
  ['pb', 'uuid'],
  ['cur', 'text'],
  ['w', 'numeric'],
  ['pph', 'numeric'],
  ['hr', 'numeric'],
  ['ob', 'text'],
  ['cb', 'text'],
];
const ISSUE_TUPLE: TupleColumns = [
  ['rt', 'text'],
  ['sub', 'text'],
  ['ten', 'text'],
  ['f', 'instant'],
  ['t', 'instant'],
  ['r', 'text'],
  ['m', 'text'],
  ['e', 'jsonb'],
  ['b', 'boolean'],
];
/** A mark the rating read, deleted with its write (not `markChanged`'s new marks). */
const READ_MARK_TUPLE: TupleColumns = [
  ['rt', 'text'],
  ['sub', 'text'],
  ['id', 'bigint'],
];

/** A seed as `readForRating` sends it: from (epoch ms), opened_by, template, state, real_server_count, size_gb. */
type SeedTuple = [number, string, string | null, string | null, number | null, string | null];

function seedOf([from, openedBy, template, state, realServerCount, sizeGb]: SeedTuple): FoldSeed {
  const attributes = attributesFromColumns({
    template,
    state,
    real_server_count: realServerCount,
    size_gb: sizeGb,
  });
  return { from: Number(from), attributes, openedBy };
}

/**
 * An event as `readForRating` sends it: source, id, type, time (epoch ms),
 * sequence, then the JSON values of the data's `template`, `state`,
 * `realServerCount` and `sizeGb` (null when absent): all `attributesOf` reads.
 */
type EventTuple = [
  string,
  string,
  string,
  number,
  string | null,
  unknown,
  unknown,
  unknown,
  unknown,
];
