import { defineEnvironment } from './define';

/**
 * Example: staging's feature set on managed data services (here AWS: RDS for the metadata
 * database, ElastiCache in cluster mode for the caches, a non-cluster ElastiCache for Celery), so
 * no Patroni object and no Redis StatefulSet is rendered (PgBouncer stays in front of RDS). The host names,
 * address ranges and Secret names are examples: replace them with yours (docs/database.md and
 * docs/redis.md, the sections on managed servers).
 */
export default defineEnvironment({
  monitoring: { enabled: true },
  superset: {
    asyncQueries: { enabled: true },
  },
  postgres: {
    mode: 'external',
    external: {
      host: 'superset.abc123.eu-west-1.rds.amazonaws.com',
      database: 'superset',
      user: 'superset',
      passwordSecret: { name: 'rds-superset', key: 'password' },
      sslMode: 'verify-full',
      caBundle: { configMap: 'aws-ca', key: 'global-bundle.pem' },
      connectionLimit: 400,
      cidrs: ['10.50.0.0/24', '10.50.1.0/24'],
    },
  },
  redis: {
    cache: {
      mode: 'external',
      external: {
        host: 'clustercfg.superset-cache.abc123.euw1.cache.amazonaws.com',
        clusterMode: true,
        caBundle: { configMap: 'aws-ca', key: 'global-bundle.pem' },
        auth: { secret: 'elasticache-cache', usernameKey: 'username' },
        cidrs: ['10.60.0.0/24', '10.60.1.0/24'],
      },
    },
    queue: {
      mode: 'external',
      external: {
        host: 'master.superset-queue.abc123.euw1.cache.amazonaws.com',
        caBundle: { configMap: 'aws-ca', key: 'global-bundle.pem' },
        auth: { secret: 'elasticache-queue', usernameKey: 'username' },
        cidrs: ['10.61.0.0/24', '10.61.1.0/24'],
      },
    },
  },
});
