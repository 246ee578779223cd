import { resolveEnvironment } from '../../lib/config/load';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';
import { checkPolicies } from '../../lib/policy';
import { podsOf } from '../../lib/policy/pods';
import { buildObjects, envVar, find } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

// Scheduling and pod extensions (lib/workload/schema.ts, pod-extension.ts): the environment-wide
// `scheduling` and `pods`, each component's `scheduling` and `pod`.

const everyPod = (overrides: EnvironmentOverrides = {}) => podsOf(buildObjects(overrides));
const podNamed = (overrides: EnvironmentOverrides, kind: string, name: string): any => {
  const o = find(buildObjects(overrides), kind, name);
  return kind === 'CronJob' ? o.spec.jobTemplate.spec.template : o.spec.template;
};
const violations = (overrides: EnvironmentOverrides) => checkPolicies(buildObjects(overrides));

const SIDECAR = {
  name: 'vault-agent',
  image: { repository: 'docker.io/hashicorp/vault', tag: '1.20.4' },
  args: ['agent', '-config=/vault/config.hcl'],
  resources: { cpuRequest: '10m', cpuLimit: '100m', memoryRequest: '32Mi', memoryLimit: '64Mi' },
  livenessProbe: { exec: { command: ['vault', 'version'] }, periodSeconds: 30 },
};

/** Every workload of the platform, by kind and name. */
const WORKLOADS: Array<[string, string]> = [
  ['Deployment', 'superset-web'], ['Deployment', 'superset-worker-interactive'], ['Deployment', 'superset-worker-reports'],
  ['Deployment', 'superset-beat'], ['Deployment', 'pgbouncer'], ['StatefulSet', 'postgres'], ['StatefulSet', 'redis-cache'],
  ['StatefulSet', 'redis-queue'], ['CronJob', 'pg-backup'], ['CronJob', 'pg-restore-check'], ['CronJob', 'dashboard-export'],
];

