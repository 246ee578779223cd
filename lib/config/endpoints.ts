// Service names and ports inside an environment's namespace. Every component that connects to
// another reads the address from here, so a rename cannot leave a dangling reference.

/** PgBouncer: what web, workers and beat connect to. */
export const PGBOUNCER = { host: 'pgbouncer', port: 6432 } as const;
/** Patroni primary: what the migration Job and backups connect to (never through PgBouncer). */
export const POSTGRES_PRIMARY = { host: 'postgres', port: 5432 } as const;
/** Superset web Service. */
export const SUPERSET_WEB = { host: 'superset-web', port: 8088 } as const;
