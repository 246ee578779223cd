import { randomHex, SecretRef } from '../config/secret-ref';
import type { OpsConfig } from '../ops/schema';
import { databaseCertificates, externalDatabase, PGBOUNCER_STATS_USER, PGBOUNCER_TLS, POSTGRES_TLS, REWIND_USER, SUPERUSER, TLS_KEYS } from './endpoints';
import type { SupersetConfig } from '../superset/schema';
import { walArchiving } from './rules';
import type { DatabaseSecretNames, ExternalPostgresConfig, PgbouncerConfig, PostgresConfig } from './schema';

/** Which container of the database tier reads a key. */
export type DatabaseConsumer = 'patroni' | 'pgbouncer' | 'pgbouncer-exporter' | 'walg-retention';

/** Where the Patroni pods (both containers) find WAL-G's encryption key: a read-only Secret volume. */
export const WALG_KEY_DIR = '/etc/walg';
export const WALG_LIBSODIUM_KEY_FILE = `${WALG_KEY_DIR}/libsodium-key`;

export interface DatabaseSecretRef extends SecretRef {
  readonly consumers: readonly DatabaseConsumer[];
}

/** What the database tier's Secret keys depend on: Superset's role and password Secret too. */
export interface DatabaseSecretSettings {
  readonly secrets: DatabaseSecretNames & { readonly database: string };
  /** The namespace the certificates name the Services in (the Secrets reference lists them). */
  readonly namespace?: string;
  readonly superset: Pick<SupersetConfig, 'database'>;
  readonly postgres: PostgresConfig;
  readonly pgbouncer?: Pick<PgbouncerConfig, 'enabled'>;
  readonly ops: { readonly backup: Pick<OpsConfig['backup'], 'enabled' | 'credentials'> };
}

/**
 * The role the pg-backup CronJob logs in as, which post-bootstrap.sh creates at bootstrap (with
 * the password of its Secret): only when backups run as a role of their own, not as the superuser
 * Patroni creates anyway.
 */
export function bootstrapBackupRole(config: Pick<DatabaseSecretSettings, 'ops'>): OpsConfig['backup']['credentials'] | undefined {
  const backup = config.ops.backup;
  return backup.enabled && backup.credentials.user !== SUPERUSER ? backup.credentials : undefined;
}

/** PgBouncer's stats user: its password, and the same key read by the metrics exporter. */
function pgbouncerStatsRefs(secretName: string): DatabaseSecretRef[] {
  return [
    {
      secretName, key: 'stats-password', envVar: 'PGBOUNCER_STATS_PASSWORD', consumers: ['pgbouncer'],
      description: `password of PgBouncer's SHOW-only admin-console user "${PGBOUNCER_STATS_USER}" (exists only in PgBouncer)`,
      ...randomHex(32),
    },
    {
      secretName, key: 'stats-password', envVar: 'PGPASSWORD', consumers: ['pgbouncer-exporter'],
      description: 'the same password, read by the metrics exporter sidecar',
      generate: '(the key above)',
    },
  ];
}

/**
 * Secret keys read by the database tier (Patroni, PgBouncer, the exporter). Part of the Secrets
 * contract (lib/config/platform-secrets.ts), listed in the generated Secrets reference with the others.
 */
export function databaseSecretRefs(config: DatabaseSecretSettings, options: { readonly allOptional?: boolean } = {}): DatabaseSecretRef[] {
  const s = config.secrets;
  const external = externalDatabase(config);
  if (external) return externalDatabaseSecretRefs(config, external);
  const refs: DatabaseSecretRef[] = [
    {
      secretName: s.postgres, key: 'superuser-password', envVar: 'PATRONI_SUPERUSER_PASSWORD', consumers: ['patroni'],
      description: 'password of the "postgres" superuser (Patroni, operators); set once at bootstrap',
      ...randomHex(32),
    },
    {
      secretName: s.postgres, key: 'replication-password', envVar: 'PATRONI_REPLICATION_PASSWORD', consumers: ['patroni'],
      description: 'password of the "standby" replication role the replicas stream with',
      ...randomHex(32),
    },
    {
      secretName: s.postgres, key: 'rewind-password', envVar: 'PATRONI_REWIND_PASSWORD', consumers: ['patroni'],
      description: `password of the "${REWIND_USER}" role pg_rewind reads the new primary with when a failed primary rejoins (no superuser: EXECUTE on pg_ls_dir, pg_stat_file and pg_read_binary_file only)`,
      ...randomHex(32),
    },
    {
      secretName: s.postgres, key: 'rewind-password', envVar: 'REWIND_DATABASE_PASSWORD', consumers: ['patroni'],
      description: 'the same password, read by Patroni\'s post-bootstrap script (which creates the role on a cluster bootstrapped before it existed; Patroni creates it on a new one)',
      generate: '(the key above)',
    },
    {
      secretName: s.postgres, key: 'restapi-password', envVar: 'PATRONI_RESTAPI_PASSWORD', consumers: ['patroni'],
      description: 'password of user "patroni" for the unsafe Patroni REST API calls (switchover, restart, config)',
      ...randomHex(32),
    },
    {
      secretName: s.database, key: 'password', envVar: 'SUPERSET_DATABASE_PASSWORD', consumers: ['patroni', 'pgbouncer'],
      description: `the same Superset password, read by Patroni's post-bootstrap script (creates the "${config.superset.database.user}" role) and by PgBouncer (auth file)`,
      generate: '(the key above)',
    },
    ...pgbouncerStatsRefs(s.pgbouncer),
  ];
  const backupRole = bootstrapBackupRole(config);
  if (backupRole) {
    refs.push({
      secretName: backupRole.secretName, key: backupRole.passwordKey, envVar: 'BACKUP_DATABASE_PASSWORD', consumers: ['patroni'],
      configField: 'ops.backup.credentials.secretName',
      description: `password of the "${backupRole.user}" role pg-backup logs in as; Patroni's post-bootstrap script creates the role with it (read-only: pg_read_all_data)`,
      ...randomHex(32),
    });
  }
  refs.push(...certificateRefs(config, options.allOptional === true));
  if (walArchiving(config) || options.allOptional) {
    refs.push(
      {
        secretName: s.walArchive, key: 'access-key-id', envVar: 'AWS_ACCESS_KEY_ID', consumers: ['patroni'],
        description: 'object-storage access key of WAL-G in the Patroni pods (continuous WAL archiving, base backups, restores): list, get and put under the WAL-G prefix, no delete (docs/operations.md, "Bucket policy"); only when WAL archiving is on',
        generate: 'from your object store (a key limited to the bucket and the WAL-G prefix, without s3:DeleteObject)',
      },
      {
        secretName: s.walArchive, key: 'secret-access-key', envVar: 'AWS_SECRET_ACCESS_KEY', consumers: ['patroni'],
        description: 'its secret key',
        generate: 'from your object store',
      },
      {
        secretName: s.walRetention, key: 'access-key-id', envVar: 'AWS_ACCESS_KEY_ID', consumers: ['walg-retention'],
        description: 'object-storage access key of the walg-retention CronJob, the only WAL-G key that may delete: list, get and delete under the WAL-G prefix; only when WAL archiving is on',
        generate: 'from your object store (a third key: list, get and delete on the WAL-G prefix)',
      },
      {
        secretName: s.walRetention, key: 'secret-access-key', envVar: 'AWS_SECRET_ACCESS_KEY', consumers: ['walg-retention'],
        description: 'its secret key',
        generate: 'from your object store',
      },
      {
        secretName: s.walEncryption, key: 'libsodium-key', envVar: '', file: WALG_LIBSODIUM_KEY_FILE, consumers: ['patroni'],
        description: 'WAL-G\'s libsodium key (64 hex digits, WALG_LIBSODIUM_KEY_TRANSFORM=hex): every WAL segment and base backup is encrypted with it before upload; restores need it, so keep a copy outside the cluster too. Never change it in place: old archives stay encrypted with the old key',
        ...randomHex(32),
      },
    );
  }
  return refs;
}

