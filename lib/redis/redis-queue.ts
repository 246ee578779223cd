import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { REDIS_METRICS_PORT, REDIS_QUEUE, REDIS_QUEUE_DB, REDIS_QUEUE_HEADLESS, REDIS_QUEUE_SENTINEL, redisQueueSentinels, statefulPodHost } from './endpoints';
import type { Environment } from '../config/load';
import { DisruptionBudget } from '../workload/disruption-budget';
import { ComponentIdentity, selectorLabels } from '../workload/labels';
import { serverVersion } from './engine';
import { DATA_DIR, renderQueueConf, renderSentinelConf, renderSentinelMasterConf } from './redis-conf';
import {
  AUTH_MOUNT, CONFIG_MOUNT, DATA_MOUNT, dataClaim, execProbe, exporterContainer, headlessServiceProps, redisMeta, redisPodMeta,
  redisPodSpec, redisPodTemplate, redisVolumes, RedisWorkload, RUN_MOUNT, script, scriptContainer, serviceAccountProps, servicePort, TMP_MOUNT,
} from './redis-pod';
import { loadScripts, QUEUE_SCRIPTS, SENTINEL_SCRIPTS } from './scripts';
import { queueAclUsers, renderAclUsers, sentinelAclUsers } from './acl';

export interface RedisQueueProps {
  /** The environment; its `redis.queue` section chooses standalone or Sentinel and sizes it. */
  readonly env: Environment;
}

/** How long the preStop of a primary may take to hand over to a replica, seconds. */
export const QUEUE_PRESTOP_TIMEOUT_SECONDS = 20;
/** Budget for the final AOF fsync and exit, seconds. */
export const QUEUE_SHUTDOWN_SECONDS = 30;
/** How often the auth agent applies the Secret's passwords, seconds. */
export const AUTH_AGENT_INTERVAL_SECONDS = 5;
const AUTH_AGENT_HEARTBEAT = '/tmp/auth-agent-heartbeat';
/** Where each Sentinel keeps its working config (with the state it learned), on the pod's volume. */
export const SENTINEL_STATE_FILE = `${DATA_DIR}/sentinel/sentinel.conf`;

/** Stable addresses of every redis-queue node, in ordinal order. */
export function queueNodeAddresses(env: Environment): string[] {
  return Array.from({ length: env.config.redis.queue.replicas }, (_, i) => `${statefulPodHost(REDIS_QUEUE.host, REDIS_QUEUE_HEADLESS, i)}:${REDIS_QUEUE.port}`);
}

/** Stable addresses of every Sentinel (sentinel mode). */
export function sentinelAddresses(env: Environment): string[] {
  return redisQueueSentinels(env.config.redis.queue.replicas).map((s) => `${s.host}:${s.port}`);
}

/** The ConfigMap data of redis-queue: the config files and the scripts of its mode. */
export function queueConfigData(env: Environment): Record<string, string> {
  const users = renderAclUsers(env, 'every redis-queue server', queueAclUsers(env));
  if (env.config.redis.queue.mode === 'standalone') return { 'redis.conf': renderQueueConf(env), 'users.conf': users, ...loadScripts(QUEUE_SCRIPTS) };
  return {
    'redis.conf': renderQueueConf(env),
    'users.conf': users,
    'sentinel.conf': renderSentinelConf(env),
    'sentinel-users.conf': renderAclUsers(env, 'every redis-queue Sentinel', sentinelAclUsers()),
    'sentinel-master.conf': renderSentinelMasterConf(env),
    ...loadScripts([...QUEUE_SCRIPTS, ...SENTINEL_SCRIPTS]),
  };
}

/**
 * redis-queue: the non-cluster Redis of Celery (broker and results), Superset's coordination
 * and async-query backends and the rate limiter, none of which can use Redis Cluster.
 * AOF persistence and noeviction: queued tasks are data, never evicted.
 *
 * - standalone: one pod with its volume, behind the `redis-queue` Service.
 * - sentinel: `replicas` pods (1 primary, the rest replicas), each with a Sentinel. Clients ask
 *   the Sentinels (every pod's, by stable name) for the primary; the `redis-queue-sentinel`
 *   Service reaches any ready Sentinel. A primary's preStop hands over to a replica first.
 */
