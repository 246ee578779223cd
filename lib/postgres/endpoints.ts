import type { CaBundleConfig } from '../workload/schema';
import type { DatabaseSecretNames, ExternalPostgresConfig, PgbouncerConfig, PostgresConfig } from './schema';
import { Flow, Peer, tcp } from '../workload/flow';
// The names and ports other components connect to: Superset, the ops CronJobs, the network flows.

/** PgBouncer: what web, workers and beat connect to. */
export const PGBOUNCER = { host: 'pgbouncer', port: 6432 } as const;
/** Patroni primary: what the migration Job and backups connect to (never through PgBouncer). */
export const POSTGRES_PRIMARY = { host: 'postgres', port: 5432 } as const;
/** The Service of the replicas, and the headless one each member has its DNS name under. */
export const POSTGRES_REPLICAS_SERVICE = 'postgres-replicas';
export const POSTGRES_MEMBERS_SERVICE = 'postgres-members';
/** PgBouncer's admin-console user with SHOW-only rights, used by the metrics exporter. */
export const PGBOUNCER_STATS_USER = 'pgbouncer_exporter';

/** Role names Patroni creates at bootstrap (passwords come from the environment, i.e. Secrets). */
export const SUPERUSER = 'postgres';
export const REPLICATION_USER = 'standby';
/** The role pg_rewind reads the new primary with (EXECUTE on four functions, no superuser). */
export const REWIND_USER = 'rewind';
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

// Encryption in transit inside the database tier (postgres.tls): Patroni's server certificate,
// PgBouncer's, and what every client of the tier is told about them (sslmode, the CA it trusts).

/** Kubernetes' default cluster DNS domain (network.clusterDomain unless set otherwise). */
export const CLUSTER_DOMAIN = 'cluster.local';

/** Key names of a certificate Secret (what cert-manager writes; what you create by hand). */
export const TLS_KEYS = { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt' } as const;

/** A certificate Secret mounted as a volume at `dir`: the paths of its certificate, key and CA. */
function certificateFiles<V extends string, D extends string>(volume: V, dir: D) {
  return { volume, dir, cert: `${dir}/${TLS_KEYS.cert}`, key: `${dir}/${TLS_KEYS.key}`, ca: `${dir}/${TLS_KEYS.ca}` } as const;
}

/** Where the Patroni container reads its certificate, key and CA (a read-only Secret volume). */
export const POSTGRES_TLS = certificateFiles('postgres-tls', '/etc/postgres-tls');

/** Where the PgBouncer container reads its own certificate and key (clients connect with TLS). */
export const PGBOUNCER_TLS = certificateFiles('pgbouncer-tls', '/etc/pgbouncer-tls');

/**
 * Mode of the certificate Secret volumes. The kubelet owns the files by root and, with the pod's
 * fsGroup, ORs in group read (0440 for a read-only volume): 0640 root:<fsGroup> is what results, and
 * what PostgreSQL accepts for a key file owned by root (u=rw,g=r at most; a key owned by the server's
 * user must be 0600). The server's user reads it through the fsGroup.
 */
export const TLS_SECRET_MODE = 0o640;

/** How often the start scripts compare the mounted certificate with the one loaded, to reload a renewed one. */
export const TLS_WATCH_SECONDS = 60;

interface TlsSettings {
  readonly postgres: Pick<PostgresConfig, 'mode' | 'tls' | 'external'>;
  readonly pgbouncer?: Pick<PgbouncerConfig, 'enabled'>;
  readonly secrets: Pick<DatabaseSecretNames, 'postgresTls' | 'pgbouncerTls'>;
  /** The cluster's DNS domain, for the fully qualified names in the certificates. */
  readonly network?: { readonly clusterDomain: string };
}

/** Whether the platform's own database tier speaks TLS (postgres.tls.enabled with Patroni). */
export function databaseTls(config: Pick<TlsSettings, 'postgres'>): boolean {
  return config.postgres.mode === 'patroni' && config.postgres.tls.enabled;
}

/** Patroni's REST API speaks HTTPS with the database tier's TLS (patroni.yml restapi.certfile). */
export function patroniApiScheme(config: Pick<TlsSettings, 'postgres'>): 'http' | 'https' {
  return databaseTls(config) ? 'https' : 'http';
}

/** The certificate one server presents: its Secret and the DNS names it must carry. */
export interface ServerCertificate {
  /** Which server presents it. */
  readonly server: 'postgres' | 'pgbouncer';
  readonly secretName: string;
  /** The first name is the Service the clients use; the rest are its other in-cluster spellings. */
  readonly dnsNames: readonly string[];
}

function serviceNames(service: string, namespace: string, domain: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.${domain}`];
}

/**
 * The certificates of the database tier when TLS is on: Patroni's (the primary and replicas
 * Services, and every member under the headless Service) and PgBouncer's. Clients check the host
 * name (verify-full) of the Service they connect to; members reach each other by pod IP, which no
 * certificate can name, so replication and pg_rewind check the CA only (verify-ca).
 */
export function databaseCertificates(config: TlsSettings, namespace: string): ServerCertificate[] {
  if (!databaseTls(config)) return [];
  const members = POSTGRES_MEMBERS_SERVICE;
  const domain = config.network?.clusterDomain ?? CLUSTER_DOMAIN;
  const out: ServerCertificate[] = [{
    server: 'postgres',
    secretName: config.secrets.postgresTls,
    dnsNames: [
      ...serviceNames(POSTGRES_PRIMARY.host, namespace, domain),
      ...serviceNames(POSTGRES_REPLICAS_SERVICE, namespace, domain),
      `*.${members}.${namespace}.svc`,
      `*.${members}.${namespace}.svc.${domain}`,
    ],
  }];
  if (config.pgbouncer?.enabled !== false) {
    out.push({ server: 'pgbouncer', secretName: config.secrets.pgbouncerTls, dnsNames: serviceNames(PGBOUNCER.host, namespace, domain) });
  }
  return out;
}

/** The CA the clients of the tier trust: postgres.tls.caBundle, or ca.crt of Patroni's certificate Secret. */
export function internalCaBundle(config: TlsSettings): CaBundleConfig {
  return config.postgres.tls.caBundle ?? { secret: config.secrets.postgresTls, key: TLS_KEYS.ca };
}

/** What a client is told about TLS toward the server it connects to: libpq's sslmode and the CA bundle (mounted at DATABASE_CA.file). */
export interface ClientTls {
  readonly sslMode: string;
  readonly caBundle?: CaBundleConfig;
}

/**
 * TLS of a client of the metadata database: toward PgBouncer ("pooled") or straight to the server
 * ("direct": the migration Job, pg-backup, PgBouncer itself). A managed server: its sslMode and CA,
 * for direct clients only (PgBouncer speaks TLS to it; its clients reach PgBouncer in the cluster).
 * Our own tier with TLS: postgres.tls.sslMode and the internal CA, toward either.
 */
export function databaseClientTls(config: TlsSettings, route: 'pooled' | 'direct'): ClientTls | undefined {
  const external = externalDatabase(config);
  if (external) {
    const direct = route === 'direct' || config.pgbouncer?.enabled === false;
    return direct ? { sslMode: external.sslMode, caBundle: external.caBundle } : undefined;
  }
  if (!databaseTls(config)) return undefined;
  return { sslMode: config.postgres.tls.sslMode, caBundle: internalCaBundle(config) };
}

