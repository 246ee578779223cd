import { z } from 'zod';
import { dnsLabel, imageOf, resourcesOf, storageQuantity } from '../config/primitives';
import { caBundleSchema, podOverrideSchema, schedulingOverrideSchema, serviceAccountSchema } from '../workload/schema';

// The Redis part of an environment, plugged into the platform schema as `redis`: redis-cache (a
// Redis Cluster for Superset's caches) and redis-queue (a non-cluster Redis for Celery,
// coordination and async queries, with Sentinel for high availability). Strict like the rest of
// the schema: an unknown key is an error.

/** Names of the Secrets with the two passwords (part of the platform's `secrets`). */
export const redisSecretNamesSchema = z.strictObject({
  redisCache: dnsLabel.describe('Secret with the redis-cache password (not read when redis.cache.mode is "external": redis.cache.external.auth names the managed Redis\'s)'),
  redisQueue: dnsLabel.describe('Secret with the redis-queue password (not read when redis.queue.mode is "external": redis.queue.external.auth names the managed Redis\'s)'),
});
export type RedisSecretNames = z.infer<typeof redisSecretNamesSchema>;

const image = (what: string) => imageOf({
  repositoryExample: 'docker.io/valkey/valkey',
  tagExample: '9.1.1',
  repositoryDescription: `${what} image repository, without tag`,
  tagDescription: `${what} image tag; pinned, never "latest"`,
  patchReleases: true,
});
const milliseconds = (min: number, max: number) =>
  z.number().int('must be a whole number of milliseconds').min(min, `must be at least ${min} ms`).max(max, `must be at most ${max} ms`);

const secretKey = z.string().regex(/^[-._a-zA-Z0-9]+$/, 'must be a Secret key (letters, digits, "-", "_", ".")');
const cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$|^[0-9a-f:]+\/\d{1,3}$/, 'must be a CIDR such as "10.20.0.0/16"');

/**
 * A Redis the cloud provides (ElastiCache, Memorystore, Azure Cache for Redis) instead of our
 * StatefulSet: one endpoint, reached over TLS with an AUTH password (and optionally an ACL user)
 * from an existing Secret. The same shape for redis.cache.external and redis.queue.external.
 */
export const externalRedisSchema = z.strictObject({
  host: z.string().regex(/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'must be a lower-case DNS name or IPv4 address').describe('endpoint of the managed Redis: the configuration endpoint in cluster mode, else the primary endpoint'),
  port: z.number().int().min(1).max(65535).default(6379).describe('its port; 6379 when unset'),
  clusterMode: z.boolean().default(false).describe('the endpoint is a Redis Cluster (ElastiCache cluster mode, Memorystore for Redis Cluster, Azure clustering): the caches use RedisClusterCache; only redis.cache may set it (Celery cannot use Redis Cluster); false when unset'),
  tls: z.boolean().default(true).describe('connect over TLS (rediss:// URLs for Celery and the rate limiter, ssl=True for the redis-py clients); true when unset'),
  caBundle: caBundleSchema.optional().describe('CA bundle that signed the server certificate (a ConfigMap or Secret key, mounted as a file and given as ssl_ca_certs); the system trust store when unset; only with tls'),
  auth: z.strictObject({
    secret: dnsLabel.describe('existing Secret'),
    passwordKey: secretKey.default('password').describe('key holding the AUTH password (token); "password" when unset'),
    usernameKey: secretKey.optional().describe('key holding the ACL user name (Redis 6+ ACLs, ElastiCache RBAC); the default user when unset'),
  }).describe('the AUTH password, and optionally the ACL user, from an existing Secret (replaces secrets.redisCache / secrets.redisQueue)'),
  cidrs: z.array(cidr).min(1, 'must list at least one address range').describe('address ranges of the managed Redis (every node in cluster mode): the NetworkPolicies allow egress to them on its port'),
});
export type ExternalRedisConfig = z.infer<typeof externalRedisSchema>;

export const storageSchema = z.strictObject({
  size: storageQuantity.describe('size of the PersistentVolumeClaim of each pod (binary units)'),
  storageClassName: z.string().min(1).optional().describe('StorageClass of the claims; the cluster default when unset'),
});

const antiAffinity = z
  .enum(['preferred', 'required'])
  .describe('pods of the same StatefulSet on different nodes: "required" never co-locates two (a pod stays Pending instead), "preferred" tries');

