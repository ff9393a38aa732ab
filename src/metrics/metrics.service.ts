import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/env.schema';
import { RATING_QUEUE, RatingQueue } from '../rating/rating.queue';
import { COUNT_PENDING_RESOURCES } from '../rating/rating.repository';

interface PgPoolLike {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> =>
  Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref()),
  ]);

/**
 * Prometheus metrics of one application instance (its own registry, so
 * several instances in one process never collide). Counters are updated
 * where things happen; queue depths, rating lag and pool usage are read at
 * scrape time, each bounded by a timeout so a scrape never hangs on an outage.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly events = new Counter({
    name: 'billing_events_total',
    help: 'Events received, by outcome (accepted, duplicate, rejected) and path (http, queue)',
    labelNames: ['outcome', 'via'] as const,
    registers: [this.registry],
  });

  readonly jobFailures = new Counter({
    name: 'billing_job_failures_total',
    help: 'BullMQ job failures (each failed attempt), by queue',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly queueJobs = new Gauge({
    name: 'billing_queue_jobs',
    help: 'Jobs per queue and state (at scrape time)',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  private readonly ratingLag = new Gauge({
    name: 'billing_rating_lag_seconds',
    help: 'Age of the oldest stored change not yet rated (0 when everything is rated)',
    registers: [this.registry],
  });

  private readonly unrated = new Gauge({
    name: 'billing_resources_pending_rating',
    help: 'Resources with stored events not yet rated',
    registers: [this.registry],
  });

  private readonly pool = new Gauge({
    name: 'billing_db_pool_connections',
    help: 'PostgreSQL pool connections by state (total, idle, waiting clients)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  constructor(
    private readonly dataSource: DataSource,
    private readonly ratingQueue: RatingQueue,
    @Inject(ConfigService) private readonly config: ConfigService<AppConfig, true>,
  ) {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Refreshes the scrape-time gauges, then renders the registry. */
  async render(): Promise<string> {
    await Promise.allSettled([this.collectQueues(), this.collectLag()]);
    const pool = (this.dataSource.driver as unknown as { master?: PgPoolLike }).master;
    if (pool) {
      this.pool.set({ state: 'total' }, pool.totalCount);
      this.pool.set({ state: 'idle' }, pool.idleCount);
      this.pool.set({ state: 'waiting' }, pool.waitingCount);
    }
    return this.registry.metrics();
  }

  private async collectQueues(): Promise<void> {
    const counts = await withTimeout(
      this.ratingQueue.queue.getJobCounts('waiting', 'active', 'delayed', 'failed'),
      1000,
    );
    for (const [state, n] of Object.entries(counts))
      this.queueJobs.set({ queue: RATING_QUEUE, state }, n);
    const events = this.config.get('EVENTS_QUEUE', { infer: true });
    const eventCounts = await withTimeout(this.ratingQueue.countsOf(events), 1000);
    for (const [state, n] of Object.entries(eventCounts))
      this.queueJobs.set({ queue: events, state }, n);
  }

  private async collectLag(): Promise<void> {
    const rows: { lag: string | null; n: number }[] = await withTimeout(
      this.dataSource.query(
        `SELECT (SELECT EXTRACT(epoch FROM now() - min(marked_at))::text FROM rating_marks) AS lag,
                (${COUNT_PENDING_RESOURCES}) AS n`,
      ),
      2000,
    );
    // seconds as a float is fine here: a duration for alerting, not money
    this.ratingLag.set(rows[0].lag === null ? 0 : Math.max(0, Number(rows[0].lag)));
    this.unrated.set(rows[0].n);
  }
}
