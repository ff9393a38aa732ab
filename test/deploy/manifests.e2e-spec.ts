/**
 * The Kubernetes manifests (deploy/k8s): rendered with `kubectl kustomize`,
 * every built-in object validated against the Kubernetes schemas
 * (kubernetes-models), the CloudNativePG Cluster checked structurally, then
 * the deployment's promises one by one. Pure file checks: no cluster.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import * as appsV1 from 'kubernetes-models/apps/v1';
import type { IDeployment, IStatefulSet } from 'kubernetes-models/apps/v1';
import * as autoscalingV2 from 'kubernetes-models/autoscaling/v2';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import * as networkingV1 from 'kubernetes-models/networking.k8s.io/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import * as coreV1 from 'kubernetes-models/v1';
import type { IConfigMap, IContainer, ISecret, IService } from 'kubernetes-models/v1';

const root = resolve(__dirname, '../..');
const NAMESPACE = 'billing';
/** The service exits at most this long after SIGTERM (src/main.ts). */
const SERVICE_DRAIN_S = 25;

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** The schema modules, by apiVersion: `kubernetes-models/<group>/<version>`. */
const schemaModules: Record<string, Record<string, unknown>> = {
  v1: coreV1,
  'apps/v1': appsV1,
  'autoscaling/v2': autoscalingV2,
  'networking.k8s.io/v1': networkingV1,
  'policy/v1': policyV1,
};
/** Custom resources (no schema in kubernetes-models): checked structurally below. */
const customResources = new Set(['postgresql.cnpg.io/v1 Cluster']);

type Model = new (data: object) => { validate(): void };

function render(): K8sObject[] {
  let out: string;
  try {
    out = execFileSync('kubectl', ['kustomize', join(root, 'deploy/k8s')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        'kubectl is not installed: `apt-get install kubectl` (Debian; it renders kustomize offline)',
      );
    }
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`kubectl kustomize deploy/k8s failed: ${stderr || String(err)}`);
  }
  const docs = parseAllDocuments(out);
  if (!Array.isArray(docs)) throw new Error('kustomize output is empty');
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`unparsable YAML: ${doc.errors[0].message}`);
  }
  return docs.map((d) => d.toJS() as K8sObject).filter((o) => o !== null);
}

function selectorMatches(selector: Selector | undefined, labels: Record<string, string> = {}) {
  if (!selector) return false;
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpression = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    switch (operator) {
      case 'In':
        return values.includes(labels[key]);
      case 'NotIn':
        return !values.includes(labels[key]);
      case 'Exists':
        return key in labels;
      case 'DoesNotExist':
        return !(key in labels);
      default:
        throw new Error(`unknown selector operator ${operator}`);
    }
  });
  return byLabel && byExpression;
}

/** Names of the variables in README.md's "Configuration" table. */
function documentedVariables(): Set<string> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Configuration'));
  if (!section) throw new Error('README.md has no "## Configuration" section');
  const names = [...section.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/gm)].map((m) => m[1]);
  return new Set(names);
}

function sleepSeconds(container: IContainer): number {
  const command = container.lifecycle?.preStop?.exec?.command?.join(' ') ?? '';
  const seconds = /\bsleep\s+(\d+)/.exec(command)?.[1];
  return seconds === undefined ? NaN : Number(seconds);
}

