import { BudgetSettings, budgetProblems, connectionBudget } from '../capacity/connections';
import type { ConfigProblem } from '../config/errors';
import { MUTABLE_TAGS } from '../config/primitives';
import { memoryToBytes } from '../config/quantity';
import { resourceLimits } from '../config/resource-rules';
import { PLACEHOLDER_OBJECT_STORAGE_ENDPOINT } from '../ops/defaults';
import type { OpsConfig } from '../ops/schema';
import type { SupersetConfig } from '../superset/schema';
import { REPLICATION_USER, REWIND_USER, SUPERUSER } from './endpoints';
import type { DatabaseSecretNames, PgbouncerConfig, PostgresConfig } from './schema';
import { postgresSizeToBytes } from './sizing';

// Cross-field rules of the database tier (PostgreSQL/Patroni and PgBouncer), including the
// connection budget (lib/capacity/connections.ts), which also reads Superset's settings.

/** PgBouncer releases before this one have published CVEs. */
export const MIN_PGBOUNCER_VERSION: readonly [number, number, number] = [1, 25, 2];

/** Parameters our manifests manage; an override would break the pod or Patroni. */
export const MANAGED_PARAMETERS = new Set([
  'listen_addresses', 'port', 'unix_socket_directories', 'data_directory', 'hba_file', 'ident_file', 'config_file',
  'archive_mode', 'archive_command', 'restore_command', 'wal_level', 'hot_standby', 'logging_collector',
]);

function pinned(field: string, tag: string): ConfigProblem[] {
  if (!MUTABLE_TAGS.has(tag.toLowerCase())) return [];
  return [{ field, value: tag, rule: 'must be a pinned version; a moving tag changes the database under a running cluster', fix: 'use a versioned tag (and optionally a digest)' }];
}

