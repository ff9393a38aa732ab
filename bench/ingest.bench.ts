/**
 * Ingest end to end (issue 6), measured against the limit in the same run.
 *
 * BENCH_EVENTS events (default 100,000): VMs with ~10 lifecycle events each at
 * random instants of the previous calendar month, over 20 tenants, shuffled.
 *
 * 1. The limit: the same events, as the rows the service would store, written
 *    by one raw `COPY events_copy FROM STDIN` (pg-copy-streams) into a table
 *    `LIKE events INCLUDING ALL` (same columns, defaults, checks, primary key
 *    and index; no foreign key, no trigger) on the same server, before the
 *    service starts.
 * 2. The service (ROLE=all, or an api and a worker process with BENCH_SPLIT=1)
 *    gets the global price book, then the events as
 *    `application/cloudevents-batch+json` batches of 500 with 8 requests in
 *    flight.
 *
 * Figures: events/s accepted (first POST to last 202); events/s end to end
 * (first POST until no resource is marked dirty, polled every 100 ms); the
 * delay from each batch's 202 until every resource it touched is rated, i.e.
 * its events are on the statement (see BENCHMARKS.md for how); and the end
 * to end rate as a ratio of the COPY rate — the headline.
 *
 * Env: BENCH_EVENTS, BENCH_BATCH (500), BENCH_IN_FLIGHT (8), BENCH_SPLIT=1,
 * BENCH_RATE (events/s offered, batches sent on that schedule; 0, the
 * default: each poster sends its next batch as soon as its last is answered),
 * BENCH_COPY_STREAMS (1), BENCH_TIMEOUT_S (900), BENCH_CPU_PROF=<dir>
 * (runs the service with --cpu-prof, profiles written there on exit),
 * BENCH_PER_VM (events per VM, 10), BENCH_ORDER (`shuffled`, the default, or
 * `time`: every event in time order, each VM's history arriving as it
 * happens; the workload is the shuffled one).
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { Pool } from 'pg';
import {
  ADMIN_KEY,
  BENCH_APPLICATION_NAME,
  type BenchDb,
  type Figures,
  freshDatabase,
  postPriceBook,
  progress,
  progressDone,
  REDIS_URL,
  report,
  type Service,
  startService,
} from './lib/harness';
import { BackendCpuMeter, cpuSecondsOf, machineCpu, redisServerPid } from './lib/procstat';
import {
  benchPrefix,
  dropRedisPrefix,
  envInt,
  percentile,
  Poster,
  profileEnv,
  runAsScript,
  sleep,
} from './lib/util';
import { type BenchEvent, COPY_COLUMNS, copyLine, previousMonth, vmWorkload } from './lib/workload';
import { COUNT_PENDING_RESOURCES } from '../src/rating/rating.repository';

/** The delay goal's figure (`run-all`'s goals and knee search, `ab`). */
export const DELAY_P99 = '202 → on statement p99 (ms)';

const POLL_MS = 100;
/** How often the progress line's count of waiting resources is refreshed. */
const COUNT_MS = 1000;

