import { z } from 'zod';
import { cronSchedule, dnsLabel, imageOf, positiveInt, resourcesOf, seconds, storageQuantity } from '../config/primitives';
import { caBundleSchema, objectName, podOverrideSchema, schedulingOverrideSchema, serviceAccountSchema } from '../workload/schema';

// The metadata database tier: PostgreSQL managed by Patroni, and PgBouncer in front of it.
// Plugged into the platform schema as `postgres` and `pgbouncer` (and the names of their Secrets
// into `secrets`). Strict like the rest of the schema: an unknown key is an error.

/** `tagExample` for projects that tag each patch release (Spilo's "4.1-p2" scheme has none). */
const image = (what: string, tagExample?: string) => imageOf({
  repositoryDescription: `${what} image repository, without tag`,
  tagDescription: `${what} image tag; pinned, never "latest"`,
  tagExample,
  patchReleases: tagExample !== undefined,
});

/** A Postgres parameter value as postgresql.conf takes it ("4GB", 200, "on"). */
const parameterValue = z.union([z.string(), z.number()]);

const patroniSchema = z.strictObject({
  ttlSeconds: z.number().int().min(20, 'must be at least 20 seconds (Patroni raises a smaller ttl to 20: its documented minimum)').max(300, 'must be at most 300 seconds').describe('Patroni ttl: a primary that stops renewing its leader lock for this long loses it (bounds the failover time after a hard crash)'),
  loopWaitSeconds: positiveInt.max(60, 'must be at most 60 seconds').describe('Patroni loop_wait: seconds between two HA cycles'),
  retryTimeoutSeconds: positiveInt.max(120, 'must be at most 120 seconds').describe('Patroni retry_timeout: how long DCS and Postgres operations are retried before the primary demotes itself'),
  failsafeMode: z.boolean().describe('failsafe_mode: a primary that cannot reach the Kubernetes API keeps running while every member confirms it over the REST API'),
  maximumLagOnFailoverBytes: z.number().int().min(0).describe('a replica lagging more than this many bytes is never promoted'),
  primaryStartTimeoutSeconds: seconds.max(3600).describe('primary_start_timeout: how long a crashed primary may take to recover before a replica is promoted'),
  terminationGracePeriodSeconds: positiveInt.max(3600, 'must be at most 3600 seconds').describe('pod grace period: Patroni stops Postgres cleanly (checkpoint) and hands the leader lock over within it'),
  spareConfigMaps: z.number().int().min(0).max(50, 'must be at most 50 (each is room for a ConfigMap nobody declared)').describe('ConfigMaps the namespace ResourceQuota allows beyond the platform\'s own, Patroni\'s four and kube-root-ca.crt (RBAC cannot limit create by name: the quota bounds what Patroni\'s create can add)'),
});

const walArchiveSchema = z.strictObject({
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name').optional().describe('S3-compatible bucket for continuous WAL archiving (WAL-G); archiving is off when unset, and while the endpoint is a placeholder (example.com, ...)'),
  prefix: z.string().regex(/^[A-Za-z0-9._/-]*$/, 'must be a path such as "superset/prod"').optional().describe('key prefix inside the bucket; "<namespace>/postgres" when unset'),
  endpoint: z.string().regex(/^https?:\/\/[^\s@]+$/, 'must be an http(s) URL without credentials').optional().describe('endpoint of an S3-compatible store (MinIO, Ceph, ...); AWS S3 when unset'),
  region: z.string().min(1).describe('S3 region'),
  forcePathStyle: z.boolean().describe('path-style bucket addressing (needed by most S3-compatible stores)'),
  archiveTimeoutSeconds: positiveInt.max(3600).describe('archive_timeout: a WAL segment is shipped at least this often, bounding the data a lost volume can cost'),
  baseBackupIntervalHours: positiveInt.max(168, 'must be at most 168 (a week)').describe('the primary takes a WAL-G base backup this often (restores replay WAL from the newest one)'),
  baseBackupRetainFull: positiveInt.max(60).describe('full base backups kept (with the WAL they need); older ones are deleted by the walg-retention CronJob, never by the Patroni pods'),
  retentionSchedule: cronSchedule.describe('cron schedule (UTC) of the walg-retention CronJob: `wal-g delete retain FULL <baseBackupRetainFull>` with the only WAL-G key allowed to delete'),
});

const pgIdentifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case PostgreSQL identifier');
const secretKey = z.string().regex(/^[-._a-zA-Z0-9]+$/, 'must be a Secret/ConfigMap key (letters, digits, "-", "_", ".")');
const cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$|^[0-9a-f:]+\/\d{1,3}$/, 'must be a CIDR such as "10.20.0.0/16"');

/** TLS modes of libpq (and PgBouncer's server_tls_sslmode) a managed server is reached with. */
export const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;

