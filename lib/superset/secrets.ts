import { externalDatabase } from '../postgres/endpoints';
import type { PostgresConfig } from '../postgres/schema';
import { randomBase64, randomHex, SecretRef } from '../config/secret-ref';
import { externalRedisCache, externalRedisQueue, RedisUse } from '../redis/endpoints';
import type { ExternalRedisConfig, RedisConfig, RedisSecretNames } from '../redis/schema';
import type { SupersetConfig, SupersetSecretNames } from './schema';

/** What Superset's Secret keys depend on: its own settings and the names of every Secret it reads. */
export interface SupersetSecretSettings {
  readonly secrets: SupersetSecretNames & RedisSecretNames;
  readonly superset: SupersetConfig;
  /** A managed metadata database brings its own password Secret (postgres.external.passwordSecret). */
  readonly postgres?: Pick<PostgresConfig, 'mode' | 'external'>;
  /** A managed Redis brings its own AUTH Secret (redis.cache.external.auth, redis.queue.external.auth). */
  readonly redis?: Pick<RedisConfig, 'cache' | 'queue'>;
}

/** The password (and ACL user) of one Redis: our server's Secret, or the managed Redis's. */
function redisRefs(use: RedisUse, ownSecret: string, external: ExternalRedisConfig | undefined, ownDescription: string, what: string): SecretRef[] {
  const prefix = use === 'redis-cache' ? 'REDIS_CACHE' : 'REDIS_QUEUE';
  const field = use === 'redis-cache' ? 'redis.cache.external.auth' : 'redis.queue.external.auth';
  if (!external) {
    return [{ secretName: ownSecret, key: 'password', envVar: `${prefix}_PASSWORD`, description: ownDescription, ...hex(32) }];
  }
  const auth = external.auth;
  return [
    {
      secretName: auth.secret,
      key: auth.passwordKey,
      envVar: `${prefix}_PASSWORD`,
      configField: field,
      description: `AUTH password of the managed Redis ${external.host} (${what})`,
      generate: 'the AUTH token (or the ACL user\'s password) you gave the managed Redis',
    },
    ...(auth.usernameKey ? [{
      secretName: auth.secret,
      key: auth.usernameKey,
      envVar: `${prefix}_USERNAME`,
      configField: field,
      description: `ACL user Superset logs in to the managed Redis ${external.host} as`,
      generate: 'the ACL user (ElastiCache RBAC user, Redis 6+ ACL) you created for Superset',
    }] : []),
  ];
}

const base64 = randomBase64;
const hex = randomHex;

/** Env var of an OAuth provider's client id or secret. */
export function oauthEnvVar(provider: string, part: 'id' | 'secret'): string {
  return `OAUTH_${provider.toUpperCase()}_CLIENT_${part.toUpperCase()}`;
}

/**
 * The first admin (superset.auth.type "database" only): the migration Job creates this user once
 * with `superset fab create-admin`, and the dashboard export runs as it. Read by those two pods
 * only, never by web, workers or beat.
 */
export function supersetAdminRefs(config: SupersetSecretSettings): SecretRef[] {
  if (config.superset.auth.type !== 'database') return [];
  const secretName = config.secrets.admin;
  return [
    {
      secretName,
      key: 'username',
      envVar: 'ADMIN_USERNAME',
      description: 'user name of the first admin the migration Job creates (Superset 6.1\'s `export-dashboards` exports as the user "admin", so keep "admin" while the dashboard export is on)',
      generate: 'a user name; `npm run secrets` writes "admin"',
      value: 'admin',
    },
    {
      secretName,
      key: 'email',
      envVar: 'ADMIN_EMAIL',
      description: 'email of the first admin (unique among Superset users)',
      generate: 'the admin\'s email; `npm run secrets` writes a placeholder (admin@example.invalid) to change before creating the Secret',
      value: 'admin@example.invalid',
    },
    {
      secretName,
      key: 'password',
      envVar: 'ADMIN_PASSWORD',
      description: 'password of the first admin, used once when the user is created (rotating it: docs/secrets.md)',
      ...hex(24),
    },
  ];
}

/**
 * What the websocket server reads (superset.asyncQueries.transport "ws"): the async-query JWT
 * secret and the redis-queue login, from the same Secrets as Superset's; nothing else.
 */
export function supersetWebsocketRefs(config: SupersetSecretSettings): SecretRef[] {
  const wanted = ['GLOBAL_ASYNC_QUERIES_JWT_SECRET', 'REDIS_QUEUE_PASSWORD', 'REDIS_QUEUE_USERNAME'];
  return supersetSecretRefs(config).filter((r) => wanted.includes(r.envVar));
}

