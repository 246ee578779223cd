import type { ConfigProblem } from '../config/errors';
import { MUTABLE_TAGS, ResourcesConfig } from '../config/primitives';
import { memoryToBytes } from '../config/quantity';
import { resourceLimits } from '../config/resource-rules';
import type { RedisConfig } from './schema';
import { redisMaxmemoryBytes, redisMinimumStorageBytes, toBinaryQuantity } from './sizing';

// Cross-field rules of the Redis tier (the platform rules run them with every other tier's).

/** What the Redis rules read. */
export interface RedisSettings {
  readonly redis: RedisConfig;
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

  const c = r.cache;
  problems.push(...resourceLimits('redis.cache.resources', c.resources));
  problems.push(...resourceLimits('redis.cache.agentResources', c.agentResources));
  problems.push(...memoryAndStorage('redis.cache', c.resources, c.maxmemoryPercent, c.storage.size, c.persistence));

  const q = r.queue;
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
      fix: `raise redis.queue.failoverTimeoutMilliseconds to ${q.downAfterMilliseconds * 6} or more`,
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

/** Soft problems of config.redis. */
export function redisWarnings(config: RedisSettings): string[] {
  const r = config.redis;
  const out: string[] = [];
  for (const [field, res] of [['redis.cache.resources', r.cache.resources], ['redis.queue.resources', r.queue.resources]] as const) {
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
