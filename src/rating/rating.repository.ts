import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { resourceKeyString, type ResourceKey } from '../events/resource-key';
import { toCorePriceBook } from '../price-books/price-book.mapper';
import { PriceBookVersionEntity } from '../price-books/price-book-version.entity';
import type { PriceBook, RatingResult, ResourceType } from '../rating/core/types';
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
    }[] = await em.query(
      `SELECT r.resource_type, r.subject, r.tenant_id, r.change_seq::text, r.rated_seq::text, r.dirty_from
         FROM unnest($1::text[], $2::text[]) AS u(rt, sub)
         JOIN resources r ON r.resource_type = u.rt AND r.subject = u.sub`,
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
   * Replaces the intervals and issues of several resources with their new
   * ratings — a fixed number of statements whatever the count.
   */
  async replaceRatings(em: EntityManager, ratings: NewRating[]): Promise<void> {
    if (ratings.length === 0) return;
    const types = ratings.map((r) => r.key.resourceType);
    const subjects = ratings.map((r) => r.key.subject);
    await em.query(
      `DELETE FROM rated_intervals t USING unnest($1::text[], $2::text[]) AS u(rt, sub)
        WHERE t.resource_type = u.rt AND t.subject = u.sub`,
      [types, subjects],
    );
    const segs = ratings.flatMap((r) => r.result.segments.map((x) => ({ r, x })));
    if (segs.length > 0) {
      await em.query(
        `INSERT INTO rated_intervals (resource_type, subject, tenant_id, from_at, to_at, template, state,
                                      real_server_count, size_gb, price_book_id, currency, weight,
                                      price_per_hour, hourly_rate, opened_by, closed_by)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[],
                              $6::text[], $7::text[], $8::int[], $9::numeric[], $10::uuid[], $11::text[],
                              $12::numeric[], $13::numeric[], $14::numeric[], $15::text[], $16::text[])`,
        [
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
        ],
      );
    }
    // Issues still present keep their row (and `detected_at`: when the problem
    // was first seen); those gone are deleted; new ones are inserted.
    const seen = new Set<string>();
    const issues = ratings
      .flatMap((r) => r.result.issues.map((x) => ({ r, x })))
      .filter(({ r, x }) => {
        const k = `${resourceKeyString(r.key)}\u0000${x.from}\u0000${x.reason}`;
        return !seen.has(k) && seen.add(k);
      });
    await em.query(
      `DELETE FROM rating_issues t USING unnest($1::text[], $2::text[]) AS u(rt, sub)
        WHERE t.resource_type = u.rt AND t.subject = u.sub
          AND NOT EXISTS (SELECT 1 FROM unnest($3::text[], $4::text[], $5::timestamptz[], $6::text[]) AS n(rt, sub, f, r)
                           WHERE n.rt = t.resource_type AND n.sub = t.subject AND n.f = t.from_at AND n.r = t.reason)`,
      [
        types,
        subjects,
        issues.map(({ r }) => r.key.resourceType),
        issues.map(({ r }) => r.key.subject),
        issues.map(({ x }) => iso(x.from)),
        issues.map(({ x }) => x.reason),
      ],
    );
    if (issues.length > 0) {
      await em.query(
        `INSERT INTO rating_issues (resource_type, subject, tenant_id, from_at, to_at, reason, message, event_ids, blocking)
         SELECT u.rt, u.sub, u.ten, u.f, u.t, u.r, u.m, ARRAY(SELECT json_array_elements_text(u.e::json)), u.b
           FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[],
                       $7::text[], $8::text[], $9::boolean[]) AS u(rt, sub, ten, f, t, r, m, e, b)
         ON CONFLICT (resource_type, subject, from_at, reason) DO UPDATE
            SET tenant_id = EXCLUDED.tenant_id, to_at = EXCLUDED.to_at, message = EXCLUDED.message,
                event_ids = EXCLUDED.event_ids, blocking = EXCLUDED.blocking`,
        [
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
  }

  /**
   * Records what each new rating reflects. Last in a rating transaction: the
   * `resources` rows (which ingest also writes) are locked in key order, like
   * ingest's `markChanged`, and held only from here to the commit.
   */
  async markRated(em: EntityManager, ratings: NewRating[]): Promise<void> {
    if (ratings.length === 0) return;
    await em.query(
      `UPDATE resources r
          SET rated_seq = GREATEST(r.rated_seq, u.seq),
              rated_at = now(),
              dirty_since = CASE WHEN r.change_seq <= u.seq THEN NULL ELSE r.dirty_since END,
              dirty_from = CASE WHEN r.change_seq <= u.seq THEN NULL ELSE r.dirty_from END
         FROM (SELECT u.rt, u.sub, u.seq
                 FROM unnest($1::text[], $2::text[], $3::bigint[]) AS u(rt, sub, seq)
                 JOIN resources l ON l.resource_type = u.rt AND l.subject = u.sub
                ORDER BY u.rt COLLATE "C", u.sub COLLATE "C"
                  FOR NO KEY UPDATE OF l) AS u
        WHERE r.resource_type = u.rt AND r.subject = u.sub`,
      [
        ratings.map((r) => r.key.resourceType),
        ratings.map((r) => r.key.subject),
        ratings.map((r) => r.ratedSeq),
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
