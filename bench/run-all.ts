/**
 * `npm run bench`: every benchmark in sequence (each starts its own service on
 * a fresh database), then the goals of issue 6 against the figures just
 * written to bench/results/latest.json. A failing bench is reported and the
 * others still run; the exit code is 1 if any failed.
 */
import { machineCpu } from './lib/procstat';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run as exportRun } from './export.bench';
import { run as ingest } from './ingest.bench';
import { ROOT } from './lib/harness';
import { run as ratingCore } from './rating-core.bench';
import { run as ratingDrain } from './rating-drain.bench';
import { run as statements } from './statements.bench';

/** The goals' ingest rate: the delay goal is "while ingesting at that rate". */
const GOAL_RATE = 15_000;

const BENCHES: [string, () => Promise<void>][] = [
  ['ingest', () => ingest()],
  ['ingest-paced', () => ingest({ rate: GOAL_RATE, name: 'ingest-paced' })],
  ['rating-core', ratingCore],
  ['rating-drain', ratingDrain],
  ['statements', statements],
  ['export', exportRun],
];

type Results = Record<string, Record<string, number | string> | undefined>;

/** The goals of issue 6: [what, figure, comparison, goal]. */
const GOALS: [string, string, string, '>=' | '<', number][] = [
  ['end to end events/s', 'ingest', 'end to end (events/s)', '>=', 15_000],
  ['end to end / raw COPY', 'ingest', 'end to end / COPY (headline)', '>=', 0.25],
  [
    'p99 202 → on statement, 15,000/s (ms)',
    'ingest-paced',
    '202 → on statement p99 (ms)',
    '<',
    2000,
  ],
  ['  (as fast as answered)', 'ingest', '202 → on statement p99 (ms)', '<', 2000],
  ['statement p99, 10,000 resources (ms)', 'statements', 'p99 (ms, every answer)', '<', 50],
  ['export rows/s', 'export', 'rows/s', '>=', 200_000],
  ['export service peak RSS (MB)', 'export', 'service peak RSS while streaming (MB)', '<', 300],
];

function printGoals(): void {
  const file = join(ROOT, 'bench/results/latest.json');
  if (!existsSync(file)) return;
  const results = JSON.parse(readFileSync(file, 'utf8')) as Results;
  console.log('\ngoals (issue 6)');
  for (const [what, bench, key, op, goal] of GOALS) {
    const v = results[bench]?.[key];
    const fmt = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 2 });
    const verdict =
      typeof v !== 'number'
        ? 'not measured'
        : (op === '>=' ? v >= goal : v < goal)
          ? 'met'
          : 'MISSED';
    console.log(
      `  ${what.padEnd(38)} ${(typeof v === 'number' ? fmt(v) : '-').padStart(12)}  goal ${op} ${fmt(goal).padEnd(8)} ${verdict}`,
    );
  }
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
  let failed = 0;
  const before = machineCpu();
  for (const [name, run] of BENCHES) {
    if (only && !only.includes(name)) continue;
    console.log(`\n=== ${name} ===`);
    try {
      await run();
    } catch (err) {
      failed++;
      console.error(`${name} failed:`, err);
    }
  }
  printGoals();
  const after = machineCpu();
  console.log(
    `\nhypervisor steal during the run: ${(after.steal - before.steal).toFixed(1)} CPU s of ` +
      `${(after.total - before.total).toFixed(1)} (figures run slower while it is high)`,
  );
  process.exit(failed > 0 ? 1 : 0);
}

void main();
