import { DATABASE_CA, databaseClientTls, databaseTls, directDatabase, externalDatabase, metadataDatabase, PGBOUNCER, PGBOUNCER_STATS_USER, PGBOUNCER_TLS } from './endpoints';
import type { Environment } from '../config/load';
import { PGBOUNCER_PATHS } from './database-pod';

/** One `key = value` line of pgbouncer.ini and why it has that value. */
interface Setting {
  readonly key: string;
  readonly value: string | number;
  readonly why?: string;
}

/**
 * The [pgbouncer] settings, in order. Every one is a decision; the budget (lib/capacity/
 * connections.ts) is computed from the same config, and max_db_connections enforces it per pod.
 * The integration test runs this very file in PgBouncer 1.26.1 (the pgbouncer stand-in root; the
 * image runs 1.25); every setting is also one PgBouncer 1.18 understands.
 */
export function pgbouncerSettings(env: Environment): Setting[] {
  const b = env.config.pgbouncer;
  return [
    { key: 'listen_addr', value: '0.0.0.0' },
    { key: 'listen_port', value: PGBOUNCER.port },
    { key: 'unix_socket_dir', value: '', why: 'no socket: every client, the exporter included, uses TCP' },
    { key: 'auth_type', value: 'scram-sha-256' },
    { key: 'auth_file', value: PGBOUNCER_PATHS.authFile, why: 'written at start from Secrets into a memory volume' },
    { key: 'admin_users', value: '', why: 'nobody may PAUSE, RELOAD or KILL over the network' },
    { key: 'stats_users', value: PGBOUNCER_STATS_USER, why: 'SHOW-only user of the metrics exporter' },
    { key: 'pool_mode', value: 'transaction', why: 'psycopg2 uses no server-side prepared statements, so Superset works with transaction pooling' },
    { key: 'max_client_conn', value: b.maxClientConn },
    { key: 'default_pool_size', value: b.defaultPoolSize },
    { key: 'min_pool_size', value: 0 },
    { key: 'reserve_pool_size', value: b.reservePoolSize },
    { key: 'reserve_pool_timeout', value: b.reservePoolTimeoutSeconds },
    { key: 'max_db_connections', value: b.defaultPoolSize + b.reservePoolSize, why: 'hard cap of server connections per pod: the connection budget counts exactly this' },
    { key: 'server_login_retry', value: b.serverLoginRetrySeconds, why: 'the 15 s default turns a 3 s Patroni switchover into a 15 s stall' },
    { key: 'server_connect_timeout', value: 5 },
    { key: 'query_wait_timeout', value: b.queryWaitTimeoutSeconds },
    { key: 'server_idle_timeout', value: b.serverIdleTimeoutSeconds },
    { key: 'server_lifetime', value: b.serverLifetimeSeconds },
    { key: 'server_check_delay', value: 30 },
    // Startup parameters: psycopg2 sends application_name (set per component in superset_config.py)
    // and client_encoding/DateStyle/TimeZone only when configured; PgBouncer tracks all of these
    // per client. JDBC-style clients (and some BI tools) send extra_float_digits: accept and ignore.
    { key: 'ignore_startup_parameters', value: 'extra_float_digits', why: 'application_name, client_encoding, DateStyle, TimeZone are tracked natively' },
    { key: 'application_name_add_host', value: 0 },
    { key: 'tcp_keepalive', value: 1 },
    { key: 'log_connections', value: 0, why: 'pooled clients reconnect rarely; errors are logged below' },
    { key: 'log_disconnections', value: 0 },
    { key: 'log_pooler_errors', value: 1 },
    { key: 'stats_period', value: 60 },
    { key: 'logfile', value: '', why: 'stderr only: the cluster collects container logs' },
    { key: 'pidfile', value: '' },
    ...serverTls(env),
  ];
}

/**
 * TLS toward the server: a managed one (postgres.external.sslMode) or the Patroni primary with
 * postgres.tls (the Service name "postgres" is in its certificate: verify-full works). And with
 * postgres.tls, toward the clients: TLS required (a plaintext client is refused), with PgBouncer's
 * own certificate.
 */
function serverTls(env: Environment): Setting[] {
  const tls = databaseClientTls(env.config, 'direct');
  const clients: Setting[] = databaseTls(env.config) ? [
    { key: 'client_tls_sslmode', value: 'require', why: 'postgres.tls: clients must use TLS; plaintext logins are refused' },
    { key: 'client_tls_cert_file', value: PGBOUNCER_TLS.cert },
    { key: 'client_tls_key_file', value: PGBOUNCER_TLS.key },
  ] : [];
  if (!tls) return clients;
  const source = externalDatabase(env.config) ? 'postgres.external' : 'postgres.tls';
  return [
    ...clients,
    { key: 'server_tls_sslmode', value: tls.sslMode, why: `${source}.sslMode, toward ${externalDatabase(env.config) ? 'the managed server' : 'the Patroni primary'}` },
    ...(tls.caBundle ? [{ key: 'server_tls_ca_file', value: DATABASE_CA.file, why: `${source}.caBundle${source === 'postgres.tls' ? ' (ca.crt of secrets.postgresTls when unset)' : ''}` }] : []),
  ];
}

/** pgbouncer.ini: one database entry pointing at the Patroni primary Service. */
export function renderPgbouncerIni(env: Environment): string {
  const db = metadataDatabase(env.config);
  const server = directDatabase(env.config);
  const lines = [
    `; pgbouncer.ini for environment "${env.name}", generated by superset-k8s (npm run synth).`,
    '; No password here: the auth file is written at start from Secrets (pgbouncer-start.sh).',
    '',
    '[databases]',
    `${db.name} = host=${server.host} port=${server.port} dbname=${db.name}`,
    '',
    '[pgbouncer]',
  ];
  for (const s of pgbouncerSettings(env)) {
    if (s.why) lines.push(`; ${s.why}`);
    lines.push(`${s.key} = ${s.value}`);
  }
  return `${lines.join('\n')}\n`;
}
