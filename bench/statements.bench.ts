/**
 * Statement reads: `GET /v1/tenants/{id}/statements/{period}` for a tenant
 * with BENCH_STATEMENT_RESOURCES (default 10,000) VMs in the previous month,
 * under BENCH_READERS (default 50) concurrent readers for BENCH_READ_SECONDS
 * (default 10) or at most BENCH_READ_MAX requests (default 100,000), admin key.
 * Three measured phases: `accept-encoding: gzip` (as a browser sends it),
 * `identity` (the JSON as is), then revalidation (`If-None-Match` with the
 * gzip answer's ETag, as a browser holding it does: 304, no body).
 *
 * The data is written directly with SQL, not through ingest and rating: the
 * resources rows (rated, clean) and BENCH_STATEMENT_INTERVALS (default 3)
 * contiguous rated intervals per VM, priced by the global price book posted
 * through the API (weights and hourly rates as the core computes them). The
 * service runs as ROLE=api: nothing re-rates these rows. Also reports the
 * first (cold) answer, the latency of one reader alone, both sizes, and
 * EXPLAIN ANALYZE of the intervals query.
 *
 * Latency is the server's as a client sees it: from sending the request to
 * the LAST byte of the answer, bodies counted but never decoded (fetch would
 * gunzip each one on the client's share of the same 2 cores). The first
 * answers (node:http) are decoded and checked to be the whole statement;
 * the measured phases use one lean keep-alive connection per reader
 * (lib/lean-http: one reused read buffer, no HTTP parser per chunk), because
 * node:http spent about as much CPU receiving a 1.2 MB answer as the service
 * spent sending it, on the same 2 cores. The client's own CPU is reported.
 */
import { Agent, request } from 'node:http';
import { LeanHttpConnection } from './lib/lean-http';
import { gunzipSync } from 'node:zlib';
import { Decimal } from '../src/rating/core/decimal';
import {
  ADMIN_KEY,
  freshDatabase,
  postPriceBook,
  progress,
  progressDone,
  report,
  startService,
} from './lib/harness';
import { BackendCpuMeter, cpuSecondsOf, machineCpu } from './lib/procstat';
import {
  benchPrefix,
  dropRedisPrefix,
  envInt,
  percentile,
  prng,
  profileEnv,
  runAsScript,
} from './lib/util';
import { previousMonth, TEMPLATES } from './lib/workload';

const TEMPLATE_WEIGHT: Record<string, string> = { normal: '1', standard: '2', enhanced: '4' };
const STATE_WEIGHT: Record<string, string> = { running: '1', suspended: '0.3', stopped: '0.1' };
const STATES = ['running', 'running', 'running', 'stopped', 'suspended'] as const;
const TENANT = 'bench-tenant-big';

