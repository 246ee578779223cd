import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveEnvironment } from '../../lib/config/load';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';
import { supersetSecretRefs } from '../../lib/superset/secrets';
import { CHARTS } from '../../lib/platform';
import { REDIS_PASSWORD_KEY } from '../../lib/redis/redis-pod';
import { renderCacheConf } from '../../lib/redis/redis-conf';
import { CACHE_SCRIPTS, SCRIPTS_DIR } from '../../lib/redis/scripts';
import { buildCharts, envVar, find, findAll } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

const cacheObjects = (overrides: EnvironmentOverrides = {}) => buildCharts(overrides).get(CHARTS.redisCache)!;
const container = (sts: any, name: string) => sts.spec.template.spec.containers.find((c: any) => c.name === name);
const conf = (overrides: EnvironmentOverrides = {}) => renderCacheConf(resolveEnvironment('test', overrides));

describe('redis-cache', () => {
  describe('defaults: 3 shards x 1 replica, Valkey', () => {
    const objects = cacheObjects();
    const sts = find(objects, 'StatefulSet', 'redis-cache');
    const spec = sts.spec.template.spec;

    test('its own chart, after the config and before the Superset workloads', () => {
      expect(CHARTS.redisCache).toBe('30-redis-cache');
      expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
        'ConfigMap/redis-cache-config', 'PodDisruptionBudget/redis-cache', 'Service/redis-cache', 'Service/redis-cache-headless',
        'ServiceAccount/redis-cache', 'StatefulSet/redis-cache',
      ]);
    });

    test('a StatefulSet of 6 pods started in parallel, one rolled at a time, volumes kept', () => {
      expect(sts.spec).toMatchObject({
        replicas: 6,
        serviceName: 'redis-cache-headless',
        podManagementPolicy: 'Parallel',
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        minReadySeconds: 10,
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      });
      expect(sts.spec.volumeClaimTemplates).toEqual([expect.objectContaining({
        metadata: expect.objectContaining({ name: 'data' }),
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } },
      })]);
    });

    test('server, cluster agent and exporter; pinned images; the same scripts the repository holds', () => {
      expect(spec.containers.map((c: any) => c.name)).toEqual(['redis', 'cluster-agent', 'metrics']);
      expect(container(sts, 'redis').image).toBe('docker.io/valkey/valkey:9.1.1');
      expect(container(sts, 'cluster-agent').image).toBe('docker.io/valkey/valkey:9.1.1');
      expect(container(sts, 'metrics').image).toBe('docker.io/oliver006/redis_exporter:v1.88.0');
      expect(container(sts, 'redis').command).toEqual(['sh', '/etc/redis/cache-start.sh']);
      expect(envVar(container(sts, 'redis'), 'REDIS_SERVER').value).toBe('valkey-server');
      expect(envVar(container(sts, 'redis'), 'REDIS_CLI').value).toBe('valkey-cli');
      const data = find(objects, 'ConfigMap', 'redis-cache-config').data;
      expect(Object.keys(data).sort()).toEqual(['redis.conf', 'users.conf', ...CACHE_SCRIPTS].sort());
      for (const name of CACHE_SCRIPTS) expect(data[name]).toBe(fs.readFileSync(path.join(SCRIPTS_DIR, name), 'utf8'));
    });

    test('readiness means serving, liveness only that the process answers, preStop hands over', () => {
      const redis = container(sts, 'redis');
      expect(redis.readinessProbe.exec.command).toEqual(['sh', '/etc/redis/cache-ready.sh']);
      expect(redis.livenessProbe.exec.command).toEqual(['sh', '/etc/redis/alive.sh']);
      expect(redis.startupProbe.exec.command).toEqual(['sh', '/etc/redis/alive.sh']);
      expect(redis.lifecycle.preStop.exec.command).toEqual(['sh', '/etc/redis/cache-prestop.sh']);
      // preStop (20 s) + snapshot on SIGTERM (60 s) + margin
      expect(spec.terminationGracePeriodSeconds).toBe(90);
      const agent = container(sts, 'cluster-agent');
      expect(agent.readinessProbe).toBeUndefined();
      expect(agent.livenessProbe.exec.command).toEqual(['sh', '/etc/redis/agent-alive.sh', '180']);
      expect(container(sts, 'metrics').readinessProbe.httpGet).toEqual({ path: '/health', port: 'metrics' });
    });

    test('the agent knows every node by its stable name and the shard layout', () => {
      const agent = container(sts, 'cluster-agent');
      expect(envVar(agent, 'CLUSTER_NODES').value).toBe([0, 1, 2, 3, 4, 5].map((i) => `redis-cache-${i}.redis-cache-headless:6379`).join(' '));
      expect(envVar(agent, 'REPLICAS_PER_SHARD').value).toBe('1');
      expect(envVar(agent, 'POD_IP').valueFrom).toEqual({ fieldRef: { fieldPath: 'status.podIP' } });
      expect(envVar(container(sts, 'redis'), 'ANNOUNCE_HOSTNAME').value).toBe('$(POD_NAME).redis-cache-headless');
    });

    test('the password: a Secret file readable by the Redis user only, an env var for the exporter, never a literal', () => {
      // Every key of the Secret: next-password / previous-password appear there during a rotation.
      expect(spec.volumes.find((v: any) => v.name === 'auth').secret).toEqual({ secretName: 'redis-cache-auth', defaultMode: 0o440 });
      expect(spec.volumes.find((v: any) => v.name === 'run').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Mi' });
      // The exporter logs in as its own read-only user, with its own key (never the application's password).
      expect(envVar(container(sts, 'metrics'), 'REDIS_USER').value).toBe('exporter');
      expect(envVar(container(sts, 'metrics'), 'REDIS_PASSWORD').valueFrom).toEqual({ secretKeyRef: { name: 'redis-cache-auth', key: 'exporter-password' } });
      expect(envVar(container(sts, 'metrics'), 'REDIS_EXPORTER_CONFIG_COMMAND').value).toBe('-');
      // The key is the one the Secrets contract documents for this Secret.
      const contract = supersetSecretRefs(resolveEnvironment('test', {}).config).find((r) => r.secretName === 'redis-cache-auth')!;
      expect(REDIS_PASSWORD_KEY).toBe(contract.key);
    });

    test('non-root (uid 999), read-only root filesystem, no API token, spread across nodes and zones', () => {
      expect(spec.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999, runAsNonRoot: true });
      for (const c of spec.containers) expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsUser: 999 });
      expect(spec.automountServiceAccountToken).toBe(false);
      expect(spec.serviceAccountName).toBe('redis-cache');
      expect(spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toEqual([{
        weight: 100,
        podAffinityTerm: { labelSelector: { matchLabels: sts.spec.selector.matchLabels }, topologyKey: 'kubernetes.io/hostname' },
      }]);
      expect(spec.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
      for (const t of spec.topologySpreadConstraints) expect(t.matchLabelKeys).toBeUndefined();
    });

    test('a config change rolls the pods', () => {
      const hash = (o: EnvironmentOverrides) => find(cacheObjects(o), 'StatefulSet', 'redis-cache').spec.template.metadata.annotations['superset-k8s.io/config-sha256'];
      expect(hash({})).toMatch(/^[0-9a-f]{64}$/);
      expect(hash({ redis: { cache: { clusterNodeTimeoutMilliseconds: 5000 } } })).not.toBe(hash({}));
    });

    test('services: headless publishes not-ready pods (the cluster forms before it is ready), the client Service only ready ones', () => {
      const headless = find(objects, 'Service', 'redis-cache-headless');
      expect(headless.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, selector: sts.spec.selector.matchLabels });
      expect(headless.spec.ports.map((p: any) => `${p.name}:${p.port}`)).toEqual(['redis:6379', 'cluster-bus:16379', 'metrics:9121']);
      const client = find(objects, 'Service', 'redis-cache');
      expect(client.spec).toEqual({ type: 'ClusterIP', selector: sts.spec.selector.matchLabels, ports: [{ name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP' }] });
      expect(find(objects, 'PodDisruptionBudget', 'redis-cache').spec).toMatchObject({ maxUnavailable: 1, selector: { matchLabels: sts.spec.selector.matchLabels } });
    });

    test('redis.conf: cluster mode, the chosen node timeout, no full coverage, maxmemory 70 % of the limit, LRU, snapshot on shutdown', () => {
      const text = conf();
      for (const line of [
        'cluster-enabled yes', 'cluster-config-file nodes.conf', 'cluster-node-timeout 3000', 'cluster-require-full-coverage no',
        'cluster-replica-validity-factor 0', `maxmemory ${716 * 2 ** 20}`, 'maxmemory-policy allkeys-lru', 'dir /data',
        'save ""', 'appendonly no', 'shutdown-on-sigterm save', 'lazyfree-lazy-user-del yes', 'bind * -::*', 'port 6379',
      ]) expect(text.split('\n')).toContain(line);
      expect(text).not.toMatch(/requirepass|masterauth|cluster-announce-ip/);
    });
  });

  describe('custom', () => {
    test('Redis 8 instead of Valkey', () => {
      const sts = find(cacheObjects({ redis: { engine: 'redis' } }), 'StatefulSet', 'redis-cache');
      expect(container(sts, 'redis').image).toBe('docker.io/library/redis:8.10.2');
      expect(envVar(container(sts, 'redis'), 'REDIS_SERVER').value).toBe('redis-server');
      expect(envVar(container(sts, 'cluster-agent'), 'REDIS_CLI').value).toBe('redis-cli');
      expect(sts.metadata.labels['app.kubernetes.io/version']).toBe('8.10.2');
    });

    test('4 shards x 2 replicas, required anti-affinity, a storage class, a digest', () => {
      const sts = find(cacheObjects({ redis: {
        images: { valkey: { repository: 'mirror.example/valkey', tag: '9.1.1', digest: `sha256:${'a'.repeat(64)}` } },
        cache: { shards: 4, replicasPerShard: 2, antiAffinity: 'required', storage: { size: '2Gi', storageClassName: 'fast-ssd' } },
      } }), 'StatefulSet', 'redis-cache');
      expect(sts.spec.replicas).toBe(12);
      expect(envVar(container(sts, 'cluster-agent'), 'CLUSTER_NODES').value.split(' ')).toHaveLength(12);
      expect(envVar(container(sts, 'cluster-agent'), 'REPLICAS_PER_SHARD').value).toBe('2');
      expect(sts.spec.template.spec.affinity.podAntiAffinity).toEqual({
        requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: sts.spec.selector.matchLabels }, topologyKey: 'kubernetes.io/hostname' }],
      });
      expect(sts.spec.volumeClaimTemplates[0].spec.storageClassName).toBe('fast-ssd');
      expect(container(sts, 'redis').image).toBe(`mirror.example/valkey:9.1.1@sha256:${'a'.repeat(64)}`);
    });

    test('persistence: AOF, or nothing but nodes.conf', () => {
      const aof = conf({ redis: { cache: { persistence: 'aof', storage: { size: '4Gi' } } } }).split('\n');
      expect(aof).toEqual(expect.arrayContaining(['appendonly yes', 'appendfsync everysec', 'save ""']));
      expect(aof).not.toContain('shutdown-on-sigterm save');
      const none = conf({ redis: { cache: { persistence: 'none' } } }).split('\n');
      expect(none).toEqual(expect.arrayContaining(['appendonly no', 'save ""', 'shutdown-on-sigterm nosave']));
    });

    test('dev: 3 primaries without replicas is still a cluster', () => {
      const sts = find(cacheObjects({ redis: { cache: { replicasPerShard: 0 } } }), 'StatefulSet', 'redis-cache');
      expect(sts.spec.replicas).toBe(3);
      expect(envVar(container(sts, 'cluster-agent'), 'REPLICAS_PER_SHARD').value).toBe('0');
    });

    test('a different Secret name', () => {
      const objects = cacheObjects({ secrets: { redisCache: 'cache-credentials' } });
      const sts = find(objects, 'StatefulSet', 'redis-cache');
      expect(sts.spec.template.spec.volumes.find((v: any) => v.name === 'auth').secret.secretName).toBe('cache-credentials');
      expect(findAll(objects, 'Secret')).toEqual([]);
    });
  });
});
