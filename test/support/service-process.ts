import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
const MAIN = join(ROOT, 'dist/src/main.js');

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => ok(port));
    });
  });
}

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  output(): string;
  exited(): Promise<number | null>;
  /** Sends a signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * The built service (`node dist/src/main.js`, built by the integration global
 * setup) as a real process, with the given environment. The test's own
 * DATABASE_URL / REDIS_URL are not inherited unless passed.
 */
export async function spawnService(
  env: Record<string, string | undefined>,
): Promise<ServiceProcess> {
  const base = { ...process.env };
  delete base.DATABASE_URL;
  delete base.REDIS_URL;
  const port = Number(env.PORT ?? (await freePort()));
  let out = '';
  const child = spawn(process.execPath, [MAIN], {
    env: { ...base, LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    cwd: ROOT,
  });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = () =>
    new Promise<number | null>((r) =>
      child.exitCode !== null || child.signalCode !== null
        ? r(child.exitCode)
        : child.once('exit', (code) => r(code)),
    );
  return {
    child,
    port,
    output: () => out,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited();
    },
  };
}

/** Polls an HTTP URL until it answers `status` (default 200). */
export async function waitForHttp(url: string, timeoutMs = 60_000, status = 200): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.status === status) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until)
      throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Polls until `check` resolves true. */
export async function eventually(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
