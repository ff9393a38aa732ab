import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { hostname } from 'node:os';
import type { AppConfig } from '../config/env.schema';
import { DataSource, type EntityManager } from 'typeorm';
import { inTransaction } from '../database/transaction';
import { EventsRepository } from '../events/events.repository';
import { distinctResourceKeys, resourceKeyString, type ResourceKey } from '../events/resource-key';
import { AdvisoryLock } from '../database/locks';
import { exactForEndedPeriod, periodRange, rateResource } from './core';
import type { RatedSegment } from './core/types';
import { segmentFromRow } from './rated-interval.mapper';
import { FinalizedPeriods } from '../finalized-periods/finalized-periods.repository';
import { RatingRepository, type NewRating, type ResourceState } from './rating.repository';

/** Lock class of the per-resource advisory locks (the second key is a hash of the resource). */
const RATING_LOCK_CLASS = 4_711_020;

export type RateOutcome = 'rated' | 'clean' | 'unknown';

export interface RateManyResult {
  rated: number;
  clean: number;
  unknown: number;
}

/**
 * Re-rates resources from their full histories, many in one transaction:
 *
 * 1. take each resource's advisory lock, in lock-key order (two workers never
 *    rate one resource at once, on any number of replicas; a crash releases
 *    them with the connection; the fixed order means two batches never
 *    deadlock);
 * 2. read each `change_seq` — BEFORE loading events and books, so what is
 *    loaded is at least what that number stands for;
 * 3. skip those whose stored rating is current (duplicate jobs are cheap);
 * 4. load every event and price book the rest need in one query each, run
 *    the pure core per resource, and replace intervals and issues wholesale
 *    with a fixed number of statements;
 * 5. record `rated_seq` last — so the `resources` rows ingest also writes
 *    are held only until the commit. Raising it is also what tells cached
 *    statements of the tenant that they are stale: a trigger moves the
 *    tenant's statement version (StatementVersions).
 *
 * A crash anywhere rolls the whole transaction back and leaves the resources
 * marked; running it twice leaves the same rows.
 */
@Injectable()
export class RatingService {
  private readonly audit: boolean;
  private readonly faultDelayMs: number;
  private readonly worker = `${hostname()}:${process.pid}`;

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventsRepository,
    private readonly repo: RatingRepository,
    private readonly periods: FinalizedPeriods,
    config: ConfigService<AppConfig, true>,
  ) {
    this.audit = config.get('RATING_AUDIT', { infer: true });
    this.faultDelayMs = config.get('RATING_FAULT_DELAY_MS', { infer: true });
  }

  /** Re-rates one resource (see `rateMany`). */
  async rate(key: ResourceKey): Promise<RateOutcome> {
    const r = await this.rateMany([key]);
    return r.rated > 0 ? 'rated' : r.clean > 0 ? 'clean' : 'unknown';
  }

  async rateMany(requested: ResourceKey[]): Promise<RateManyResult> {
    const keys = distinctResourceKeys(requested);
    if (keys.length === 0) return { rated: 0, clean: 0, unknown: 0 };
    return inTransaction(
      this.dataSource,
      async (em) => {
        // Shared: ratings run side by side, but never while a period is being
        // finalized or a price book created (they take it exclusively).
        await em.query('SELECT pg_advisory_xact_lock_shared($1)', [AdvisoryLock.PRICING]);
        // Sorted by lock key (two resources may share a hash), taken one by one.
        const [{ locked_at: lockedAt }]: { locked_at: Date }[] = await em.query(
          `SELECT count(pg_advisory_xact_lock($1, h)), clock_timestamp() AS locked_at
             FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($2::text[]) AS k ORDER BY h) AS l`,
          [RATING_LOCK_CLASS, keys.map(resourceKeyString)],
        );
        const states = await this.repo.resourceStates(em, keys);
        const dirty = [...states.values()].filter((s) => s.ratedSeq !== s.changeSeq);
        const result = {
          rated: dirty.length,
          clean: states.size - dirty.length,
          unknown: keys.length - states.size,
        };
        if (dirty.length === 0) return result;

        // one connection inside the transaction: one query at a time
        const events = await this.events.eventsOfMany(
          em,
          dirty.map((d) => d.key),
        );
        const books = await this.repo.booksForTenants(em, [
          ...new Set(dirty.map((d) => d.tenantId)),
        ]);
        const ratings: NewRating[] = dirty.map((d) => ({
          key: d.key,
          tenantId: d.tenantId,
          ratedSeq: d.changeSeq,
          result: rateResource({
            resourceType: d.key.resourceType,
            tenantId: d.tenantId,
            events: events.get(resourceKeyString(d.key)) ?? [],
            books: books.get(d.tenantId) ?? [],
          }),
        }));
        await this.recordRestatements(em, ratings, states);
        await this.repo.replaceRatings(em, ratings);
        // Last: also what moves cached statements' tokens (by trigger).
        await this.repo.markRated(em, ratings);
        if (this.audit) {
          await em.query(
            `INSERT INTO rating_runs (resource_type, subject, worker, locked_at, finished_at)
             SELECT rt, sub, $3, $4, clock_timestamp() FROM unnest($1::text[], $2::text[]) AS u(rt, sub)`,
            [
              ratings.map((r) => r.key.resourceType),
              ratings.map((r) => r.key.subject),
              this.worker,
              lockedAt,
            ],
          );
        }
        if (this.faultDelayMs > 0) await new Promise((r) => setTimeout(r, this.faultDelayMs));
        return result;
      },
      { retryTransient: true },
    );
  }

  /**
   * A late change to a finalized period never touches its invoice: it is
   * recorded as a restatement of (resource, period), from which the next open
   * statement derives the adjustment. Only periods whose exact amount really
   * changed are recorded.
   */
  private async recordRestatements(
    em: EntityManager,
    ratings: NewRating[],
    states: Map<string, ResourceState>,
  ): Promise<void> {
    const finalized = await this.periods.all(em);
    if (finalized.length === 0) return;
    // An event at t changes billing from t on only, and price books cannot
    // touch finalized periods: changes that start after them cannot restate.
    const finalizedEnd = periodRange(finalized[finalized.length - 1]).end;
    const candidates = ratings.filter((r) => {
      const dirtyFrom = states.get(resourceKeyString(r.key))?.dirtyFrom ?? null;
      return dirtyFrom === null || dirtyFrom.getTime() < finalizedEnd;
    });
    if (candidates.length === 0) return;
    const stored = await this.repo.intervalsOfMany(
      em,
      candidates.map((r) => r.key),
    );
    const overlaps = (seg: RatedSegment, p: string) => {
      const { start, end } = periodRange(p);
      return seg.from < end && (seg.to === null || seg.to > start);
    };
    const restated: { key: ResourceKey; tenantId: string; period: string }[] = [];
    for (const r of candidates) {
      const previous = (stored.get(resourceKeyString(r.key)) ?? []).map(segmentFromRow);
      const next = r.result.segments;
      const touched = finalized.filter((p) =>
        [...previous, ...next].some((seg) => overlaps(seg, p)),
      );
      for (const p of touched)
        if (!exactForEndedPeriod(previous, p).equals(exactForEndedPeriod(next, p)))
          restated.push({ key: r.key, tenantId: r.tenantId, period: p });
    }
    await this.repo.insertRestatements(em, restated);
  }
}
