/**
 * Summarises V8 CPU profiles (`node --cpu-prof`, e.g. written by the service
 * under BENCH_CPU_PROF=<dir>): self time by function and by file or package,
 * top 25 of each. Usage: node dist-bench/bench/profile-summary.js <file.cpuprofile>…
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ROOT } from './lib/harness';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** A file's place: its npm package, or its path in the project, or a V8 category. */
function where(url: string): string {
  if (!url) return '(native / V8)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + 'node_modules/'.length).split('/');
    return `npm:${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (path.startsWith('node:')) return path;
  return relative(ROOT, path);
}

function top(map: Map<string, number>, total: number, n = 25): string[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(
      ([k, v]) =>
        `  ${((100 * v) / total).toFixed(1).padStart(5)} %  ${(v / 1000).toFixed(0).padStart(7)} ms  ${k}`,
    );
}

function summarise(file: string): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++)
    self.set(samples[i], (self.get(samples[i]) ?? 0) + (deltas[i] ?? 0));
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const name = n.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const place = where(n.callFrame.url);
    const fn = `${name}  ${place}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
  }
  console.log(`\n${file}`);
  console.log(
    `  busy ${(total / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s of ${((p.endTime - p.startTime) / 1e6).toFixed(1)} s`,
  );
  console.log('\n self time by file or package');
  for (const l of top(byPlace, total)) console.log(l);
  console.log('\n self time by function');
  for (const l of top(byFunction, total)) console.log(l);
}

for (const file of process.argv.slice(2)) summarise(file);
