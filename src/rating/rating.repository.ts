import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ResourceKey } from '../events/resource-key';
import { toCorePriceBook } from '../price-books/price-book.mapper';
import { PriceBookVersionEntity } from '../price-books/price-book-version.entity';
import type { PriceBook, RatingResult, ResourceType } from '../rating/core/types';
import { RATED_INTERVAL_COLUMNS, type RatedIntervalRow } from './rated-interval.mapper';

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
  async resourceState(em: EntityManager, key: ResourceKey): Promise<ResourceState | null> {
    const rows: {
      tenant_id: string;
      change_seq: string;
      rated_seq: string;
      dirty_from: Date | null;
    }[] = await em.query(
      `SELECT tenant_id, change_seq::text, rated_seq::text, dirty_from FROM resources WHERE resource_type = $1 AND subject = $2`,
      [key.resourceType, key.subject],
    );
    const r = rows[0];
    return r
      ? {
          tenantId: r.tenant_id,
          changeSeq: r.change_seq,
          ratedSeq: r.rated_seq,
          dirtyFrom: r.dirty_from,
        }
      : null;
  }

  /**
   * Of some resources, those whose stored rating is behind (one query, no
   * lock): lets a job skip the clean ones without opening a transaction each.
   * The rating transaction re-checks under the lock, so a stale answer here
   * only costs or saves a little work.
   */
  async dirtyAmong(em: EntityManager, keys: ResourceKey[]): Promise<ResourceKey[]> {
    if (keys.length === 0) return [];
    const rows: { resource_type: ResourceType; subject: string }[] = await em.query(
      `SELECT r.resource_type, r.subject
         FROM unnest($1::text[], $2::text[]) AS u(rt, sub)
         JOIN resources r ON r.resource_type = u.rt AND r.subject = u.sub
        WHERE r.rated_seq < r.change_seq`,
      [keys.map((k) => k.resourceType), keys.map((k) => k.subject)],
    );
    return rows.map((r) => ({ resourceType: r.resource_type, subject: r.subject }));
  }

  /** The versions that can price a tenant's resources: its own and the global ones. */
  async booksForTenant(em: EntityManager, tenantId: string): Promise<PriceBook[]> {
    const rows = await em
      .getRepository(PriceBookVersionEntity)
      .createQueryBuilder('v')
      .where('v.tenant_id IS NULL OR v.tenant_id = :tenantId', { tenantId })
      .getMany();
    return rows.map(toCorePriceBook);
  }

  /** Replaces a resource's intervals and issues with a new rating, and records what it reflects. */
  async replaceRating(
    em: EntityManager,
    key: ResourceKey,
    tenantId: string,
    result: RatingResult,
    ratedSeq: string,
  ): Promise<void> {
    const k = [key.resourceType, key.subject];
    await em.query(`DELETE FROM rated_intervals WHERE resource_type = $1 AND subject = $2`, k);
    await em.query(`DELETE FROM rating_issues WHERE resource_type = $1 AND subject = $2`, k);
    const s = result.segments;
    if (s.length > 0) {
      await em.query(
        `INSERT INTO rated_intervals (resource_type, subject, tenant_id, from_at, to_at, template, state,
                                      real_server_count, size_gb, price_book_id, currency, weight,
                                      price_per_hour, hourly_rate, opened_by, closed_by)
         SELECT $1, $2, $3, u.* FROM unnest($4::timestamptz[], $5::timestamptz[], $6::text[], $7::text[], $8::int[],
                                       $9::numeric[], $10::uuid[], $11::text[], $12::numeric[], $13::numeric[],
                                       $14::numeric[], $15::text[], $16::text[]) AS u`,
        [
          key.resourceType,
          key.subject,
          tenantId,
          s.map((x) => iso(x.from)),
          s.map((x) => (x.to === null ? null : iso(x.to))),
          s.map((x) => x.attributes.template ?? null),
          s.map((x) => x.attributes.state ?? null),
          s.map((x) => x.attributes.realServerCount ?? null),
          s.map((x) => x.attributes.sizeGb?.toString() ?? null),
          s.map((x) => x.priceBookId),
          s.map((x) => x.currency),
          s.map((x) => x.weight.toString()),
          s.map((x) => x.pricePerHour.toString()),
          s.map((x) => x.hourlyRate.toString()),
          s.map((x) => x.openedBy),
          s.map((x) => x.closedBy),
        ],
      );
    }
    const i = result.issues;
    if (i.length > 0) {
      await em.query(
        `INSERT INTO rating_issues (resource_type, subject, tenant_id, from_at, to_at, reason, message, event_ids, blocking)
         SELECT $1, $2, $3, u.f, u.t, u.r, u.m, ARRAY(SELECT json_array_elements_text(u.e::json)), u.b
           FROM unnest($4::timestamptz[], $5::timestamptz[], $6::text[], $7::text[], $8::text[], $9::boolean[])
                AS u(f, t, r, m, e, b)
         ON CONFLICT (resource_type, subject, from_at, reason) DO NOTHING`,
        [
          key.resourceType,
          key.subject,
          tenantId,
          i.map((x) => iso(x.from)),
          i.map((x) => (x.to === null ? null : iso(x.to))),
          i.map((x) => x.reason),
          i.map((x) => x.message),
          i.map((x) => JSON.stringify(x.eventIds)),
          i.map((x) => x.blocking),
        ],
      );
    }
    await em.query(
      `UPDATE resources
          SET rated_seq = GREATEST(rated_seq, $3::bigint),
              rated_at = now(),
              dirty_since = CASE WHEN change_seq <= $3::bigint THEN NULL ELSE dirty_since END,
              dirty_from = CASE WHEN change_seq <= $3::bigint THEN NULL ELSE dirty_from END
        WHERE resource_type = $1 AND subject = $2`,
      [...k, ratedSeq],
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

  async finalizedPeriods(em: EntityManager): Promise<string[]> {
    const rows: { period: string }[] = await em.query(
      `SELECT period FROM finalized_periods ORDER BY period`,
    );
    return rows.map((r) => r.period);
  }

  /** The resource's stored intervals (before they are replaced). */
  intervalsOf(em: EntityManager, key: ResourceKey): Promise<RatedIntervalRow[]> {
    return em.query(
      `SELECT ${RATED_INTERVAL_COLUMNS} FROM rated_intervals WHERE resource_type = $1 AND subject = $2 ORDER BY from_at`,
      [key.resourceType, key.subject],
    );
  }

  async insertRestatements(
    em: EntityManager,
    key: ResourceKey,
    tenantId: string,
    periods: string[],
  ): Promise<void> {
    await em.query(
      `INSERT INTO restatements (resource_type, subject, tenant_id, period)
       SELECT $1, $2, $3, p FROM unnest($4::text[]) AS p
       ON CONFLICT DO NOTHING`,
      [key.resourceType, key.subject, tenantId, periods],
    );
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
