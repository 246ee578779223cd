import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { REDIS_CACHE, REDIS_CACHE_BUS_PORT, REDIS_CACHE_HEADLESS, REDIS_METRICS_PORT, statefulPodHost } from './endpoints';
import type { Environment } from '../config/load';
import { DisruptionBudget } from '../workload/disruption-budget';
import { ComponentIdentity, selectorLabels } from '../workload/labels';
import { serverVersion } from './engine';
import { renderCacheConf } from './redis-conf';
import {
  AUTH_MOUNT, CONFIG_MOUNT, DATA_MOUNT, dataClaim, execProbe, exporterContainer, headlessServiceProps, redisMeta, redisPodMeta,
  redisPodSpec, redisPodTemplate, redisVolumes, RedisWorkload, RUN_MOUNT, script, scriptContainer, serviceAccountProps, servicePort, TMP_MOUNT,
} from './redis-pod';
import { CACHE_SCRIPTS, loadScripts } from './scripts';
import { cacheAclUsers, renderAclUsers } from './acl';

export interface RedisCacheProps {
  /** The environment; its `redis` section sizes the cluster. */
  readonly env: Environment;
}

/** How long the preStop of a primary may take to hand its slots over, seconds. */
export const CACHE_PRESTOP_TIMEOUT_SECONDS = 20;
/** Budget for the RDB snapshot written on SIGTERM, seconds (a few GiB on a network disk). */
export const CACHE_SHUTDOWN_SECONDS = 60;
/** How often the cluster agent creates/heals, seconds; a heartbeat older than this x 36 restarts it. */
export const AGENT_INTERVAL_SECONDS = 5;

/** Stable addresses of every node, in ordinal order: what the agent creates and heals from. */
export function cacheNodeAddresses(env: Environment): string[] {
  const c = env.config.redis.cache;
  return Array.from({ length: c.shards * (c.replicasPerShard + 1) }, (_, i) => `${statefulPodHost(REDIS_CACHE.host, REDIS_CACHE_HEADLESS, i)}:${REDIS_CACHE.port}`);
}

/** The ConfigMap data of redis-cache: redis.conf and the scripts, as the pods and the tests see them. */
export function cacheConfigData(env: Environment): Record<string, string> {
  return { 'redis.conf': renderCacheConf(env), 'users.conf': renderAclUsers(env, 'every redis-cache node', cacheAclUsers()), ...loadScripts(CACHE_SCRIPTS) };
}

/**
 * redis-cache: a Redis Cluster of `shards` primaries with `replicasPerShard` replicas each, for
 * the five Flask caches and the SQL Lab results backend.
 *
 * - A StatefulSet with Parallel pod management: every node starts at once (a cluster cannot
 *   become ready one pod at a time), each with its own volume for nodes.conf (+ snapshot/AOF).
 * - The cluster-agent sidecar creates the cluster once (pod 0, cluster-create.sh) and
 *   re-introduces nodes whose IPs changed (every pod, cluster-heal.sh), so a full restart heals
 *   by itself.
 * - Ready means serving (cluster_state:ok, a replica's link up); a primary's preStop hands its
 *   slots to its replica first, so a rolling update costs no write outage.
 * - A headless Service (stable names, published before readiness) and a client Service that
 *   clients use only to discover the cluster (they then talk to each node directly).
 */
export class RedisCache extends Construct {
  public readonly serviceName = REDIS_CACHE.host;

