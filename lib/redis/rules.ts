import type { ConfigProblem } from '../config/errors';
import { MUTABLE_TAGS, ResourcesConfig } from '../config/primitives';
import { memoryToBytes } from '../config/quantity';
import { resourceLimits } from '../config/resource-rules';
import { REDIS_DEFAULTS, REDIS_SECRET_DEFAULTS } from './defaults';
import type { RedisConfig, RedisSecretNames } from './schema';
import { redisMaxmemoryBytes, redisMinimumStorageBytes } from './sizing';
import { toBinaryQuantity } from '../config/quantity';

// Cross-field rules of the Redis tier (the platform rules run them with every other tier's).

/** What the Redis rules read. */
export interface RedisSettings {
  readonly redis: RedisConfig;
}

/** What the managed-Redis warnings also read: the names of our servers' Secrets. */
export interface RedisWarningSettings extends RedisSettings {
  readonly secrets?: RedisSecretNames;
}

/** The Redis and Valkey images also publish moving "alpine" and "unstable" tags. */
const MUTABLE_REDIS_TAGS = new Set([...MUTABLE_TAGS, 'alpine', 'unstable']);
const MIN_MAXMEMORY_BYTES = 32 * 2 ** 20;

function pinnedTag(field: string, tag: string): ConfigProblem[] {
  if (!MUTABLE_REDIS_TAGS.has(tag.toLowerCase())) return [];
  return [{ field, value: tag, rule: 'must be a pinned version; a moving tag changes the server under a running cluster', fix: 'use a versioned tag such as "9.1.1" (and optionally a digest)' }];
}

/** maxmemory is at least 32 MiB, and the volume holds what the server writes. */
function memoryAndStorage(field: string, resources: ResourcesConfig, percent: number, storage: string, persistence: 'snapshot-on-shutdown' | 'aof' | 'none'): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const maxmemory = redisMaxmemoryBytes(resources.memoryLimit, percent);
  if (maxmemory < MIN_MAXMEMORY_BYTES) {
    problems.push({
      field: `${field}.maxmemoryPercent`,
      value: percent,
      rule: `gives maxmemory ${toBinaryQuantity(maxmemory)} (of the ${resources.memoryLimit} limit), below the 32Mi a server needs`,
      fix: `raise ${field}.resources.memoryLimit or ${field}.maxmemoryPercent`,
    });
  }
  const needed = redisMinimumStorageBytes(maxmemory, persistence);
  if (memoryToBytes(storage) < needed) {
    problems.push({
      field: `${field}.storage.size`,
      value: storage,
      rule: `must hold what the server writes with persistence "${persistence}" at maxmemory ${toBinaryQuantity(maxmemory)}: at least ${toBinaryQuantity(needed)}`,
      fix: `raise ${field}.storage.size to ${toBinaryQuantity(needed)} or more, or lower the memory limit or maxmemoryPercent`,
    });
  }
  return problems;
}

