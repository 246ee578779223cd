import { toYaml } from '../yaml';
import { deriveMemoryParameters } from './sizing';
import type { Environment } from '../config/load';
import {
  PATRONI_API_PORT, PATRONI_PATHS, PATRONI_ROLE, PATRONI_ROLE_LABEL, PATRONI_SCOPE, PATRONI_SCOPE_LABEL, postgresIdentity,
} from './database-pod';
import { databaseTls, POSTGRES_PRIMARY, POSTGRES_TLS, REPLICATION_USER, REWIND_USER, SUPERUSER } from './endpoints';
import { selectorLabels, withoutTrackingLabels } from '../workload/labels';
import { walArchiveKeyPrefix, walArchiving } from './rules';

/* eslint-disable @typescript-eslint/no-explicit-any */

export { REPLICATION_USER, RESTAPI_USER, REWIND_USER, SUPERUSER } from './endpoints';

/**
 * Parameters Patroni takes only from the DCS (they must match on every member); they are seeded
 * into the DCS at bootstrap. Changing them on a running cluster needs `patronictl edit-config`.
 */
export const CLUSTER_WIDE_PARAMETERS = new Set([
  'max_connections', 'max_locks_per_transaction', 'max_worker_processes', 'max_prepared_transactions',
  'wal_level', 'wal_log_hints', 'track_commit_timestamp', 'max_wal_senders', 'max_replication_slots', 'wal_keep_size',
]);

export type ParameterValue = string | number;

/** Every postgresql.conf parameter we set, in a stable order: derived, fixed, archiving, overrides. */
export function postgresParameters(env: Environment): Record<string, ParameterValue> {
  const pg = env.config.postgres;
  const archive = pg.walArchive;
  const params: Record<string, ParameterValue> = {
    ...deriveMemoryParameters(pg.resources.memoryRequest),
    superuser_reserved_connections: pg.superuserReservedConnections,
    // Replication and failover.
    wal_level: 'replica',
    hot_standby: 'on',
    wal_log_hints: 'on', // pg_rewind can reattach a failed primary as a replica
    max_wal_senders: 10,
    max_replication_slots: 10,
    wal_keep_size: '1GB',
    // Volumes are network SSDs.
    random_page_cost: 1.1,
    effective_io_concurrency: 200,
    checkpoint_completion_target: 0.9,
    max_wal_size: '2GB',
    min_wal_size: '256MB',
    password_encryption: 'scram-sha-256',
    unix_socket_directories: PATRONI_PATHS.socketDir,
    // Logs go to stderr, collected by the cluster's log pipeline (checklist: centralized logs).
    logging_collector: 'off',
    log_destination: 'stderr',
    log_line_prefix: '%m [%p] %q%u@%d/%a ',
    log_min_duration_statement: 1000,
    log_checkpoints: 'on',
    log_lock_waits: 'on',
    log_temp_files: 0,
    log_autovacuum_min_duration: '10s',
    // A Superset process that dies mid-transaction must not hold locks forever.
    idle_in_transaction_session_timeout: '10min',
    tcp_keepalives_idle: 60,
    tcp_keepalives_interval: 10,
    tcp_keepalives_count: 6,
  };
  if (databaseTls(env.config)) {
    // The mounted Secret (postgres.tls): the key is 0640 root:<fsGroup>, which PostgreSQL accepts.
    params.ssl = 'on';
    params.ssl_cert_file = POSTGRES_TLS.cert;
    params.ssl_key_file = POSTGRES_TLS.key;
    params.ssl_ca_file = POSTGRES_TLS.ca;
    params.ssl_min_protocol_version = 'TLSv1.2';
  }
  // Never toward a placeholder endpoint (walArchiving): failing archive_command keeps all WAL.
  if (walArchiving(env.config)) {
    params.archive_mode = 'on';
    params.archive_command = 'wal-g wal-push "%p"';
    params.archive_timeout = archive.archiveTimeoutSeconds;
  } else {
    params.archive_mode = 'off';
  }
  return { ...params, ...pg.parameters };
}

/** Kubernetes API answers Patroni retries within retry_timeout besides 500, 503 and 504 (see patroniConfig). */
export const RETRIABLE_HTTP_CODES = [403];

/**
 * The labels Patroni selects its pods and ConfigMaps by, and copies onto the ConfigMaps it creates
 * at run time (leader, config, failover, sync), together with `cluster-name`: the pods' selector
 * labels minus app.kubernetes.io/instance, Argo CD's tracking label, so Argo CD never takes those
 * ConfigMaps for its own and prunes the leader lock (docs/database.md). The pods carry every
 * selector label, so the StatefulSet, the Services and the PDB select them as before.
 */
