// The names and ports other components connect to: Superset, the ops CronJobs, the network flows.

/** PgBouncer: what web, workers and beat connect to. */
export const PGBOUNCER = { host: 'pgbouncer', port: 6432 } as const;
/** Patroni primary: what the migration Job and backups connect to (never through PgBouncer). */
export const POSTGRES_PRIMARY = { host: 'postgres', port: 5432 } as const;
/** PgBouncer's admin-console user with SHOW-only rights, used by the metrics exporter. */
export const PGBOUNCER_STATS_USER = 'pgbouncer_exporter';

/** Role names Patroni creates at bootstrap (passwords come from the environment, i.e. Secrets). */
export const SUPERUSER = 'postgres';
export const REPLICATION_USER = 'standby';
export const RESTAPI_USER = 'patroni';
