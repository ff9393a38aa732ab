import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import type { AppConfig } from '../config/env.schema';
import { redisOptions } from '../redis/redis-options';
import { distinctResourceKeys, type ResourceKey } from '../events/resource-key';

export const RATING_QUEUE = 'billing-rating';
/** Resources per rating job: one HTTP batch of events becomes a handful of jobs. */
export const RESOURCES_PER_JOB = 250;

export interface RateJobData {
  /** [resourceType, subject] pairs. */
  resources: [ResourceKey['resourceType'], string][];
}

export interface SweepJobData {
  /** Only resources marked at least this long ago (default: the sweeper's grace). */
  graceMs?: number;
}

export const BULLMQ_PREFIX = Symbol('BULLMQ_PREFIX');

/**
 * Producer side of the rating queue. Jobs only wake workers: the durable
 * "needs rating" mark is in PostgreSQL, so a lost job delays rating until the
 * sweeper runs, and a duplicate job finds the resource clean and does nothing.
 * The connection fails fast (no offline queue, a command timeout), so a
 * Redis outage never holds up an ingest request.
 */
@Injectable()
export class RatingQueue implements OnApplicationShutdown {
  readonly queue: Queue<RateJobData | SweepJobData>;
  private readonly connection: Redis;

  private readonly others = new Map<string, Queue>();

  constructor(
    config: ConfigService<AppConfig, true>,
    @Inject(BULLMQ_PREFIX) private readonly prefix: string,
  ) {
    this.connection = new Redis({
      ...redisOptions(config),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 2000,
      connectTimeout: 2000,
    });
    this.connection.on('error', () => undefined);
    this.queue = new Queue<RateJobData | SweepJobData>(RATING_QUEUE, {
      connection: this.connection,
      prefix,
    });
    this.queue.on('error', () => undefined);
  }

  async requestRating(keys: Iterable<ResourceKey>): Promise<void> {
    const all = distinctResourceKeys(keys);
    const jobs = [];
    for (let i = 0; i < all.length; i += RESOURCES_PER_JOB) {
      jobs.push({
        name: 'rate',
        data: {
          resources: all
            .slice(i, i + RESOURCES_PER_JOB)
            .map((k) => [k.resourceType, k.subject] as [ResourceKey['resourceType'], string]),
        },
        opts: {
          attempts: 8,
          backoff: { type: 'exponential', delay: 500 },
          removeOnComplete: true,
          removeOnFail: { count: 10_000 },
        },
      });
    }
    if (jobs.length > 0) await this.queue.addBulk(jobs);
  }

  /** Job counts of another queue on the same connection (for metrics). */
  async countsOf(name: string): Promise<Record<string, number>> {
    let q = this.others.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.connection, prefix: this.prefix });
      q.on('error', () => undefined);
      this.others.set(name, q);
    }
    return q.getJobCounts('waiting', 'active', 'delayed', 'failed');
  }

  /** Asks for a sweep now (e.g. after a price book marked many resources). */
  async requestSweep(graceMs = 0): Promise<void> {
    await this.queue.add('sweep', { graceMs }, { removeOnComplete: true, removeOnFail: 100 });
  }

  async onApplicationShutdown(): Promise<void> {
    for (const q of this.others.values()) await q.close().catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    this.connection.disconnect();
  }
}
