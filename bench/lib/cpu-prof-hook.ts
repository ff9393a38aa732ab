/**
 * Preloaded into a service process (`NODE_OPTIONS=--require …`, which may not
 * carry `--cpu-prof` itself) by {@link profileEnv}: samples the CPU from start
 * to exit and writes a V8 `.cpuprofile` into BENCH_CPU_PROF_DIR.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  let written = false;
  // An in-process session answers synchronously, so this works in 'exit'.
  process.on('exit', () => {
    if (written) return;
    written = true;
    session.post('Profiler.stop', (err, res) => {
      if (err) return;
      const role = process.env.ROLE ?? 'all';
      writeFileSync(
        join(dir, `service-${role}-${process.pid}.cpuprofile`),
        JSON.stringify(res.profile),
      );
    });
  });
}
