/**
 * Small helpers shared by the benchmarks: percentiles, a seeded PRNG, sleeping,
 * running a bench as a script, and removing a bench's BullMQ keys from Redis.
 */
import { Agent, request } from 'node:http';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { dropRedisPrefix as dropPrefix } from '../../test/support/redis-prefix';
import { PREFIX_STEM, progressDone, REDIS_URL } from './harness';
import { runTag } from './leftovers';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The p-th percentile (0–100) of `values` (nearest rank); NaN when empty. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** A small deterministic PRNG (mulberry32): the same seed, the same workload. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates, in place. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** A positive integer from the environment, or the default. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
}

/** A fresh BullMQ key prefix for one bench run (see {@link dropRedisPrefix}). */
/** A bench run's BullMQ prefix: carries the bench's pid, so a killed run's keys can be found. */
export const benchPrefix = () => `${PREFIX_STEM}${runTag()}`;

/** Deletes every Redis key under a bench run's BullMQ prefix (the sweeper's job scheduler would otherwise stay behind). */
export async function dropRedisPrefix(prefix: string): Promise<number> {
  return dropPrefix(REDIS_URL, prefix);
}

/** Runs a bench's `run()` when its file is executed directly; exits 1 on failure. */
export function runAsScript(mod: NodeJS.Module, run: () => Promise<unknown>): void {
  if (require.main !== mod) return;
  run().then(
    () => process.exit(0),
    (err: unknown) => {
      progressDone();
      console.error(err);
      process.exit(1);
    },
  );
}

/**
 * With BENCH_CPU_PROF=<dir>: the env that makes a service process write a V8
 * CPU profile there when it exits (bench/lib/cpu-prof-hook.ts, preloaded;
 * summarise with profile-summary.js).
 */
export function profileEnv(): Record<string, string> {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return {};
  mkdirSync(resolve(dir), { recursive: true });
  return {
    NODE_OPTIONS: `--require ${resolve(__dirname, 'cpu-prof-hook.js')}`,
    BENCH_CPU_PROF_DIR: resolve(dir),
  };
}

/**
 * A lean HTTP POST for load generation: `node:http` over a keep-alive agent,
 * the body already encoded and written at once (`fetch` streams it through
 * web streams). The load generator shares the cores with the service under
 * test, so its own cost matters: with this and cheaper polling the ingest
 * bench's process went from 2.1–2.3 to 1.3–1.4 CPU s a run.
 */
export class Poster {
  private readonly agent: Agent;

  constructor(maxSockets: number) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  post(
    url: string,
    headers: Record<string, string>,
    body: Buffer,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { ...headers, 'content-length': String(body.length) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
