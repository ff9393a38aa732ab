/**
 * Fault-test harness: services over the infrastructure of ./infra, a steady
 * load of unique events that logs every 202, and a checker that counts lost
 * (acknowledged, never billed), duplicated and unexpected events and
 * compares every tenant's statement with a reference computed here with the
 * pure rating core.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { Decimal } from '../../src/rating/core/decimal';
import { createPriceBookSchema } from '../../src/price-books/dto/create-price-book.dto';
import { toBody, toCorePriceBook } from '../../src/price-books/price-book.mapper';
import {
  formatMoney,
  nextPeriod,
  periodOf,
  periodRange,
  rateResource,
  statementTotal,
  usageLine,
} from '../../src/rating/core';
import type { PriceBook, RatingEvent } from '../../src/rating/core/types';
import { priceBookBody } from '../factories/price-book.factory';
import { spawnService, waitForHttp, type ServiceProcess } from '../support/service-process';
import { PgPair, RedisNode, RedisSentinelGroup } from './infra';
import { COUNT_PENDING_RESOURCES } from '../../src/rating/rating.repository';

export const ADMIN_KEY = 'faults-admin-key-0123456789abcdef';
const AUTH = { authorization: `Bearer ${ADMIN_KEY}` };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Events happen in the previous calendar month, so statements are final and exact. */
export const PERIOD = (() => {
  const now = new Date();
  return periodOf(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 15));
})();

interface SentEvent {
  id: string;
  tenantId: string;
  subject: string;
  type: string;
  time: number;
  data: Record<string, unknown>;
}

/** VM lifecycles: created, a few changes, deleted — unique ids, spread over 5 tenants. */
export class EventSource {
  private vm = 0;
  private queue: SentEvent[] = [];
  readonly all = new Map<string, SentEvent>();
  private readonly tag = randomBytes(3).toString('hex');

  private lifecycle(): SentEvent[] {
    const n = this.vm++;
    const tenantId = `f-t${n % 5}`;
    const subject = `vm-${this.tag}-${n}`;
    const { start } = periodRange(PERIOD);
    const t0 = start + (n % 600) * 3_600_000 + (n % 7) * 60_000;
    const steps: [string, number, Record<string, unknown>][] = [
      ['vm.created', 0, { template: ['normal', 'standard', 'enhanced'][n % 3], state: 'running' }],
      ['vm.suspended', 5, {}],
      ['vm.resumed', 9, {}],
      ['vm.resized', 20, { template: 'enhanced' }],
      ['vm.stopped', 31, {}],
      ['vm.deleted', 40 + (n % 13), {}],
    ];
    return steps.map(([type, hours, data], i) => ({
      id: `${this.tag}-${n}-${i}`,
      tenantId,
      subject,
      type,
      time: t0 + hours * 3_600_000 + i,
      data: { tenantId, ...data },
    }));
  }

  nextBatch(size: number): SentEvent[] {
    while (this.queue.length < size) this.queue.push(...this.lifecycle());
    const batch = this.queue.splice(0, size);
    for (const e of batch) this.all.set(e.id, e);
    return batch;
  }
}

export const toCloudEvent = (e: SentEvent) => ({
  specversion: '1.0',
  id: e.id,
  source: '//control-plane/faults',
  type: e.type,
  time: new Date(e.time).toISOString(),
  subject: e.subject,
  data: e.data,
});

export interface LoadStats {
  acked: Set<string>;
  requests: number;
  status: Map<number | string, number>;
  /** 5xx answers per api base URL, with the time they were seen. */
  serverErrors: { url: string; at: number; status: number }[];
  resends: number;
  duplicatesReported: number;
  firstAckAfter(t: number): number | null;
}

/**
 * A steady load, like a control plane behind a load balancer: batches of 20
 * unique events, 3 requests in flight, each sent to the next api whose
 * readiness is green, and resent until acknowledged (202). Every 202 is logged.
 */
export class Load {
  private running = false;
  private readonly workers: Promise<void>[] = [];
  private readonly ready = new Map<string, boolean>();
  private readonly ackTimes: number[] = [];
  readonly stats: LoadStats;
  private rr = 0;
  private readonly ackedBatches: SentEvent[][] = [];

