import { resolveEnvironment } from '../../lib/config/load';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';
import { CHARTS } from '../../lib/platform';
import { renderQueueConf, renderSentinelConf, renderSentinelMasterConf, sentinelQuorum } from '../../lib/redis/redis-conf';
import { QUEUE_SCRIPTS, SENTINEL_SCRIPTS } from '../../lib/redis/scripts';
import { buildCharts, envVar, find } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

const queueObjects = (overrides: EnvironmentOverrides = {}) => buildCharts(overrides).get(CHARTS.redisQueue)!;
const container = (sts: any, name: string) => sts.spec.template.spec.containers.find((c: any) => c.name === name);
const env = (overrides: EnvironmentOverrides = {}) => resolveEnvironment('test', overrides);
const STANDALONE: EnvironmentOverrides = { redis: { queue: { mode: 'standalone', replicas: 1 } } };

describe('redis-queue', () => {
  describe('defaults: 1 primary + 2 replicas under 3 Sentinels', () => {
    const objects = queueObjects();
    const sts = find(objects, 'StatefulSet', 'redis-queue');

    test('objects: no plain redis-queue Service (clients ask the Sentinels), a Sentinel Service for operators', () => {
      expect(CHARTS.redisQueue).toBe('35-redis-queue');
      expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
        'ConfigMap/redis-queue-config', 'PodDisruptionBudget/redis-queue', 'Service/redis-queue-headless', 'Service/redis-queue-sentinel',
        'ServiceAccount/redis-queue', 'StatefulSet/redis-queue',
      ]);
      expect(find(objects, 'Service', 'redis-queue-headless').spec.ports.map((p: any) => `${p.name}:${p.port}`)).toEqual(['redis:6379', 'sentinel:26379', 'metrics:9121']);
      expect(find(objects, 'Service', 'redis-queue-sentinel').spec.ports).toEqual([{ name: 'sentinel', port: 26379, targetPort: 'sentinel', protocol: 'TCP' }]);
    });

    test('every pod runs Redis, a Sentinel, the auth agent and the exporter; both servers hand over in preStop', () => {
      expect(sts.spec).toMatchObject({ replicas: 3, podManagementPolicy: 'Parallel', serviceName: 'redis-queue-headless' });
      expect(sts.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['redis', 'sentinel', 'auth-agent', 'metrics']);
      // The auth agent applies a rotated Secret to both servers; restarted when none of its passwords gets in.
      const agent = container(sts, 'auth-agent');
      expect(agent.command).toEqual(['sh', '/etc/redis/auth-agent.sh']);
      expect(agent.livenessProbe.exec.command).toEqual(['sh', '/etc/redis/agent-alive.sh', '60']);
      expect(envVar(agent, 'QUEUE_MODE').value).toBe('sentinel');
      expect(agent.volumeMounts).toEqual(expect.arrayContaining([{ name: 'auth', mountPath: '/etc/redis-auth', readOnly: true }]));
      expect(sts.spec.template.spec.volumes.find((v: any) => v.name === 'auth').secret).toEqual({ secretName: 'redis-queue-auth', defaultMode: 0o440 });
      expect(container(sts, 'redis').lifecycle.preStop.exec.command).toEqual(['sh', '/etc/redis/queue-prestop.sh']);
      expect(container(sts, 'sentinel').lifecycle.preStop.exec.command).toEqual(['sh', '/etc/redis/sentinel-prestop.sh']);
      expect(container(sts, 'sentinel').readinessProbe.exec.command).toEqual(['sh', '/etc/redis/sentinel-ready.sh']);
      expect(container(sts, 'sentinel').livenessProbe.exec.command).toEqual(['sh', '/etc/redis/alive.sh', '26379']);
      // The Sentinel's learned state lives on the pod's volume, next to the AOF.
      expect(container(sts, 'sentinel').volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
      expect(envVar(container(sts, 'sentinel'), 'SENTINEL_STATE_FILE').value).toBe('/data/sentinel/sentinel.conf');
      expect(sts.spec.template.spec.terminationGracePeriodSeconds).toBe(60);
    });

    test('stable names for the nodes and the Sentinels', () => {
      const redis = container(sts, 'redis');
      expect(envVar(redis, 'QUEUE_NODES').value).toBe('redis-queue-0.redis-queue-headless:6379 redis-queue-1.redis-queue-headless:6379 redis-queue-2.redis-queue-headless:6379');
      expect(envVar(redis, 'SENTINELS').value).toBe('redis-queue-0.redis-queue-headless:26379 redis-queue-1.redis-queue-headless:26379 redis-queue-2.redis-queue-headless:26379');
      expect(envVar(redis, 'ANNOUNCE_HOST').value).toBe('$(POD_NAME).redis-queue-headless');
      expect(envVar(redis, 'MASTER_NAME').value).toBe('redis-queue');
    });

    test('the ConfigMap: redis.conf, the Sentinel templates and the scripts of sentinel mode', () => {
      const data = find(objects, 'ConfigMap', 'redis-queue-config').data;
      expect(Object.keys(data).sort()).toEqual(['redis.conf', 'users.conf', 'sentinel.conf', 'sentinel-users.conf', 'sentinel-master.conf', ...QUEUE_SCRIPTS, ...SENTINEL_SCRIPTS].sort());
    });

    test('redis.conf: AOF every second, noeviction, maxmemory 60 % of the limit; a promoted replica takes writes at once', () => {
      const lines = renderQueueConf(env()).split('\n');
      // min-replicas-to-write 1 made every failover refuse Celery publishes (NOREPLICAS) until another replica re-attached.
      expect(lines).toEqual(expect.arrayContaining(['appendonly yes', 'appendfsync everysec', 'save ""', 'maxmemory-policy noeviction', `maxmemory ${614 * 2 ** 20}`, 'min-replicas-to-write 0']));
      expect(lines.join('\n')).not.toMatch(/requirepass|masterauth|replicaof|min-replicas-max-lag/);
    });

    test('redis.conf: minReplicasToWrite, for who prefers refusing writes on a partitioned primary', () => {
      const lines = renderQueueConf(env({ redis: { queue: { minReplicasToWrite: 1 } } })).split('\n');
      expect(lines).toEqual(expect.arrayContaining(['min-replicas-to-write 1', 'min-replicas-max-lag 10']));
    });

    test('Sentinel: hostnames, majority quorum, the configured timeouts; the master is filled in at start', () => {
      expect(renderSentinelConf(env()).split('\n')).toEqual(expect.arrayContaining(['port 26379', 'sentinel resolve-hostnames yes', 'sentinel announce-hostnames yes']));
      const master = renderSentinelMasterConf(env()).split('\n');
      expect(master).toEqual(expect.arrayContaining([
        'sentinel monitor redis-queue @MASTER_HOST@ @MASTER_PORT@ 2',
        'sentinel down-after-milliseconds redis-queue 5000',
        'sentinel failover-timeout redis-queue 10000',
        'sentinel parallel-syncs redis-queue 1',
      ]));
      expect([1, 3, 4, 5, 7].map(sentinelQuorum)).toEqual([1, 2, 3, 3, 4]);
      const five = renderSentinelMasterConf(env({ redis: { queue: { replicas: 5, downAfterMilliseconds: 3000 } } }));
      expect(five).toContain('sentinel monitor redis-queue @MASTER_HOST@ @MASTER_PORT@ 3');
      expect(five).toContain('sentinel down-after-milliseconds redis-queue 3000');
    });
  });

  describe('standalone (dev)', () => {
    const objects = queueObjects(STANDALONE);
    const sts = find(objects, 'StatefulSet', 'redis-queue');

    test('one pod with its volume behind the redis-queue Service; no Sentinel, no PDB', () => {
      expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
        'ConfigMap/redis-queue-config', 'Service/redis-queue', 'Service/redis-queue-headless', 'ServiceAccount/redis-queue', 'StatefulSet/redis-queue',
      ]);
      expect(sts.spec.replicas).toBe(1);
      expect(sts.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['redis', 'auth-agent', 'metrics']);
      expect(container(sts, 'redis').lifecycle).toBeUndefined();
      expect(envVar(container(sts, 'redis'), 'QUEUE_MODE').value).toBe('standalone');
      expect(envVar(container(sts, 'redis'), 'SENTINELS')).toBeUndefined();
      expect(find(objects, 'Service', 'redis-queue').spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP' }]);
      expect(Object.keys(find(objects, 'ConfigMap', 'redis-queue-config').data).sort()).toEqual(['redis.conf', 'users.conf', ...QUEUE_SCRIPTS].sort());
      expect(renderQueueConf(env(STANDALONE))).not.toContain('min-replicas-to-write');
    });
  });
});
