/**
 * `npm run bench:ab -- <A> <B>`: the ingest bench against two versions of the
 * service, alternating A, B, A, B… (BENCH_AB_RUNS pairs, default 3), then each
 * figure's median, range and B ÷ A. A version is a git revision (built once
 * in a temporary worktree that borrows this checkout's node_modules) or `.`
 * (this working tree, as `bench:build` compiled it). Other BENCH_* settings
 * (BENCH_EVENTS, BENCH_SPLIT…) apply to every run.
 *
 * Why: on this 2-core VM the same code ran 5,900–9,700 events/s end to end in
 * one session, and two-run A/Bs of single changes suggested gains that a
 * comparison of the session's start and end did not show (BENCHMARKS.md).
 * Alternating controls for the box drifting; the medians and ranges show
 * whether a difference stands out of the noise. CPU per event (service and
 * PostgreSQL) moves less with the box than rates do.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib/harness';
import { envInt } from './lib/util';
import { DELAY_P99 } from './ingest.bench';

const FIGURES = [
  'end to end (events/s)',
  'accepted (events/s)',
  'end to end / COPY (headline)',
  'COPY limit (rows/s)',
  DELAY_P99,
  'POST latency p50 (ms)',
  'ratings (resource re-rated)',
  'service CPU seconds',
  'api CPU seconds',
  'worker CPU seconds',
  'PostgreSQL CPU s (service backends)',
] as const;
const CPU_PER_EVENT = 'service + PostgreSQL CPU µs per event';

interface Version {
  label: string;
  main: string;
  cleanup(): void;
}

function prepare(rev: string): Version {
  if (rev === '.') {
    const main = join(ROOT, 'dist-bench/src/main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run npm run bench:build`);
    return { label: '.', main, cleanup: () => undefined };
  }
  const sha = execFileSync('git', ['rev-parse', '--verify', `${rev}^{commit}`], { cwd: ROOT })
    .toString()
    .trim();
  const dir = mkdtempSync(join(tmpdir(), 'bench-ab-'));
  execFileSync('git', ['worktree', 'add', '--detach', '--quiet', dir, sha], { cwd: ROOT });
  const cleanup = () => {
    spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: ROOT });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    process.stderr.write(`bench:ab: building ${rev} (${sha.slice(0, 9)})…\n`);
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.bench.json'],
      {
        cwd: dir,
        stdio: 'inherit',
      },
    );
  } catch (err) {
    cleanup();
    throw err;
  }
  return {
    label: `${rev} (${sha.slice(0, 9)})`,
    main: join(dir, 'dist-bench/src/main.js'),
    cleanup,
  };
}

function runOnce(v: Version): Record<string, number> {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist-bench/bench/ingest.bench.js')], {
    cwd: ROOT,
    env: { ...process.env, BENCH_SERVICE_MAIN: v.main },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`the ingest bench failed for ${v.label} (exit ${r.status})`);
  const all = JSON.parse(readFileSync(join(ROOT, 'bench/results/latest.json'), 'utf8')) as {
    ingest: Record<string, number>;
  };
  const f = all.ingest;
  const cpu =
    (f['service CPU seconds'] ?? f['api CPU seconds'] + f['worker CPU seconds']) +
    f['PostgreSQL CPU s (service backends)'];
  // the name revisions before the rating marks (ingest upserted resources) printed
  const ratings = f['ratings (resource re-rated)'] ?? f['ratings (resource re-rated, approx.)'];
  return { ...f, 'ratings (resource re-rated)': ratings, [CPU_PER_EVENT]: (cpu / f.events) * 1e6 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 2 });

function main(): void {
  const [a, b] = process.argv.slice(2);
  if (!a || !b) {
    console.error('usage: npm run bench:ab -- <rev or .> <rev or .>');
    process.exit(2);
  }
  const pairs = envInt('BENCH_AB_RUNS', 3);
  const versions = [prepare(a), prepare(b)];
  const results: Record<string, number>[][] = [[], []];
  try {
    for (let i = 0; i < pairs; i++)
      for (const [k, v] of versions.entries()) {
        process.stderr.write(`bench:ab: run ${i + 1}/${pairs} of ${v.label}…\n`);
        results[k].push(runOnce(v));
      }
  } finally {
    for (const v of versions) v.cleanup();
  }
  console.log(
    `\ningest A/B, ${pairs} alternating runs each: A = ${versions[0].label}, B = ${versions[1].label}`,
  );
  console.log(
    `  ${'figure'.padEnd(40)} ${'A median'.padStart(11)} ${'A range'.padStart(21)} ${'B median'.padStart(11)} ${'B range'.padStart(21)}   B ÷ A`,
  );
  for (const name of [...FIGURES, CPU_PER_EVENT]) {
    const xs = results.map((rs) => rs.map((r) => r[name]).filter((x) => typeof x === 'number'));
    if (xs.some((x) => x.length === 0)) continue;
    const [ma, mb] = xs.map(median);
    const range = (x: number[]) => `${fmt(Math.min(...x))}–${fmt(Math.max(...x))}`;
    const overlap =
      Math.max(...xs[0]) >= Math.min(...xs[1]) && Math.max(...xs[1]) >= Math.min(...xs[0]);
    console.log(
      `  ${name.padEnd(40)} ${fmt(ma).padStart(11)} ${range(xs[0]).padStart(21)} ${fmt(mb).padStart(11)} ${range(xs[1]).padStart(21)}   ${(mb / ma).toFixed(3)}${overlap ? '  (ranges overlap)' : ''}`,
    );
  }
}

main();