  constructor(
    private readonly apis: () => string[],
    private readonly source: EventSource,
    private readonly opts: { resendRatio?: number; batch?: number; inFlight?: number } = {},
  ) {
    const ackTimes = this.ackTimes;
    this.stats = {
      acked: new Set(),
      requests: 0,
      status: new Map(),
      serverErrors: [],
      resends: 0,
      duplicatesReported: 0,
      firstAckAfter: (t) => ackTimes.find((x) => x >= t) ?? null,
    };
  }

  private async pollReadiness(): Promise<void> {
    while (this.running) {
      await Promise.all(
        this.apis().map(async (url) => {
          try {
            const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1500) });
            this.ready.set(url, res.ok);
          } catch {
            this.ready.set(url, false);
          }
        }),
      );
      await sleep(150);
    }
  }

  private pick(): string | null {
    const apis = this.apis().filter((u) => this.ready.get(u) !== false);
    if (apis.length === 0) return null;
    return apis[this.rr++ % apis.length];
  }

  private async send(batch: SentEvent[]): Promise<void> {
    const until = Date.now() + 120_000;
    while (Date.now() < until) {
      const url = this.pick();
      if (!url) {
        await sleep(100);
        continue;
      }
      this.stats.requests++;
      let status: number | string;
      let body: { accepted?: number; duplicates?: number } = {};
      try {
        const res = await fetch(`${url}/v1/events`, {
          method: 'POST',
          headers: { ...AUTH, 'content-type': 'application/cloudevents-batch+json' },
          body: JSON.stringify(batch.map(toCloudEvent)),
          signal: AbortSignal.timeout(15_000),
        });
        status = res.status;
        body = (await res.json().catch(() => ({}))) as typeof body;
      } catch (err) {
        status = (err as Error).name === 'TimeoutError' ? 'timeout' : 'network';
      }
      this.stats.status.set(status, (this.stats.status.get(status) ?? 0) + 1);
      if (typeof status === 'number' && status >= 500)
        this.stats.serverErrors.push({ url, at: Date.now(), status });
      if (status === 202) {
        for (const e of batch) this.stats.acked.add(e.id);
        this.stats.duplicatesReported += body.duplicates ?? 0;
        this.ackTimes.push(Date.now());
        return;
      }
      if (typeof status === 'number' && status >= 400 && status < 500)
        throw new Error(`load got ${status}: ${JSON.stringify(body)}`);
      await sleep(200);
    }
    throw new Error('a batch was not acknowledged within 120 s');
  }

  start(): void {
    this.running = true;
    void this.pollReadiness();
    for (let i = 0; i < (this.opts.inFlight ?? 3); i++) {
      this.workers.push(
        (async () => {
          while (this.running) {
            const resend =
              this.ackedBatches.length > 0 && Math.random() < (this.opts.resendRatio ?? 0);
            const batch = resend
              ? this.ackedBatches[Math.floor(Math.random() * this.ackedBatches.length)]
              : this.source.nextBatch(this.opts.batch ?? 20);
            await this.send(batch);
            // counted once answered, as its duplicates are: a snapshot of both
            // taken while resends are in flight stays consistent
            if (resend) this.stats.resends++;
            else this.ackedBatches.push(batch);
            await sleep(30);
          }
        })(),
      );
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }
}