/** Writes the events' rows with raw COPY; answers rows/s (server-side write, commit included). */
export async function copyLimit(
  db: BenchDb,
  events: BenchEvent[],
  streams = 1,
): Promise<{ rows: number; seconds: number; rowsPerSecond: number }> {
  await db.pool.query('DROP TABLE IF EXISTS events_copy');
  await db.pool.query('CREATE TABLE events_copy (LIKE events INCLUDING ALL)');
  progress(`ingest/COPY: encoding ${events.length.toLocaleString()} rows…`);
  // Encoded before the clock starts: the limit is what the server can take.
  const parts: Buffer[][] = Array.from({ length: streams }, () => []);
  const per = Math.ceil(events.length / streams);
  for (let s = 0; s < streams; s++) {
    let chunk = '';
    for (const e of events.slice(s * per, (s + 1) * per)) {
      chunk += copyLine(e);
      if (chunk.length >= 256 * 1024) {
        parts[s].push(Buffer.from(chunk));
        chunk = '';
      }
    }
    if (chunk) parts[s].push(Buffer.from(chunk));
  }
  await db.pool.query('CHECKPOINT');
  progress(`ingest/COPY: copying ${events.length.toLocaleString()} rows…`);
  const started = performance.now();
  await Promise.all(
    parts.map(async (chunks) => {
      const client = await db.pool.connect();
      try {
        const sink = client.query(
          copyFrom(`COPY events_copy (${COPY_COLUMNS}) FROM STDIN (FORMAT text)`),
        );
        await pipeline(Readable.from(chunks), sink);
      } finally {
        client.release();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const {
    rows: [{ n }],
  } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events_copy');
  if (n !== events.length) throw new Error(`COPY wrote ${n} rows, expected ${events.length}`);
  await db.pool.query('CHECKPOINT');
  return { rows: n, seconds, rowsPerSecond: n / seconds };
}

interface Batch {
  body: Buffer;
  subjects: string[];
  sentAt?: number;
  ackAt?: number;
  /**
   * Per subject not yet seen rated far enough: the newest mark id read right
   * after the 202 (≥ the one this batch's commit wrote). The subject is
   * rated far enough once it has no mark up to that id left. Empty: the batch
   * is visible.
   */
  remaining?: Map<string, number>;
  requiredRead?: Promise<void>;
  visibleAt?: number;
}

/** CPU counters and the rating backlog when the last batch was answered: the drain's start. */
interface DrainStart {
  machine: ReturnType<typeof machineCpu>;
  service: number;
  pg: Promise<number>;
  waiting: Promise<number>;
}

/**
 * `rate`: events/s offered (BENCH_RATE when not given; 0 = as fast as
 * answered). `name`: where the figures go in bench/results/latest.json.
 * `order`: the arrival order (BENCH_ORDER when not given).
 */
export async function run(
  options: { rate?: number; name?: string; order?: 'shuffled' | 'time' } = {},
): Promise<Figures> {
  const total = envInt('BENCH_EVENTS', 100_000);
  const batchSize = envInt('BENCH_BATCH', 500);
  const inFlight = envInt('BENCH_IN_FLIGHT', 8);
  const offeredRate = options.rate ?? envInt('BENCH_RATE', 0);
  const copyStreams = envInt('BENCH_COPY_STREAMS', 1);
  const timeoutMs = envInt('BENCH_TIMEOUT_S', 900) * 1000;
  const split = process.env.BENCH_SPLIT === '1';
  const perVm = envInt('BENCH_PER_VM', 10);
  const order = options.order ?? process.env.BENCH_ORDER ?? 'shuffled';
  if (order !== 'shuffled' && order !== 'time') {
    throw new Error(`BENCH_ORDER must be shuffled or time, not ${order}`);
  }

  progress(`ingest: generating ${total.toLocaleString()} events…`);
  const runId = randomBytes(3).toString('hex');
  const workload = vmWorkload(total, { runId, tenants: 20, perVm, order });
  const batches: Batch[] = [];
  for (let i = 0; i < workload.events.length; i += batchSize) {
    const events = workload.events.slice(i, i + batchSize);
    batches.push({
      body: Buffer.from(JSON.stringify(events)),
      subjects: [...new Set(events.map((e) => e.subject))],
    });
  }

  const db = await freshDatabase();
  const prefix = benchPrefix();
  const services: Service[] = [];
  try {
    const copy = await copyLimit(db, workload.events, copyStreams);

    const env: Record<string, string> = { BULLMQ_PREFIX: prefix, ...profileEnv() };
    progress('ingest: starting the service…');
    if (split) {
      services.push(await startService(db, { ...env, ROLE: 'api' }));
      services.push(await startService(db, { ...env, ROLE: 'worker' }));
    } else {
      services.push(await startService(db, { ...env, ROLE: 'all' }));
    }
    const api = services[0];
    const progressSql = await ratingProgressSql(db.pool);
    const auth = { authorization: `Bearer ${ADMIN_KEY}` };
    await postPriceBook(api.baseUrl, previousMonth().start);
    // Bench-side queries, to take them out of the server's transaction count.
    let benchQueries = 0;
    const dbStats = async () => {
      benchQueries++;
      const {
        rows: [r],
      } = await db.pool.query<{ commits: string; updates: string }>(
        `SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) AS commits,
                (SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'resources') AS updates`,
      );
      return { commits: Number(r.commits), updates: Number(r.updates) };
    };
    /** Statistics reach pg_stat_* when a backend goes idle, up to ~10 s later: wait until they settle. */
    const settledStats = async () => {
      let prev = await dbStats();
      let same = 0;
      for (let i = 0; i < 20 && same < 3; i++) {
        await sleep(1000);
        const cur = await dbStats();
        same = cur.updates === prev.updates ? same + 1 : 0;
        prev = cur;
      }
      return prev;
    };
    progress('ingest: waiting for statistics to settle…');
    const statsBefore = await settledStats();
    benchQueries = 0;
    for (const s of services) s.resetPeak();
    const cpuBefore = services.map((s) => cpuSecondsOf(s.child.pid!));
    const pgMeter = new BackendCpuMeter(db.pool);
    // Where the rest of the machine's CPU goes: this process (load generator
    // and poller), its own PostgreSQL backends, Redis.
    const benchPgMeter = new BackendCpuMeter(db.pool, BENCH_APPLICATION_NAME);
    const redisPid = redisServerPid(Number(new URL(REDIS_URL).port || 6379));
    const redisCpuBefore = redisPid === null ? NaN : cpuSecondsOf(redisPid);
    const benchCpuBefore = process.cpuUsage();
    const machineBefore = machineCpu();

    // Posters: `inFlight` loops, each sending the next batch when its last is
    // answered (with BENCH_RATE, not before that batch's time on the schedule).
    const http = new Poster(inFlight);
    let next = 0;
    let accepted = 0;
    let duplicates = 0;
    let acked = 0;
    let failure: Error | null = null;
    const postMs: number[] = [];
    const started = performance.now();
    const deadline = started + timeoutMs;
    const readRequired = async (b: Batch) => {
      benchQueries++;
      const { rows } = await db.pool.query<{ subject: string; n: string }>(progressSql.required, [
        b.subjects,
      ]);
      b.remaining = new Map(rows.map((r) => [r.subject, Number(r.n)]));
      // no mark left: rated before this read
      if (b.remaining.size === 0) b.visibleAt = performance.now();
    };
    const poster = async () => {
      while (failure === null && next < batches.length && performance.now() < deadline) {
        const index = next++;
        const b = batches[index];
        if (offeredRate > 0) {
          const due = started + (index * batchSize * 1000) / offeredRate;
          if (due > performance.now()) await sleep(due - performance.now());
        }
        b.sentAt = performance.now();
        const res = await http.post(
          `${api.baseUrl}/v1/events`,
          { ...auth, 'content-type': 'application/cloudevents-batch+json' },
          b.body,
        );
        const text = res.text;
        if (res.status !== 202) throw new Error(`POST /v1/events answered ${res.status}: ${text}`);
        b.ackAt = performance.now();
        postMs.push(b.ackAt - b.sentAt);
        const answer = JSON.parse(text) as { accepted: number; duplicates: number };
        accepted += answer.accepted;
        duplicates += answer.duplicates;
        acked++;
        b.requiredRead = readRequired(b);
      }
    };
    const posting = Promise.all(
      Array.from({ length: inFlight }, () =>
        poster().catch((err: unknown) => {
          failure = err instanceof Error ? err : new Error(String(err));
        }),
      ),
    ).then(() => performance.now());

    // Poller: whether any resource waits every 100 ms (the count of them, for
    // the progress line, every second: counting is not free, and every query
    // the bench sends takes CPU from the service under test); which answered batches are fully
    // rated every 100 ms while the oldest waiting batch is young, then every
    // 1/20 of its age (at most 2 s), so a backlog does not turn the poller
    // into load (the delay figures keep a resolution of max(100 ms, 5 %)).
    let postedAt: number | null = null;
    let atPosted: DrainStart | null = null;
    void posting.then((t) => {
      http.close();
      postedAt = t;
      atPosted = {
        machine: machineCpu(),
        service: services.reduce((sum, s) => sum + cpuSecondsOf(s.child.pid!), 0),
        pg: pgMeter.seconds().catch(() => NaN),
        waiting: db.pool
          .query<{ n: number }>(progressSql.waiting)
          .then((r) => r.rows[0].n)
          .catch(() => NaN),
      };
    });
    let dirty = -1;
    let countedAt = 0;
    let ratedAt: number | null = null;
    let nextVisibilityCheck = 0;
    const markVisible = (b: Batch, at: number) => {
      b.visibleAt = at;
      b.remaining = new Map();
    };
    for (;;) {
      const tick = performance.now();
      benchQueries++;
      if (tick > deadline) throw new Error(`ingest did not finish within ${timeoutMs / 1000} s`);
      if (failure) throw failure as Error;
      const {
        rows: [row],
      } = await db.pool.query<{ any: boolean }>(progressSql.anyWaiting);
      await pgMeter.sample();
      await benchPgMeter.sample();
      const checkedAt = performance.now();
      if (postedAt !== null && !row.any) {
        // Every event committed before the check is rated: every batch is visible by now.
        await Promise.all(batches.map((b) => b.requiredRead ?? Promise.resolve()));
        for (const b of batches) if (b.visibleAt === undefined) markVisible(b, checkedAt);
        ratedAt = checkedAt;
        break;
      }
      if (tick >= countedAt + COUNT_MS) {
        benchQueries++;
        dirty = (await db.pool.query<{ n: number }>(progressSql.waiting)).rows[0].n;
        countedAt = tick;
      }
      const waiting = batches.filter((b) => b.remaining && b.visibleAt === undefined);
      if (waiting.length > 0 && tick >= nextVisibilityCheck) {
        const subjects = [...new Set(waiting.flatMap((b) => [...b.remaining!.keys()]))];
        benchQueries++;
        const { rows } = await db.pool.query<{ subject: string; n: string }>(progressSql.check, [
          subjects,
        ]);
        const seen = performance.now();
        const checked = new Map(rows.map((r) => [r.subject, Number(r.n)]));
        for (const b of waiting) {
          for (const [subject, required] of b.remaining!)
            if (progressSql.rated(checked.get(subject), required)) b.remaining!.delete(subject);
          if (b.remaining!.size === 0) markVisible(b, seen);
        }
        const oldest = Math.min(
          ...batches
            .filter((b) => b.ackAt !== undefined && b.visibleAt === undefined)
            .map((b) => b.ackAt!),
        );
        const age = Number.isFinite(oldest) ? seen - oldest : 0;
        nextVisibilityCheck = tick + Math.min(2000, Math.max(POLL_MS, age / 20));
      }
      const visible = batches.filter((b) => b.visibleAt !== undefined).length;
      const elapsed = (performance.now() - started) / 1000;
      progress(
        `ingest: ${(acked * batchSize).toLocaleString()}/${total.toLocaleString()} events answered ` +
          `(${Math.round(accepted / elapsed).toLocaleString()}/s), ${dirty.toLocaleString()} resources to rate, ` +
          `${visible}/${batches.length} batches visible, ${elapsed.toFixed(1)} s`,
      );
      await sleep(Math.max(0, POLL_MS - (performance.now() - tick)));
    }
    progressDone();
    const lastAck = Math.max(...batches.map((b) => b.ackAt!));
    const cpu = services.map((s, i) => cpuSecondsOf(s.child.pid!) - cpuBefore[i]);
    const machineAfter = machineCpu();
    const serviceCpuNow = services.reduce((sum, s) => sum + cpuSecondsOf(s.child.pid!), 0);
    const pgCpu = await pgMeter.seconds();
    const benchPgCpu = await benchPgMeter.seconds();
    const benchCpuUsed = process.cpuUsage(benchCpuBefore);
    const benchCpu = (benchCpuUsed.user + benchCpuUsed.system) / 1e6;
    const redisCpu = redisPid === null ? NaN : cpuSecondsOf(redisPid) - redisCpuBefore;
    const drain = atPosted as DrainStart | null; // set in a callback, so not narrowed
    const drainServiceCpu = drain ? serviceCpuNow - drain.service : NaN;
    const drainPgCpu = drain ? pgCpu - (await drain.pg) : NaN;
    const waitingAtLastAck = drain ? await drain.waiting : NaN;
    if (accepted + duplicates !== workload.events.length || duplicates !== 0)
      throw new Error(
        `accepted ${accepted}, duplicates ${duplicates} of ${workload.events.length}`,
      );

    progress('ingest: waiting for statistics to settle…');
    const statsAfter = await settledStats();
    // every rating updates its resource's row once; ingest only inserts (before
    // the rating marks it upserted a row once per (batch, resource): an insert
    // the first time, an update after)
    const ingestUpdates = progressSql.ingestUpdatesResources
      ? batches.reduce((sum, b) => sum + b.subjects.length, 0) - workload.vms.length
      : 0;
    const ratings = statsAfter.updates - statsBefore.updates - ingestUpdates;
    const acceptSeconds = (lastAck - started) / 1000;
    const e2eSeconds = (ratedAt - started) / 1000;
    const delays = batches.map((b) => b.visibleAt! - b.ackAt!);
    const e2eRate = accepted / e2eSeconds;
    const acceptRate = accepted / acceptSeconds;
    const wall = machineAfter.total - machineBefore.total;
    const figures: Figures = {
      events: accepted,
      VMs: workload.vms.length,
      'events per VM': perVm,
      'arrival order': order,
      tenants: 20,
      'batch size': batchSize,
      'requests in flight': inFlight,
      'offered rate (events/s, 0 = as fast as answered)': offeredRate,
      service: split ? 'api + worker (2 processes)' : 'ROLE=all (1 process)',
      'COPY limit (rows/s)': copy.rowsPerSecond,
      'COPY seconds': copy.seconds,
      'accepted (events/s)': acceptRate,
      'accepted: seconds to the last 202': acceptSeconds,
      'end to end (events/s)': e2eRate,
      'end to end: seconds to all rated': e2eSeconds,
      'end to end / COPY (headline)': e2eRate / copy.rowsPerSecond,
      'end to end, % of COPY': (100 * e2eRate) / copy.rowsPerSecond,
      'accepted / COPY': acceptRate / copy.rowsPerSecond,
      'rating drain after last 202 (s)': (ratedAt - lastAck) / 1000,
      '202 → on statement p50 (ms)': percentile(delays, 50),
      [DELAY_P99]: percentile(delays, 99),
      '202 → on statement max (ms)': percentile(delays, 100),
      'ratings (resource re-rated)': ratings,
      'ratings per event': ratings / accepted,
      'service DB transactions (approx.)':
        statsAfter.commits -
        statsBefore.commits -
        benchQueries -
        pgMeter.queries -
        benchPgMeter.queries,
      'POST latency p50 (ms)': percentile(postMs, 50),
      'POST latency p99 (ms)': percentile(postMs, 99),
      ...Object.fromEntries(
        services.flatMap((s, i) => {
          const name = split ? (i === 0 ? 'api' : 'worker') : 'service';
          return [
            [`${name} CPU seconds`, cpu[i]],
            [`${name} peak RSS (MB)`, s.peakRss() / 2 ** 20],
          ];
        }),
      ),
      'PostgreSQL CPU s (service backends)': pgCpu,
      'service + its PostgreSQL CPU µs per event':
        ((cpu.reduce((a, b) => a + b, 0) + pgCpu) * 1e6) / accepted,
      'bench process CPU s (load generator, poller)': benchCpu,
      'PostgreSQL CPU s (bench backends)': benchPgCpu,
      'Redis CPU s': redisCpu,
      'other busy CPU s (PostgreSQL background, kernel, other processes)':
        machineAfter.busy -
        machineBefore.busy -
        cpu.reduce((a, b) => a + b, 0) -
        pgCpu -
        benchCpu -
        benchPgCpu -
        (Number.isNaN(redisCpu) ? 0 : redisCpu),
      'machine CPU busy (% of 2 cores)': (100 * (machineAfter.busy - machineBefore.busy)) / wall,
      'machine CPU busy in the drain (% of 2 cores)': drain
        ? (100 * (machineAfter.busy - drain.machine.busy)) /
          (machineAfter.total - drain.machine.total)
        : NaN,
      'resources waiting for a rating at the last 202': waitingAtLastAck,
      'drain: service CPU s': drainServiceCpu,
      'drain: PostgreSQL CPU s': drainPgCpu,
      'drain: service + PostgreSQL CPU µs per waiting resource':
        ((drainServiceCpu + drainPgCpu) * 1e6) / waitingAtLastAck,
      'of which hypervisor steal (% of 2 cores)':
        (100 * (machineAfter.steal - machineBefore.steal)) / wall,
    };
    report(options.name ?? 'ingest', figures);
    return figures;
  } finally {
    progressDone();
    for (const s of services.reverse()) await s.stop();
    await db.drop();
    await dropRedisPrefix(prefix);
  }
}

runAsScript(module, () => run());

/**
 * How the bench sees rating progress, for either schema (so `bench:ab` can
 * run one bench against revisions before and after the rating marks):
 * `waiting` counts resources waiting for rating; `required` is read right
 * after a batch's `202` for its subjects; `check` polls the same subjects,
 * and `rated(checked, required)` says a subject is rated far enough.
 */
async function ratingProgressSql(pool: Pool) {
  const { rows } = await pool.query<{ marks: boolean }>(
    `SELECT to_regclass('rating_marks') IS NOT NULL AS marks`,
  );
  if (rows[0].marks)
    return {
      anyWaiting: 'SELECT EXISTS (SELECT FROM rating_marks) AS any',
      waiting: COUNT_PENDING_RESOURCES,
      // the newest mark id (≥ the one the batch's commit wrote); no row: rated already
      // One index probe per subject of the batch (~490): `subject = ANY($1)`
      // was planned as a scan of every mark, which grows with the backlog
      // (90 ms a call in a 500,000-event run: a fifth of the machine, and the
      // bench shares the cores it measures).
      required: `SELECT u.subject, m.n FROM unnest($1::text[]) AS u(subject)
                   CROSS JOIN LATERAL (SELECT max(id)::text AS n FROM rating_marks m
                                        WHERE m.resource_type = 'vm' AND m.subject = u.subject) AS m
                  WHERE m.n IS NOT NULL`,
      // rated far enough once no mark up to that id is left (the subjects of
      // every waiting batch, up to tens of thousands: there one scan of the
      // marks beats a probe per subject, 148 against 229 ms a call)
      check: `SELECT subject, min(id)::text AS n FROM rating_marks
               WHERE resource_type = 'vm' AND subject = ANY($1) GROUP BY subject`,
      rated: (oldest: number | undefined, required: number) => (oldest ?? Infinity) > required,
      ingestUpdatesResources: false,
    };
  return {
    anyWaiting: 'SELECT EXISTS (SELECT FROM resources WHERE dirty_since IS NOT NULL) AS any',
    waiting: 'SELECT count(*)::int AS n FROM resources WHERE dirty_since IS NOT NULL',
    // change_seq (≥ the one the batch's commit set)
    required: `SELECT subject, change_seq::text AS n FROM resources
                WHERE resource_type = 'vm' AND subject = ANY($1)`,
    // rated far enough once rated_seq reaches it
    check: `SELECT subject, rated_seq::text AS n FROM resources
             WHERE resource_type = 'vm' AND subject = ANY($1)`,
    rated: (ratedSeq: number | undefined, required: number) => (ratedSeq ?? 0) >= required,
    ingestUpdatesResources: true,
  };
}