  constructor(scope: Construct, id: string, props: RedisCacheProps) {
    super(scope, id);
    const { env } = props;
    const c = env.config.redis.cache;
    const identity: ComponentIdentity = { name: 'redis-cache', instance: env.config.instance, component: 'cache', version: serverVersion(env.config.redis) };
    const w: RedisWorkload = { env, identity, name: 'redis-cache', headless: REDIS_CACHE_HEADLESS, secretName: env.config.secrets.redisCache, settings: c };
    const replicas = c.shards * (c.replicasPerShard + 1);
    const configMapName = `${w.name}-config`;
    const data = cacheConfigData(env);

    new k8s.KubeServiceAccount(this, 'ServiceAccount', serviceAccountProps(w));
    new k8s.KubeConfigMap(this, 'Config', { metadata: redisMeta(w, configMapName), data });

    const server: k8s.Container = {
      ...scriptContainer(w, {
        name: 'redis',
        command: script('cache-start.sh'),
        resources: c.resources,
        env: [
          { name: 'ANNOUNCE_HOSTNAME', value: `$(POD_NAME).${REDIS_CACHE_HEADLESS}` },
          { name: 'PRESTOP_TIMEOUT_SECONDS', value: String(CACHE_PRESTOP_TIMEOUT_SECONDS) },
        ],
        mounts: [CONFIG_MOUNT, AUTH_MOUNT, RUN_MOUNT, TMP_MOUNT, DATA_MOUNT],
      }),
      ports: [
        { name: 'redis', containerPort: REDIS_CACHE.port, protocol: 'TCP' },
        { name: 'cluster-bus', containerPort: REDIS_CACHE_BUS_PORT, protocol: 'TCP' },
      ],
      // Loading a snapshot of a few GiB takes a while: up to 5 minutes before liveness applies.
      startupProbe: execProbe(script('alive.sh'), { period: 5, failures: 60 }),
      readinessProbe: execProbe(script('cache-ready.sh'), { period: 5, failures: 2 }),
      livenessProbe: execProbe(script('alive.sh'), { period: 10, failures: 6 }),
      lifecycle: { preStop: { exec: { command: script('cache-prestop.sh') } } },
    };

    const agent: k8s.Container = {
      ...scriptContainer(w, {
      name: 'cluster-agent',
      command: script('cluster-agent.sh'),
      resources: c.agentResources,
      env: [
        { name: 'CLUSTER_NODES', value: cacheNodeAddresses(env).join(' ') },
        { name: 'REPLICAS_PER_SHARD', value: String(c.replicasPerShard) },
        { name: 'AGENT_INTERVAL_SECONDS', value: String(AGENT_INTERVAL_SECONDS) },
        { name: 'HEARTBEAT_FILE', value: '/tmp/cluster-agent-heartbeat' },
      ],
      mounts: [CONFIG_MOUNT, AUTH_MOUNT, TMP_MOUNT],
      }),
      // No readiness probe: the agent serves nothing. A round can take minutes while it creates
      // the cluster (it waits for every node), hence the generous heartbeat age.
      livenessProbe: execProbe(script('agent-alive.sh', String(AGENT_INTERVAL_SECONDS * 36)), { period: 30, failures: 3 }),
    };

    const template: k8s.PodTemplateSpec = redisPodTemplate(w, {
      metadata: redisPodMeta(w, data),
      spec: redisPodSpec(w, {
        containers: [server, agent, exporterContainer(w)],
        volumes: redisVolumes(w, configMapName),
        terminationGracePeriodSeconds: CACHE_PRESTOP_TIMEOUT_SECONDS + CACHE_SHUTDOWN_SECONDS + 10,
        antiAffinity: c.antiAffinity,
      }),
    });

    new k8s.KubeService(this, 'Headless', headlessServiceProps(w, [
      servicePort('redis', REDIS_CACHE.port),
      servicePort('cluster-bus', REDIS_CACHE_BUS_PORT),
      servicePort('metrics', REDIS_METRICS_PORT),
    ]));
    new k8s.KubeService(this, 'Service', {
      metadata: redisMeta(w, this.serviceName),
      spec: { type: 'ClusterIP', selector: selectorLabels(identity), ports: [servicePort('redis', REDIS_CACHE.port)] },
    });

    new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: redisMeta(w, w.name),
      spec: {
        serviceName: REDIS_CACHE_HEADLESS,
        replicas,
        podManagementPolicy: 'Parallel',
        // One pod at a time, each ready (synced, cluster ok) for 10 s before the next.
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        minReadySeconds: 10,
        revisionHistoryLimit: 5,
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        selector: { matchLabels: selectorLabels(identity) },
        template,
        volumeClaimTemplates: [dataClaim(w, c.storage)],
      },
    });

    new DisruptionBudget(this, 'DisruptionBudget', { metadata: redisMeta(w, w.name), selector: selectorLabels(identity), quorum: true });
  }
}
