/**
 * Fault-test infrastructure, all on loopback: a PostgreSQL primary with a
 * synchronous streaming standby (initdb, pg_basebackup -R), a TCP endpoint in
 * front of them (the HA endpoint the service talks to), and a Redis with AOF.
 * Everything lives in a temporary directory and is torn down by `stop()`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
  appendFileSync,
  readFileSync,
} from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { durableRedisArgs } from '../../src/infra/local-services';
import { eventually, freePort } from '../support/service-process';

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a PostgreSQL tool as the postgres user (initdb refuses root). */
function pgTool(tool: string, args: string[]): string {
  const cmd = join(PG_BIN, tool);
  return asRoot
    ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class PgNode {
  constructor(
    readonly name: string,
    readonly dir: string,
    readonly port: number,
  ) {}

  start(): void {
    pgTool('pg_ctl', [
      '-D',
      this.dir,
      '-o',
      `-p ${this.port}`,
      '-l',
      `${this.dir}.log`,
      '-w',
      '-t',
      '30',
      'start',
    ]);
  }
  stop(mode: 'fast' | 'immediate'): void {
    try {
      pgTool('pg_ctl', ['-D', this.dir, '-m', mode, '-w', '-t', '30', 'stop']);
    } catch {
      // already stopped
    }
  }
  promote(): void {
    pgTool('pg_ctl', ['-D', this.dir, '-w', '-t', '30', 'promote']);
  }
  /** Every process of this node (postmaster and backends). */
  pids(): number[] {
    const postmaster = Number(
      readFileSync(join(this.dir, 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    let children: number[] = [];
    try {
      children = execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .filter(Boolean)
        .map(Number);
    } catch {
      // none
    }
    return [postmaster, ...children];
  }
  signal(sig: 'SIGSTOP' | 'SIGCONT'): void {
    let pids: number[] = [];
    try {
      pids = this.pids();
    } catch {
      return; // not running
    }
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        // gone
      }
    }
  }
  url(db = 'billing'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${db}`;
  }
  async query(sql: string, db = 'postgres'): Promise<unknown[]> {
    const c = new Client({ connectionString: this.url(db), connectionTimeoutMillis: 5000 });
    await c.connect();
    try {
      return (await c.query(sql)).rows;
    } finally {
      await c.end();
    }
  }
}

/**
 * A TCP endpoint that forwards to the current primary, like HAProxy in front
 * of a PostgreSQL pair: `repoint()` sends new connections to another node and
 * cuts the existing ones (as `on-marked-down shutdown-sessions` would).
 */
export class TcpEndpoint {
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private target: number) {}

  async start(): Promise<void> {
    this.port = await freePort();
    this.server = createServer((client) => {
      const upstream = createConnection({ host: '127.0.0.1', port: this.target });
      this.sockets.add(client);
      this.sockets.add(upstream);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => this.server.listen(this.port, '127.0.0.1', () => r()));
  }

  repoint(target: number): void {
    this.target = target;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

/** A primary and a synchronous standby behind a TCP endpoint. */
export class PgPair {
  readonly root: string;
  primary!: PgNode;
  standby!: PgNode;
  endpoint!: TcpEndpoint;

  constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'billing-faults-pg-'));
    chmodSync(this.root, 0o777);
  }

  /** The URL the service uses: always the endpoint, never a node. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.endpoint.port}/billing`;
  }

  async start(): Promise<void> {
    const [p1, p2] = [await freePort(), await freePort()];
    const n1 = join(this.root, 'n1');
    pgTool('initdb', [
      '-D',
      n1,
      '-k',
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
    ]);
    appendFileSync(
      join(n1, 'postgresql.conf'),
      [
        "listen_addresses = '127.0.0.1'",
        'wal_level = replica',
        'max_wal_senders = 10',
        'max_replication_slots = 10',
        'hot_standby = on',
        'fsync = on',
        'synchronous_commit = on',
        'max_connections = 200',
        'shared_buffers = 64MB',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(n1, 'pg_hba.conf'),
      [
        'local all all trust',
        'host all all 127.0.0.1/32 trust',
        'host replication all 127.0.0.1/32 trust',
        '',
      ].join('\n'),
    );
    this.primary = new PgNode('n1', n1, p1);
    this.primary.start();
    await this.primary.query('CREATE DATABASE billing');
    const n2 = join(this.root, 'n2');
    pgTool('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(p1),
      '-U',
      'postgres',
      '-D',
      n2,
      '-R',
      '-X',
      'stream',
      '-C',
      '-S',
      'n2',
      '-c',
      'fast', // the default spread checkpoint can take minutes
    ]);
    this.standby = new PgNode('n2', n2, p2);
    this.standby.start();
    // synchronous replication: a commit returns once the standby has it
    await this.primary.query(`ALTER SYSTEM SET synchronous_standby_names = '*'`);
    await this.primary.query('SELECT pg_reload_conf()');
    for (let i = 0; i < 100; i++) {
      const rows = (await this.primary.query(`SELECT sync_state FROM pg_stat_replication`)) as {
        sync_state: string;
      }[];
      if (rows[0]?.sync_state === 'sync') break;
      if (i === 99) throw new Error('standby never became synchronous');
      await sleep(100);
    }
    this.endpoint = new TcpEndpoint(p1);
    await this.endpoint.start();
  }

  /**
   * Promotes the standby and points the endpoint at it. The promoted node has
   * no standby of its own, so synchronous replication is switched off there
   * (otherwise every commit would wait forever — FIELD-NOTES).
   */
  async failover(mode: 'fast' | 'immediate'): Promise<void> {
    this.primary.stop(mode);
    this.standby.promote();
    await this.standby.query(`ALTER SYSTEM RESET synchronous_standby_names`);
    await this.standby.query('SELECT pg_reload_conf()');
    this.endpoint.repoint(this.standby.port);
    [this.primary, this.standby] = [this.standby, this.primary];
  }

  async stop(): Promise<void> {
    await this.endpoint?.stop().catch(() => undefined);
    for (const n of [this.primary, this.standby]) {
      if (!n) continue;
      n.signal('SIGCONT');
      n.stop('immediate');
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** A Redis with AOF (everysec) and noeviction, restartable on the same port and data. */
export class RedisNode {
  readonly dir: string;
  port = 0;
  private child: ChildProcess | null = null;

  /** `extraArgs`: more `redis-server` arguments (e.g. `--replicaof`). */
  constructor(private readonly extraArgs: string[] = []) {
    this.dir = mkdtempSync(join(tmpdir(), 'billing-faults-redis-'));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    this.child = spawn(
      'redis-server',
      [...durableRedisArgs(this.port, this.dir), ...this.extraArgs],
      {
        stdio: 'ignore',
      },
    );
    for (let i = 0; i < 100; i++) {
      try {
        execFileSync('redis-cli', ['-p', String(this.port), 'ping'], { stdio: 'ignore' });
        return;
      } catch {
        await sleep(50);
      }
    }
    throw new Error('redis did not start');
  }

  /** A clean shutdown (the AOF is flushed). */
  async shutdown(): Promise<void> {
    const c = this.child;
    if (!c) return;
    try {
      execFileSync('redis-cli', ['-p', String(this.port), 'shutdown'], { stdio: 'ignore' });
    } catch {
      // the connection closes as it shuts down
    }
    if (c.exitCode === null) await new Promise((r) => c.once('exit', r));
    this.child = null;
  }

  signal(sig: 'SIGSTOP' | 'SIGCONT'): void {
    this.child?.kill(sig);
  }

  async stop(): Promise<void> {
    this.signal('SIGCONT');
    this.child?.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Redis under Sentinel, as deploy/k8s runs it: a primary, one replica and
 * three Sentinels (quorum 2) that promote the replica when the primary is
 * down for `downAfterMs`.
 */
export class RedisSentinelGroup {
  static readonly NAME = 'mymaster';
  readonly primary = new RedisNode();
  replica!: RedisNode;
  readonly sentinelPorts: number[] = [];
  private readonly sentinels: ChildProcess[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'billing-faults-sentinel-'));

  constructor(private readonly downAfterMs = 1000) {}

  /** `REDIS_SENTINELS` for the service. */
  get sentinelList(): string {
    return this.sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',');
  }

  async start(): Promise<void> {
    await this.primary.start();
    this.replica = new RedisNode(['--replicaof', '127.0.0.1', String(this.primary.port)]);
    await this.replica.start();
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const conf = join(this.dir, `sentinel-${i}.conf`);
      // Sentinel rewrites its config file: each needs its own, writable.
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${this.dir}`,
          `sentinel monitor ${RedisSentinelGroup.NAME} 127.0.0.1 ${this.primary.port} 2`,
          `sentinel down-after-milliseconds ${RedisSentinelGroup.NAME} ${this.downAfterMs}`,
          `sentinel failover-timeout ${RedisSentinelGroup.NAME} 10000`,
          `sentinel parallel-syncs ${RedisSentinelGroup.NAME} 1`,
          '',
        ].join('\n'),
      );
      this.sentinels.push(spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }));
      this.sentinelPorts.push(port);
    }
    // every Sentinel sees the replica before anything can fail over to it
    for (const port of this.sentinelPorts)
      await eventually(
        async () => {
          try {
            const out = execFileSync(
              'redis-cli',
              ['-p', String(port), 'sentinel', 'replicas', RedisSentinelGroup.NAME],
              { encoding: 'utf8' },
            );
            return out.includes(String(this.replica.port));
          } catch {
            return false;
          }
        },
        30_000,
        `sentinel ${port} to see the replica`,
      );
  }

  /** The port of the primary the Sentinels name now. */
  currentPrimaryPort(): number {
    const out = execFileSync(
      'redis-cli',
      [
        '-p',
        String(this.sentinelPorts[0]),
        'sentinel',
        'get-master-addr-by-name',
        RedisSentinelGroup.NAME,
      ],
      { encoding: 'utf8' },
    );
    return Number(out.trim().split('\n')[1]);
  }

  async stop(): Promise<void> {
    for (const s of this.sentinels) s.kill('SIGKILL');
    await this.primary.stop();
    await this.replica?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