describe('scheduling', () => {
  test('default: no tolerations, affinity beyond the platform\'s own, priority class or pull Secrets on any pod', () => {
    for (const pod of everyPod()) {
      expect(pod.spec.tolerations).toBeUndefined();
      expect(pod.spec.priorityClassName).toBeUndefined();
      expect(pod.spec.imagePullSecrets).toBeUndefined();
      expect(pod.spec.affinity?.nodeAffinity).toBeUndefined();
    }
  });

  test('the environment-wide settings reach every pod, the migration Job included', () => {
    const toleration = { key: 'dedicated', operator: 'Equal' as const, value: 'analytics', effect: 'NoSchedule' as const };
    const pods = everyPod({ scheduling: { nodeSelector: { pool: 'analytics' }, tolerations: [toleration], priorityClassName: 'superset-high' } });
    expect(pods.length).toBeGreaterThanOrEqual(WORKLOADS.length + 1);
    for (const pod of pods) {
      expect(pod.spec.nodeSelector).toEqual({ pool: 'analytics' });
      expect(pod.spec.tolerations).toEqual([toleration]);
      expect(pod.spec.priorityClassName).toBe('superset-high');
    }
  });

  test('a component\'s field replaces the environment-wide one as a whole; fields it leaves out are inherited', () => {
    const overrides: EnvironmentOverrides = {
      scheduling: { nodeSelector: { pool: 'apps' }, tolerations: [{ key: 'apps', operator: 'Exists' }], priorityClassName: 'superset-normal' },
      postgres: { scheduling: { nodeSelector: { 'node.example.com/disk': 'ssd' }, tolerations: [{ key: 'db', operator: 'Exists', effect: 'NoSchedule' }] } },
    };
    const pg = podNamed(overrides, 'StatefulSet', 'postgres').spec;
    expect(pg.nodeSelector).toEqual({ 'node.example.com/disk': 'ssd' }); // not merged with pool: apps
    expect(pg.tolerations).toEqual([{ key: 'db', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pg.priorityClassName).toBe('superset-normal');
    const web = podNamed(overrides, 'Deployment', 'superset-web').spec;
    expect(web.nodeSelector).toEqual({ pool: 'apps' });
  });

  test.each(WORKLOADS)('%s %s takes its own priority class and node selector', (kind, name) => {
    const settings = { scheduling: { priorityClassName: 'only-here', nodeSelector: { only: 'here' } } };
    const overrides: Record<string, EnvironmentOverrides> = {
      'superset-web': { superset: { web: settings } },
      'superset-worker-interactive': { superset: { workers: { interactive: settings } } },
      'superset-worker-reports': { superset: { workers: { reports: settings } } },
      'superset-beat': { superset: { beat: settings } },
      pgbouncer: { pgbouncer: settings },
      postgres: { postgres: settings },
      'redis-cache': { redis: { cache: settings } },
      'redis-queue': { redis: { queue: settings } },
      'pg-backup': { ops: { backup: settings } },
      'pg-restore-check': { ops: { restoreCheck: settings } },
      'dashboard-export': { ops: { dashboardExport: settings } },
    };
    const objects = buildObjects(overrides[name]);
    for (const pod of podsOf(objects)) {
      const mine = pod.owner.kind === kind && pod.owner.metadata.name === name;
      expect([pod.owner.metadata.name, pod.spec.priorityClassName]).toEqual([pod.owner.metadata.name, mine ? 'only-here' : undefined]);
    }
  });

  test('the migration Job takes superset.migrations.scheduling', () => {
    const job = buildObjects({ superset: { migrations: { scheduling: { nodeSelector: { pool: 'batch' } } } } }).find((o) => o.kind === 'Job') as any;
    expect(job.spec.template.spec.nodeSelector).toEqual({ pool: 'batch' });
  });

  test('affinity: node affinity is rendered, and a component\'s own anti-affinity is added to the configured one', () => {
    const nodeAffinity = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In' as const, values: ['eu-central-1a', 'eu-central-1b'] }] }] } };
    const extra = { weight: 50, podAffinityTerm: { labelSelector: { matchLabels: { app: 'other' } }, topologyKey: 'kubernetes.io/hostname' } };
    const pg = podNamed({ postgres: { scheduling: { affinity: { nodeAffinity, podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [extra] } } } } }, 'StatefulSet', 'postgres').spec;
    expect(pg.affinity.nodeAffinity).toEqual(nodeAffinity);
    expect(pg.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toEqual([extra]);
    // staging's default: members on different nodes, required: still there.
    expect(pg.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
  });

  test('topology spread: a component can require zone spread while the rest only prefer it', () => {
    const spread = (name: string) => podNamed({ superset: { web: { scheduling: { zoneSpread: 'DoNotSchedule' } } } }, 'Deployment', name).spec.topologySpreadConstraints;
    expect(spread('superset-web')[0]).toMatchObject({ topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' });
    expect(spread('superset-worker-interactive')[0]).toMatchObject({ topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' });
  });

  test('topology spread: constraints of your own replace the zone and node spread, on the component\'s own pods; the environment\'s reach every component', () => {
    const rack = [{ topologyKey: 'example.com/rack', maxSkew: 2, whenUnsatisfiable: 'DoNotSchedule' as const, minDomains: 3 }];
    const own = podNamed({ superset: { web: { scheduling: { topologySpreadConstraints: rack } } } }, 'Deployment', 'superset-web').spec;
    expect(own.topologySpreadConstraints).toEqual([{ ...rack[0], labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'superset', 'app.kubernetes.io/instance': 'superset', 'app.kubernetes.io/component': 'web' } }, matchLabelKeys: ['pod-template-hash'] }]);
    // The other components keep the zone and node spread.
    expect(podNamed({ superset: { web: { scheduling: { topologySpreadConstraints: rack } } } }, 'Deployment', 'superset-worker-interactive').spec.topologySpreadConstraints.map((c: any) => c.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    // Environment-wide: every spread component, a StatefulSet without the ReplicaSet key.
    const everywhere = { scheduling: { topologySpreadConstraints: rack } };
    expect(podNamed(everywhere, 'Deployment', 'pgbouncer').spec.topologySpreadConstraints.map((c: any) => c.topologyKey)).toEqual(['example.com/rack']);
    const postgres = podNamed(everywhere, 'StatefulSet', 'postgres').spec.topologySpreadConstraints;
    expect(postgres.map((c: any) => [c.topologyKey, c.matchLabelKeys])).toEqual([['example.com/rack', undefined]]);
    // [] spreads nothing.
    expect(podNamed({ superset: { web: { scheduling: { topologySpreadConstraints: [] } } } }, 'Deployment', 'superset-web').spec.topologySpreadConstraints ?? []).toEqual([]);
  });

  test.each([
    ['a spread constraint with a skew of 0', { superset: { web: { scheduling: { topologySpreadConstraints: [{ topologyKey: 'zone', maxSkew: 0, whenUnsatisfiable: 'DoNotSchedule' }] } } } }, /superset\.web\.scheduling\.topologySpreadConstraints\.0\.maxSkew/],
    ['a spread constraint on an invalid label key', { scheduling: { topologySpreadConstraints: [{ topologyKey: 'not a key', maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway' }] } }, /scheduling\.topologySpreadConstraints\.0\.topologyKey/],
    ['a toleration with operator Exists and a value', { scheduling: { tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] } }, /scheduling\.tolerations\.0\.value[\s\S]*must be empty when operator is "Exists"/],
    ['a toleration without key and with operator Equal', { scheduling: { tolerations: [{ value: 'v' }] } }, /scheduling\.tolerations\.0\.operator[\s\S]*must be "Exists" when key is empty/],
    ['tolerationSeconds with effect NoSchedule', { redis: { cache: { scheduling: { tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 }] } } } }, /redis\.cache\.scheduling\.tolerations\.0\.tolerationSeconds[\s\S]*applies only to effect "NoExecute"/],
    ['a node affinity expression In without values', { scheduling: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In' }] }] } } } } }, /must list at least one value for operator "In"/],
    ['a system- PriorityClass', { pgbouncer: { scheduling: { priorityClassName: 'system-cluster-critical' } } }, /pgbouncer\.scheduling\.priorityClassName[\s\S]*admits those only in kube-system/],
    ['a nodeSelector value that is no label value', { scheduling: { nodeSelector: { pool: 'a b' } } }, /scheduling\.nodeSelector\.pool[\s\S]*must be a label value/],
  ])('rejects %s', (_what, overrides, message) => {
    expect(() => resolveEnvironment('test', overrides as EnvironmentOverrides)).toThrow(message);
  });
});

describe('pod extensions', () => {
  test('annotations and labels: the environment\'s on every pod, a component\'s win on a key, the platform\'s keys are kept', () => {
    const overrides: EnvironmentOverrides = {
      pods: { annotations: { 'apm.example.com/inject': 'true', 'team.example.com/owner': 'bi' }, labels: { 'example.com/cost-center': 'analytics' } },
      superset: { web: { pod: { annotations: { 'team.example.com/owner': 'web-team' }, labels: { 'sidecar.istio.io/inject': 'true' } } } },
    };
    for (const pod of everyPod(overrides)) expect(pod.labels['example.com/cost-center']).toBe('analytics');
    const web = podNamed(overrides, 'Deployment', 'superset-web');
    expect(web.metadata.annotations).toMatchObject({ 'apm.example.com/inject': 'true', 'team.example.com/owner': 'web-team', 'superset-k8s.io/config-sha256': expect.any(String) });
    expect(web.metadata.labels).toMatchObject({ 'sidecar.istio.io/inject': 'true', 'app.kubernetes.io/component': 'web' });
    expect(podNamed(overrides, 'Deployment', 'superset-beat').metadata.annotations['team.example.com/owner']).toBe('bi');
  });

  test('image pull Secrets: the environment\'s on every pod, a component\'s added once', () => {
    const overrides: EnvironmentOverrides = { pods: { imagePullSecrets: ['registry-pull'] }, postgres: { pod: { imagePullSecrets: ['registry-pull', 'spilo-pull'] } } };
    for (const pod of everyPod(overrides)) expect(pod.spec.imagePullSecrets[0]).toEqual({ name: 'registry-pull' });
    expect(podNamed(overrides, 'StatefulSet', 'postgres').spec.imagePullSecrets).toEqual([{ name: 'registry-pull' }, { name: 'spilo-pull' }]);
  });

  test('extra volumes and mounts reach every container the platform renders in the pod; sidecars are restricted and read-only', () => {
    const overrides: EnvironmentOverrides = {
      pgbouncer: {
        pod: {
          volumes: [{ name: 'vault-config', configMap: { name: 'vault-agent-config' } }, { name: 'vault-secrets', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }],
          volumeMounts: [{ name: 'vault-secrets', mountPath: '/vault/secrets', readOnly: true }],
          sidecars: [{ ...SIDECAR, volumeMounts: [{ name: 'vault-config', mountPath: '/vault' }, { name: 'vault-secrets', mountPath: '/vault/secrets' }] }],
        },
      },
    };
    const spec = podNamed(overrides, 'Deployment', 'pgbouncer').spec;
    expect(spec.volumes.map((v: any) => v.name)).toEqual(expect.arrayContaining(['vault-config', 'vault-secrets']));
    for (const c of spec.containers.filter((x: any) => x.name !== 'vault-agent')) expect(c.volumeMounts).toContainEqual({ name: 'vault-secrets', mountPath: '/vault/secrets', readOnly: true });
    const sidecar = spec.containers.find((c: any) => c.name === 'vault-agent');
    expect(sidecar.image).toBe('docker.io/hashicorp/vault:1.20.4');
    expect(sidecar.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 998, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(sidecar.resources.limits.memory).toBe('64Mi');
    expect(violations(overrides)).toEqual([]);
  });

  test('extra init containers run after the platform\'s', () => {
    const init = { ...SIDECAR, name: 'fetch-drivers', livenessProbe: undefined };
    const spec = podNamed({ superset: { web: { pod: { initContainers: [init] } } } }, 'Deployment', 'superset-web').spec;
    expect(spec.initContainers.map((c: any) => c.name)).toEqual(['wait-for-migrations', 'fetch-drivers']);
  });

  test('a sidecar without a liveness probe fails synth naming the rule "probes"', () => {
    const v = violations({ redis: { queue: { pod: { sidecars: [{ ...SIDECAR, livenessProbe: undefined }] } } } });
    expect(v).toEqual([expect.objectContaining({ rule: 'probes', object: 'StatefulSet superset-test/redis-queue', message: 'container "vault-agent": no livenessProbe' })]);
  });

  test('a sidecar image without a registry fails synth naming the rule "explicit-registry"', () => {
    const v = violations({ superset: { beat: { pod: { sidecars: [{ ...SIDECAR, image: { repository: 'hashicorp/vault', tag: '1.20.4' } }] } } } });
    expect(v.map((x) => x.rule)).toEqual(['explicit-registry']);
  });

  test('a sidecar image with a mutable tag fails synth naming the rule "pinned-images"', () => {
    const v = violations({ pgbouncer: { pod: { sidecars: [{ ...SIDECAR, image: { repository: 'docker.io/hashicorp/vault', tag: 'latest' } }] } } });
    expect(v.map((x) => x.rule)).toEqual(['pinned-images']);
  });

  test('a sidecar named like a platform container fails synth naming the rule "pod-references"', () => {
    const v = violations({ superset: { web: { pod: { sidecars: [{ ...SIDECAR, name: 'web' }] } } } });
    expect(v).toEqual([expect.objectContaining({ rule: 'pod-references', message: 'container name "web" is used more than once' })]);
  });

  test('a sidecar mounting a volume the pod lacks fails synth naming the rule "pod-references"', () => {
    const v = violations({ ops: { backup: { pod: { sidecars: [{ ...SIDECAR, volumeMounts: [{ name: 'nowhere', mountPath: '/x' }] }] } } } });
    expect(v).toEqual([expect.objectContaining({ rule: 'pod-references', message: 'native sidecar "vault-agent": mounts volume "nowhere", which the pod does not declare' })]);
  });

  test('a sidecar\'s secret-named env var with a literal value fails synth naming the rule "no-secret-literals"', () => {
    const v = violations({ pgbouncer: { pod: { sidecars: [{ ...SIDECAR, env: [{ name: 'VAULT_TOKEN', value: 's.abcdef' }] }] } } });
    expect(v.map((x) => x.rule)).toEqual(['no-secret-literals']);
  });

  test.each([
    ['a hostPath volume', { postgres: { pod: { volumes: [{ name: 'host', hostPath: { path: '/var/run' } }] } } }, /postgres\.pod\.volumes\.0\.hostPath[\s\S]*restricted-pod-security/],
    ['a volume with two sources', { postgres: { pod: { volumes: [{ name: 'x', configMap: { name: 'a' }, secret: { secretName: 'b' } }] } } }, /must set exactly one of configMap, secret, emptyDir, persistentVolumeClaim, csi \(has configMap, secret\)/],
    ['an emptyDir without sizeLimit', { postgres: { pod: { volumes: [{ name: 'x', emptyDir: {} }] } } }, /postgres\.pod\.volumes\.0\.emptyDir\.sizeLimit/],
    ['a mount of an undeclared volume', { superset: { web: { pod: { volumeMounts: [{ name: 'certs', mountPath: '/certs' }] } } } }, /superset\.web\.pod\.volumeMounts\.0\.name = "certs"[\s\S]*must name a volume of superset\.web\.pod\.volumes/],
    ['two extra containers of one name', { pgbouncer: { pod: { initContainers: [{ ...SIDECAR }], sidecars: [{ ...SIDECAR }] } } }, /pgbouncer\.pod\.sidecars\.0\.name[\s\S]*must be unique/],
    ['an app.kubernetes.io label', { pods: { labels: { 'app.kubernetes.io/name': 'x' } } }, /pods\.labels\.app\.kubernetes\.io\/name[\s\S]*must not be an app\.kubernetes\.io\/ label/],
    ['a probe with two handlers', { pgbouncer: { pod: { sidecars: [{ ...SIDECAR, livenessProbe: { exec: { command: ['true'] }, tcpSocket: { port: 80 } } }] } } }, /must set exactly one of exec, httpGet, tcpSocket/],
    ['a sidecar running as root', { pgbouncer: { pod: { sidecars: [{ ...SIDECAR, runAsUser: 0 }] } } }, /pgbouncer\.pod\.sidecars\.0\.runAsUser/],
  ])('rejects %s', (_what, overrides, message) => {
    expect(() => resolveEnvironment('test', overrides as EnvironmentOverrides)).toThrow(message);
  });

  test('pod.egress of an extra container becomes a NetworkPolicy egress rule of that component only', () => {
    const objects = buildObjects({ superset: { web: { pod: { sidecars: [SIDECAR], egress: [{ cidr: '10.40.0.0/24', ports: [8200] }] } } } });
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as any[];
    const withVault = policies.filter((p) => JSON.stringify(p.spec.egress ?? []).includes('10.40.0.0/24'));
    expect(withVault.map((p) => p.spec.podSelector.matchLabels['app.kubernetes.io/component'])).toEqual(['web']);
    expect(JSON.stringify(withVault[0].spec.egress)).toContain('8200');
  });
});

describe('sidecars of pods that run to completion (native sidecars)', () => {
  // A Cloud SQL proxy: what a Job on a managed database needs next to it.
  const PROXY = {
    name: 'cloud-sql-proxy',
    image: { repository: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy', tag: '2.14.1' },
    args: ['--port=5432', 'my-project:europe-west1:superset'],
    resources: { cpuRequest: '10m', cpuLimit: '200m', memoryRequest: '32Mi', memoryLimit: '128Mi' },
    startupProbe: { tcpSocket: { port: 5432 }, periodSeconds: 1, failureThreshold: 60 },
  };
  const migrateJob = (overrides: EnvironmentOverrides): any => (buildObjects(overrides).find((o) => o.kind === 'Job') as any).spec.template;
  const natives = (spec: any): string[] => (spec.initContainers ?? []).filter((c: any) => c.restartPolicy === 'Always').map((c: any) => c.name);

  test('default: no native sidecar (no init container with a restartPolicy) in any pod', () => {
    for (const pod of everyPod()) {
      expect([pod.owner.metadata.name, natives(pod.spec)]).toEqual([pod.owner.metadata.name, []]);
      for (const c of pod.spec.containers) expect(c.restartPolicy).toBeUndefined();
    }
  });

  test('the migration Job: a sidecar is the first init container with restartPolicy Always, not an ordinary container that never exits', () => {
    const spec = migrateJob({ superset: { migrations: { pod: { sidecars: [PROXY] } } } }).spec;
    expect(spec.restartPolicy).toBe('Never');
    expect(spec.containers.map((c: any) => c.name)).toEqual(['migrate']);
    expect(spec.initContainers.map((c: any) => [c.name, c.restartPolicy])).toEqual([['cloud-sql-proxy', 'Always']]);
    expect(spec.initContainers[0]).toMatchObject({ image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1', startupProbe: { tcpSocket: { port: 5432 } }, securityContext: { readOnlyRootFilesystem: true, runAsNonRoot: true } });
  });

  test('the migration Job: the sidecar starts before the extra init containers', () => {
    const init = { ...PROXY, name: 'check-schema', startupProbe: undefined };
    const spec = migrateJob({ superset: { migrations: { pod: { initContainers: [init], sidecars: [PROXY] } } } }).spec;
    expect(spec.initContainers.map((c: any) => [c.name, c.restartPolicy])).toEqual([['cloud-sql-proxy', 'Always'], ['check-schema', undefined]]);
  });

  test('the ops CronJobs: pg-backup\'s sidecar is a native sidecar; dashboard-export\'s starts before the platform\'s exporter step', () => {
    const backup = podNamed({ ops: { backup: { pod: { sidecars: [PROXY] } } } }, 'CronJob', 'pg-backup').spec;
    expect(backup.containers.map((c: any) => c.name)).not.toContain('cloud-sql-proxy');
    expect(natives(backup)).toEqual(['cloud-sql-proxy']);
    const init = { ...PROXY, name: 'fetch-keys', startupProbe: undefined };
    const exporter = podNamed({ ops: { dashboardExport: { pod: { sidecars: [PROXY], initContainers: [init] } } } }, 'CronJob', 'dashboard-export').spec;
    expect(exporter.initContainers.map((c: any) => [c.name, c.restartPolicy])).toEqual([['cloud-sql-proxy', 'Always'], ['export', undefined], ['fetch-keys', undefined]]);
    expect(exporter.containers.map((c: any) => c.name)).toEqual(['publish']);
  });

  test('Deployments and StatefulSets keep ordinary sidecars', () => {
    const overrides: EnvironmentOverrides = { superset: { web: { pod: { sidecars: [SIDECAR] } } }, redis: { queue: { pod: { sidecars: [SIDECAR] } } } };
    for (const [kind, name] of [['Deployment', 'superset-web'], ['StatefulSet', 'redis-queue']]) {
      const spec = podNamed(overrides, kind, name).spec;
      expect(spec.containers.find((c: any) => c.name === 'vault-agent').restartPolicy).toBeUndefined();
      expect(natives(spec)).toEqual([]);
    }
  });

  test('a Job\'s and a CronJob\'s native sidecars meet every policy rule (no liveness probe needed: they stop with the pod)', () => {
    expect(violations({ superset: { migrations: { pod: { sidecars: [PROXY] } } }, ops: { restoreCheck: { pod: { sidecars: [PROXY] } } } })).toEqual([]);
  });
});

describe('custom CA bundle (pods.caBundle)', () => {
  const overrides: EnvironmentOverrides = { pods: { caBundle: { configMap: 'corporate-ca', key: 'ca.pem' } } };
  const CA_ENV = ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'PGSSLROOTCERT'];

  test('default: no CA bundle volume or variables', () => {
    for (const pod of everyPod()) {
      expect((pod.spec.volumes ?? []).map((v: any) => v.name)).not.toContain('ca-bundle');
      for (const c of pod.spec.containers) expect(envVar(c, 'SSL_CERT_FILE')).toBeUndefined();
    }
  });

  test('mounted into every container of the Superset and ops pods (Python, curl, psql), with the variables pointing at it', () => {
    for (const [kind, name] of [['Deployment', 'superset-web'], ['Deployment', 'superset-beat'], ['CronJob', 'pg-backup'], ['CronJob', 'dashboard-export']]) {
      const spec = podNamed(overrides, kind, name).spec;
      expect(spec.volumes).toContainEqual({ name: 'ca-bundle', configMap: { name: 'corporate-ca', items: [{ key: 'ca.pem', path: 'ca.crt' }], defaultMode: 0o444 } });
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        expect(c.volumeMounts).toContainEqual({ name: 'ca-bundle', mountPath: '/etc/ssl/superset-k8s', readOnly: true });
        for (const name of CA_ENV) expect(envVar(c, name)).toEqual({ name, value: '/etc/ssl/superset-k8s/ca.crt' });
      }
    }
    const job = buildObjects(overrides).find((o) => o.kind === 'Job') as any;
    expect(envVar(job.spec.template.spec.containers[0], 'REQUESTS_CA_BUNDLE')).toBeDefined();
  });

  test('mounted into the extra sidecars and init containers of those pods too, with the variables; what the container sets itself wins', () => {
    const mine = { name: 'SSL_CERT_FILE', value: '/vault/ca.pem' };
    const init = { ...SIDECAR, name: 'fetch-drivers', livenessProbe: undefined };
    const withExtras: EnvironmentOverrides = {
      ...overrides,
      superset: { web: { pod: { sidecars: [{ ...SIDECAR, env: [mine] }], initContainers: [init] } }, migrations: { pod: { sidecars: [{ ...SIDECAR, name: 'proxy' }] } } },
      ops: { backup: { pod: { sidecars: [SIDECAR] } } },
    };
    const web = podNamed(withExtras, 'Deployment', 'superset-web').spec;
    const job = (buildObjects(withExtras).find((o) => o.kind === 'Job') as any).spec.template.spec;
    const extras = [
      web.containers.find((c: any) => c.name === 'vault-agent'),
      web.initContainers.find((c: any) => c.name === 'fetch-drivers'),
      job.initContainers.find((c: any) => c.name === 'proxy'),
      podNamed(withExtras, 'CronJob', 'pg-backup').spec.initContainers.find((c: any) => c.name === 'vault-agent'),
    ];
    for (const c of extras) {
      expect(c.volumeMounts).toContainEqual({ name: 'ca-bundle', mountPath: '/etc/ssl/superset-k8s', readOnly: true });
      for (const name of CA_ENV.slice(1)) expect(envVar(c, name)).toEqual({ name, value: '/etc/ssl/superset-k8s/ca.crt' });
    }
    expect(extras[0].env.filter((e: any) => e.name === 'SSL_CERT_FILE')).toEqual([mine]);
    expect(envVar(extras[1], 'SSL_CERT_FILE')).toEqual({ name: 'SSL_CERT_FILE', value: '/etc/ssl/superset-k8s/ca.crt' });
    // Superset's own variables stay in Superset's containers.
    expect(envVar(extras[0], 'SUPERSET_CONFIG_PATH')).toBeUndefined();
    expect(violations(withExtras)).toEqual([]);
  });

  test('without pods.caBundle an extra container gets no CA mount or variables', () => {
    const c = podNamed({ superset: { web: { pod: { sidecars: [SIDECAR] } } } }, 'Deployment', 'superset-web').spec.containers.find((x: any) => x.name === 'vault-agent');
    expect(c.volumeMounts).toBeUndefined();
    expect(c.env).toBeUndefined();
  });

  test('not mounted into the data tier (it does not call out)', () => {
    expect(podNamed(overrides, 'StatefulSet', 'redis-cache').spec.volumes.map((v: any) => v.name)).not.toContain('ca-bundle');
  });

  test('from a Secret', () => {
    const spec = podNamed({ pods: { caBundle: { secret: 'corporate-ca', key: 'ca.crt' } } }, 'Deployment', 'superset-web').spec;
    expect(spec.volumes).toContainEqual({ name: 'ca-bundle', secret: { secretName: 'corporate-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o444 } });
  });

  test('rejects a bundle with both a ConfigMap and a Secret', () => {
    expect(() => resolveEnvironment('test', { pods: { caBundle: { configMap: 'a', secret: 'b', key: 'ca.crt' } } })).toThrow(/pods\.caBundle[\s\S]*must set exactly one of configMap and secret/);
  });
});

describe('ServiceAccount annotations (cloud identity)', () => {
  const sa = (objects: any[], name: string) => find(objects, 'ServiceAccount', name);

  test('default: no annotations on any ServiceAccount', () => {
    for (const o of buildObjects().filter((x) => x.kind === 'ServiceAccount')) expect(o.metadata.annotations).toBeUndefined();
  });

  test('per component: IRSA on the ops account, GKE Workload Identity on Superset\'s, Azure on PgBouncer\'s (its pods get the webhook label)', () => {
    const objects = buildObjects({
      ops: { serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/superset-backup' } } },
      superset: { serviceAccount: { annotations: { 'iam.gke.io/gcp-service-account': 'superset-app@my-project.iam.gserviceaccount.com' } } },
      pgbouncer: { serviceAccount: { annotations: { 'azure.workload.identity/client-id': '0a1b2c3d-0000-4000-8000-0123456789ab' } } },
    });
    expect(sa(objects, 'superset-ops').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/superset-backup' });
    expect(sa(objects, 'superset').metadata.annotations['iam.gke.io/gcp-service-account']).toBe('superset-app@my-project.iam.gserviceaccount.com');
    expect(sa(objects, 'pgbouncer').metadata.annotations['azure.workload.identity/client-id']).toBe('0a1b2c3d-0000-4000-8000-0123456789ab');
    expect(sa(objects, 'postgres').metadata.annotations).toBeUndefined();
    expect(find(objects, 'Deployment', 'pgbouncer').spec.template.metadata.labels['azure.workload.identity/use']).toBe('true');
    expect(find(objects, 'Deployment', 'superset-web').spec.template.metadata.labels['azure.workload.identity/use']).toBeUndefined();
  });

  test.each([
    ['an IRSA annotation that is no role ARN', { ops: { serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'superset-backup' } } } }, /ops\.serviceAccount\.annotations\.eks\.amazonaws\.com\/role-arn[\s\S]*must be an IAM role ARN/],
    ['a GKE annotation that is no service account e-mail', { redis: { cache: { serviceAccount: { annotations: { 'iam.gke.io/gcp-service-account': 'superset@gmail.com' } } } } }, /must be a Google service account e-mail/],
    ['an Azure client id that is no GUID', { postgres: { serviceAccount: { annotations: { 'azure.workload.identity/client-id': 'my-app' } } } }, /must be the client ID \(a GUID\)/],
  ])('rejects %s', (_what, overrides, message) => {
    expect(() => resolveEnvironment('test', overrides as EnvironmentOverrides)).toThrow(message);
  });
});
