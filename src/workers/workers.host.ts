import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import type { AppConfig } from '../config/env.schema';
import { redisOptions } from '../redis/redis-options';
import { CollectorProcessor } from '../events/collector.processor';
import { FinalizePeriodService } from '../invoices/finalize-period.service';
import { MetricsService } from '../metrics/metrics.service';
import { RatingProcessor } from '../rating/rating.processor';
import {
  RATING_QUEUE,
  BULLMQ_PREFIX,
  type RateJobData,
  type SweepJobData,
} from '../rating/rating.queue';

export const SWEEP_EVERY_MS = 5_000;
export const FINALIZE_CHECK_EVERY_MS = 60_000;

/**
 * Runs the BullMQ workers of ROLE=worker|all: the collector on the control
 * plane's queue and the rating workers, plus the sweeper as a BullMQ job
 * scheduler (one run per interval across all replicas). On shutdown,
 * `worker.close()` stops taking jobs and waits for the active ones.
 */
@Injectable()
export class WorkersHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkersHost.name);
  private readonly workers: Worker[] = [];
  private readonly connections: Redis[] = [];

  constructor(
    private readonly config: ConfigService<AppConfig, true>,
    private readonly collector: CollectorProcessor,
    private readonly rating: RatingProcessor,
    private readonly finalizer: FinalizePeriodService,
    private readonly metrics: MetricsService,
    @Inject(BULLMQ_PREFIX) private readonly prefix: string,
  ) {}

  private connection(): Redis {
    // Workers block on Redis: no per-request retry limit, reconnect forever.
    const c = new Redis({
      ...redisOptions(this.config),
      maxRetriesPerRequest: null,
      enableReadyCheck: true,
    });
    c.on('error', () => undefined);
    this.connections.push(c);
    return c;
  }

  async onApplicationBootstrap(): Promise<void> {
    const eventsQueue = this.config.get('EVENTS_QUEUE', { infer: true });
    const collector = new Worker(eventsQueue, (job, token) => this.collector.process(job, token), {
      connection: this.connection(),
      prefix: this.prefix,
      concurrency: 8,
    });
    const rating = new Worker<RateJobData | SweepJobData>(
      RATING_QUEUE,
      async (job) =>
        job.name === 'finalize'
          ? { finalized: await this.finalizer.finalizeDue() }
          : this.rating.process(job),
      {
        connection: this.connection(),
        prefix: this.prefix,
        concurrency: this.config.get('RATING_CONCURRENCY', { infer: true }),
      },
    );
    for (const w of [collector, rating]) {
      w.on('error', (err) => this.logger.warn(`worker ${w.name}: ${err.message}`));
      w.on('failed', (job, err) =>
        this.logger.warn(`job ${w.name}/${job?.id} failed: ${err.message}`),
      );
      this.workers.push(w);
    }
    const scheduler = new Queue(RATING_QUEUE, {
      connection: this.connection(),
      prefix: this.prefix,
    });
    try {
      await scheduler.upsertJobScheduler(
        'sweeper',
        { every: SWEEP_EVERY_MS },
        { name: 'sweep', opts: { removeOnComplete: true, removeOnFail: 100 } },
      );
      // Automatic finalization (FINALIZE_AFTER_HOURS; 0 = off): the scheduler
      // makes one job per interval across replicas, the finalization lock does the rest.
      await scheduler.upsertJobScheduler(
        'finalizer',
        { every: FINALIZE_CHECK_EVERY_MS },
        { name: 'finalize', opts: { removeOnComplete: true, removeOnFail: 100 } },
      );
    } catch (err) {
      this.logger.warn(
        `sweeper schedule not set (Redis unavailable?); another replica or a restart will: ${String(err)}`,
      );
    } finally {
      await scheduler.close();
    }
    this.logger.log(
      `workers started: ${eventsQueue} (collector), ${RATING_QUEUE} (rating, sweeper every ${SWEEP_EVERY_MS} ms)`,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    for (const c of this.connections) c.disconnect();
  }
}