describe('deploy/k8s (kustomize)', () => {
  let objects: K8sObject[];
  const all = <T>(kind: string) => objects.filter((o) => o.kind === kind) as unknown as T[];
  const one = <T>(kind: string, name: string): T => {
    const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
    expect(found.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([`${kind}/${name}`]);
    return found[0] as unknown as T;
  };
  const mainContainer = (d: IDeployment) => d.spec!.template.spec!.containers[0];

  /** Every variable a Deployment's container sets: env, plus keys from envFrom sources. */
  const variablesOf = (d: IDeployment): string[] => {
    const c = mainContainer(d);
    const names = (c.env ?? []).map((e) => e.name);
    for (const from of c.envFrom ?? []) {
      const source = from.configMapRef
        ? one<IConfigMap>('ConfigMap', from.configMapRef.name!)
        : one<ISecret>('Secret', from.secretRef!.name!);
      names.push(...Object.keys(source.data ?? {}).map((k) => (from.prefix ?? '') + k));
    }
    return names;
  };
  /** A variable's literal value, from env or a ConfigMap in envFrom. */
  const literalValue = (d: IDeployment, name: string): string | undefined => {
    const c = mainContainer(d);
    const direct = c.env?.find((e) => e.name === name);
    if (direct) return direct.value;
    for (const from of c.envFrom ?? []) {
      if (!from.configMapRef) continue;
      const value = one<IConfigMap>('ConfigMap', from.configMapRef.name!).data?.[name];
      if (value !== undefined) return value;
    }
    return undefined;
  };

  beforeAll(() => {
    objects = render();
  });

  it('renders into objects that all live in the billing namespace and carry the common labels', () => {
    expect(objects.length).toBeGreaterThan(10);
    expect(one<K8sObject>('Namespace', NAMESPACE).metadata.name).toBe(NAMESPACE);
    const elsewhere = objects
      .filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== NAMESPACE)
      .map((o) => `${o.kind}/${o.metadata.name}`);
    expect(elsewhere).toEqual([]);
    const unlabelled = objects
      .filter((o) => o.metadata.labels?.['app.kubernetes.io/part-of'] !== 'iaas-billing')
      .map((o) => `${o.kind}/${o.metadata.name}`);
    expect(unlabelled).toEqual([]);
  });

  it('validates every built-in object against the Kubernetes schema of its apiVersion', () => {
    const problems: string[] = [];
    let validated = 0;
    for (const o of objects) {
      const id = `${o.apiVersion} ${o.kind}/${o.metadata.name}`;
      if (customResources.has(`${o.apiVersion} ${o.kind}`)) continue;
      const module = schemaModules[o.apiVersion];
      const ModelClass = module?.[o.kind] as Model | undefined;
      if (!ModelClass) {
        problems.push(`${id}: no schema; import kubernetes-models/${o.apiVersion} in this test`);
        continue;
      }
      try {
        new ModelClass(o).validate();
        validated++;
      } catch (err) {
        problems.push(`${id}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    expect(problems).toEqual([]);
    expect(validated).toBe(objects.length - 1); // all but the CloudNativePG Cluster
  });

  it('has a CloudNativePG Cluster of 3 instances with quorum synchronous replication that never degrades to async', () => {
    const clusters = objects.filter((o) => o.kind === 'Cluster');
    expect(clusters).toHaveLength(1);
    const cluster = clusters[0] as K8sObject & {
      spec: {
        instances: unknown;
        imageName?: unknown;
        postgresql?: { synchronous?: Record<string, unknown> };
        storage?: { size?: unknown };
        bootstrap?: { initdb?: { database?: unknown; owner?: unknown; secret?: unknown } };
        affinity?: { podAntiAffinityType?: unknown; topologyKey?: unknown };
      };
    };
    expect(cluster.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(cluster.spec.instances).toBe(3);
    expect(cluster.spec.imageName).toMatch(/^ghcr\.io\/cloudnative-pg\/postgresql:15(\.|$)/);
    expect(cluster.spec.postgresql?.synchronous).toEqual({
      method: 'any',
      number: 1,
      dataDurability: 'required',
    });
    expect(cluster.spec.storage?.size).toMatch(/^\d+(Mi|Gi|Ti)$/);
    expect(cluster.spec.bootstrap?.initdb).toMatchObject({ database: 'billing', owner: 'billing' });
    expect(cluster.spec.affinity).toMatchObject({
      podAntiAffinityType: 'required',
      topologyKey: 'kubernetes.io/hostname',
    });
  });

  describe.each([
    ['billing-api', 'api'],
    ['billing-worker', 'worker'],
  ])('Deployment %s', (name, role) => {
    const deployment = () => one<IDeployment>('Deployment', name);
    const podLabels = () => deployment().spec!.template.metadata!.labels!;

    it('runs at least 3 replicas and rolls out with maxUnavailable 0 and maxSurge 1', () => {
      const spec = deployment().spec!;
      expect(spec.replicas).toBeGreaterThanOrEqual(3);
      expect(spec.strategy?.type).toBe('RollingUpdate');
      expect(spec.strategy?.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
      expect(selectorMatches(spec.selector, podLabels())).toBe(true);
    });

    it('spreads its pods across hosts (DoNotSchedule) and zones (ScheduleAnyway)', () => {
      const constraints = deployment().spec!.template.spec!.topologySpreadConstraints ?? [];
      const on = (key: string) => constraints.find((c) => c.topologyKey === key);
      expect(on('kubernetes.io/hostname')).toMatchObject({
        maxSkew: 1,
        whenUnsatisfiable: 'DoNotSchedule',
      });
      expect(on('topology.kubernetes.io/zone')).toMatchObject({
        whenUnsatisfiable: 'ScheduleAnyway',
      });
      for (const c of constraints) expect(selectorMatches(c.labelSelector, podLabels())).toBe(true);
    });

    it('probes readiness on /health/ready, liveness on /health/live (never on readiness), with a startup probe', () => {
      const c = mainContainer(deployment());
      const portNames = (c.ports ?? []).map((p) => p.name);
      expect(c.ports?.map((p) => p.containerPort)).toEqual([3000]);
      expect(c.readinessProbe?.httpGet?.path).toBe('/health/ready');
      expect(c.livenessProbe?.httpGet?.path).toBe('/health/live');
      expect(c.livenessProbe?.httpGet?.path).not.toBe(c.readinessProbe?.httpGet?.path);
      expect(c.startupProbe?.httpGet?.path).toBe('/health/live');
      for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
        expect([3000, ...portNames]).toContain(probe?.httpGet?.port);
      }
      // The startup probe gives boot (migrations under a lock) at least a minute.
      const startup = c.startupProbe!;
      expect(
        (startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3),
      ).toBeGreaterThanOrEqual(60);
    });

    it('drains: a preStop sleep, then a grace period (≥ 40 s) covering the sleep and the service drain', () => {
      const spec = deployment().spec!.template.spec!;
      const sleep = sleepSeconds(mainContainer(deployment()));
      expect(sleep).toBeGreaterThan(0);
      expect(spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(40);
      expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(sleep + SERVICE_DRAIN_S);
      // /bin/sh exists in node:20-bookworm-slim; the exec form needs it.
      expect(mainContainer(deployment()).lifecycle!.preStop!.exec!.command![0]).toBe('/bin/sh');
    });

    it('sets CPU and memory requests and limits', () => {
      const { requests, limits } = mainContainer(deployment()).resources!;
      expect(Object.keys(requests ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(limits?.memory).toBeDefined();
      expect(limits?.cpu).toBeDefined();
    });

    it('runs as non-root on a read-only root filesystem with a writable /tmp and no privilege escalation', () => {
      const pod = deployment().spec!.template.spec!;
      const c = mainContainer(deployment());
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      expect(c.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
      expect(pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
    });

    it('is scraped by Prometheus at /metrics on the service port', () => {
      expect(deployment().spec!.template.metadata!.annotations).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '3000',
        'prometheus.io/path': '/metrics',
      });
    });

    it(`sets ROLE=${role}`, () => {
      expect(literalValue(deployment(), 'ROLE')).toBe(role);
    });

    it('has a PodDisruptionBudget of one pod that selects exactly its pods', () => {
      const budgets = all<IPodDisruptionBudget>('PodDisruptionBudget').filter((b) =>
        selectorMatches(b.spec!.selector, podLabels()),
      );
      expect(budgets).toHaveLength(1);
      const spec = budgets[0].spec!;
      expect(spec.maxUnavailable === 1 || spec.minAvailable !== undefined).toBe(true);
      if (spec.minAvailable !== undefined) {
        expect(spec.minAvailable).toBe(deployment().spec!.replicas! - 1);
      }
      // and no other workload's pods
      const others = [
        ...all<IDeployment>('Deployment'),
        ...all<IStatefulSet>('StatefulSet'),
      ].filter((w) => w.metadata!.name !== name);
      for (const w of others) {
        expect(selectorMatches(spec.selector, w.spec!.template.metadata!.labels)).toBe(false);
      }
    });
  });

  it('routes the api Service to api pods only, on the http port', () => {
    const service = one<IService>('Service', 'billing-api');
    const api = one<IDeployment>('Deployment', 'billing-api');
    const worker = one<IDeployment>('Deployment', 'billing-worker');
    const selector = { matchLabels: service.spec!.selector };
    expect(selectorMatches(selector, api.spec!.template.metadata!.labels)).toBe(true);
    expect(selectorMatches(selector, worker.spec!.template.metadata!.labels)).toBe(false);
    expect(service.spec!.ports?.[0].targetPort).toBe('http');
    expect(mainContainer(api).ports?.find((p) => p.name === 'http')?.containerPort).toBe(3000);
  });

  it('autoscales the api Deployment on CPU, never below its replica count', () => {
    const api = one<IDeployment>('Deployment', 'billing-api');
    const hpas = all<IHorizontalPodAutoscaler>('HorizontalPodAutoscaler');
    const forApi = hpas.filter(
      (h) =>
        h.spec!.scaleTargetRef.kind === 'Deployment' &&
        h.spec!.scaleTargetRef.name === 'billing-api',
    );
    expect(forApi).toHaveLength(1);
    const spec = forApi[0].spec!;
    expect(spec.scaleTargetRef.apiVersion).toBe('apps/v1');
    expect(spec.minReplicas).toBeGreaterThanOrEqual(api.spec!.replicas!);
    expect(spec.maxReplicas).toBeGreaterThan(spec.minReplicas!);
    expect(spec.metrics?.[0]).toMatchObject({
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization' } },
    });
    // Every HPA targets a Deployment that exists.
    for (const h of hpas) {
      expect(one<IDeployment>('Deployment', h.spec!.scaleTargetRef.name).metadata!.name).toBe(
        h.spec!.scaleTargetRef.name,
      );
    }
  });

  it("sets only environment variables documented in README.md's configuration table", () => {
    const documented = documentedVariables();
    expect(documented.has('DATABASE_URL')).toBe(true); // the table was found
    const undocumented = all<IDeployment>('Deployment').flatMap((d) =>
      variablesOf(d)
        .filter((n) => !documented.has(n))
        .map((n) => `${d.metadata!.name}: ${n}`),
    );
    expect(undocumented).toEqual([]);
  });

  it('points DATABASE_URL at the CloudNativePG read-write Service (<cluster>-rw)', () => {
    const cluster = objects.find((o) => o.kind === 'Cluster')!;
    const rw = `${cluster.metadata.name}-rw`;
    const initdb = (cluster as { spec?: { bootstrap?: { initdb?: { secret?: unknown } } } }).spec
      ?.bootstrap?.initdb;
    for (const d of all<IDeployment>('Deployment')) {
      const variable = mainContainer(d).env?.find((e) => e.name === 'DATABASE_URL');
      expect(variable).toBeDefined();
      if (variable!.value !== undefined) {
        expect(new URL(variable!.value).hostname.split('.')[0]).toBe(rw);
      } else {
        // The operator-generated `<cluster>-app` Secret: its `uri` names `<cluster>-rw`
        // (only when the Cluster does not bring its own application secret).
        expect(variable!.valueFrom?.secretKeyRef).toMatchObject({
          name: `${cluster.metadata.name}-app`,
          key: expect.stringMatching(/^(uri|fqdn-uri)$/),
        });
        expect(initdb?.secret).toBeUndefined();
      }
    }
  });

  it('takes ADMIN_API_KEY from a Secret of the kustomization that holds no real key', () => {
    const api = one<IDeployment>('Deployment', 'billing-api');
    const ref = mainContainer(api).env?.find((e) => e.name === 'ADMIN_API_KEY')?.valueFrom
      ?.secretKeyRef;
    expect(ref).toBeDefined();
    const secret = one<ISecret>('Secret', ref!.name!);
    expect(Object.keys(secret.data ?? {})).toContain(ref!.key);
    // An empty value is "unset" for the service: admin endpoints stay closed.
    expect(Buffer.from(secret.data![ref!.key], 'base64').toString()).toBe('');
  });

  describe('Redis with Sentinel', () => {
    const statefulSet = () => one<IStatefulSet>('StatefulSet', 'redis');
    const configFiles = () => {
      const volume = statefulSet().spec!.template.spec!.volumes!.find((v) => v.name === 'config');
      return one<IConfigMap>('ConfigMap', volume!.configMap!.name!).data!;
    };

    it('runs 3 pods, each with a Redis and a Sentinel container, behind a headless Service', () => {
      const spec = statefulSet().spec!;
      expect(spec.replicas).toBe(3);
      const containers = spec.template.spec!.containers;
      expect(containers.map((c) => c.name).sort()).toEqual(['redis', 'sentinel']);
      const service = one<IService>('Service', spec.serviceName!);
      expect(service.spec!.clusterIP).toBe('None');
      expect(service.spec!.publishNotReadyAddresses).toBe(true);
      expect(
        selectorMatches({ matchLabels: service.spec!.selector }, spec.template.metadata!.labels),
      ).toBe(true);
      expect(spec.volumeClaimTemplates?.[0].spec?.resources?.requests?.storage).toBeDefined();
      const budgets = all<IPodDisruptionBudget>('PodDisruptionBudget').filter((b) =>
        selectorMatches(b.spec!.selector, spec.template.metadata!.labels),
      );
      expect(budgets.map((b) => b.spec!.maxUnavailable)).toEqual([1]);
    });

    it('configures AOF (everysec) and noeviction', () => {
      const conf = configFiles()['redis.conf'];
      expect(conf).toMatch(/^appendonly yes$/m);
      expect(conf).toMatch(/^appendfsync everysec$/m);
      expect(conf).toMatch(/^maxmemory-policy noeviction$/m);
      expect(conf).toMatch(/^maxmemory \d+[mg]b$/m);
    });

    it('is what REDIS_SENTINELS and REDIS_SENTINEL_NAME point the service at', () => {
      const spec = statefulSet().spec!;
      const sentinel = spec.template.spec!.containers.find((c) => c.name === 'sentinel')!;
      const sentinelPort = sentinel.ports!.find((p) => p.name === 'sentinel')!.containerPort;
      const monitor = /^sentinel monitor (\S+) \S+ 6379 (\d+)$/m.exec(
        configFiles()['sentinel.conf'],
      );
      expect(monitor).not.toBeNull();
      expect(Number(monitor![2])).toBe(2); // quorum: a majority of 3
      for (const d of all<IDeployment>('Deployment')) {
        expect(literalValue(d, 'REDIS_SENTINEL_NAME')).toBe(monitor![1]);
        const sentinels = literalValue(d, 'REDIS_SENTINELS')!.split(',');
        expect(sentinels).toEqual(
          Array.from(
            { length: spec.replicas! },
            (_, i) => `redis-${i}.${spec.serviceName}:${sentinelPort}`,
          ),
        );
        // REDIS_URL stays set (password/db apply; nothing falls back to a local Redis).
        expect(literalValue(d, 'REDIS_URL')).toMatch(/^rediss?:\/\//);
      }
    });

    it('ships shell scripts that parse', () => {
      const volume = statefulSet().spec!.template.spec!.volumes!.find((v) => v.name === 'scripts');
      const scripts = one<IConfigMap>('ConfigMap', volume!.configMap!.name!).data!;
      expect(Object.keys(scripts).sort()).toEqual(['init.sh', 'prestop.sh']);
      const dir = mkdtempSync(join(tmpdir(), 'redis-scripts-'));
      try {
        for (const [file, text] of Object.entries(scripts)) {
          writeFileSync(join(dir, file), text);
          expect(() =>
            execFileSync('sh', ['-n', join(dir, file)], { stdio: 'pipe' }),
          ).not.toThrow();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
