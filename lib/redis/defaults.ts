import type { RedisConfig, RedisSecretNames } from './schema';

/**
 * Defaults of the Redis tier (what staging runs): a 3-shard Redis Cluster with one replica per
 * shard for the caches, and redis-queue as 1 primary + 2 replicas under 3 Sentinels.
 *
 * Images, each seen upstream (where: docs/images.md): Valkey 9.1.1 (released 2026-07-21, a
 * security release; its tag and the multi-arch docker.io/valkey/valkey:9.1.1 image are confirmed;
 * 9.1.2 exists as a Debian package, 9.1.3 only in a third party's notes, neither as an image tag
 * we could show) and Redis 8.10.2 (security release of 2026-09-18 in Docker's official images),
 * both the official Debian-based images, which have the `getent`, `timeout` and `stat` the scripts
 * use; the exporter is oliver006/redis_exporter v1.88.0 (tag of 2026-07-23), which supports
 * Valkey 7-9 and Redis.
 */
export const REDIS_DEFAULTS: RedisConfig = {
  engine: 'valkey',
  images: {
    valkey: { repository: 'docker.io/valkey/valkey', tag: '9.1.1' },
    redis: { repository: 'docker.io/library/redis', tag: '8.10.2' },
    exporter: { repository: 'docker.io/oliver006/redis_exporter', tag: 'v1.88.0' },
  },
  exporterResources: { cpuRequest: '10m', cpuLimit: '100m', memoryRequest: '64Mi', memoryLimit: '64Mi' },
  cache: {
    mode: 'cluster',
    shards: 3,
    replicasPerShard: 1,
    resources: { cpuRequest: '250m', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '1Gi' },
    // 30 % headroom: replica output buffers and the copy-on-write of the fork that serves a
    // replica's full sync are not bounded by maxmemory.
    maxmemoryPercent: 70,
    maxmemoryPolicy: 'allkeys-lru',
    // Measured (docs/redis.md): a hard-killed primary's shard is writable again after 4.2 s at
    // 2000 ms, 5.2-6.3 s at 3000 ms, 8.3 s at 5000 ms; at 3000 ms a primary frozen for 3.9 s is
    // not failed over (at 2000 ms, 4 s frozen is). See docs/redis.md for the trade-off.
    clusterNodeTimeoutMilliseconds: 3000,
    persistence: 'snapshot-on-shutdown',
    storage: { size: '2Gi' },
    antiAffinity: 'preferred',
    // sh, awk and valkey-cli (with --cluster while creating), plus the probes' processes.
    agentResources: { cpuRequest: '10m', cpuLimit: '100m', memoryRequest: '64Mi', memoryLimit: '64Mi' },
    scheduling: {},
    pod: {},
    serviceAccount: { annotations: {} },
  },
  queue: {
    mode: 'sentinel',
    replicas: 3,
    resources: { cpuRequest: '250m', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '1Gi' },
    // 40 % headroom: AOF rewrites fork, and a busy broker dirties many pages while they run.
    maxmemoryPercent: 60,
    downAfterMilliseconds: 5000,
    // A failed leader election (two Sentinels left, split votes) is retried after twice this:
    // with 30 s the e2e run saw 67 s without a primary, longer than Celery's publish retries wait.
    failoverTimeoutMilliseconds: 10000,
    // 0: a promoted replica accepts writes at once. With 1, it refuses them (NOREPLICAS) until
    // another replica has re-attached, and kombu gives a ResponseError one reconnect, then raises:
    // Celery publishes failed during every failover (docs/redis.md, "Celery through a failover").
    minReplicasToWrite: 0,
    storage: { size: '4Gi' },
    antiAffinity: 'preferred',
    // Sentinel itself needs ~10 MiB; the probes' valkey-cli processes count against the limit too.
    sentinelResources: { cpuRequest: '25m', cpuLimit: '200m', memoryRequest: '64Mi', memoryLimit: '64Mi' },
    // sh and valkey-cli every 5 s, like the cache's cluster agent.
    agentResources: { cpuRequest: '10m', cpuLimit: '100m', memoryRequest: '64Mi', memoryLimit: '64Mi' },
    scheduling: {},
    pod: {},
    serviceAccount: { annotations: {} },
  },
};

export const REDIS_SECRET_DEFAULTS: RedisSecretNames = {
  redisCache: 'redis-cache-auth',
  redisQueue: 'redis-queue-auth',
};
