import type { SecretRef } from '../config/secret-ref';
import { randomHex } from '../config/secret-ref';
import { externalRedisCache, externalRedisQueue } from './endpoints';
import type { RedisConfig, RedisSecretNames } from './schema';

// The keys our Redis pods read for their own ACL users (lib/redis/acl.ts), next to the
// application's `password` that Superset reads too (lib/superset/secrets.ts). A managed Redis
// has none of them.

/** Where the Redis pods mount their Secret. */
export const REDIS_AUTH_DIR = '/etc/redis-auth';
/** The keys (next to `password`) the Redis pods read for their own users. */
export const REDIS_INTERNAL_PASSWORD_KEY = 'internal-password';
export const REDIS_EXPORTER_PASSWORD_KEY = 'exporter-password';

export interface RedisSecretSettings {
  readonly secrets: RedisSecretNames;
  readonly redis: Pick<RedisConfig, 'cache' | 'queue'>;
}

function ownKeys(secretName: string, what: string, users: string): SecretRef[] {
  return [
    {
      secretName, key: REDIS_INTERNAL_PASSWORD_KEY, envVar: '', file: `${REDIS_AUTH_DIR}/${REDIS_INTERNAL_PASSWORD_KEY}`,
      description: `what the passwords of the ${what} pods' own ACL users (${users}) are derived from; read by those pods only, never by a client`,
      ...randomHex(32),
    },
    {
      secretName, key: REDIS_EXPORTER_PASSWORD_KEY, envVar: 'REDIS_PASSWORD',
      description: `password of the read-only exporter ACL user of ${what}, read by its metrics sidecar`,
      ...randomHex(32),
    },
  ];
}

/** The keys of redis-cache-auth and redis-queue-auth the Redis pods alone read. */
export function redisSecretRefs(config: RedisSecretSettings): SecretRef[] {
  return [
    ...(externalRedisCache(config) ? [] : ownKeys(config.secrets.redisCache, 'redis-cache', 'agent, replication')),
    ...(externalRedisQueue(config) ? [] : ownKeys(config.secrets.redisQueue, 'redis-queue', config.redis.queue.mode === 'sentinel' ? 'agent, replication, sentinel' : 'agent, replication')),
  ];
}
