/**
 * Rating a backlog, alone: what the ingest bench's drain costs, without
 * ingest competing for the cores.
 *
 * 1. The ingest workload (BENCH_EVENTS, default 100,000: VMs with ~10
 *    lifecycle events each, shuffled, 20 tenants) is posted to an api-only
 *    service (ROLE=api): stored and marked, nothing rated. Rating jobs wait
 *    in Redis.
 * 2. A worker (ROLE=worker) starts. From its spawn until no resource waits
 *    (polled every 50 ms): wall time, the worker's CPU, PostgreSQL's CPU (the
 *    service's backends) and the machine's, per resource rated.
 *
 * Env: BENCH_EVENTS, BENCH_CPU_PROF=<dir> (profiles the worker).
 * Prints "rating-drain: the worker starts" when the drain begins, for an
 * outside profiler (`perf record`) to start on.
 */
import { randomBytes } from 'node:crypto';
import {
  ADMIN_KEY,
  freshDatabase,
  postPriceBook,
  progress,
  progressDone,
  report,
  type Service,
  startService,
} from './lib/harness';
import { BackendCpuMeter, cpuSecondsOf, machineCpu } from './lib/procstat';
import {
  benchPrefix,
  dropRedisPrefix,
  envInt,
  Poster,
  profileEnv,
  runAsScript,
  sleep,
} from './lib/util';
import { previousMonth, vmWorkload } from './lib/workload';
import { COUNT_PENDING_RESOURCES } from '../src/rating/rating.repository';

const BATCH = 500;
const IN_FLIGHT = 8;
const POLL_MS = 50;
/** How often the progress line's count of waiting resources is refreshed. */
const COUNT_MS = 500;