/** Every cross-field rule of config.redis. */
export function redisProblems(config: RedisSettings): ConfigProblem[] {
  const r = config.redis;
  const problems: ConfigProblem[] = [];
  for (const name of ['valkey', 'redis', 'exporter'] as const) problems.push(...pinnedTag(`redis.images.${name}.tag`, r.images[name].tag));
  problems.push(...resourceLimits('redis.exporterResources', r.exporterResources));

  problems.push(...externalRedisProblems(config));

  // Our own servers' sizing: a managed Redis (mode "external") renders none of it.
  const c = r.cache;
  if (c.mode !== 'external') {
    problems.push(...resourceLimits('redis.cache.resources', c.resources));
    problems.push(...resourceLimits('redis.cache.agentResources', c.agentResources));
    problems.push(...memoryAndStorage('redis.cache', c.resources, c.maxmemoryPercent, c.storage.size, c.persistence));
  }

  const q = r.queue;
  if (q.mode === 'external') return problems;
  problems.push(...resourceLimits('redis.queue.resources', q.resources));
  problems.push(...resourceLimits('redis.queue.sentinelResources', q.sentinelResources));
  problems.push(...memoryAndStorage('redis.queue', q.resources, q.maxmemoryPercent, q.storage.size, 'aof'));
  if (q.mode === 'sentinel' && q.replicas < 3) {
    problems.push({
      field: 'redis.queue.replicas',
      value: q.replicas,
      rule: 'must be at least 3 in sentinel mode: a failover needs a majority of the Sentinels (one per pod), and 2 of 2 leaves no room for a lost pod',
      fix: 'set redis.queue.replicas to 3, or redis.queue.mode to "standalone" with 1 replica',
    });
  }
  if (q.mode === 'standalone' && q.replicas !== 1) {
    problems.push({
      field: 'redis.queue.replicas',
      value: q.replicas,
      rule: 'must be 1 in standalone mode: without Sentinel every pod would be an independent primary',
      fix: 'set redis.queue.replicas to 1, or redis.queue.mode to "sentinel"',
    });
  }
  if (q.failoverTimeoutMilliseconds <= q.downAfterMilliseconds) {
    problems.push({
      field: 'redis.queue.failoverTimeoutMilliseconds',
      value: q.failoverTimeoutMilliseconds,
      rule: `must exceed redis.queue.downAfterMilliseconds (${q.downAfterMilliseconds}): a failover cannot finish before the primary is even considered down`,
      fix: `raise redis.queue.failoverTimeoutMilliseconds to ${q.downAfterMilliseconds * 2} or more`,
    });
  }
  if (q.minReplicasToWrite > 0 && (q.mode !== 'sentinel' || q.minReplicasToWrite > q.replicas - 1)) {
    problems.push({
      field: 'redis.queue.minReplicasToWrite',
      value: q.minReplicasToWrite,
      rule: q.mode === 'sentinel'
        ? `must be at most redis.queue.replicas - 1 (${q.replicas - 1}): the primary would refuse every write`
        : 'must be 0 in standalone mode: there is no replica to wait for, every write would be refused',
      fix: 'set redis.queue.minReplicasToWrite to 0 (the default)',
    });
  }
  return problems;
}

/** The managed-Redis modes fit together: each external Redis is described, reachable the way its client needs, and safe. */
export function externalRedisProblems(config: RedisSettings): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const uses = [
    { field: 'redis.cache', mode: config.redis.cache.mode, external: config.redis.cache.external, ours: 'cluster' },
    { field: 'redis.queue', mode: config.redis.queue.mode, external: config.redis.queue.external, ours: 'sentinel" or "standalone' },
  ];
  for (const u of uses) {
    if (u.mode === 'external' && !u.external) {
      problems.push({ field: `${u.field}.external`, value: undefined, rule: `is required when ${u.field}.mode is "external": it says where the managed Redis is`, fix: `set ${u.field}.external.host, auth.secret and cidrs (docs/redis.md, "A managed Redis")` });
    }
    if (u.mode !== 'external' && u.external) {
      problems.push({ field: `${u.field}.external`, value: u.external.host, rule: `is only read when ${u.field}.mode is "external"; with "${u.mode}" the platform runs its own server and would silently ignore it`, fix: `set ${u.field}.mode to "external", or remove ${u.field}.external` });
    }
    const e = u.mode === 'external' ? u.external : undefined;
    if (!e) continue;
    if (e.caBundle && !e.tls) {
      problems.push({ field: `${u.field}.external.caBundle`, value: e.caBundle, rule: `needs ${u.field}.external.tls true: without TLS no certificate is checked, and the bundle would be mounted for nothing`, fix: `set ${u.field}.external.tls to true (in-transit encryption on the managed Redis), or remove ${u.field}.external.caBundle` });
    }
  }
  const q = config.redis.queue.mode === 'external' ? config.redis.queue.external : undefined;
  if (q?.clusterMode) {
    problems.push({ field: 'redis.queue.external.clusterMode', value: true, rule: 'must be false: Celery (kombu 5.6) has no Redis Cluster transport, and Superset\'s coordination and async-query backends take RedisCache only', fix: 'give redis.queue.external the primary endpoint of a non-cluster managed Redis (ElastiCache with cluster mode disabled, Memorystore for Redis, Azure Cache without clustering); cluster mode suits redis.cache only' });
  }
  const c = config.redis.cache.mode === 'external' ? config.redis.cache.external : undefined;
  if (c && q && c.host === q.host && c.port === q.port) {
    problems.push({ field: 'redis.cache.external.host', value: c.host, rule: `must not be the endpoint of redis.queue.external (${q.host}:${q.port}): the caches need an evicting maxmemory policy (allkeys-lru) and the queue noeviction, and an evicting server drops queued Celery tasks`, fix: 'give the caches and the queue two managed Redis instances, or keep one of them on the platform\'s own servers (redis.cache.mode "cluster" or redis.queue.mode "sentinel")' });
  }
  return problems;
}

