import { Client } from 'pg';
import {
  check,
  EventSource,
  Load,
  PERIOD,
  sleep,
  startCluster,
  ADMIN_KEY,
  type Cluster,
  type Verdict,
} from './harness';
import { COUNT_PENDING_RESOURCES } from '../../src/rating/rating.repository';

interface Row extends Verdict {
  scenario: string;
  recoverySeconds: number;
  setupSeconds: number;
  checkSeconds: number;
}
const rows: Row[] = [];

/**
 * Runs one scenario: a cluster, a steady load, the fault, more load, then the
 * checker. `fault` returns the instant the service was healthy again.
 */
async function scenario(
  name: string,
  setup: Parameters<typeof startCluster>[0],
  fault: (c: Cluster, load: Load) => Promise<number | void>,
  opts: { resendRatio?: number; before?: number; after?: number } = {},
): Promise<Row> {
  const t0 = Date.now();
  const cluster = await startCluster(setup);
  const setupSeconds = (Date.now() - t0) / 1000;
  const source = new EventSource();
  const load = new Load(() => cluster.apiUrls(), source, { resendRatio: opts.resendRatio });
  try {
    load.start();
    await sleep(opts.before ?? 3000);
    const injected = Date.now();
    const healed = (await fault(cluster, load)) ?? Date.now();
    await sleep(opts.after ?? 3000);
    await load.stop();
    const firstAck = load.stats.firstAckAfter(healed) ?? healed;
    const t1 = Date.now();
    const verdict = await check(cluster, source, load.stats);
    const checkSeconds = (Date.now() - t1) / 1000;
    if (verdict.details.length > 0)
      // the services' own words (LOG_LEVEL=error), for whoever reads a red run
      for (const [role, procs] of [
        ['api', cluster.apis],
        ['worker', cluster.workers],
      ] as const)
        procs.forEach((p, i) =>
          process.stderr.write(
            `[faults] ${name}: ${role} ${i} output (last 4,000 characters):\n${p.output().slice(-4000)}\n`,
          ),
        );
    const row = {
      scenario: name,
      ...verdict,
      recoverySeconds: Math.max(0, firstAck - injected) / 1000,
      setupSeconds,
      checkSeconds,
    };
    rows.push(row);
    process.stderr.write(`[faults] ${JSON.stringify(row)}\n`);
    return row;
  } finally {
    await load.stop().catch(() => undefined);
    await cluster.stop();
  }
}

const expectClean = (row: Row) => {
  expect({
    lost: row.lost,
    duplicated: row.duplicated,
    unexpected: row.unexpected,
    statementMismatches: row.statementMismatches,
    details: row.details,
  }).toEqual({
    lost: 0,
    duplicated: 0,
    unexpected: 0,
    statementMismatches: 0,
    details: [],
  });
  expect(row.acknowledged).toBeGreaterThan(100);
};