export class RedisQueue extends Construct {
  constructor(scope: Construct, id: string, props: RedisQueueProps) {
    super(scope, id);
    const { env } = props;
    const q = env.config.redis.queue;
    const sentinel = q.mode === 'sentinel';
    const identity: ComponentIdentity = { name: 'redis-queue', instance: env.config.instance, component: 'queue', version: serverVersion(env.config.redis) };
    const w: RedisWorkload = { env, identity, name: 'redis-queue', headless: REDIS_QUEUE_HEADLESS, secretName: env.config.secrets.redisQueue, settings: q };
    const configMapName = `${w.name}-config`;
    const data = queueConfigData(env);

    new k8s.KubeServiceAccount(this, 'ServiceAccount', serviceAccountProps(w));
    new k8s.KubeConfigMap(this, 'Config', { metadata: redisMeta(w, configMapName), data });

    const topology: k8s.EnvVar[] = sentinel
      ? [
          { name: 'QUEUE_MODE', value: 'sentinel' },
          { name: 'ANNOUNCE_HOST', value: `$(POD_NAME).${REDIS_QUEUE_HEADLESS}` },
          { name: 'QUEUE_NODES', value: queueNodeAddresses(env).join(' ') },
          { name: 'SENTINELS', value: sentinelAddresses(env).join(' ') },
          { name: 'MASTER_NAME', value: REDIS_QUEUE_SENTINEL.masterName },
          { name: 'SENTINEL_STATE_FILE', value: SENTINEL_STATE_FILE },
          { name: 'PRESTOP_TIMEOUT_SECONDS', value: String(QUEUE_PRESTOP_TIMEOUT_SECONDS) },
        ]
      : [{ name: 'QUEUE_MODE', value: 'standalone' }];

    const server: k8s.Container = {
      ...scriptContainer(w, {
        name: 'redis',
        command: script('queue-start.sh'),
        resources: q.resources,
        env: topology,
        mounts: [CONFIG_MOUNT, AUTH_MOUNT, RUN_MOUNT, TMP_MOUNT, DATA_MOUNT],
      }),
      ports: [{ name: 'redis', containerPort: REDIS_QUEUE.port, protocol: 'TCP' }],
      // Replaying a large AOF takes a while: up to 5 minutes before liveness applies.
      startupProbe: execProbe(script('alive.sh'), { period: 5, failures: 60 }),
      readinessProbe: execProbe(script('queue-ready.sh'), { period: 5, failures: 2 }),
      livenessProbe: execProbe(script('alive.sh'), { period: 10, failures: 6 }),
      lifecycle: sentinel ? { preStop: { exec: { command: script('queue-prestop.sh') } } } : undefined,
    };

    const containers = [server];
    if (sentinel) {
      const sentinelPort = String(REDIS_QUEUE_SENTINEL.port);
      containers.push({
        ...scriptContainer(w, {
          name: 'sentinel',
          command: script('sentinel-start.sh'),
          resources: q.sentinelResources,
          env: topology,
          // The working config lives on the pod's volume so the learned state survives restarts.
          mounts: [CONFIG_MOUNT, AUTH_MOUNT, TMP_MOUNT, DATA_MOUNT],
        }),
        ports: [{ name: 'sentinel', containerPort: REDIS_QUEUE_SENTINEL.port, protocol: 'TCP' }],
        readinessProbe: execProbe(script('sentinel-ready.sh'), { period: 5, failures: 2 }),
        livenessProbe: execProbe(script('alive.sh', sentinelPort), { period: 10, failures: 6 }),
        lifecycle: { preStop: { exec: { command: script('sentinel-prestop.sh') } } },
      });
    }
    // Applies a rotated password (the Secret's files, updated in place by the kubelet) to the
    // running Redis and Sentinel of this pod; its heartbeat says it got in (auth-agent.sh).
    containers.push({
      ...scriptContainer(w, {
        name: 'auth-agent',
        command: script('auth-agent.sh'),
        resources: q.agentResources,
        env: [
          ...topology,
          { name: 'AGENT_INTERVAL_SECONDS', value: String(AUTH_AGENT_INTERVAL_SECONDS) },
          { name: 'HEARTBEAT_FILE', value: AUTH_AGENT_HEARTBEAT },
        ],
        mounts: [CONFIG_MOUNT, AUTH_MOUNT, TMP_MOUNT],
      }),
      // Nothing to serve; restarted when no password of the Secret gets in for 60 s.
      livenessProbe: execProbe(script('agent-alive.sh', String(AUTH_AGENT_INTERVAL_SECONDS * 12)), { period: 20, failures: 3 }),
    });
    // Celery queues are Redis lists named after the queue in the broker database: their length is
    // the queue depth the CeleryQueueBacklog alert watches (redis_key_size).
    const queues = Object.keys(env.config.superset.workers).map((q) => `db${REDIS_QUEUE_DB.celeryBroker}=${q}`).join(',');
    containers.push(exporterContainer(w, [{ name: 'REDIS_EXPORTER_CHECK_SINGLE_KEYS', value: queues }]));

    const template: k8s.PodTemplateSpec = redisPodTemplate(w, {
      metadata: redisPodMeta(w, data),
      spec: redisPodSpec(w, {
        containers,
        volumes: redisVolumes(w, configMapName),
        terminationGracePeriodSeconds: (sentinel ? QUEUE_PRESTOP_TIMEOUT_SECONDS : 0) + QUEUE_SHUTDOWN_SECONDS + 10,
        antiAffinity: q.antiAffinity,
      }),
    });

    new k8s.KubeService(this, 'Headless', headlessServiceProps(w, [
      servicePort('redis', REDIS_QUEUE.port),
      ...(sentinel ? [servicePort('sentinel', REDIS_QUEUE_SENTINEL.port)] : []),
      servicePort('metrics', REDIS_METRICS_PORT),
    ]));
    if (sentinel) {
      new k8s.KubeService(this, 'Sentinel', {
        metadata: redisMeta(w, REDIS_QUEUE_SENTINEL.host),
        spec: { type: 'ClusterIP', selector: selectorLabels(identity), ports: [servicePort('sentinel', REDIS_QUEUE_SENTINEL.port)] },
      });
    } else {
      new k8s.KubeService(this, 'Service', {
        metadata: redisMeta(w, REDIS_QUEUE.host),
        spec: { type: 'ClusterIP', selector: selectorLabels(identity), ports: [servicePort('redis', REDIS_QUEUE.port)] },
      });
    }

    new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: redisMeta(w, w.name),
      spec: {
        serviceName: REDIS_QUEUE_HEADLESS,
        replicas: q.replicas,
        // Every pod starts at once: after a full outage the Sentinels of all pods are needed to
        // agree on the primary, and pod 0 may not be it.
        podManagementPolicy: 'Parallel',
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        minReadySeconds: 10,
        revisionHistoryLimit: 5,
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        selector: { matchLabels: selectorLabels(identity) },
        template,
        volumeClaimTemplates: [dataClaim(w, q.storage)],
      },
    });

    if (q.replicas > 1) {
      new DisruptionBudget(this, 'DisruptionBudget', { metadata: redisMeta(w, w.name), selector: selectorLabels(identity), quorum: true });
    }
  }
}
