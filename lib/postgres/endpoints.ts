import type { ExternalPostgresConfig, PgbouncerConfig, PostgresConfig } from './schema';
import { Flow, Peer, tcp } from '../workload/flow';
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

/** The managed server's CA bundle, where Superset, PgBouncer and pg-backup read it. */
export const DATABASE_CA = { volume: 'database-ca', dir: '/etc/ssl/database-ca', file: '/etc/ssl/database-ca/ca.crt' } as const;

interface DatabaseTier {
  readonly postgres: Pick<PostgresConfig, 'mode' | 'external'>;
  readonly pgbouncer: Pick<PgbouncerConfig, 'enabled'>;
  readonly superset: { readonly database: { readonly name: string; readonly user: string } };
}

/** The managed server, when postgres.mode is "external" (the rules require postgres.external then). */
export function externalDatabase(config: Pick<DatabaseTier, 'postgres'>): ExternalPostgresConfig | undefined {
  return config.postgres.mode === 'external' ? config.postgres.external : undefined;
}

/** Where direct clients connect (migrations, backups; everyone when PgBouncer is off): the primary or the managed server. */
export function directDatabase(config: Pick<DatabaseTier, 'postgres'>): { readonly host: string; readonly port: number } {
  const ext = externalDatabase(config);
  return ext ? { host: ext.host, port: ext.port } : POSTGRES_PRIMARY;
}

/** Where web, workers and beat connect: PgBouncer, or straight to the database when it is off. */
export function pooledDatabase(config: Pick<DatabaseTier, 'postgres' | 'pgbouncer'>): { readonly host: string; readonly port: number } {
  return config.pgbouncer.enabled ? PGBOUNCER : directDatabase(config);
}

/** The metadata database's name and role: superset.database, or the managed server's. */
export function metadataDatabase(config: DatabaseTier): { readonly name: string; readonly user: string } {
  const ext = externalDatabase(config);
  return ext ? { name: ext.database, user: ext.user } : config.superset.database;
}

/** Flows from one component to every address range of the managed server, on its port. */
export function toExternalDatabase(external: ExternalPostgresConfig, from: Peer, why: string): Flow[] {
  return external.cidrs.map((cidr, i) => tcp(from, { kind: 'cidr', name: `external-postgres-${i + 1}`, cidr }, [external.port], why));
}