/** "1.25.2" or "1.25.2-3" -> [1, 25, 2]; undefined for tags that carry no version. */
export function versionOfTag(tag: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(tag);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function older(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}

export function databaseProblems(config: BudgetSettings): ConfigProblem[] {
  const pg = config.postgres;
  const pb = config.pgbouncer;
  const problems: ConfigProblem[] = [];

  problems.push(...pinned('postgres.image.tag', pg.image.tag));
  problems.push(...pinned('pgbouncer.image.tag', pb.image.tag));
  problems.push(...pinned('pgbouncer.exporterImage.tag', pb.exporterImage.tag));
  const version = versionOfTag(pb.image.tag);
  const min = MIN_PGBOUNCER_VERSION.join('.');
  if (version === undefined) {
    problems.push({ field: 'pgbouncer.image.tag', value: pb.image.tag, rule: `must start with the PgBouncer version (${min} or later), so the minimum version can be checked`, fix: `use a tag such as "${min}"` });
  } else if (older(version, MIN_PGBOUNCER_VERSION)) {
    problems.push({ field: 'pgbouncer.image.tag', value: pb.image.tag, rule: `must be PgBouncer ${min} or later (older releases have published CVEs)`, fix: `use ${min} or a later release` });
  }

  problems.push(...externalDatabaseProblems(config));
  if (pg.mode === 'external' && !pg.external) return problems; // the budget below needs the managed server's limit

  problems.push(...resourceLimits('postgres.resources', pg.resources));
  problems.push(...resourceLimits('pgbouncer.resources', pb.resources));
  problems.push(...resourceLimits('pgbouncer.exporterResources', pb.exporterResources));

  const p = pg.patroni;
  if (p.loopWaitSeconds + 2 * p.retryTimeoutSeconds > p.ttlSeconds) {
    problems.push({
      field: 'postgres.patroni.ttlSeconds',
      value: p.ttlSeconds,
      rule: `must be at least loopWaitSeconds + 2 x retryTimeoutSeconds (${p.loopWaitSeconds} + 2 x ${p.retryTimeoutSeconds} = ${p.loopWaitSeconds + 2 * p.retryTimeoutSeconds}), or a healthy primary can lose its lock while retrying`,
      fix: `raise postgres.patroni.ttlSeconds to ${p.loopWaitSeconds + 2 * p.retryTimeoutSeconds} or lower loopWaitSeconds/retryTimeoutSeconds`,
    });
  }

  for (const [name, value] of Object.entries(pg.parameters)) {
    if (MANAGED_PARAMETERS.has(name)) {
      problems.push({ field: `postgres.parameters.${name}`, value, rule: 'is managed by the manifests (Patroni, the pod layout or WAL archiving)', fix: `remove postgres.parameters.${name}; WAL archiving is configured under postgres.walArchive` });
    }
  }
  const maxConnections = pg.parameters.max_connections;
  if (maxConnections !== undefined && (!Number.isInteger(Number(maxConnections)) || Number(maxConnections) < 1)) {
    problems.push({ field: 'postgres.parameters.max_connections', value: maxConnections, rule: 'must be a whole number', fix: 'write max_connections as a number, e.g. 200' });
    return problems; // the budget below needs a valid number
  }
  const sharedBuffers = pg.parameters.shared_buffers;
  const sharedBytes = sharedBuffers === undefined ? undefined : postgresSizeToBytes(sharedBuffers);
  if (sharedBytes !== undefined && sharedBytes >= memoryToBytes(pg.resources.memoryLimit)) {
    problems.push({ field: 'postgres.parameters.shared_buffers', value: sharedBuffers, rule: `must be well below the memory limit (${pg.resources.memoryLimit}), or Postgres is OOM-killed`, fix: 'use about 25 % of the memory request, or remove the override (it is derived)' });
  }

  if (pb.maxClientConn < pb.defaultPoolSize + pb.reservePoolSize) {
    problems.push({ field: 'pgbouncer.maxClientConn', value: pb.maxClientConn, rule: `must be at least defaultPoolSize + reservePoolSize (${pb.defaultPoolSize + pb.reservePoolSize}): transaction pooling multiplexes many clients over fewer servers`, fix: `raise pgbouncer.maxClientConn` });
  }

  problems.push(...budgetProblems(connectionBudget(config)));
  return problems;
}

/** The modes of the database tier fit together: a managed server is fully described and reached safely. */
export function externalDatabaseProblems(config: Pick<BudgetSettings, 'postgres' | 'pgbouncer'>): ConfigProblem[] {
  const pg = config.postgres;
  const ext = pg.external;
  const problems: ConfigProblem[] = [];
  if (pg.mode === 'external' && !ext) {
    problems.push({ field: 'postgres.external', value: undefined, rule: 'is required when postgres.mode is "external": it says where the managed server is', fix: 'set postgres.external.host, database, user, passwordSecret, connectionLimit and cidrs (docs/database.md, "A managed server")' });
  }
  if (pg.mode === 'patroni' && ext) {
    problems.push({ field: 'postgres.external', value: ext.host, rule: 'is only read when postgres.mode is "external"; with "patroni" the platform runs its own server and would silently ignore it', fix: 'set postgres.mode to "external", or remove postgres.external' });
  }
  if (pg.mode === 'patroni' && !config.pgbouncer.enabled) {
    problems.push({ field: 'pgbouncer.enabled', value: false, rule: 'may be false only when postgres.mode is "external" (a provider that pools): Patroni\'s max_connections is sized for PgBouncer\'s pools, and a failover needs PgBouncer to re-point every client at once', fix: 'set pgbouncer.enabled to true, or use a managed server (postgres.mode "external")' });
  }
  if (pg.mode === 'external' && ext) {
    if ((ext.sslMode === 'verify-ca' || ext.sslMode === 'verify-full') && !ext.caBundle) {
      problems.push({ field: 'postgres.external.caBundle', value: undefined, rule: `is required by postgres.external.sslMode "${ext.sslMode}": the server certificate is checked against it`, fix: 'set postgres.external.caBundle to the ConfigMap or Secret key holding the provider\'s CA bundle (e.g. the RDS global bundle), or lower sslMode to "require" (encrypts, checks nothing)' });
    }
    if (pg.walArchive.bucket) {
      problems.push({ field: 'postgres.walArchive.bucket', value: pg.walArchive.bucket, rule: 'is Patroni\'s WAL archiving, which a managed server does not run (the provider keeps its own point-in-time recovery)', fix: 'remove postgres.walArchive.bucket; turn on the provider\'s automated backups' });
    }
  }
  return problems;
}

/**
 * post-bootstrap.sh creates the backup role with the password of its own Secret: it must not be a
 * role that already has another password (Superset's, the replication role).
 */
export function backupRoleProblems(config: { readonly ops: Pick<OpsConfig, 'backup'>; readonly superset: Pick<SupersetConfig, 'database'>; readonly postgres?: Pick<PostgresConfig, 'mode'> }): ConfigProblem[] {
  const backup = config.ops.backup;
  // A managed server: you create the backup role yourself, nothing here sets its password.
  if (config.postgres?.mode === 'external') return [];
  if (backup.enabled && backup.credentials.user === SUPERUSER) {
    return [{
      field: 'ops.backup.credentials.user',
      value: backup.credentials.user,
      rule: `must not be the superuser "${SUPERUSER}": pg_hba.conf rejects the superuser over TCP (only Patroni and an operator in the pod log in as it, over the local socket), and pg-backup connects over TCP`,
      fix: 'set ops.backup.credentials.user to a role of its own such as "superset_backup" (created read-only at bootstrap with the password of ops.backup.credentials.secretName)',
    }];
  }
  const taken = new Map([[config.superset.database.user, 'superset.database.user'], [REPLICATION_USER, 'the replication role Patroni creates'], [REWIND_USER, 'the pg_rewind role Patroni creates']]);
  const clash = taken.get(backup.credentials.user);
  if (!backup.enabled || clash === undefined) return [];
  return [{
    field: 'ops.backup.credentials.user',
    value: backup.credentials.user,
    rule: `must be a role of its own, not ${clash}: Patroni's post-bootstrap script creates the backup role with the password of ops.backup.credentials, which would replace that role's password`,
    fix: 'set ops.backup.credentials.user to a role of its own such as "superset_backup"',
  }];
}

/** postgres.tls fits the mode and names two certificates of their own. */
export function databaseTlsProblems(config: { readonly postgres: PostgresConfig; readonly secrets: Pick<DatabaseSecretNames, 'postgresTls' | 'pgbouncerTls'> }): ConfigProblem[] {
  const tls = config.postgres.tls;
  const problems: ConfigProblem[] = [];
  if (tls.enabled && config.postgres.mode === 'external') {
    problems.push({ field: 'postgres.tls.enabled', value: true, rule: 'is TLS of the platform\'s own database tier (Patroni and its certificates); postgres.mode is "external"', fix: 'set postgres.tls.enabled to false and set TLS toward the managed server with postgres.external.sslMode and caBundle' });
  }
  if (!tls.enabled) {
    for (const [key, value] of [['certManagerIssuer', tls.certManagerIssuer?.name], ['caBundle', tls.caBundle]] as const) {
      if (value !== undefined) problems.push({ field: `postgres.tls.${key}`, value, rule: 'is only read with postgres.tls.enabled: no certificate is issued or trusted while TLS is off', fix: `set postgres.tls.enabled to true, or remove postgres.tls.${key}` });
    }
  }
  if (tls.enabled && config.secrets.postgresTls === config.secrets.pgbouncerTls) {
    problems.push({ field: 'secrets.pgbouncerTls', value: config.secrets.pgbouncerTls, rule: `must differ from secrets.postgresTls: PgBouncer and the Patroni members have certificates (and keys) of their own${tls.certManagerIssuer ? ', and two Certificates writing one Secret overwrite each other' : ''}`, fix: 'keep the defaults "postgres-tls" and "pgbouncer-tls", or name two different Secrets' });
  }
  return problems;
}

export function databaseWarnings(config: { readonly postgres: PostgresConfig; readonly pgbouncer: PgbouncerConfig }): string[] {
  const out: string[] = [];
  const ext = config.postgres.mode === 'external' ? config.postgres.external : undefined;
  if (ext && (ext.sslMode === 'disable' || ext.sslMode === 'require')) {
    out.push(`postgres.external.sslMode is "${ext.sslMode}": the server's certificate is not checked${ext.sslMode === 'disable' ? ' and passwords and data cross the network in clear' : ''}; use "verify-full" with postgres.external.caBundle.`);
  }
  if (ext) return out;
  if (config.postgres.members > 1 && config.pgbouncer.replicas < 2) {
    out.push('pgbouncer.replicas is 1 while Postgres is highly available: a single PgBouncer pod is a single point of failure (use 2 or more).');
  }
  if (config.postgres.members === 2) {
    out.push('postgres.members is 2: a third member lets a node drain (PDB maxUnavailable 1) keep a replica for failover; use 3.');
  }
  return out;
}

/**
 * Whether an endpoint is a placeholder: the defaults' own, or any host under the domains reserved
 * for documentation (RFC 2606: example.com, example.net, example.org and the .example and .invalid
 * top-level domains), which never reach an object store.
 */
export function isPlaceholderEndpoint(endpoint: string | undefined): boolean {
  if (endpoint === undefined) return false;
  if (endpoint === PLACEHOLDER_OBJECT_STORAGE_ENDPOINT) return true;
  const host = /^[a-z]+:\/\/([^/:?#]+)/i.exec(endpoint)?.[1]?.toLowerCase().replace(/\.$/, '');
  return host !== undefined && /(^|\.)(example\.(com|net|org)|example|invalid)$/.test(host);
}

/**
 * Whether WAL archiving is on: a bucket is set and the endpoint is not a placeholder. Archiving
 * toward a store that never answers is worse than none: archive_command fails forever, Postgres
 * keeps every WAL segment until it succeeds, and pg_wal fills the volume until the primary stops.
 */
export function walArchiving(config: { readonly postgres: Pick<PostgresConfig, 'walArchive'> }): boolean {
  const archive = config.postgres.walArchive;
  return Boolean(archive.bucket) && !isPlaceholderEndpoint(archive.endpoint);
}

/** The key prefix WAL-G writes under inside its bucket: the configured one, else "<namespace>/postgres". */
export function walArchiveKeyPrefix(archive: Pick<PostgresConfig['walArchive'], 'prefix'>, namespace: string): string {
  return (archive.prefix ?? `${namespace}/postgres`).replace(/^\/+|\/+$/g, '');
}

/** The WAL archive still points at a placeholder store: archiving stays off until it is replaced. */
export function postgresPlaceholderWarnings(config: { readonly postgres: PostgresConfig }): string[] {
  const archive = config.postgres.walArchive;
  if (!isPlaceholderEndpoint(archive.endpoint)) return [];
  return [
    `postgres.walArchive.endpoint is the placeholder "${archive.endpoint}": WAL archiving is OFF (archive_mode off, no WAL-G, no base backups, no point-in-time recovery) ` +
    'until it names your S3-compatible store, because archiving to an endpoint that never answers keeps every WAL segment and fills the data volume. Set the endpoint (and the bucket) of your store.',
  ];
}
