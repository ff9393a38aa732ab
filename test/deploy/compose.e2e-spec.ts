/**
 * docker-compose.yml: parsed (no Docker engine here), then checked for the
 * promised topology — PostgreSQL primary + streaming standby behind one TCP
 * endpoint that follows the primary, Redis with AOF and noeviction, 2 api and
 * 2 worker replicas behind a load balancer — and against the files it mounts
 * from deploy/compose/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';

const root = resolve(__dirname, '../..');

interface Service {
  image?: string;
  build?: string | { context: string };
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | null> | string[];
  volumes?: (string | { type: string; source?: string; target: string })[];
  ports?: (string | number)[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: Record<string, { condition?: string }> | string[];
  stop_grace_period?: string;
}

function loadCompose(): { services: Record<string, Service>; volumes?: Record<string, unknown> } {
  const doc = parseDocument(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), {
    merge: true, // docker compose honours `<<:` merge keys
  });
  if (doc.errors.length > 0) throw new Error(`docker-compose.yml: ${doc.errors[0].message}`);
  return doc.toJS() as { services: Record<string, Service> };
}

/** Compose's own interpolation, enough for defaults: ${X:-d} → d, ${X:?m} → x, ${X} → ''. */
const interpolate = (value: string) =>
  value.replace(/\$\{(\w+)(?::?([-?])([^}]*))?\}/g, (_, _name, op?: string, arg?: string) =>
    op === '-' ? (arg ?? '') : op === '?' ? 'x' : '',
  );

const env = (s: Service): Record<string, string> => {
  const raw = s.environment ?? {};
  const pairs = Array.isArray(raw)
    ? raw.map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string])
    : Object.entries(raw).map(([k, v]) => [k, v === null ? '' : String(v)] as [string, string]);
  return Object.fromEntries(pairs.map(([k, v]) => [k, interpolate(v)]));
};

const words = (v: string[] | string | undefined) => (Array.isArray(v) ? v : (v ?? '').split(/\s+/));

/** Bind mounts as [host path relative to the repository, container path]. */
const binds = (s: Service): [string, string][] =>
  (s.volumes ?? []).flatMap((v): [string, string][] => {
    if (typeof v === 'string') {
      const [source, target] = v.split(':');
      return source.startsWith('.') || source.startsWith('/') ? [[source, target]] : [];
    }
    return v.type === 'bind' && v.source ? [[v.source, v.target]] : [];
  });

const mountedFile = (s: Service, target: string): string => {
  const bind = binds(s).find(([, t]) => t === target);
  if (!bind) throw new Error(`nothing is mounted at ${target}`);
  return readFileSync(join(root, bind[0]), 'utf8');
};

const dependsOn = (s: Service): Record<string, string | undefined> =>
  Array.isArray(s.depends_on)
    ? Object.fromEntries(s.depends_on.map((n) => [n, undefined]))
    : Object.fromEntries(Object.entries(s.depends_on ?? {}).map(([n, d]) => [n, d.condition]));

const seconds = (duration: string | undefined) => {
  const m = /^(\d+)(ms|s|m)?$/.exec(duration ?? '');
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 'm' ? n * 60 : n;
};

/** The HAProxy config's `server <name> <host>:<port> …` lines of one backend. */
function backendServers(
  cfg: string,
  backend: string,
): { name: string; addr: string; rest: string }[] {
  const section = cfg.split(/^(?=\S)/m).find((s) => s.startsWith(`backend ${backend}\n`));
  if (!section) throw new Error(`no backend ${backend}`);
  return [...section.matchAll(/^\s+server\s+(\S+)\s+(\S+)(.*)$/gm)].map((m) => ({
    name: m[1],
    addr: m[2],
    rest: m[3],
  }));
}

