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
/** Times a control-plane job may be taken again after its worker died, before it fails. */
export const COLLECTOR_MAX_STALLS = 5;
export const FINALIZE_CHECK_EVERY_MS = 60_000;
/**
 * How often each worker process sets the job schedulers again. A scheduler
 * lives in Redis as a chain: each run's job creates the next. A Redis
 * failover under Sentinel (asynchronous replication) can lose the job that
 * carries the chain, and then no sweep ever ran again — so rating jobs lost
 * in the same failover were never re-requested (fault scenario 12).
 * Setting a scheduler that exists is idempotent: it re-creates a missing
 * next run and otherwise keeps one chain.
 */
export const SCHEDULERS_REARM_EVERY_MS = 15_000;

/**
 * Runs the BullMQ workers of ROLE=worker|all: the collector on the control
 * plane's queue and the rating workers, plus the sweeper as a BullMQ job
 * scheduler (one run per interval across all replicas), set again every
 * SCHEDULERS_REARM_EVERY_MS. On shutdown, `worker.close()` stops taking
 * jobs and waits for the active ones.
 */
@Injectable()
export class WorkersHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkersHost.name);
  private readonly workers: Worker[] = [];
  private readonly connections: Redis[] = [];
  private scheduler: Queue | null = null;
  private rearm: NodeJS.Timeout | null = null;

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
      // A job whose worker died (SIGKILL, OOM, a node lost) is "stalled" and
      // taken again; BullMQ fails it for good at the second stall by default,
      // and a valid job failed is acknowledged events dropped on the floor.
      // Storing a job again is idempotent, so it may stall a few more times.
      maxStalledCount: COLLECTOR_MAX_STALLS,
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
      w.on('failed', (job, err) => {
        this.metrics.jobFailures.inc({ queue: w.name });
        this.logger.warn(`job ${w.name}/${job?.id} failed: ${err.message}`);
      });
      this.workers.push(w);
    }
    this.scheduler = new Queue(RATING_QUEUE, {
      connection: this.connection(),
      prefix: this.prefix,
    });
    this.scheduler.on('error', () => undefined);
    await this.armSchedulers();
    this.rearm = setInterval(() => void this.armSchedulers(), SCHEDULERS_REARM_EVERY_MS);
    this.rearm.unref();
    this.logger.log(
      `workers started: ${eventsQueue} (collector), ${RATING_QUEUE} (rating, sweeper every ${SWEEP_EVERY_MS} ms)`,
    );
  }

  /** Sets the sweeper's and the finalizer's schedules (idempotent; see SCHEDULERS_REARM_EVERY_MS). */
  async armSchedulers(): Promise<void> {
    const scheduler = this.scheduler;
    if (!scheduler) return;
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
        `sweeper schedule not set (Redis unavailable?); tried again in ${SCHEDULERS_REARM_EVERY_MS} ms: ${String(err)}`,
      );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.rearm) clearInterval(this.rearm);
    await Promise.all(this.workers.map((w) => w.close()));
    await this.scheduler?.close().catch(() => undefined);
    for (const c of this.connections) c.disconnect();
  }
}