/**
 * Celery Flower's login (superset.flower.enabled only), read by the Flower pod alone. Hex
 * passwords: Flower splits basic_auth on commas, and "user:password" on the first colon.
 */
export function supersetFlowerRefs(config: SupersetSecretSettings): SecretRef[] {
  const flower = config.superset.flower;
  if (!flower.enabled) return [];
  return [
    {
      secretName: flower.secretName,
      key: 'username',
      envVar: 'FLOWER_USERNAME',
      description: 'user name of Celery Flower\'s basic auth (no ":" or ","); only when superset.flower.enabled',
      generate: 'a user name; `npm run secrets` writes "flower"',
      value: 'flower',
    },
    {
      secretName: flower.secretName,
      key: 'password',
      envVar: 'FLOWER_PASSWORD',
      description: 'password of Celery Flower\'s basic auth; only when superset.flower.enabled',
      ...hex(24),
    },
  ];
}

/** Secret keys read by Superset's web, worker, beat and migration containers. */
export function supersetSecretRefs(config: SupersetSecretSettings): SecretRef[] {
  const external = config.postgres ? externalDatabase({ postgres: config.postgres }) : undefined;
  const refs: SecretRef[] = [
    {
      secretName: config.secrets.app,
      key: 'secret-key',
      envVar: 'SUPERSET_SECRET_KEY',
      description: 'Flask SECRET_KEY: signs sessions and encrypts stored database passwords (42+ characters; rotating it needs `superset re-encrypt-secrets`)',
      ...base64(42),
    },
    external ? {
      secretName: external.passwordSecret.name,
      key: external.passwordSecret.key,
      envVar: 'DATABASE_PASSWORD',
      configField: 'postgres.external.passwordSecret',
      description: `password of the "${external.user}" role on the managed metadata database (${external.host})`,
      generate: 'the password you gave the role on the managed server',
    } : {
      secretName: config.secrets.database,
      key: 'password',
      envVar: 'DATABASE_PASSWORD',
      description: `password of the "${config.superset.database.user}" role in the metadata database`,
      ...hex(32),
    },
  ];
  const redis = config.redis ? { redis: config.redis } : undefined;
  refs.push(
    ...redisRefs('redis-cache', config.secrets.redisCache, redis && externalRedisCache(redis), 'password of redis-cache (Redis Cluster: Flask caches and SQL Lab results)', 'Flask caches and SQL Lab results'),
    ...redisRefs('redis-queue', config.secrets.redisQueue, redis && externalRedisQueue(redis), 'password of redis-queue (Celery broker and results, async-query events)', 'Celery broker and results, coordination, async-query events, rate limits, sessions'),
  );
  if (config.superset.auth.type === 'oauth') {
    for (const provider of config.superset.auth.oauth.providers) {
      for (const part of ['id', 'secret'] as const) {
        refs.push({
          secretName: config.superset.auth.oauth.secretName,
          key: `${provider.name}-client-${part}`,
          envVar: oauthEnvVar(provider.name, part),
          description: `OAuth client ${part} of the "${provider.name}" SSO provider; only when superset.auth.type is "oauth"`,
          generate: 'from the identity provider',
        });
      }
    }
  }
  const reports = config.superset.reports;
  if (reports.smtp.enabled && reports.smtp.user) {
    refs.push({
      secretName: reports.secretName,
      key: 'smtp-password',
      envVar: 'SMTP_PASSWORD',
      description: `password of the SMTP user "${reports.smtp.user}" at ${reports.smtp.host}; only when superset.reports.smtp is enabled with a user`,
      generate: 'from your mail provider',
    });
  }
  if (reports.slack.enabled) {
    refs.push({
      secretName: reports.secretName,
      key: 'slack-token',
      envVar: 'SLACK_API_TOKEN',
      description: 'Slack bot token (xoxb-...) with chat:write, files:write and channels:read; only when superset.reports.slack.enabled',
      generate: 'from your Slack app (OAuth & Permissions)',
    });
  }
  if (config.superset.asyncQueries.enabled) {
    refs.push({
      secretName: config.secrets.app,
      key: 'async-queries-jwt-secret',
      envVar: 'GLOBAL_ASYNC_QUERIES_JWT_SECRET',
      description: 'signs the async-query JWT cookie (32+ characters); only when superset.asyncQueries.enabled',
      ...base64(32),
    });
  }
  return refs;
}