/** A managed server: no Patroni, so only PgBouncer's keys (when it runs), the password from postgres.external.passwordSecret. */
function externalDatabaseSecretRefs(config: DatabaseSecretSettings, external: ExternalPostgresConfig): DatabaseSecretRef[] {
  if (config.pgbouncer && !config.pgbouncer.enabled) return [];
  const s = config.secrets;
  return [
    {
      secretName: external.passwordSecret.name, key: external.passwordSecret.key, envVar: 'SUPERSET_DATABASE_PASSWORD', consumers: ['pgbouncer'],
      configField: 'postgres.external.passwordSecret',
      description: `password of the "${external.user}" role on the managed server, read by PgBouncer (auth file, and its login to the server)`,
      generate: '(the password Superset reads)',
    },
    ...pgbouncerStatsRefs(s.pgbouncer),
  ];
}

/**
 * The certificate Secrets of postgres.tls when you create them (no cert-manager issuer): tls.crt,
 * tls.key (and ca.crt in Patroni's), read as files by the server that presents the certificate. Never
 * generated: the key comes from your CA (npm run secrets prints the command).
 */
function certificateRefs(config: DatabaseSecretSettings, allOptional: boolean): DatabaseSecretRef[] {
  if (config.postgres.tls.certManagerIssuer) return [];
  const namespace = config.namespace ?? '<namespace>';
  // The Secrets reference lists them although TLS is off by default.
  const settings = allOptional && config.postgres.mode === 'patroni' ? { ...config, postgres: { ...config.postgres, tls: { ...config.postgres.tls, enabled: true } } } : config;
  return databaseCertificates(settings, namespace).flatMap((c) => {
    const server = c.server === 'postgres' ? 'the Patroni members (PostgreSQL)' : 'PgBouncer';
    const consumers: DatabaseConsumer[] = [c.server === 'postgres' ? 'patroni' : 'pgbouncer'];
    const common = {
      secretName: c.secretName, envVar: '', consumers, secretType: 'kubernetes.io/tls' as const,
      configField: c.server === 'postgres' ? 'secrets.postgresTls' : 'secrets.pgbouncerTls',
      dnsNames: c.dnsNames,
      generate: `your database CA: kubectl create secret generic ${c.secretName} --type=kubernetes.io/tls --from-file=tls.crt=... --from-file=tls.key=...${c.server === 'postgres' ? ' --from-file=ca.crt=...' : ''}`,
    };
    const dir = c.server === 'postgres' ? POSTGRES_TLS.dir : PGBOUNCER_TLS.dir;
    return [
      { ...common, key: TLS_KEYS.cert, file: `${dir}/${TLS_KEYS.cert}`, description: `server certificate (PEM) of ${server}, for the DNS names ${c.dnsNames.join(', ')}; only with postgres.tls.enabled and no postgres.tls.certManagerIssuer` },
      { ...common, key: TLS_KEYS.key, file: `${dir}/${TLS_KEYS.key}`, description: 'its private key (PEM); create the Secret from the file, never commit it' },
      // The members check each other against it; PgBouncer's clients use this one too (or postgres.tls.caBundle).
      ...(c.server === 'postgres' ? [{ ...common, key: TLS_KEYS.ca, file: `${dir}/${TLS_KEYS.ca}`, description: 'the CA certificate (PEM) that signed both database certificates (this one and PgBouncer\'s): the members, PgBouncer and every client check the servers against it, unless postgres.tls.caBundle is set' }] : []),
    ];
  });
}
