import type { ExternalRedisConfig, RedisConfig, RedisQueueConfig } from './schema';
import { Component, component, dataComponent, Flow, Peer, tcp } from '../workload/flow';

// The names and ports other components connect to (Superset, the ops CronJobs, the network
// flows), and the per-pod names the Redis pods use among themselves.

/** Redis Cluster client Service: the Flask caches and the SQL Lab results backend. */
export const REDIS_CACHE = { host: 'redis-cache', port: 6379 } as const;
/** Non-cluster Redis: Celery broker and results, coordination, async-query events. */
export const REDIS_QUEUE = { host: 'redis-queue', port: 6379 } as const;
/**
 * Every ready redis-queue server, primary or replica, in sentinel mode (rendered with the websocket
 * server, which only reads the async-event streams and cannot ask the Sentinels for the primary).
 */
export const REDIS_QUEUE_READERS = { host: 'redis-queue-readers', port: 6379 } as const;
/** Redis logical databases on redis-queue, one per use, so a FLUSHDB never crosses uses. */
export const REDIS_QUEUE_DB = { celeryBroker: 0, celeryResults: 1, asyncQueries: 2, coordination: 3, rateLimits: 4, sessions: 5 } as const;

// The per-pod names behind the two Services above.

/** Headless Service of the redis-cache StatefulSet: pods are <pod>.redis-cache-headless. */
export const REDIS_CACHE_HEADLESS = 'redis-cache-headless';
/** Redis Cluster bus (node-to-node gossip and failover votes): the client port + 10000. */
export const REDIS_CACHE_BUS_PORT = REDIS_CACHE.port + 10000;
/** Headless Service of the redis-queue StatefulSet: pods are <pod>.redis-queue-headless. */
export const REDIS_QUEUE_HEADLESS = 'redis-queue-headless';
/**
 * Sentinel of redis-queue (sentinel mode): one per pod on this port; `masterName` is what
 * clients ask the Sentinels for; the Service (any ready Sentinel) is for operators.
 */
export const REDIS_QUEUE_SENTINEL = { host: 'redis-queue-sentinel', port: 26379, masterName: 'redis-queue' } as const;
/**
 * The ACL user Superset's caches log in to redis-cache as (its `default` user is off). On
 * redis-queue the application is the restricted `default` user (lib/redis/acl.ts says why).
 */
export const REDIS_CACHE_APP_USER = 'superset';
/** Metrics exporter sidecar of every Redis pod. */
export const REDIS_METRICS_PORT = 9121;

/** Stable DNS name of pod `ordinal` of a StatefulSet behind a headless Service. */
export function statefulPodHost(statefulSet: string, headless: string, ordinal: number): string {
  return `${statefulSet}-${ordinal}.${headless}`;
}

/** Every Sentinel of redis-queue, by stable pod name: what Celery and Superset connect to. */
export function redisQueueSentinels(replicas: number): { host: string; port: number }[] {
  return Array.from({ length: replicas }, (_, i) => ({ host: statefulPodHost(REDIS_QUEUE.host, REDIS_QUEUE_HEADLESS, i), port: REDIS_QUEUE_SENTINEL.port }));
}

/** Ports a client of redis-queue needs: the server, and in sentinel mode the Sentinels that name the primary. */
export function redisQueueClientPorts(mode: RedisQueueConfig['mode']): number[] {
  return mode === 'sentinel' ? [REDIS_QUEUE.port, REDIS_QUEUE_SENTINEL.port] : [REDIS_QUEUE.port];
}

// A managed Redis (redis.cache.mode / redis.queue.mode "external") instead of our StatefulSets.

/** The two uses of Redis, by the name of our StatefulSet that serves each. */
export type RedisUse = 'redis-cache' | 'redis-queue';

/** The managed Redis of the caches, when redis.cache.mode is "external" (the rules require redis.cache.external then). */
export function externalRedisCache(config: { readonly redis: Pick<RedisConfig, 'cache'> }): ExternalRedisConfig | undefined {
  return config.redis.cache.mode === 'external' ? config.redis.cache.external : undefined;
}

/** The managed Redis of the queue, when redis.queue.mode is "external" (the rules require redis.queue.external then). */
export function externalRedisQueue(config: { readonly redis: Pick<RedisConfig, 'queue'> }): ExternalRedisConfig | undefined {
  return config.redis.queue.mode === 'external' ? config.redis.queue.external : undefined;
}

/** Where the managed Redis's CA bundle is mounted in every pod that loads superset_config.py. */
export const EXTERNAL_REDIS_CA: Record<RedisUse, { readonly volume: string; readonly dir: string; readonly file: string }> = {
  'redis-cache': { volume: 'redis-cache-ca', dir: '/etc/ssl/redis-cache-ca', file: '/etc/ssl/redis-cache-ca/ca.crt' },
  'redis-queue': { volume: 'redis-queue-ca', dir: '/etc/ssl/redis-queue-ca', file: '/etc/ssl/redis-queue-ca/ca.crt' },
};

/** Flows from one component to every address range of a managed Redis, on its port. */
export function toExternalRedis(use: RedisUse, external: ExternalRedisConfig, from: Peer, why: string): Flow[] {
  return external.cidrs.map((cidr, i) => tcp(from, { kind: 'cidr', name: `external-${use}-${i + 1}`, cidr }, [external.port], why));
}

/**
 * What a pod that loads superset_config.py needs toward Redis: redis-cache (connected at import)
 * and redis-queue (Celery, coordination, rate limits), our pods or the managed endpoints.
 */
export function redisClientFlows(config: { readonly instance: string; readonly redis: Pick<RedisConfig, 'cache' | 'queue'> }, from: Component, why: { readonly cache: string; readonly queue: string }): Flow[] {
  const cache = externalRedisCache(config);
  return [
    ...(cache
      ? toExternalRedis('redis-cache', cache, component(from), `${why.cache} (the managed Redis of redis.cache.external)`)
      : [tcp(component(from), component(dataComponent(config.instance, 'redis-cache')), [REDIS_CACHE.port], why.cache)]),
    ...redisQueueClientFlows(config, from, why.queue),
  ];
}

/** A client of redis-queue only (ours, with its Sentinels, or the managed one). */
export function redisQueueClientFlows(config: { readonly instance: string; readonly redis: Pick<RedisConfig, 'cache' | 'queue'> }, from: Component, why: string): Flow[] {
  const queue = externalRedisQueue(config);
  return queue
    ? toExternalRedis('redis-queue', queue, component(from), `${why} (the managed Redis of redis.queue.external)`)
    : [tcp(component(from), component(dataComponent(config.instance, 'redis-queue')), redisQueueClientPorts(config.redis.queue.mode), why)];
}