export function patroniLabels(env: Environment): Record<string, string> {
  return withoutTrackingLabels(selectorLabels(postgresIdentity(env)));
}

/** The WAL-G object-storage prefix: the bucket and a per-namespace path. */
export function walArchivePrefix(env: Environment): string | undefined {
  const a = env.config.postgres.walArchive;
  if (!a.bucket || !walArchiving(env.config)) return undefined;
  return `s3://${a.bucket}/${walArchiveKeyPrefix(a, env.namespace)}`;
}

/**
 * patroni.yml as the pods read it. Pod-specific values (PATRONI_NAME, the pod IP, the namespace)
 * and every password come from environment variables, so one file serves every member.
 */
export function patroniConfig(env: Environment): Record<string, any> {
  const pg = env.config.postgres;
  const p = pg.patroni;
  const all = postgresParameters(env);
  const clusterWide: Record<string, ParameterValue> = {};
  const local: Record<string, ParameterValue> = {};
  for (const [k, v] of Object.entries(all)) (CLUSTER_WIDE_PARAMETERS.has(k) ? clusterWide : local)[k] = v;
  const archiving = walArchiving(env.config);

  return {
    scope: PATRONI_SCOPE,
    // The same codes at the top level as well: Patroni (4.1.0 and master alike) reads
    // kubernetes.retriable_http_codes when the DCS is created, but every later reload_config
    // (the first one at start, when the dynamic configuration is loaded) reads the key from the
    // configuration's root and resets the codes to the defaults when it is absent there.
    retriable_http_codes: RETRIABLE_HTTP_CODES,
    log: { level: 'INFO', format: '%(asctime)s %(levelname)s: %(message)s' },
    restapi: {
      listen: `0.0.0.0:${PATRONI_API_PORT}`,
      // connect_address and the API password come from PATRONI_RESTAPI_* variables.
      ...restApiTls(env),
    },
    ...restApiClientTls(env),
    kubernetes: {
      labels: patroniLabels(env),
      scope_label: PATRONI_SCOPE_LABEL,
      role_label: PATRONI_ROLE_LABEL,
      leader_label_value: PATRONI_ROLE.primary,
      follower_label_value: PATRONI_ROLE.replica,
      standby_leader_label_value: PATRONI_ROLE.primary,
      // ConfigMaps, not Endpoints (v1 Endpoints are deprecated since Kubernetes 1.33).
      use_endpoints: false,
      // Reaching the API through its Service needs no cluster-wide read of the default namespace.
      bypass_api_service: false,
      // Retry a 403 like a 5xx, within retry_timeout. Patroni 4.1.0 (what Spilo 4.1-p2 carries)
      // treats a 403 on the leader ConfigMap update as a lost lock and demotes the primary at
      // once, whatever ttl, retry_timeout and failsafe_mode say; a transient 403 (RBAC being
      // re-applied, an authorizer webhook restarting) then costs a Postgres restart and a
      // failover. Patroni 4.1.1 retries that update itself ("Retry leader update on temporary
      // Kubernetes 403", docs/releases.rst); this setting (kubernetes.retriable_http_codes, in
      // Patroni since 3.0.2) gives 4.1.0 the same, for every call. A 403 that lasts beyond
      // retry_timeout becomes a DCS error: failsafe_mode keeps the primary while every member
      // confirms it, like an API outage.
      retriable_http_codes: RETRIABLE_HTTP_CODES,
    },
    bootstrap: {
      dcs: {
        // Chosen together (docs/database.md, "Failover, measured"): a crashed primary is replaced
        // after about ttl; any DCS call is retried for retry_timeout (a 403 too, see
        // retriable_http_codes above), then failsafe_mode decides; ttl >= loop_wait + 2 x
        // retry_timeout is a synth rule. 5 s of retry covers the sub-second 403 blips reported
        // upstream (patroni/patroni#3536) without slowing the failover of a crashed primary.
        ttl: p.ttlSeconds,
        loop_wait: p.loopWaitSeconds,
        retry_timeout: p.retryTimeoutSeconds,
        maximum_lag_on_failover: p.maximumLagOnFailoverBytes,
        primary_start_timeout: p.primaryStartTimeoutSeconds,
        failsafe_mode: p.failsafeMode,
        synchronous_mode: false,
        postgresql: {
          use_pg_rewind: true,
          use_slots: true,
          parameters: clusterWide,
        },
      },
      // Only until Patroni writes pg_hba below, before the first start.
      initdb: [{ encoding: 'UTF8' }, { locale: 'C.UTF-8' }, 'data-checksums', { 'auth-local': 'peer' }, { 'auth-host': 'scram-sha-256' }],
      post_bootstrap: `${PATRONI_PATHS.scriptsDir}/post-bootstrap.sh`,
    },
    postgresql: {
      listen: `0.0.0.0:${POSTGRES_PRIMARY.port}`,
      // connect_address comes from PATRONI_POSTGRESQL_CONNECT_ADDRESS (the pod IP).
      data_dir: PATRONI_PATHS.dataDir,
      bin_dir: `/usr/lib/postgresql/${pg.majorVersion}/bin`,
      pgpass: PATRONI_PATHS.pgpass,
      use_unix_socket: true,
      // Passwords from PATRONI_<USER>_PASSWORD. The superuser only ever uses the socket
      // (use_unix_socket); Patroni creates the rewind role at bootstrap with exactly the EXECUTE
      // grants pg_rewind needs (pg_ls_dir, pg_stat_file, pg_read_binary_file x2), and
      // post-bootstrap.sh does the same on a cluster bootstrapped before it existed.
      authentication: {
        superuser: { username: SUPERUSER },
        replication: { username: REPLICATION_USER, ...memberTls(env) },
        rewind: { username: REWIND_USER, ...memberTls(env) },
      },
      // The socket lives in a pod-private emptyDir: only the containers of this pod reach it.
      pg_hba: pgHba(env),
      parameters: local,
      create_replica_methods: ['basebackup'],
      basebackup: [{ checkpoint: 'fast' }],
      ...(archiving ? { recovery_conf: { restore_command: 'wal-g wal-fetch "%f" "%p"' } } : {}),
    },
    // No /dev/watchdog in a pod; a hung Patroni is bounded by ttl and the liveness probe.
    watchdog: { mode: 'off' },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
}

/**
 * pg_hba.conf, first match wins. The socket is for the server's own OS user only (peer: Patroni,
 * the base-backup sidecar and an operator's `kubectl exec ... psql` all run as "postgres"); the
 * superuser never logs in over TCP, whatever its password (Patroni reaches its own server over
 * the socket, pg_rewind uses the rewind role, backups their read-only role). With postgres.tls
 * every TCP line is hostssl: a plaintext connection matches no line and is refused.
 */
export function pgHba(env: Environment): string[] {
  const host = databaseTls(env.config) ? 'hostssl' : 'host';
  return [
    'local all all peer',
    `host all ${SUPERUSER} all reject`,
    `host replication ${SUPERUSER} all reject`,
    `${host} replication ${REPLICATION_USER} all scram-sha-256`,
    `${host} all all all scram-sha-256`,
  ];
}

/**
 * How Patroni's own TCP connections to another member check its certificate: replication
 * (pg_basebackup, streaming) and pg_rewind reach the primary by its pod IP (connect_address),
 * which no certificate names, so the CA is checked, not the host name.
 */
/** postgres.tls: the REST API serves HTTPS with the members' certificate (a plain HTTP client gets no answer). */
function restApiTls(env: Environment): Record<string, string> {
  return databaseTls(env.config) ? { certfile: POSTGRES_TLS.cert, keyfile: POSTGRES_TLS.key } : {};
}

/**
 * How Patroni (members checking each other during a failover) and patronictl call the REST API
 * with TLS: the CA is checked, the host name is not. Members advertise their pod IP, which no
 * certificate can name (as for replication, verify-ca). Patroni 4.1's request client checks the
 * CA with `cacert` and a client certificate set, and skips the host name check only with
 * `insecure` (patroni/request.py); without the certificate, `insecure` would skip the CA too.
 */
function restApiClientTls(env: Environment): Record<string, any> {
  if (!databaseTls(env.config)) return {};
  return { ctl: { insecure: true, cacert: POSTGRES_TLS.ca, certfile: POSTGRES_TLS.cert, keyfile: POSTGRES_TLS.key } };
}

function memberTls(env: Environment): Record<string, string> {
  return databaseTls(env.config) ? { sslmode: 'verify-ca', sslrootcert: POSTGRES_TLS.ca } : {};
}

/** YAML as Patroni (PyYAML, YAML 1.1) must read it: strings double-quoted, so "on"/"off" stay strings. */
export function toPatroniYaml(config: Record<string, any>): string {
  return toYaml(config, { quoteAllStrings: true });
}

export function renderPatroniConfig(env: Environment): string {
  const header = `# patroni.yml for environment "${env.name}", generated by superset-k8s (npm run synth).\n` +
    '# No password is written here: Patroni reads them from PATRONI_*_PASSWORD variables (Secrets).\n' +
    '# bootstrap.dcs is seeded into the DCS once; change it on a running cluster with patronictl edit-config.\n';
  return header + toPatroniYaml(patroniConfig(env));
}