const externalSchema = z.strictObject({
  host: z.string().regex(/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'must be a lower-case DNS name or IPv4 address').describe('host name of the managed server (RDS endpoint, Cloud SQL private IP, Azure server name)'),
  port: z.number().int().min(1).max(65535).default(5432).describe('its port; 5432 when unset'),
  database: pgIdentifier.describe('metadata database on the managed server (created by you; the migration Job fills it)'),
  user: pgIdentifier.describe('role Superset connects as (created by you, owner of the database)'),
  passwordSecret: z.strictObject({
    name: dnsLabel.describe('existing Secret'),
    key: secretKey.describe('key holding the password'),
  }).describe('the role\'s password: an existing Secret and key (replaces secrets.database)'),
  sslMode: z.enum(SSL_MODES).default('verify-full').describe('libpq sslmode toward the managed server: verify-full checks the certificate and the host name, verify-ca only the certificate, require encrypts without checking, disable sends in clear; verify-full when unset'),
  caBundle: caBundleSchema.optional().describe('CA bundle that signed the server certificate (e.g. the RDS global bundle); required by sslMode verify-ca and verify-full'),
  connectionLimit: positiveInt.max(100000).describe('connections the provider allows this role (its max_connections minus what it reserves for itself): the connection budget checks against it'),
  cidrs: z.array(cidr).min(1, 'must list at least one address range').describe('address ranges of the managed server: the NetworkPolicies allow egress to them on its port'),
});

export type ExternalPostgresConfig = z.infer<typeof externalSchema>;

/** sslmode the clients of our own database tier use: both check the certificate against the CA. */
export const INTERNAL_SSL_MODES = ['verify-full', 'verify-ca'] as const;

const tlsSchema = z.strictObject({
  enabled: z.boolean().describe('encryption in transit inside the database tier: PostgreSQL accepts TCP only over TLS (pg_hba hostssl; plaintext is refused), PgBouncer requires TLS from its clients and speaks TLS to the primary, and Superset, the migration Job and pg-backup connect with sslMode; only with postgres.mode "patroni"'),
  sslMode: z.enum(INTERNAL_SSL_MODES).describe('libpq sslmode of Superset, the migration Job, pg-backup and PgBouncer toward the tier: verify-full checks the certificate and the Service name, verify-ca the certificate only; members replicate and rewind with verify-ca (they reach each other by pod IP, which no certificate names)'),
  certManagerIssuer: z.strictObject({
    name: objectName.describe('the issuer (a CA issuer of your database CA, or Vault/Venafi): it must sign the server certificates of the in-cluster names'),
    kind: z.enum(['ClusterIssuer', 'Issuer']).describe('ClusterIssuer, or Issuer in the namespace'),
  }).optional().describe('when set, cert-manager issues the certificates of Patroni (secrets.postgresTls) and PgBouncer (secrets.pgbouncerTls) from this issuer (two Certificate objects); when unset you create both Secrets (tls.crt and tls.key, and ca.crt in secrets.postgresTls: docs/secrets.md)'),
  caBundle: caBundleSchema.optional().describe('the CA the clients trust (a ConfigMap or Secret key, e.g. from trust-manager); ca.crt of secrets.postgresTls when unset. It must have signed both certificates'),
});

export type PostgresTlsConfig = z.infer<typeof tlsSchema>;

export const postgresSchema = z.strictObject({
  mode: z.enum(['patroni', 'external']).describe('"patroni": the platform runs PostgreSQL (Patroni StatefulSet); "external": a managed server (RDS, Cloud SQL, Azure) described in postgres.external, and no Patroni object is rendered'),
  external: externalSchema.optional().describe('the managed server (only with mode "external")'),
  image: image('Patroni (Spilo)'),
  majorVersion: z.number().int().min(14, 'must be 14 or later (checklist: 14+)').max(18, 'must be at most 18 (the newest major the pinned Spilo image ships)').describe('PostgreSQL major version; selects the binaries inside the image'),
  members: positiveInt.max(7, 'must be at most 7').describe('Patroni members (StatefulSet replicas): 1 for dev, 3 for high availability'),
  resources: resourcesOf('each Postgres member'),
  storage: z.strictObject({
    size: storageQuantity.describe('PersistentVolumeClaim size of each member (binary units)'),
    storageClassName: z.string().min(1).optional().describe('StorageClass of the data volumes; the cluster default when unset'),
  }),
  parameters: z.record(z.string().regex(/^[a-z_][a-z0-9_.]*$/, 'must be a postgresql.conf parameter name'), parameterValue).describe('postgresql.conf parameters merged over the ones derived from the memory request'),
  superuserReservedConnections: z.number().int().min(1).max(20).describe('superuser_reserved_connections: slots only superusers (Patroni, an operator) may use when the rest are taken'),
  otherDirectConnections: z.number().int().min(0).max(200).describe('connections from outside PgBouncer besides Patroni and the migration Job (backups, metrics exporter, an operator\'s psql)'),
  nodeAntiAffinity: z.enum(['required', 'preferred']).describe('members on different nodes: required (never two on a node) or preferred (small clusters)'),
  patroni: patroniSchema,
  walArchive: walArchiveSchema,
  tls: tlsSchema.describe('TLS in the database tier (certificates, sslmode); off by default, on in staging and prod'),
  scheduling: schedulingOverrideSchema,
  pod: podOverrideSchema,
  serviceAccount: serviceAccountSchema.describe('the ServiceAccount "postgres" (Patroni; WAL-G reads cloud credentials through it when its annotations map it to a cloud identity)'),
});