export interface Cluster {
  pg: PgPair;
  /** The Redis the service starts on (with `sentinel`, the first primary). */
  redis: RedisNode;
  /** With `redisSentinel`: the group the service finds its primary through. */
  sentinel: RedisSentinelGroup | null;
  prefix: string;
  apis: ServiceProcess[];
  workers: ServiceProcess[];
  apiUrls(): string[];
  startApi(env?: Record<string, string>): Promise<ServiceProcess>;
  startWorker(env?: Record<string, string>): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

/** Timeouts short enough to see failover, long enough for a loaded 2-core box. */
const SERVICE_ENV = {
  DB_CONNECT_TIMEOUT_MS: '2000',
  DB_STATEMENT_TIMEOUT_MS: '4000',
  FINALIZE_AFTER_HOURS: '0',
  ADMIN_API_KEY: ADMIN_KEY,
  LOG_LEVEL: 'error',
};

export async function startCluster(
  opts: {
    apis?: number;
    workers?: number;
    apiEnv?: Record<string, string>;
    workerEnv?: Record<string, string>;
    /** Redis as a primary, a replica and three Sentinels; the service uses REDIS_SENTINELS. */
    redisSentinel?: boolean;
  } = {},
): Promise<Cluster> {
  const pg = new PgPair();
  await pg.start();
  const sentinel = opts.redisSentinel ? new RedisSentinelGroup() : null;
  let redis: RedisNode;
  if (sentinel) {
    await sentinel.start();
    redis = sentinel.primary;
  } else {
    redis = new RedisNode();
    await redis.start();
  }
  const prefix = `f${randomBytes(3).toString('hex')}`;
  const base = () => ({
    ...SERVICE_ENV,
    DATABASE_URL: pg.url,
    REDIS_URL: redis.url,
    ...(sentinel
      ? { REDIS_SENTINELS: sentinel.sentinelList, REDIS_SENTINEL_NAME: RedisSentinelGroup.NAME }
      : {}),
    BULLMQ_PREFIX: prefix,
  });
  const apis: ServiceProcess[] = [];
  const workers: ServiceProcess[] = [];
  const cluster: Cluster = {
    pg,
    redis,
    sentinel,
    prefix,
    apis,
    workers,
    apiUrls: () =>
      apis
        .filter((a) => a.child.exitCode === null && a.child.signalCode === null)
        .map((a) => `http://127.0.0.1:${a.port}`),
    startApi: async (env = {}) => {
      const s = await spawnService({
        ...base(),
        ROLE: 'api',
        SHUTDOWN_DELAY_MS: '1500',
        ...opts.apiEnv,
        ...env,
      });
      await waitForHttp(`http://127.0.0.1:${s.port}/health/ready`, 60_000);
      apis.push(s);
      return s;
    },
    startWorker: async (env = {}) => {
      const s = await spawnService({
        ...base(),
        ROLE: 'worker',
        RATING_AUDIT: 'true',
        ...opts.workerEnv,
        ...env,
      });
      await waitForHttp(`http://127.0.0.1:${s.port}/health/ready`, 60_000);
      workers.push(s);
      return s;
    },
    stop: async () => {
      await Promise.all([...apis, ...workers].map((s) => s.stop('SIGKILL')));
      if (sentinel) await sentinel.stop();
      else await redis.stop();
      await pg.stop();
    },
  };
  // the first process migrates; then the price book every statement is checked against
  await cluster.startApi();
  const res = await fetch(`${cluster.apiUrls()[0]}/v1/price-books`, {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'application/json' },
    body: JSON.stringify(priceBookBody({ effectiveFrom: '2020-01-01T00:00:00Z' })),
  });
  if (res.status !== 201) throw new Error(`price book: ${res.status}`);
  for (let i = 1; i < (opts.apis ?? 1); i++) await cluster.startApi();
  for (let i = 0; i < (opts.workers ?? 1); i++) await cluster.startWorker();
  return cluster;
}

/** The book of priceBookBody(), as the core wants it: through the service's own parsing and mapping. */
function referenceBook(): PriceBook {
  const input = createPriceBookSchema.parse(
    priceBookBody({ effectiveFrom: '2020-01-01T00:00:00Z' }),
  );
  return toCorePriceBook({
    id: 'reference',
    tenantId: null,
    effectiveFrom: new Date(input.effectiveFrom),
    currency: input.currency,
    body: toBody(input),
    createdAt: new Date(0),
  });
}

export interface Verdict {
  acknowledged: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  statementMismatches: number;
  details: string[];
}

