// Service names and ports inside an environment's namespace. Every component that connects to
// another reads the address from here, so a rename cannot leave a dangling reference.

/** PgBouncer: what web, workers and beat connect to. */
export const PGBOUNCER = { host: 'pgbouncer', port: 6432 } as const;
/** Patroni primary: what the migration Job and backups connect to (never through PgBouncer). */
export const POSTGRES_PRIMARY = { host: 'postgres', port: 5432 } as const;
/** Redis Cluster client Service: the Flask caches and the SQL Lab results backend. */
export const REDIS_CACHE = { host: 'redis-cache', port: 6379 } as const;
/** Non-cluster Redis: Celery broker and results, coordination, async-query events. */
export const REDIS_QUEUE = { host: 'redis-queue', port: 6379 } as const;
/** Redis logical databases on redis-queue, one per use, so a FLUSHDB never crosses uses. */
export const REDIS_QUEUE_DB = { celeryBroker: 0, celeryResults: 1, asyncQueries: 2, coordination: 3, rateLimits: 4 } as const;
/** Superset web Service. */
export const SUPERSET_WEB = { host: 'superset-web', port: 8088 } as const;