export const pgbouncerSchema = z.strictObject({
  enabled: z.boolean().describe('run PgBouncer in front of the database; only postgres.mode "external" may turn it off (when the provider pools connections itself: web, workers and beat then connect straight to it)'),
  image: image('PgBouncer', '1.25.2'),
  exporterImage: image('pgbouncer-exporter', 'v0.11.0'),
  replicas: positiveInt.max(20, 'must be at most 20').describe('PgBouncer pods (fixed: each holds its own server pool, so the budget counts them); 2+ for availability'),
  resources: resourcesOf('PgBouncer'),
  exporterResources: resourcesOf('the metrics exporter sidecar'),
  maxClientConn: positiveInt.max(100000).describe('max_client_conn: client connections one PgBouncer accepts'),
  defaultPoolSize: positiveInt.max(1000).describe('default_pool_size: server connections per database/user pair in one PgBouncer'),
  reservePoolSize: z.number().int().min(0).max(1000).describe('reserve_pool_size: extra server connections once clients waited reservePoolTimeoutSeconds'),
  reservePoolTimeoutSeconds: positiveInt.max(60).describe('reserve_pool_timeout: seconds a client waits before the reserve pool is used'),
  serverLoginRetrySeconds: positiveInt.max(2, 'must be 1 or 2 seconds: a longer wait turns a 3-second Patroni switchover into a stall').describe('server_login_retry: wait before retrying a failed server login (e.g. during a failover)'),
  queryWaitTimeoutSeconds: positiveInt.max(3600).describe('query_wait_timeout: a client waiting longer than this for a server connection gets an error'),
  serverIdleTimeoutSeconds: positiveInt.describe('server_idle_timeout: idle server connections are closed after this long'),
  serverLifetimeSeconds: positiveInt.describe('server_lifetime: server connections are recycled after this long (spreads load after a failover)'),
  preStopDelaySeconds: seconds.max(60).describe('preStop waits this long (the Service drops the pod) before sending PgBouncer SIGINT'),
  shutdownTimeoutSeconds: positiveInt.max(600).describe('after SIGINT, in-flight transactions get this long to finish; the grace period is derived from it'),
  scheduling: schedulingOverrideSchema,
  pod: podOverrideSchema,
  serviceAccount: serviceAccountSchema.describe('the ServiceAccount "pgbouncer"'),
});

export type PostgresConfig = z.infer<typeof postgresSchema>;
export type PgbouncerConfig = z.infer<typeof pgbouncerSchema>;

/** Names of the Secrets the database tier reads (created out of band). */
export const databaseSecretsSchema = z.strictObject({
  postgres: dnsLabel.describe('Secret with the Postgres superuser, replication, pg_rewind and Patroni REST API passwords'),
  postgresTls: dnsLabel.describe('Secret (type kubernetes.io/tls) with the server certificate of the Patroni members: tls.crt, tls.key and ca.crt (only read with postgres.tls.enabled; cert-manager writes it with postgres.tls.certManagerIssuer)'),
  pgbouncerTls: dnsLabel.describe('Secret (type kubernetes.io/tls) with PgBouncer\'s server certificate: tls.crt and tls.key, signed by the CA of secrets.postgresTls (only read with postgres.tls.enabled; cert-manager writes it with postgres.tls.certManagerIssuer)'),
  pgbouncer: dnsLabel.describe('Secret with the password of the PgBouncer stats user (the metrics exporter)'),
  walArchive: dnsLabel.describe('Secret with the object-storage access key of the Patroni pods for WAL archiving: list, get and put under the WAL-G prefix, no delete (only read when WAL archiving is on)'),
  walRetention: dnsLabel.describe('Secret with the object-storage access key of the walg-retention CronJob: list and delete under the WAL-G prefix (only read when WAL archiving is on)'),
  walEncryption: dnsLabel.describe('Secret with "libsodium-key" (64 hex digits): WAL-G encrypts every WAL segment and base backup with it client-side (WALG_LIBSODIUM_KEY_PATH); generated by npm run secrets'),
});

export type DatabaseSecretNames = z.infer<typeof databaseSecretsSchema>;