/** Waits until every stored event is rated, then compares what was acknowledged with what is billed. */
export async function check(
  cluster: Cluster,
  source: EventSource,
  stats: LoadStats,
  settleMs = 90_000,
): Promise<Verdict> {
  const db = new Client({ connectionString: cluster.pg.url, connectionTimeoutMillis: 5000 });
  await db.connect();
  const details: string[] = [];
  try {
    const until = Date.now() + settleMs;
    for (;;) {
      const { rows } = await db.query<{ n: number }>(COUNT_PENDING_RESOURCES);
      if (rows[0].n === 0) break;
      if (Date.now() > until) {
        details.push(`${rows[0].n} resources still unrated after ${settleMs} ms`);
        break;
      }
      await sleep(200);
    }
    const stored = new Set(
      (
        await db.query<{ id: string }>(
          `SELECT id FROM events WHERE source = '//control-plane/faults'`,
        )
      ).rows.map((r) => r.id),
    );
    const lost = [...stats.acked].filter((id) => !stored.has(id));
    const unexpected = [...stored].filter((id) => !source.all.has(id));
    // billed twice: the same event stored twice, or two intervals of one resource covering the same time
    const dupEvents = (
      await db.query<{ n: number }>(
        'SELECT (count(*) - count(DISTINCT (source, id)))::int AS n FROM events',
      )
    ).rows[0].n;
    const overlaps = (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM rated_intervals a JOIN rated_intervals b
            ON a.resource_type = b.resource_type AND a.subject = b.subject AND a.from_at < b.from_at
           AND (a.to_at IS NULL OR a.to_at > b.from_at)`,
      )
    ).rows[0].n;
    if (lost.length) details.push(`lost e.g. ${lost.slice(0, 3).join(', ')}`);

    // statements against the reference, for every tenant
    const book = referenceBook();
    const byResource = new Map<string, SentEvent[]>();
    for (const e of source.all.values()) {
      if (!stats.acked.has(e.id)) continue;
      const list = byResource.get(e.subject) ?? [];
      list.push(e);
      byResource.set(e.subject, list);
    }
    const expected = new Map<string, Map<string, Decimal>>();
    for (const [subject, events] of byResource) {
      const rating = rateResource({
        resourceType: 'vm',
        tenantId: events[0].tenantId,
        books: [book],
        events: events.map((e): RatingEvent => ({
          source: '//control-plane/faults',
          id: e.id,
          type: e.type,
          time: e.time,
          sequence: null,
          attributes: {
            ...(typeof e.data.template === 'string' ? { template: e.data.template } : {}),
            ...(typeof e.data.state === 'string' ? { state: e.data.state as 'running' } : {}),
          },
        })),
      });
      const line = usageLine(rating.segments, PERIOD, periodRange(PERIOD).end);
      if (!line) continue;
      const m = expected.get(events[0].tenantId) ?? new Map<string, Decimal>();
      m.set(subject, line.amount);
      expected.set(events[0].tenantId, m);
    }
    let mismatches = 0;
    for (const [tenantId, lines] of expected) {
      const res = await fetch(
        `${cluster.apiUrls()[0]}/v1/tenants/${tenantId}/statements/${PERIOD}`,
        { headers: AUTH },
      );
      const body = (await res.json()) as {
        total: string;
        lines: { resourceId: string; amount: string }[];
      };
      const got = new Map(body.lines.map((l) => [l.resourceId, l.amount]));
      for (const [subject, amount] of lines) {
        if (got.get(subject) !== formatMoney(amount, 'USD')) {
          mismatches++;
          if (details.length < 8)
            details.push(
              `${tenantId}/${subject}: billed ${got.get(subject)} expected ${formatMoney(amount, 'USD')}`,
            );
        }
      }
      const total = formatMoney(statementTotal([...lines.values()]), 'USD');
      if (body.total !== total) {
        mismatches++;
        details.push(`${tenantId} total ${body.total} expected ${total}`);
      }
    }
    return {
      acknowledged: stats.acked.size,
      lost: lost.length,
      duplicated: dupEvents + overlaps,
      unexpected: unexpected.length,
      statementMismatches: mismatches,
      details,
    };
  } finally {
    await db.end();
  }
}

export { nextPeriod, sleep };