const activeRatingJobs = async (c: Cluster) => {
  const db = new Client({ connectionString: c.pg.url });
  await db.connect();
  try {
    return (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = 4711020 AND granted`,
      )
    ).rows[0].n;
  } finally {
    await db.end();
  }
};

async function until(what: string, cond: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('fault scenarios', () => {
  afterAll(() => {
    const header = [
      'scenario',
      'acknowledged',
      'lost',
      'duplicated',
      'unexpected',
      'statement mismatches',
      'recovery s',
      'setup s',
      'settle+check s',
    ];
    const table = [
      header,
      ...rows.map((r) =>
        [
          r.scenario,
          r.acknowledged,
          r.lost,
          r.duplicated,
          r.unexpected,
          r.statementMismatches,
          r.recoverySeconds.toFixed(1),
          r.setupSeconds.toFixed(1),
          r.checkSeconds.toFixed(1),
        ].map(String),
      ),
    ];
    const widths = header.map((_, i) => Math.max(...table.map((r) => r[i].length)));
    const text = table.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n');
    process.stdout.write(`\nFault scenarios (period ${PERIOD}):\n${text}\n`);
  });

  it('1. SIGKILL a worker in the middle of a rating job', async () => {
    const row = await scenario(
      '1 SIGKILL worker mid-job',
      { workerEnv: { RATING_FAULT_DELAY_MS: '400' } },
      async (c) => {
        await until('a rating in progress', async () => (await activeRatingJobs(c)) > 0);
        await c.workers[0].stop('SIGKILL');
        await c.startWorker({ RATING_FAULT_DELAY_MS: '0' });
      },
    );
    expectClean(row);
  });

  it('2. SIGKILL a worker between the rating commit and the job acknowledgement', async () => {
    const row = await scenario(
      '2 SIGKILL worker after commit',
      { workerEnv: { RATING_FAULT_ACK_DELAY_MS: '5000' } },
      async (c) => {
        const db = new Client({ connectionString: c.pg.url });
        await db.connect();
        await until(
          'a committed rating',
          async () =>
            (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM rating_runs')).rows[0]
              .n > 0,
        );
        await db.end();
        await c.workers[0].stop('SIGKILL');
        await c.startWorker({ RATING_FAULT_ACK_DELAY_MS: '0' });
      },
    );
    expectClean(row);
  });

  it('3. SIGTERM a worker with a long job running: it drains and exits, nothing stalls', async () => {
    let exitCode: number | null = null;
    let drainMs = 0;
    const row = await scenario(
      '3 SIGTERM worker, long job',
      { workerEnv: { RATING_FAULT_DELAY_MS: '3000' } },
      async (c) => {
        await until('a rating in progress', async () => (await activeRatingJobs(c)) > 0);
        const started = Date.now();
        exitCode = await c.workers[0].stop('SIGTERM');
        drainMs = Date.now() - started;
        // the job it was running finished: no rating lock left behind
        expect(await activeRatingJobs(c)).toBe(0);
        await c.startWorker({ RATING_FAULT_DELAY_MS: '0' });
      },
    );
    expect(exitCode).toBe(0);
    expect(drainMs).toBeLessThan(25_000);
    expectClean(row);
  });

  it('4. SIGTERM an api process under load: no 5xx after the drain', async () => {
    let terminatedUrl = '';
    let serverErrors: { url: string; status: number }[] = [];
    const row = await scenario('4 SIGTERM api under load', { apis: 2 }, async (c, load) => {
      terminatedUrl = `http://127.0.0.1:${c.apis[1].port}`;
      const code = await c.apis[1].stop('SIGTERM');
      expect(code).toBe(0);
      serverErrors = load.stats.serverErrors;
    });
    // the drained replica answered no 5xx: readiness went red first, in-flight requests finished
    expect(serverErrors).toEqual([]);
    expect(row.details).toEqual([]);
    expectClean(row);
    expect(terminatedUrl).not.toBe('');
  });

  it('5. Redis shut down and restarted', async () => {
    const row = await scenario('5 Redis restart', {}, async (c) => {
      await c.redis.shutdown();
      await sleep(3000); // ingest keeps answering 202: events are in PostgreSQL
      await c.redis.start();
      return Date.now();
    });
    expectClean(row);
  });

  it('6. Redis paused for 20 s (SIGSTOP)', async () => {
    const row = await scenario('6 Redis paused 20 s', {}, async (c) => {
      c.redis.signal('SIGSTOP');
      await sleep(20_000);
      c.redis.signal('SIGCONT');
      return Date.now();
    });
    expectClean(row);
  });

  it('7. PostgreSQL switchover (fast stop, promote the standby, repoint)', async () => {
    const row = await scenario('7 PG switchover', {}, async (c) => {
      await c.pg.failover('fast');
      return Date.now();
    });
    expectClean(row);
  });

  it('8. PostgreSQL crash failover (immediate) with synchronous replication', async () => {
    const row = await scenario('8 PG crash failover', {}, async (c) => {
      await c.pg.failover('immediate');
      return Date.now();
    });
    expectClean(row);
  });

  it('9. a hung primary (SIGSTOP): timeouts fire, readiness goes red, nothing hangs', async () => {
    const answered: number[] = [];
    let readyDuringHang = 0;
    const row = await scenario('9 PG hung primary', {}, async (c) => {
      c.pg.primary.signal('SIGSTOP');
      const url = c.apiUrls()[0];
      await sleep(1000);
      // readiness goes red within its 2 s check
      const ready = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(5000) });
      readyDuringHang = ready.status;
      // a read answers (503) within the statement timeout instead of hanging
      const started = Date.now();
      const res = await fetch(`${url}/v1/tenants/f-t0/statements/${PERIOD}`, {
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
        signal: AbortSignal.timeout(30_000),
      });
      answered.push(res.status, Date.now() - started);
      await sleep(5000);
      c.pg.primary.signal('SIGCONT');
      return Date.now();
    });
    expect(readyDuringHang).toBe(503);
    expect(answered[0]).toBe(503);
    expect(answered[1]).toBeLessThan(20_000);
    expectClean(row);
  });

  it('10. a duplicate storm: 10% resends, including events whose jobs are long gone', async () => {
    let resends = 0;
    let reported = 0;
    const row = await scenario(
      '10 duplicate storm 10%',
      {},
      async (_c, load) => {
        await sleep(4000);
        resends = load.stats.resends;
        reported = load.stats.duplicatesReported;
      },
      { resendRatio: 0.1, before: 4000 },
    );
    expect(resends).toBeGreaterThan(5);
    expect(reported).toBeGreaterThanOrEqual(resends * 20);
    expectClean(row);
  });

  it('11. two replicas finalizing the same period at once', async () => {
    let answers: { status: number; body: string }[] = [];
    const row = await scenario(
      '11 two replicas finalize',
      { apis: 2 },
      async (c, load) => {
        await load.stop(); // the period must be fully rated before it can be finalized
        const db = new Client({ connectionString: c.pg.url });
        await db.connect();
        await until(
          'rating to settle',
          async () => (await db.query<{ n: number }>(COUNT_PENDING_RESOURCES)).rows[0].n === 0,
          60_000,
        );
        answers = await Promise.all(
          c.apiUrls().map(async (url) => {
            const res = await fetch(`${url}/v1/periods/${PERIOD}/finalize`, {
              method: 'POST',
              headers: { authorization: `Bearer ${ADMIN_KEY}` },
            });
            return { status: res.status, body: await res.text() };
          }),
        );
        const numbers = (
          await db.query<{ number: string }>('SELECT number FROM invoices ORDER BY seq')
        ).rows.map((r) => r.number);
        await db.end();
        expect(numbers).toEqual(numbers.map((_, i) => `INV-${String(i + 1).padStart(6, '0')}`));
      },
      { after: 0 },
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers[0].body).toBe(answers[1].body);
    expectClean(row);
  });

  it('13. every service connection reset again and again (pg_terminate_backend), mid-transaction', async () => {
    let resets = 0;
    const row = await scenario('13 connections reset repeatedly', {}, async (c) => {
      // what a proxy restart or a network blip does to transactions in
      // flight: ingest and rating lose their connection at any statement
      const db = new Client({ connectionString: c.pg.url });
      await db.connect();
      try {
        const until = Date.now() + 8000;
        while (Date.now() < until) {
          const { rowCount } = await db.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()
                AND backend_type = 'client backend'`,
          );
          resets += rowCount ?? 0;
          await sleep(100 + Math.random() * 300);
        }
      } finally {
        await db.end();
      }
      return Date.now();
    });
    expect(resets).toBeGreaterThan(20);
    expectClean(row);
  });

  it('12. the Redis primary killed under Sentinel: the replica is promoted, the service follows', async () => {
    let promoted = 0;
    let firstPrimary = 0;
    const row = await scenario(
      '12 Redis primary killed (Sentinel)',
      { redisSentinel: true },
      async (c) => {
        const group = c.sentinel!;
        firstPrimary = group.currentPrimaryPort();
        await group.primary.stop(); // SIGKILL: no shutdown, no last AOF write
        await until(
          'Sentinel to promote the replica',
          async () => group.currentPrimaryPort() === group.replica.port,
        );
        promoted = group.currentPrimaryPort();
        return Date.now();
      },
    );
    expect(firstPrimary).not.toBe(promoted);
    expectClean(row);
  });
});