/** Fields of a section that differ from the defaults while the section's mode makes them unused. */
function changedFields(prefix: string, actual: object, defaults: object, skip: readonly string[]): string[] {
  const a = actual as Record<string, unknown>;
  const d = defaults as Record<string, unknown>;
  return Object.keys(a).filter((k) => !skip.includes(k) && JSON.stringify(a[k]) !== JSON.stringify(d[k])).map((k) => `${prefix}.${k}`);
}

/** Warnings of the managed-Redis modes: no TLS, and settings of our servers that are ignored. */
function externalRedisWarnings(config: RedisWarningSettings): string[] {
  const r = config.redis;
  const out: string[] = [];
  const cache = r.cache.mode === 'external' ? r.cache.external : undefined;
  const queue = r.queue.mode === 'external' ? r.queue.external : undefined;
  for (const [field, e] of [['redis.cache', cache], ['redis.queue', queue]] as const) {
    if (e && !e.tls) out.push(`${field}.external.tls is false: the AUTH password and every cached result or task cross the network in clear to ${e.host}; turn on in-transit encryption on the managed Redis and set ${field}.external.tls to true.`);
  }
  const ignored = [
    ...(cache ? changedFields('redis.cache', r.cache, REDIS_DEFAULTS.cache, ['mode', 'external']) : []),
    ...(queue ? changedFields('redis.queue', r.queue, REDIS_DEFAULTS.queue, ['mode', 'external']) : []),
    ...(cache && queue ? changedFields('redis', r, REDIS_DEFAULTS, ['cache', 'queue']) : []),
    ...(cache && config.secrets && config.secrets.redisCache !== REDIS_SECRET_DEFAULTS.redisCache ? ['secrets.redisCache'] : []),
    ...(queue && config.secrets && config.secrets.redisQueue !== REDIS_SECRET_DEFAULTS.redisQueue ? ['secrets.redisQueue'] : []),
  ];
  if (ignored.length) {
    out.push(`${ignored.join(', ')} ${ignored.length === 1 ? 'is' : 'are'} ignored: they configure the platform's own Redis servers, which a managed Redis (mode "external") replaces (its password comes from <field>.external.auth); remove them.`);
  }
  return out;
}

/** Soft problems of config.redis. */
export function redisWarnings(config: RedisWarningSettings): string[] {
  const r = config.redis;
  const out: string[] = externalRedisWarnings(config);
  const ours = [
    ...(r.cache.mode !== 'external' ? [['redis.cache.resources', r.cache.resources] as const] : []),
    ...(r.queue.mode !== 'external' ? [['redis.queue.resources', r.queue.resources] as const] : []),
  ];
  for (const [field, res] of ours) {
    if (memoryToBytes(res.memoryRequest) < memoryToBytes(res.memoryLimit)) {
      out.push(`${field}: memoryRequest ${res.memoryRequest} is below memoryLimit ${res.memoryLimit}; a Redis server under node memory pressure is OOM-killed first: set them equal.`);
    }
  }
  if (r.queue.mode === 'sentinel' && r.queue.minReplicasToWrite > 0) {
    out.push(`redis.queue.minReplicasToWrite is ${r.queue.minReplicasToWrite}: after every failover the promoted primary refuses writes (NOREPLICAS) until a replica re-attaches, and Celery publishes fail (kombu does not retry that error); use 0 unless losing tasks to a network partition is worse.`);
  }
  if (r.queue.mode === 'sentinel' && r.queue.replicas % 2 === 0) {
    out.push(`redis.queue.replicas is ${r.queue.replicas}: an even number of Sentinels survives no more lost pods than ${r.queue.replicas - 1}; use an odd number.`);
  }
  return out;
}
