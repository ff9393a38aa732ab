/** CPU time of a process and of the whole machine, from /proc (Linux). */
import { readFileSync } from 'node:fs';
import type { Pool } from 'pg';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU seconds a process has used so far (0 once it has exited). */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name, which is in parentheses and may hold spaces
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * Busy and total CPU seconds of the machine so far (all cores), and how much
 * of it the hypervisor gave to other guests (`steal`, counted in busy): on a
 * shared host the same code runs slower while steal is high.
 */
export function machineCpu(): { busy: number; total: number; steal: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] ?? 0); // idle + iowait
  const total = v.reduce((a, b) => a + b, 0);
  return {
    busy: (total - idle) / TICKS_PER_SECOND,
    total: total / TICKS_PER_SECOND,
    steal: (v[7] ?? 0) / TICKS_PER_SECOND,
  };
}

/**
 * CPU seconds used so far by the PostgreSQL backends of the service (its
 * application_name) connected to the pool's database (all started during the bench: its database is fresh). Backends
 * that already exited are not counted.
 */
export async function backendCpuSeconds(
  pool: Pool,
  applicationName = 'iaas-billing',
): Promise<number> {
  const { rows } = await pool.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
    [applicationName],
  );
  return rows.reduce((sum, r) => sum + cpuSecondsOf(r.pid), 0);
}
