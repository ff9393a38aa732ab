/** CPU time of a process and of the whole machine, from /proc (Linux). */
import { readFileSync, readdirSync } from 'node:fs';
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
 * CPU seconds the PostgreSQL backends of the service (its application_name,
 * connected to the pool's database) used since the meter was made. A backend
 * that exits takes its counter with it, so a single reading at the end
 * undercounts (a pool closing idle connections once made the figure
 * negative): call `sample()` often (each poll), and a backend that left keeps
 * what it was last seen to have used. Backends born after the meter count
 * from zero.
 */
export class BackendCpuMeter {
  private readonly baseline = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private ready: Promise<void>;
  /** Queries the meter has sent (each one transaction in the bench's database). */
  queries = 0;

  constructor(
    private readonly pool: Pool,
    private readonly applicationName = 'iaas-billing',
  ) {
    this.ready = this.read().then((now) => {
      for (const [pid, s] of now) this.baseline.set(pid, s);
      for (const [pid, s] of now) this.last.set(pid, s);
    });
  }

  /** Reads every backend's counter now. */
  async sample(): Promise<void> {
    await this.ready;
    for (const [pid, s] of await this.read()) this.last.set(pid, s);
  }

  /** CPU seconds used since the meter was made, as of the last sample (sampled now). */
  async seconds(): Promise<number> {
    await this.sample();
    let sum = 0;
    for (const [pid, s] of this.last) sum += s - (this.baseline.get(pid) ?? 0);
    return sum;
  }

  private async read(): Promise<Map<number, number>> {
    this.queries++;
    const { rows } = await this.pool.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
      [this.applicationName],
    );
    const out = new Map<number, number>();
    for (const r of rows) {
      const s = cpuSecondsOf(r.pid);
      if (s > 0) out.set(r.pid, s);
    }
    return out;
  }
}

/**
 * The pid of the redis-server listening on `port` (from its command line,
 * `redis-server host:port`), or null when none is found on this machine.
 */
export function redisServerPid(port: number): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmd[0].includes('redis-server') && cmd.some((a) => a.endsWith(`:${port}`)))
        return Number(entry);
    } catch {
      // exited meanwhile
    }
  }
  return null;
}