export async function run(): Promise<void> {
  const total = envInt('BENCH_EVENTS', 100_000);
  const timeoutMs = envInt('BENCH_TIMEOUT_S', 900) * 1000;
  progress(`rating-drain: generating ${total.toLocaleString()} events…`);
  const workload = vmWorkload(total, {
    runId: randomBytes(3).toString('hex'),
    tenants: 20,
    perVm: 10,
  });
  const bodies: Buffer[] = [];
  for (let i = 0; i < workload.events.length; i += BATCH)
    bodies.push(Buffer.from(JSON.stringify(workload.events.slice(i, i + BATCH))));

  const db = await freshDatabase();
  const prefix = benchPrefix();
  const services: Service[] = [];
  try {
    progress('rating-drain: starting the api…');
    const api = await startService(db, { BULLMQ_PREFIX: prefix, ROLE: 'api' });
    services.push(api);
    const auth = { authorization: `Bearer ${ADMIN_KEY}` };
    await postPriceBook(api.baseUrl, previousMonth().start);

    // Phase 1 is also the accept path alone (nothing is rated): its rate and
    // its cost per event, the part of the ingest bench's figures that rating
    // does not explain.
    const acceptPg = new BackendCpuMeter(db.pool);
    await acceptPg.sample();
    const apiCpuBefore = cpuSecondsOf(api.child.pid!);
    const acceptMachineBefore = machineCpu();
    const acceptStarted = performance.now();
    let next = 0;
    const http = new Poster(IN_FLIGHT);
    const poster = async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const { status, text } = await http.post(
          `${api.baseUrl}/v1/events`,
          { ...auth, 'content-type': 'application/cloudevents-batch+json' },
          body,
        );
        if (status !== 202) throw new Error(`POST /v1/events answered ${status}: ${text}`);
        progress(`rating-drain: posted ${Math.min(next * BATCH, total).toLocaleString()} events…`);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, poster));
    const acceptSeconds = (performance.now() - acceptStarted) / 1000;
    const acceptMachine = machineCpu();
    const acceptApiCpu = cpuSecondsOf(api.child.pid!) - apiCpuBefore;
    const acceptPgCpu = await acceptPg.seconds();
    http.close();
    const waitingCount = async () =>
      (await db.pool.query<{ n: number }>(COUNT_PENDING_RESOURCES)).rows[0].n;
    const anyWaiting = async () =>
      (await db.pool.query<{ any: boolean }>('SELECT EXISTS (SELECT FROM rating_marks) AS any'))
        .rows[0].any;
    const waiting = await waitingCount();
    const { rows: eventRows } = await db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM events',
    );
    // What a worker's boot costs, to take it out of the per-resource figure:
    // one started on an empty database and queue, until it is ready and idle.
    progress('rating-drain: measuring a worker boot…');
    const emptyDb = await freshDatabase();
    const idlePrefix = benchPrefix();
    let bootCpu = NaN;
    try {
      const idle = await startService(emptyDb, { BULLMQ_PREFIX: idlePrefix, ROLE: 'worker' });
      try {
        await sleep(500);
        bootCpu = cpuSecondsOf(idle.child.pid!);
      } finally {
        await idle.stop();
      }
    } finally {
      await emptyDb.drop();
      await dropRedisPrefix(idlePrefix);
    }
    await sleep(2000); // let the api's backends go idle

    progressDone();
    console.log('rating-drain: the worker starts');
    const pgMeter = new BackendCpuMeter(db.pool);
    await pgMeter.sample();
    const machineBefore = machineCpu();
    const started = performance.now();
    const deadline = started + timeoutMs;
    const workerStart = startService(db, {
      BULLMQ_PREFIX: prefix,
      ROLE: 'worker',
      ...profileEnv(),
    });
    // Polled every 50 ms whether any resource waits; counted (for the progress
    // line) only every COUNT_MS: the bench's queries take CPU from the worker.
    let left = waiting;
    let countedAt = performance.now();
    for (;;) {
      if (performance.now() > deadline)
        throw new Error(`rating did not finish within ${timeoutMs / 1000} s`);
      await sleep(POLL_MS);
      if (!(await anyWaiting())) break;
      await pgMeter.sample();
      if (performance.now() >= countedAt + COUNT_MS) {
        left = await waitingCount();
        countedAt = performance.now();
      }
      progress(
        `rating-drain: ${left.toLocaleString()} of ${waiting.toLocaleString()} resources waiting, ` +
          `${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    const seconds = (performance.now() - started) / 1000;
    const machine = machineCpu();
    const worker = await workerStart;
    services.push(worker);
    const workerCpu = cpuSecondsOf(worker.child.pid!);
    const pgCpu = await pgMeter.seconds();
    progressDone();

    report('rating-drain', {
      events: eventRows[0].n,
      'accept path alone (api only, nothing rated): events/s': eventRows[0].n / acceptSeconds,
      'accept path alone: api CPU µs per event': (acceptApiCpu * 1e6) / eventRows[0].n,
      'accept path alone: PostgreSQL CPU µs per event': (acceptPgCpu * 1e6) / eventRows[0].n,
      'accept path alone: machine CPU busy (% of 2 cores)':
        (100 * (acceptMachine.busy - acceptMachineBefore.busy)) /
        (acceptMachine.total - acceptMachineBefore.total),
      'resources waiting at the start': waiting,
      'seconds from the worker spawn to all rated': seconds,
      'resources/s': waiting / seconds,
      'worker CPU s (boot included)': workerCpu,
      'worker boot CPU s (an idle worker, measured apart)': bootCpu,
      'PostgreSQL CPU s (service backends)': pgCpu,
      'worker CPU µs per resource (boot excluded)': ((workerCpu - bootCpu) * 1e6) / waiting,
      'PostgreSQL CPU µs per resource': (pgCpu * 1e6) / waiting,
      'machine CPU busy (% of 2 cores)':
        (100 * (machine.busy - machineBefore.busy)) / (machine.total - machineBefore.total),
    });
  } finally {
    progressDone();
    for (const s of services.reverse()) await s.stop();
    await db.drop();
    await dropRedisPrefix(prefix);
  }
}

runAsScript(module, run);