export const redisCacheSchema = z.strictObject({
  mode: z.enum(['cluster', 'external']).describe('"cluster": the platform runs redis-cache (a Redis Cluster StatefulSet); "external": a managed Redis described in redis.cache.external, and no redis-cache object is rendered'),
  external: externalRedisSchema.optional().describe('the managed Redis of the caches (only with mode "external")'),
  shards: z.number().int('must be a whole number').min(3, 'must be at least 3: a Redis Cluster needs 3 primaries to agree on a failover').max(100, 'must be at most 100').describe('primaries of the Redis Cluster; the 16384 slots are split evenly between them'),
  replicasPerShard: z.number().int('must be a whole number').min(0, 'must be 0 or more').max(5, 'must be at most 5').describe('replicas of each primary (0 = no failover: a lost pod loses its share of the cache)'),
  resources: resourcesOf('each redis-cache server container'),
  maxmemoryPercent: z.number().int('must be a whole number').min(10, 'must be at least 10').max(90, 'must be at most 90: Redis needs headroom above maxmemory (buffers, fragmentation, fork copy-on-write)').describe('maxmemory as a percentage of the container memory limit; the rest is headroom for buffers, fragmentation and forks'),
  maxmemoryPolicy: z.enum(['allkeys-lru', 'allkeys-lfu', 'volatile-lru', 'volatile-lfu']).describe('eviction when maxmemory is reached (it is a cache: least recently or least frequently used keys go)'),
  clusterNodeTimeoutMilliseconds: milliseconds(1000, 60000).describe('cluster-node-timeout: how long a primary may be unreachable before its replica takes over (detection speed vs false failovers; see docs/redis.md)'),
  persistence: z.enum(['snapshot-on-shutdown', 'aof', 'none']).describe('"snapshot-on-shutdown": an RDB snapshot when a pod stops, loaded when it starts (warm cache after restarts, no disk writes in between); "aof": append-only file; "none"'),
  storage: storageSchema,
  antiAffinity,
  agentResources: resourcesOf('the cluster-agent sidecar (creates and heals the cluster)'),
  scheduling: schedulingOverrideSchema,
  pod: podOverrideSchema,
  serviceAccount: serviceAccountSchema.describe('the ServiceAccount "redis-cache"'),
});

export const redisQueueSchema = z.strictObject({
  mode: z.enum(['standalone', 'sentinel', 'external']).describe('"sentinel": 1 primary + replicas with a Sentinel in every pod (automatic failover); "standalone": one pod; "external": a managed Redis (its primary endpoint, non-cluster) described in redis.queue.external, and no redis-queue object is rendered'),
  external: externalRedisSchema.optional().describe('the managed Redis of Celery and the queue uses (only with mode "external")'),
  replicas: z.number().int('must be a whole number').min(1, 'must be at least 1').max(9, 'must be at most 9').describe('Redis pods (each with a Sentinel in sentinel mode): 1 primary, the rest replicas'),
  resources: resourcesOf('each redis-queue server container'),
  maxmemoryPercent: z.number().int('must be a whole number').min(10, 'must be at least 10').max(90, 'must be at most 90: Redis needs headroom above maxmemory (buffers, fragmentation, AOF rewrite fork)').describe('maxmemory as a percentage of the memory limit; at maxmemory writes fail (noeviction: queued tasks are never dropped)'),
  downAfterMilliseconds: milliseconds(1000, 600000).describe('Sentinel down-after-milliseconds: how long the primary may be unreachable before a failover starts'),
  failoverTimeoutMilliseconds: milliseconds(5000, 3600000).describe('Sentinel failover-timeout: a failed failover is retried after twice this'),
  minReplicasToWrite: z.number().int('must be a whole number').min(0, 'must be 0 or more').max(8, 'must be at most 8').describe('min-replicas-to-write of the primary (sentinel mode): 0 keeps the broker writable through every failover; 1 or more refuses writes (NOREPLICAS) while fewer replicas are attached, which bounds what a partitioned old primary accepts but fails Celery publishes after every failover (docs/redis.md)'),
  storage: storageSchema,
  antiAffinity,
  sentinelResources: resourcesOf('the Sentinel container of each pod (sentinel mode)'),
  agentResources: resourcesOf('the auth-agent sidecar of each pod (applies a rotated password to the running servers)'),
  scheduling: schedulingOverrideSchema,
  pod: podOverrideSchema,
  serviceAccount: serviceAccountSchema.describe('the ServiceAccount "redis-queue"'),
});

export const redisSchema = z.strictObject({
  engine: z.enum(['valkey', 'redis']).describe('server of both deployments: Valkey (BSD licensed) or Redis 8'),
  images: z.strictObject({
    valkey: image('Valkey server (official, Debian based)'),
    redis: image('Redis server (official, Debian based)'),
    exporter: image('metrics exporter sidecar (oliver006/redis_exporter)'),
  }),
  exporterResources: resourcesOf('the metrics exporter sidecar of every Redis pod'),
  cache: redisCacheSchema.describe('redis-cache: the Redis Cluster of the Flask caches and the SQL Lab results backend'),
  queue: redisQueueSchema.describe('redis-queue: Celery broker and results, coordination, async-query events, rate limits'),
});

export type RedisConfig = z.infer<typeof redisSchema>;
export type RedisCacheConfig = z.infer<typeof redisCacheSchema>;
export type RedisQueueConfig = z.infer<typeof redisQueueSchema>;
export type StorageConfig = z.infer<typeof storageSchema>;
