import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { hostname } from 'node:os';
import type { AppConfig } from '../config/env.schema';
import { DataSource, type EntityManager } from 'typeorm';
import { inTransaction } from '../database/transaction';
import { EventsRepository } from '../events/events.repository';
import { resourceKeyString, type ResourceKey } from '../events/resource-key';
import { AdvisoryLock } from '../database/locks';
import { exactForEndedPeriod, periodRange, rateResource } from './core';
import type { RatedSegment } from './core/types';
import { segmentFromRow } from './rated-interval.mapper';
import { RatingRepository } from './rating.repository';

/** Lock class of the per-resource advisory locks (the second key is a hash of the resource). */
const RATING_LOCK_CLASS = 4_711_020;

export type RateOutcome = 'rated' | 'clean' | 'unknown';

/**
 * Re-rates one resource from its full history, in one transaction:
 *
 * 1. take the resource's advisory lock (two workers never rate one resource
 *    at once, on any number of replicas; a crash releases it with the
 *    connection);
 * 2. read `change_seq` — BEFORE loading events and books, so what is loaded
 *    is at least what that number stands for;
 * 3. if the stored rating is current, stop (duplicate jobs are cheap);
 * 4. run the pure core and replace intervals and issues wholesale, recording
 *    `rated_seq`.
 *
 * A crash anywhere rolls the whole transaction back and leaves the resource
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
    config: ConfigService<AppConfig, true>,
  ) {
    this.audit = config.get('RATING_AUDIT', { infer: true });
    this.faultDelayMs = config.get('RATING_FAULT_DELAY_MS', { infer: true });
  }

  async rate(key: ResourceKey): Promise<RateOutcome> {
    return inTransaction(
      this.dataSource,
      async (em) => {
        // Shared: ratings run side by side, but never while a period is being
        // finalized or a price book created (they take it exclusively).
        await em.query('SELECT pg_advisory_xact_lock_shared($1)', [AdvisoryLock.PRICING]);
        const [{ locked_at: lockedAt }]: { locked_at: Date }[] = await em.query(
          'SELECT pg_advisory_xact_lock($1, hashtext($2)), clock_timestamp() AS locked_at',
          [RATING_LOCK_CLASS, resourceKeyString(key)],
        );
        const state = await this.repo.resourceState(em, key);
        if (!state) return 'unknown';
        if (state.ratedSeq === state.changeSeq) return 'clean';
        // one connection inside the transaction: one query at a time
        const events = await this.events.eventsOf(em, key);
        const books = await this.repo.booksForTenant(em, state.tenantId);
        const result = rateResource({
          resourceType: key.resourceType,
          tenantId: state.tenantId,
          events,
          books,
        });
        await this.recordRestatements(em, key, state.tenantId, state.dirtyFrom, result.segments);
        await this.repo.replaceRating(em, key, state.tenantId, result, state.changeSeq);
        if (this.audit) {
          await em.query(
            `INSERT INTO rating_runs (resource_type, subject, worker, locked_at, finished_at)
           VALUES ($1, $2, $3, $4, clock_timestamp())`,
            [key.resourceType, key.subject, this.worker, lockedAt],
          );
        }
        if (this.faultDelayMs > 0) await new Promise((r) => setTimeout(r, this.faultDelayMs));
        return 'rated';
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
    key: ResourceKey,
    tenantId: string,
    dirtyFrom: Date | null,
    next: RatedSegment[],
  ): Promise<void> {
    const finalized = await this.repo.finalizedPeriods(em);
    if (finalized.length === 0) return;
    // An event at t changes billing from t on only, and price books cannot
    // touch finalized periods: changes that start after them cannot restate.
    if (
      dirtyFrom !== null &&
      dirtyFrom.getTime() >= periodRange(finalized[finalized.length - 1]).end
    )
      return;
    const previous = (await this.repo.intervalsOf(em, key)).map(segmentFromRow);
    const overlaps = (seg: RatedSegment, p: string) => {
      const { start, end } = periodRange(p);
      return seg.from < end && (seg.to === null || seg.to > start);
    };
    const touched = finalized.filter((p) => [...previous, ...next].some((seg) => overlaps(seg, p)));
    const changed = touched.filter(
      (p) => !exactForEndedPeriod(previous, p).equals(exactForEndedPeriod(next, p)),
    );
    if (changed.length > 0) await this.repo.insertRestatements(em, key, tenantId, changed);
  }
}