describe('docker-compose.yml', () => {
  const { services } = loadCompose();
  const byRole = (role: string) => Object.entries(services).filter(([, s]) => env(s).ROLE === role);
  const appServices = () => [...byRole('api'), ...byRole('worker')];

  it('has a PostgreSQL 15 primary set up for replication by an init script', () => {
    const primary = services['pg-primary'];
    expect(primary.image).toMatch(/^postgres:15(\.|$|-)/);
    expect(words(primary.command)).toEqual(expect.arrayContaining(['wal_level=replica']));
    const init = binds(primary).find(([, target]) =>
      target.startsWith('/docker-entrypoint-initdb.d/'),
    );
    expect(init?.[0]).toMatch(/^\.\/deploy\/compose\//);
    const script = readFileSync(join(root, init![0]), 'utf8');
    expect(script).toMatch(/CREATE ROLE replicator WITH LOGIN REPLICATION/);
    expect(script).toMatch(/host replication replicator all scram-sha-256/);
  });

  it('has a streaming standby bootstrapped with pg_basebackup -R after the primary is healthy', () => {
    const standby = services['pg-standby'];
    expect(standby.image).toBe(services['pg-primary'].image);
    expect(env(standby).PG_CLONE_FROM).toBe('pg-primary');
    expect(dependsOn(standby)['pg-primary']).toBe('service_healthy');
    const entry = words(standby.entrypoint);
    const script = mountedFile(standby, entry[entry.length - 1]);
    expect(script).toMatch(/until pg_isready -q -h "\$PG_CLONE_FROM"/);
    expect(script).toMatch(/pg_basebackup [^\n]*-R -X stream/);
    expect(script).toMatch(/exec docker-entrypoint\.sh "\$@"/);
    // Once promoted, the standby must not wait for a standby of its own.
    expect(words(standby.command).join(' ')).not.toMatch(/synchronous_standby_names/);
  });

  it('puts one TCP endpoint in front of PostgreSQL that routes to whichever node the role check calls primary', () => {
    const endpoint = services.pg;
    expect(endpoint.image).toMatch(/^haproxy:/);
    const cfg = mountedFile(endpoint, '/usr/local/etc/haproxy/haproxy.cfg');
    expect(cfg).toMatch(/^\s+bind :5432$/m);
    expect(cfg).toMatch(/on-marked-down shutdown-sessions/);

    // Each PostgreSQL node is a server that tracks its own check…
    const nodes = backendServers(cfg, 'pg_primary');
    expect(nodes.map((n) => n.addr).sort()).toEqual(['pg-primary:5432', 'pg-standby:5432']);
    const checks = backendServers(cfg, 'pg_role');
    expect(cfg).toMatch(/backend pg_role\n(?:.*\n)*?\s+option httpchk GET \//);
    // …answered by pg-role-check on the port it serves for that node.
    const roleCheck = services['pg-role-check'];
    const served = Object.fromEntries(
      env(roleCheck)
        .PG_NODES.split(' ')
        .map((spec) => {
          const [host, port, http] = spec.split(':');
          return [`${host}:${port}`, `pg-role-check:${http}`];
        }),
    );
    for (const node of nodes) {
      const tracked = /\btrack pg_role\/(\S+)/.exec(node.rest)?.[1];
      const check = checks.find((c) => c.name === tracked);
      expect(check?.addr).toBe(served[node.addr]);
    }
    expect(mountedFile(roleCheck, words(roleCheck.entrypoint)[1])).toMatch(/pg_is_in_recovery\(\)/);
    expect(dependsOn(endpoint)['pg-role-check']).toBe('service_healthy');
  });

  it('runs Redis 7 with AOF (everysec) and noeviction', () => {
    const redis = services.redis;
    expect(redis.image).toMatch(/^redis:7(\.|$|-)/);
    const args = words(redis.command).join(' ');
    expect(args).toMatch(/--appendonly yes/);
    expect(args).toMatch(/--appendfsync everysec/);
    expect(args).toMatch(/--maxmemory-policy noeviction/);
  });

  it('runs two api and two worker replicas of the service, built from this repository', () => {
    expect(byRole('api')).toHaveLength(2);
    expect(byRole('worker')).toHaveLength(2);
    for (const [, s] of appServices()) {
      expect(s.build === '.' || (typeof s.build === 'object' && s.build.context === '.')).toBe(
        true,
      );
      expect(env(s).ADMIN_API_KEY).toBeDefined();
    }
  });

  it('gives api and worker the PostgreSQL endpoint, never a node directly', () => {
    for (const [name, s] of appServices()) {
      const url = new URL(env(s).DATABASE_URL);
      expect({ name, host: url.hostname, port: url.port }).toEqual({
        name,
        host: 'pg',
        port: '5432',
      });
      expect(new URL(env(s).REDIS_URL).hostname).toBe('redis');
    }
  });

  it('balances :3000 over every api replica (and no worker) using /health/ready', () => {
    const lb = services.lb;
    expect(lb.image).toMatch(/^haproxy:/);
    expect(lb.ports?.map(String)).toContain('3000:3000');
    const cfg = mountedFile(lb, '/usr/local/etc/haproxy/haproxy.cfg');
    expect(cfg).toMatch(/^\s+bind :3000$/m);
    expect(cfg).toMatch(/^\s+option httpchk GET \/health\/ready$/m);
    const servers = backendServers(cfg, 'api').map((s) => s.addr);
    expect(servers.sort()).toEqual(
      byRole('api')
        .map(([name]) => `${name}:3000`)
        .sort(),
    );
  });

  it('lets an api replica leave the balancer before it stops serving', () => {
    for (const [, s] of byRole('api')) {
      const delayS = Number(env(s).SHUTDOWN_DELAY_MS) / 1000;
      expect(delayS).toBeGreaterThanOrEqual(2); // the check: inter 1s, fall 2
      expect(seconds(s.stop_grace_period)).toBeGreaterThan(delayS + 25);
    }
  });

  it('health-checks every service, and starts each only after what it needs is healthy', () => {
    for (const [name, s] of Object.entries(services)) {
      expect({ name, test: words(s.healthcheck?.test).length > 1 }).toEqual({ name, test: true });
      expect(s.healthcheck?.disable).not.toBe(true);
    }
    for (const [, s] of appServices()) {
      expect(dependsOn(s)).toMatchObject({ pg: 'service_healthy', redis: 'service_healthy' });
    }
    for (const [name] of byRole('api'))
      expect(dependsOn(services.lb)[name]).toBe('service_healthy');
    // The app's healthcheck is its readiness endpoint.
    for (const [, s] of appServices()) {
      expect(words(s.healthcheck?.test).join(' ')).toMatch(/\/health\/ready/);
    }
  });

  it('mounts only files that exist under deploy/compose/', () => {
    const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    const named = [...text.matchAll(/\.\/deploy\/compose\/[\w./-]+/g)].map((m) => m[0]);
    const mounted = Object.values(services).flatMap((s) => binds(s).map(([source]) => source));
    expect(mounted.length).toBeGreaterThanOrEqual(5);
    for (const path of new Set([...named, ...mounted])) {
      expect(path).toMatch(/^\.\/deploy\/compose\//);
      expect({ path, exists: existsSync(join(root, path)) }).toEqual({ path, exists: true });
    }
  });

  it('ships scripts that parse (bash -n, perl -c)', () => {
    const mounted = [...new Set(Object.values(services).flatMap((s) => binds(s).map(([p]) => p)))];
    const shell = mounted.filter((p) => p.endsWith('.sh'));
    expect(shell.length).toBeGreaterThanOrEqual(2);
    const check = (cmd: string, args: string[]) => {
      const r = spawnSync(cmd, args, { encoding: 'utf8' });
      return { file: args[args.length - 1], status: r.status, stderr: r.stderr };
    };
    for (const p of shell) {
      expect(check('bash', ['-n', join(root, p)])).toMatchObject({ status: 0, stderr: '' });
    }
    const perl = mounted.filter((m) => m.endsWith('.pl'));
    expect(perl.length).toBeGreaterThanOrEqual(1);
    for (const p of perl) {
      expect(check('perl', ['-c', join(root, p)])).toMatchObject({ status: 0 });
    }
  });
});
