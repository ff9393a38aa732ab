import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { hostname } from 'node:os';
import type { AppConfig } from '../config/env.schema';
import { DataSource, type EntityManager } from 'typeorm';
import { inTransaction } from '../database/transaction';
import { distinctResourceKeys, resourceKeyString, type ResourceKey } from '../events/resource-key';
import { AdvisoryLock } from '../database/locks';
import {
  isDeletion,
  rateResourceSince,
  restatedPeriods,
  restatementCandidates,
  type RestatementCandidate,
} from './core';
import type { PriceBook, RatingEvent, ResourceType } from './core/types';
import { segmentFromRow } from './rated-interval.mapper';
import { RatingRepository, type NewRating } from './rating.repository';

/** Price-book versions kept by id (they are immutable); cleared past this many. */
const BOOK_CACHE_MAX = 10_000;

export type RateOutcome = 'rated' | 'clean' | 'unknown';

export interface RateManyResult {
  rated: number;
  clean: number;
  unknown: number;
}

/**
 * Re-rates resources from their full histories, many in one transaction, in
 * a fixed number of round trips (each costs both processes a socket write
 * and a wake-up, which measured more than the work itself):
 *
 * 1. take the pricing lock shared and each resource's advisory lock, in
 *    lock-key order (`lockForRating`);
 * 2. read, in one statement and so from one snapshot, each resource's
 *    pending marks with the events since where its previous rating can be
 *    resumed (a seed; all events when there is none), the end of the last
 *    finalized period and the ids of the price books that apply
 *    (`readForRating`); versions not yet in the in-process cache are loaded
 *    by id;
 * 3. skip those without marks: their stored rating is current (duplicate
 *    jobs are cheap);
 * 4. run the pure core per resource, from the seed if there is one, which
 *    also says before which instant the new rating equals the stored one
 *    (`rateResourceSince`: every change since is at or after the marks'
 *    earliest time); record restatements of finalized periods (only when
 *    there are any);
 * 5. write the intervals from that instant on and the issues, delete the
 *    marks read, and raise `rated_seq`, in one last statement
 *    (`writeRatings`). Raising `rated_seq` is what tells cached statements
 *    of the tenant that they are stale: a trigger moves the tenant's
 *    statement version (StatementVersions).
 *
 * A crash anywhere rolls the whole transaction back and leaves the marks;
 * running it twice leaves the same rows. Marks committed after the read are
 * not deleted (deletes are by id), so events stored meanwhile get a rating
 * of their own.
 */
@Injectable()
export class RatingService {
  private readonly audit: boolean;
  private readonly faultDelayMs: number;
  private readonly worker = `${hostname()}:${process.pid}`;
  private readonly books = new Map<string, PriceBook>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: RatingRepository,
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
        const lockedAt = await this.repo.lockForRating(em, keys, AdvisoryLock.PRICING);
        const { states, finalizedEnd, bookIds } = await this.repo.readForRating(em, keys);
        const dirty = [...states.values()].filter((s) => s.markIds.length > 0);
        const result = {
          rated: dirty.length,
          clean: states.size - dirty.length,
          unknown: keys.length - states.size,
        };
        if (dirty.length === 0) return result;

        const books = await this.booksOf(em, bookIds);
        const ratings: (NewRating & RestatementCandidate)[] = dirty.map((d) => {
          // every event and book version since the stored rating is at or
          // after the marks' earliest time (null: from the start)
          const cut = d.dirtyFrom ?? -Infinity;
          // with a seed, the events are those after it and the fold resumes there
          const result = rateResourceSince(
            {
              resourceType: d.key.resourceType,
              tenantId: d.tenantId,
              events: d.events ?? [],
              books: books.filter((b) => b.tenantId === null || b.tenantId === d.tenantId),
            },
            cut,
            d.seed,
          );
          return {
            key: d.key,
            tenantId: d.tenantId,
            dirtyFrom: d.dirtyFrom,
            markIds: d.markIds,
            deletedAt: earliestDeletion(d.key.resourceType, d.events ?? []),
            result,
            keepBefore: Number.isFinite(result.unchangedBefore) ? result.unchangedBefore : null,
            coversFrom: result.coversFrom,
          };
        });
        await this.recordRestatements(em, ratings, finalizedEnd);
        // Last: also what moves cached statements' tokens (by trigger).
        await this.repo.writeRatings(em, ratings);
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

  /** The books of these ids: from the cache, the missing ones loaded (one query). */
  private async booksOf(em: EntityManager, ids: string[]): Promise<PriceBook[]> {
    const missing = ids.filter((id) => !this.books.has(id));
    if (missing.length > 0) {
      if (this.books.size + missing.length > BOOK_CACHE_MAX) this.books.clear();
      for (const b of await this.repo.booksByIds(em, missing)) this.books.set(b.id, b);
    }
    return ids.map((id) => this.books.get(id)).filter((b): b is PriceBook => b !== undefined);
  }

  /**
   * A late change to a finalized period never touches its invoice: it is
   * recorded as a restatement of (resource, period), from which the next open
   * statement derives the adjustment. Only periods whose exact amount really
   * changed are recorded.
   */
  private async recordRestatements(
    em: EntityManager,
    ratings: (NewRating & RestatementCandidate)[],
    finalizedEnd: number | null,
  ): Promise<void> {
    const candidates = restatementCandidates(ratings, finalizedEnd, (r) =>
      resourceKeyString(r.key),
    );
    if (candidates.length === 0 || finalizedEnd === null) return;
    const stored = await this.repo.intervalsOfMany(
      em,
      candidates.map((r) => r.key),
    );
    const restated = candidates.flatMap((r) =>
      restatedPeriods(
        (stored.get(resourceKeyString(r.key)) ?? []).map(segmentFromRow),
        r.result.segments,
        finalizedEnd,
      ).map((period) => ({ key: r.key, tenantId: r.tenantId, period })),
    );
    await this.repo.insertRestatements(em, restated);
  }
}

/** The time of the earliest deletion among a resource's events (epoch ms), if any. */
function earliestDeletion(resourceType: ResourceType, events: RatingEvent[]): number | null {
  let at: number | null = null;
  for (const e of events)
    if (isDeletion(resourceType, e.type) && (at === null || e.time < at)) at = e.time;
  return at;
}
