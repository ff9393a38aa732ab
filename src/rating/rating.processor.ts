import { Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { RatingRepository } from './rating.repository';
import type { ResourceKey } from '../events/resource-key';
import { RatingQueue, type RateJobData, type SweepJobData } from './rating.queue';
import { RatingService } from './rating.service';
import { DataSource } from 'typeorm';
import { isTransientDbError } from '../database/transient-errors';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/env.schema';

/** How long a resource stays dirty before the sweeper re-requests it. */
export const SWEEP_GRACE_MS = 2_000;
export const SWEEP_BATCH = 5_000;

/**
 * Runs rating jobs: `rate` re-rates the listed resources that are behind in
 * one transaction (falling back to one transaction each if the batch fails,
 * so one bad resource does not hold up the others); `sweep` finds resources still
 * marked as needing rating — e.g. because the enqueue after their commit was
 * lost — and requests them again.
 */
@Injectable()
export class RatingProcessor {
  private readonly logger = new Logger(RatingProcessor.name);

  constructor(
    private readonly rating: RatingService,
    private readonly repo: RatingRepository,
    private readonly queue: RatingQueue,
    private readonly dataSource: DataSource,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  async process(
    job: Job<RateJobData | SweepJobData>,
  ): Promise<{ rated: number; clean: number } | { requested: number }> {
    if (job.name === 'sweep')
      return this.sweep((job.data as SweepJobData).graceMs ?? SWEEP_GRACE_MS);
    const { resources } = job.data as RateJobData;
    const requested = resources.map(([resourceType, subject]) => ({ resourceType, subject }));
    // Most wake-ups find their resource already rated by an earlier job: skip
    // those with one query instead of a transaction each.
    const dirty = await this.repo.dirtyAmong(this.dataSource.manager, requested);
    const skipped = requested.length - dirty.length;
    let outcome: { rated: number; clean: number };
    try {
      const r = await this.rating.rateMany(dirty);
      outcome = { rated: r.rated, clean: skipped + r.clean + r.unknown };
    } catch (err) {
      // An outage fails every resource alike: let the job be retried with backoff.
      if (dirty.length <= 1 || isTransientDbError(err)) throw err;
      // One resource the batch cannot rate must not hold up the others: rate
      // them one by one, then fail (and retry) the job if any still fails.
      this.logger.warn(`batch of ${dirty.length} failed, rating one by one: ${String(err)}`);
      outcome = await this.oneByOne(dirty, skipped);
    }
    const ackDelay = this.config.get('RATING_FAULT_ACK_DELAY_MS', { infer: true });
    if (ackDelay > 0) await new Promise((r) => setTimeout(r, ackDelay)); // committed, not yet acknowledged
    return outcome;
  }

  private async oneByOne(
    keys: ResourceKey[],
    skipped: number,
  ): Promise<{ rated: number; clean: number }> {
    let rated = 0;
    let clean = skipped;
    let firstError: unknown = null;
    for (const key of keys) {
      try {
        if ((await this.rating.rate(key)) === 'rated') rated++;
        else clean++;
      } catch (err) {
        firstError ??= err;
        this.logger.error(`rating ${key.resourceType}/${key.subject} failed: ${String(err)}`);
      }
    }
    // Retried with backoff; resources already rated are clean the second time.
    if (firstError) throw firstError instanceof Error ? firstError : new Error('rating failed');
    return { rated, clean };
  }

  /**
   * Requests rating of every resource marked for longer than `graceMs` (the
   * grace keeps the sweeper from duplicating requests that are on their way),
   * page by page, oldest first.
   */
  async sweep(graceMs: number): Promise<{ requested: number }> {
    let requested = 0;
    let after: ResourceKey | null = null;
    for (;;) {
      const page: ResourceKey[] = await this.repo.dirtyResources(
        this.dataSource.manager,
        graceMs,
        SWEEP_BATCH,
        after,
      );
      if (page.length > 0) await this.queue.requestRating(page);
      requested += page.length;
      if (page.length < SWEEP_BATCH) return { requested };
      after = page[page.length - 1];
    }
  }
}
