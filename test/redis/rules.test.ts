import { redisMaxmemoryBytes, redisMinimumStorageBytes } from '../../lib/redis/sizing';
import { toBinaryQuantity } from '../../lib/config/quantity';
import { resolveEnvironment } from '../../lib/config/load';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';

const REPO = { superset: { image: { repository: 'ghcr.io/acme/superset' } } };
const resolve = (redis: EnvironmentOverrides['redis']) => () => resolveEnvironment('qa', { ...REPO, redis });
// Only the Redis tier's warnings (the other tiers warn about their placeholders).
const warningsOf = (redis: EnvironmentOverrides['redis']) => resolveEnvironment('qa', { ...REPO, redis }).warnings.filter((w) => w.startsWith('redis.'));
const big = { cpuRequest: '1', cpuLimit: '1', memoryRequest: '4Gi', memoryLimit: '4Gi' };

describe('redis memory and storage sizing', () => {
  test('maxmemory is a percentage of the limit, rounded down to a MiB', () => {
    expect(redisMaxmemoryBytes('1Gi', 70)).toBe(716 * 2 ** 20);
    expect(redisMaxmemoryBytes('4Gi', 70)).toBe(2867 * 2 ** 20);
  });

  test('the volume holds a snapshot and its temporary copy, or an AOF through a rewrite', () => {
    expect(redisMinimumStorageBytes(2 ** 30, 'snapshot-on-shutdown')).toBe(2 * 2 ** 30);
    expect(redisMinimumStorageBytes(2 ** 30, 'aof')).toBe(3 * 2 ** 30);
    expect(redisMinimumStorageBytes(2 ** 30, 'none')).toBe(16 * 2 ** 20);
  });

  test('binary quantities for messages', () => {
    expect([2 ** 30, 6 * 2 ** 30, 1.5 * 2 ** 30, 5.2 * 2 ** 30, 100].map(toBinaryQuantity)).toEqual(['1Gi', '6Gi', '1536Mi', '6Gi', '1Mi']);
  });
});

describe('redis validation', () => {
  test('the defaults and the environments are valid', () => {
    expect(resolve({})).not.toThrow();
  });

  // [what, overrides, expected error]
  const invalid: Array<[string, EnvironmentOverrides['redis'], RegExp]> = [
    ['a moving image tag', { images: { valkey: { tag: 'latest' } } }, /redis\.images\.valkey\.tag = "latest"[\s\S]*must be a pinned version/],
    ['a moving exporter tag', { images: { exporter: { tag: 'master' } } }, /redis\.images\.exporter\.tag = "master"/],
    ['an unknown engine', { engine: 'keydb' as never }, /redis\.engine = "keydb"[\s\S]*must be one of "valkey", "redis"/],
    ['fewer than 3 shards', { cache: { shards: 2 } }, /redis\.cache\.shards = 2[\s\S]*3 primaries/],
    ['maxmemory too close to the limit', { cache: { maxmemoryPercent: 95 } }, /redis\.cache\.maxmemoryPercent = 95[\s\S]*must be at most 90/],
    ['an eviction policy that does not evict', { cache: { maxmemoryPolicy: 'noeviction' as never } }, /redis\.cache\.maxmemoryPolicy = "noeviction"/],
    ['a node timeout below 1 s', { cache: { clusterNodeTimeoutMilliseconds: 500 } }, /redis\.cache\.clusterNodeTimeoutMilliseconds = 500[\s\S]*at least 1000 ms/],
    ['a cache memory limit below its request', { cache: { resources: { memoryRequest: '2Gi' } } }, /redis\.cache\.resources\.memoryLimit = "1Gi"[\s\S]*at least the memory request \(2Gi\)/],
    ['an agent CPU limit below its request', { cache: { agentResources: { cpuRequest: '200m' } } }, /redis\.cache\.agentResources\.cpuLimit = "100m"/],
    ['an exporter memory limit below its request', { exporterResources: { memoryRequest: '128Mi' } }, /redis\.exporterResources\.memoryLimit = "64Mi"/],
    ['a Sentinel CPU limit below its request', { queue: { sentinelResources: { cpuRequest: '1' } } }, /redis\.queue\.sentinelResources\.cpuLimit = "200m"/],
    ['a queue memory limit below its request', { queue: { resources: { memoryRequest: '2Gi' } } }, /redis\.queue\.resources\.memoryLimit = "1Gi"/],
    ['maxmemory below 32 MiB', { cache: { resources: { memoryRequest: '32Mi', memoryLimit: '32Mi' } } }, /redis\.cache\.maxmemoryPercent = 70[\s\S]*below the 32Mi a server needs/],
    ['a cache volume too small for its snapshot', { cache: { resources: big, storage: { size: '4Gi' } } }, /redis\.cache\.storage\.size = "4Gi"[\s\S]*at least 6Gi[\s\S]*fix: {2}raise redis\.cache\.storage\.size to 6Gi/],
    ['a queue volume too small for its AOF', { queue: { resources: big, storage: { size: '4Gi' } } }, /redis\.queue\.storage\.size = "4Gi"[\s\S]*persistence "aof"[\s\S]*at least 8Gi/],
    ['Sentinel with 2 pods', { queue: { replicas: 2 } }, /redis\.queue\.replicas = 2[\s\S]*at least 3 in sentinel mode/],
    ['standalone with 3 pods', { queue: { mode: 'standalone', replicas: 3 } }, /redis\.queue\.replicas = 3[\s\S]*must be 1 in standalone mode/],
    ['a failover timeout shorter than down-after', { queue: { downAfterMilliseconds: 30000, failoverTimeoutMilliseconds: 20000 } }, /redis\.queue\.failoverTimeoutMilliseconds = 20000[\s\S]*must exceed redis\.queue\.downAfterMilliseconds \(30000\)/],
    ['min-replicas-to-write of every replica', { queue: { minReplicasToWrite: 3 } }, /redis\.queue\.minReplicasToWrite = 3[\s\S]*at most redis\.queue\.replicas - 1 \(2\)/],
    ['min-replicas-to-write without Sentinel', { queue: { mode: 'standalone', replicas: 1, minReplicasToWrite: 1 } }, /redis\.queue\.minReplicasToWrite = 1[\s\S]*must be 0 in standalone mode/],
    ['a misspelt key', { cache: { replicas: 1 } as never }, /redis\.cache\.replicas[\s\S]*did you mean "replicasPerShard"|redis\.cache\.replicas[\s\S]*known keys/],
  ];
  test.each(invalid)('%s is rejected with the field, the rule and the fix', (_what, redis, expected) => {
    expect(resolve(redis)).toThrow(expected);
  });

  test('a memory request below the limit and an even number of Sentinels are warnings', () => {
    expect(warningsOf({})).toEqual([]);
    expect(warningsOf({ cache: { resources: { memoryRequest: '512Mi' } } }).join('\n')).toMatch(/redis\.cache\.resources: memoryRequest 512Mi is below memoryLimit 1Gi/);
    expect(warningsOf({ queue: { replicas: 4 } }).join('\n')).toMatch(/redis\.queue\.replicas is 4: an even number of Sentinels/);
    expect(warningsOf({ queue: { minReplicasToWrite: 1 } }).join('\n')).toMatch(/redis\.queue\.minReplicasToWrite is 1: after every failover .*NOREPLICAS/);
  });
});
