import type { PgbouncerConfig, PostgresConfig } from './schema';

/**
 * Spilo (Zalando) bundles Patroni 4.1, PostgreSQL 13-18 and WAL-G, is rebuilt for every Postgres
 * minor release, and runs as uid 101 / gid 103. We run its `patroni` binary against our own
 * patroni.yml instead of its configure_spilo entrypoint, so the whole configuration is in dist/.
 */
export const SPILO_IMAGE = { repository: 'ghcr.io/zalando/spilo-18', tag: '4.1-p2' } as const;
/** CloudNativePG's PgBouncer image: Debian trixie with PgBouncer from the PGDG packages, runs as uid 998 / gid 996. */
export const PGBOUNCER_IMAGE = { repository: 'ghcr.io/cloudnative-pg/pgbouncer', tag: '1.25.2' } as const;
/**
 * The Prometheus community exporter (reads SHOW STATS/POOLS from the admin console). v0.12.1
 * (tag of 2026-06-26) fixes the reserve_pool metric on PgBouncer >= 1.24; its release workflow
 * pushes every tag to quay.io/prometheuscommunity (docs/images.md).
 */
export const PGBOUNCER_EXPORTER_IMAGE = { repository: 'quay.io/prometheuscommunity/pgbouncer-exporter', tag: 'v0.12.1' } as const;

export const POSTGRES_DEFAULTS: PostgresConfig = {
  mode: 'patroni',
  image: { ...SPILO_IMAGE },
  majorVersion: 18,
  members: 3,
  resources: { cpuRequest: '1', cpuLimit: '2', memoryRequest: '2Gi', memoryLimit: '2Gi' },
  storage: { size: '20Gi' },
  parameters: {},
  superuserReservedConnections: 3,
  otherDirectConnections: 5,
  nodeAntiAffinity: 'required',
  patroni: {
    // Fast failover: a crashed primary is replaced in about ttl + loop_wait (measured ~15-20 s,
    // docs/database.md). The price: an API server outage longer than retry_timeout demotes the primary,
    // which failsafe_mode prevents while all members still see each other. Patroni 4.1.0 (Spilo
    // 4.1-p2) would demote at once on a single 403 whatever these say; patroni.yml retries 403 like
    // a 5xx (kubernetes.retriable_http_codes, lib/postgres/patroni-config.ts), so retry_timeout
    // bounds that case too.
    ttlSeconds: 20,
    loopWaitSeconds: 5,
    retryTimeoutSeconds: 5,
    failsafeMode: true,
    maximumLagOnFailoverBytes: 1048576,
    primaryStartTimeoutSeconds: 60,
    terminationGracePeriodSeconds: 120,
    // Room for a mesh's or a tool's own ConfigMap (istio-ca-root-cert, ...), and no more.
    spareConfigMaps: 4,
  },
  walArchive: {
    region: 'us-east-1',
    forcePathStyle: true,
    archiveTimeoutSeconds: 60,
    baseBackupIntervalHours: 24,
    baseBackupRetainFull: 7,
    // 03:15: after the night's base backup and the logical backup (02:15).
    retentionSchedule: '15 3 * * *',
  },
  // Off by default (every certificate is yours to provide or issue); staging and prod turn it on.
  tls: { enabled: false, sslMode: 'verify-full' },
  scheduling: {},
  pod: {},
  serviceAccount: { annotations: {} },
};

export const PGBOUNCER_DEFAULTS: PgbouncerConfig = {
  enabled: true,
  image: { ...PGBOUNCER_IMAGE },
  exporterImage: { ...PGBOUNCER_EXPORTER_IMAGE },
  replicas: 2,
  resources: { cpuRequest: '250m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit: '128Mi' },
  exporterResources: { cpuRequest: '20m', cpuLimit: '100m', memoryRequest: '32Mi', memoryLimit: '32Mi' },
  maxClientConn: 500,
  defaultPoolSize: 20,
  reservePoolSize: 5,
  reservePoolTimeoutSeconds: 3,
  serverLoginRetrySeconds: 1,
  queryWaitTimeoutSeconds: 120,
  serverIdleTimeoutSeconds: 600,
  serverLifetimeSeconds: 3600,
  preStopDelaySeconds: 5,
  shutdownTimeoutSeconds: 60,
  scheduling: {},
  pod: {},
  serviceAccount: { annotations: {} },
};

export const DATABASE_SECRET_DEFAULTS = {
  postgres: 'postgres-credentials',
  postgresTls: 'postgres-tls',
  pgbouncerTls: 'pgbouncer-tls',
  pgbouncer: 'pgbouncer-auth',
  walArchive: 'postgres-wal-archive',
  walRetention: 'postgres-wal-retention',
  walEncryption: 'postgres-wal-encryption',
} as const;