export async function run(): Promise<void> {
  const resources = envInt('BENCH_STATEMENT_RESOURCES', 10_000);
  const perResource = envInt('BENCH_STATEMENT_INTERVALS', 3);
  const readers = envInt('BENCH_READERS', 50);
  const readMs = envInt('BENCH_READ_SECONDS', 10) * 1000;
  const readMax = envInt('BENCH_READ_MAX', 100_000);
  const month = previousMonth();
  const db = await freshDatabase();
  const prefix = benchPrefix();
  try {
    const service = await startService(db, { ROLE: 'api', BULLMQ_PREFIX: prefix, ...profileEnv() });
    try {
      const auth = { authorization: `Bearer ${ADMIN_KEY}` };
      const bookId = await postPriceBook(service.baseUrl, month.start);

      progress(`statements: writing ${resources.toLocaleString()} resources…`);
      const random = prng(7);
      const subjects = Array.from({ length: resources }, (_, i) => `vm-big-${i}`);
      await db.pool.query(
        `INSERT INTO resources (resource_type, subject, tenant_id, rated_seq, rated_at)
         SELECT 'vm', s, $2, 1, now() FROM unnest($1::text[]) AS s`,
        [subjects, TENANT],
      );
      const cols = {
        subject: [] as string[],
        from: [] as string[],
        to: [] as (string | null)[],
        template: [] as string[],
        state: [] as string[],
        weight: [] as string[],
        rate: [] as string[],
        opened: [] as string[],
        closed: [] as (string | null)[],
      };
      for (const subject of subjects) {
        // perResource + 1 distinct instants: the last ends the VM, or it runs on (to_at NULL)
        const start = month.start + Math.floor(random() * 5 * 86_400_000);
        const times = new Set<number>([start]);
        while (times.size < perResource + 1)
          times.add(start + 1 + Math.floor(random() * (month.end - start - 1)));
        const bounds: (number | null)[] = [...times].sort((a, b) => a - b);
        if (random() < 0.5) bounds[perResource] = null;
        for (let k = 0; k < perResource; k++) {
          const template = TEMPLATES[Math.floor(random() * TEMPLATES.length)];
          const state = STATES[Math.floor(random() * STATES.length)];
          const weight = new Decimal(TEMPLATE_WEIGHT[template]).times(STATE_WEIGHT[state]);
          const to = bounds[k + 1];
          cols.subject.push(subject);
          cols.from.push(new Date(bounds[k]!).toISOString());
          cols.to.push(to === null ? null : new Date(to).toISOString());
          cols.template.push(template);
          cols.state.push(state);
          cols.weight.push(weight.toString());
          cols.rate.push(weight.times('0.02').toString());
          cols.opened.push(`${subject}-${k}`);
          cols.closed.push(to === null ? null : `${subject}-${k + 1}`);
        }
      }
      progress(`statements: writing ${cols.subject.length.toLocaleString()} rated intervals…`);
      for (let i = 0; i < cols.subject.length; i += 10_000) {
        const sl = <T>(xs: T[]) => xs.slice(i, i + 10_000);
        await db.pool.query(
          `INSERT INTO rated_intervals (resource_type, subject, tenant_id, from_at, to_at, template, state,
                                        real_server_count, size_gb, price_book_id, currency, weight,
                                        price_per_hour, hourly_rate, opened_by, closed_by)
           SELECT 'vm', u.s, $1, u.f, u.t, u.tpl, u.st, NULL, NULL, $2, 'USD', u.w, 0.02, u.r, u.o, u.c
             FROM unnest($3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::text[],
                         $8::numeric[], $9::numeric[], $10::text[], $11::text[])
                  AS u(s, f, t, tpl, st, w, r, o, c)`,
          [
            TENANT,
            bookId,
            sl(cols.subject),
            sl(cols.from),
            sl(cols.to),
            sl(cols.template),
            sl(cols.state),
            sl(cols.weight),
            sl(cols.rate),
            sl(cols.opened),
            sl(cols.closed),
          ],
        );
      }
      await db.pool.query('VACUUM ANALYZE');

      const url = `${service.baseUrl}/v1/tenants/${TENANT}/statements/${month.period}`;
      const agent = new Agent({ keepAlive: true, maxSockets: readers + 1 });
      type Encoding = 'gzip' | 'identity';
      interface Answer {
        ms: number;
        status: number;
        etag: string | undefined;
        /** Bytes received on the wire (the body as sent, not decoded). */
        bytes: number;
        contentEncoding: string | undefined;
        /** Kept only when asked for, or for a failure's detail. */
        body: Buffer;
      }
      const get = (encoding: Encoding, keep = false, ifNoneMatch?: string) =>
        new Promise<Answer>((resolve) => {
          const t0 = performance.now();
          const failed = (err: Error) =>
            resolve({
              ms: performance.now() - t0,
              status: 0,
              etag: undefined,
              bytes: 0,
              contentEncoding: undefined,
              body: Buffer.from(String(err)),
            });
          const req = request(
            url,
            {
              agent,
              headers: {
                ...auth,
                'accept-encoding': encoding,
                ...(ifNoneMatch ? { 'if-none-match': ifNoneMatch } : {}),
              },
            },
            (res) => {
              const chunks: Buffer[] = [];
              let bytes = 0;
              res.on('data', (c: Buffer) => {
                bytes += c.length;
                if (keep || (res.statusCode !== 200 && res.statusCode !== 304)) chunks.push(c);
              });
              res.on('end', () =>
                resolve({
                  ms: performance.now() - t0,
                  status: res.statusCode ?? 0,
                  etag: res.headers.etag,
                  bytes,
                  contentEncoding: res.headers['content-encoding'],
                  body: Buffer.concat(chunks),
                }),
              );
              res.on('error', failed);
            },
          );
          req.on('error', failed);
          req.end();
        });

      // The first answer builds the statement (cold); decoded once to check it is all there.
      const first = await get('gzip', true);
      if (first.status !== 200) throw new Error(`statement answered ${first.status}`);
      const json =
        first.contentEncoding === 'gzip' ? gunzipSync(first.body) : Buffer.from(first.body);
      const statement = JSON.parse(json.toString('utf8')) as { lines: unknown[]; total: string };
      if (statement.lines.length !== resources)
        throw new Error(`statement has ${statement.lines.length} lines, expected ${resources}`);
      const plainAnswer = await get('identity');
      if (plainAnswer.status !== 200 || plainAnswer.contentEncoding !== undefined)
        throw new Error(`identity answer: ${plainAnswer.status} ${plainAnswer.contentEncoding}`);
      if (plainAnswer.bytes !== json.length)
        throw new Error(
          `identity answer has ${plainAnswer.bytes} bytes, gzip decodes to ${json.length}`,
        );

      progress('statements: one reader alone…');
      const alone: Record<Encoding, number[]> = { gzip: [], identity: [] };
      for (const encoding of ['gzip', 'identity'] as const)
        for (let i = 0; i < 5; i++) alone[encoding].push((await get(encoding)).ms);

      /** `ifNoneMatch`: revalidate, as a browser holding the answer does; 304 is then the success. */
      const measure = async (encoding: Encoding, ifNoneMatch?: string) => {
        const label = ifNoneMatch ? 'revalidate' : encoding;
        const ok = ifNoneMatch ? 304 : 200;
        service.resetPeak();
        const cpuBefore = cpuSecondsOf(service.child.pid!);
        const clientBefore = process.cpuUsage();
        const pgMeter = new BackendCpuMeter(db.pool);
        await pgMeter.sample();
        const machineBefore = machineCpu();
        const target = new URL(url);
        const headers: Record<string, string> = {
          ...auth,
          'accept-encoding': encoding,
          ...(ifNoneMatch ? { 'if-none-match': ifNoneMatch } : {}),
        };
        const latencies: number[] = [];
        const failures = new Map<string, number>();
        let issued = 0;
        const started = performance.now();
        const reader = async () => {
          const conn = new LeanHttpConnection(target.hostname, Number(target.port));
          try {
            while (issued < readMax && performance.now() - started < readMs) {
              issued++;
              const t0 = performance.now();
              let status = 0;
              let detail = '';
              try {
                const r = await conn.get(target.pathname, headers);
                status = r.status;
                detail = r.bodyStart.toString('utf8').slice(0, 160);
              } catch (err) {
                detail = String(err);
              }
              latencies.push(performance.now() - t0);
              if (status !== ok) {
                const key = `${status} ${detail}`;
                failures.set(key, (failures.get(key) ?? 0) + 1);
                if (status === 0) break; // the connection is gone
              }
              if (latencies.length % 100 === 0)
                progress(
                  `statements (${label}): ${latencies.length.toLocaleString()} reads by ${readers} readers, ` +
                    `${((performance.now() - started) / 1000).toFixed(1)} s`,
                );
            }
          } finally {
            conn.close();
          }
        };
        await Promise.all(Array.from({ length: readers }, reader));
        const seconds = (performance.now() - started) / 1000;
        const machine = machineCpu();
        const pgCpu = await pgMeter.seconds();
        for (const [detail, n] of failures) console.log(`\n${label}: ${n} × ${detail}`);
        return {
          requests: latencies.length,
          failed: [...failures.values()].reduce((a, b) => a + b, 0),
          seconds,
          cpu: cpuSecondsOf(service.child.pid!) - cpuBefore,
          clientCpu: cpuSeconds(process.cpuUsage(clientBefore)),
          pgCpu,
          machineBusy: machine.busy - machineBefore.busy,
          peakRss: service.peakRss(),
          latencies,
        };
      };
      /** One phase's figures, keys prefixed (the goals table reads the gzip phase's unprefixed p99). */
      const phaseFigures = (
        prefix: string,
        m: Awaited<ReturnType<typeof measure>>,
        ok: number,
      ): Record<string, number> => ({
        [`${prefix}requests`]: m.requests,
        [`${prefix}failed (non-${ok})`]: m.failed,
        [`${prefix}requests/s`]: m.requests / m.seconds,
        [`${prefix}p50 (ms, every answer)`]: percentile(m.latencies, 50),
        [`${prefix}p99 (ms, every answer)`]: percentile(m.latencies, 99),
        [`${prefix}max (ms)`]: percentile(m.latencies, 100),
        [`${prefix}service CPU seconds`]: m.cpu,
        [`${prefix}load generator CPU seconds`]: m.clientCpu,
        [`${prefix}PostgreSQL CPU seconds`]: m.pgCpu,
        [`${prefix}machine busy CPU seconds`]: m.machineBusy,
        [`${prefix}service peak RSS (MB)`]: m.peakRss / 2 ** 20,
      });
      const gz = await measure('gzip');
      const id = await measure('identity');
      if (!first.etag) throw new Error('the statement answer has no ETag');
      const revalidate = await measure('gzip', first.etag);
      agent.destroy();
      progressDone();

      const explain = await db.pool.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (ANALYZE, BUFFERS)
         SELECT resource_type, subject, from_at, to_at, template, state, real_server_count,
                size_gb::text AS size_gb, price_book_id, currency, weight::text AS weight,
                price_per_hour::text AS price_per_hour, hourly_rate::text AS hourly_rate, opened_by, closed_by
           FROM rated_intervals
          WHERE tenant_id = $1 AND from_at < $3 AND (to_at IS NULL OR to_at > $2)
          ORDER BY resource_type, subject, from_at`,
        [TENANT, new Date(month.start).toISOString(), new Date(month.end).toISOString()],
      );
      const plan = explain.rows.map((r) => r['QUERY PLAN']);
      console.log('\nEXPLAIN ANALYZE of the statement intervals query:');
      for (const line of plan) console.log(`  ${line}`);
      const execMs = Number(/Execution Time: ([\d.]+) ms/.exec(plan.join('\n'))?.[1] ?? NaN);

      report('statements', {
        tenant: TENANT,
        period: month.period,
        resources,
        'rated intervals': cols.subject.length,
        'response size (MB)': plainAnswer.bytes / 2 ** 20,
        'response size gzip (MB)': first.bytes / 2 ** 20,
        'first answer, cold (ms)': first.ms,
        'one reader alone p50 (ms)': percentile(alone.gzip, 50),
        'one reader alone p50, identity (ms)': percentile(alone.identity, 50),
        readers,
        ...phaseFigures('', gz, 200),
        seconds: gz.seconds,
        ...phaseFigures('identity: ', id, 200),
        ...phaseFigures('revalidate (304): ', revalidate, 304),
        'intervals query, EXPLAIN ANALYZE (ms)': execMs,
      });
    } finally {
      await service.stop();
    }
  } finally {
    progressDone();
    await db.drop();
    await dropRedisPrefix(prefix);
  }
}

runAsScript(module, run);

const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;
