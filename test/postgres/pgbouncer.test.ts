import { renderPgbouncerIni } from '../../lib/postgres/pgbouncer-ini';
import { resolveEnvironment } from '../../lib/config/load';
import { buildObjects, envVar, find } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */
const REPO = { superset: { image: { repository: 'ghcr.io/acme/superset' } } };

/** pgbouncer.ini as key -> value (comments dropped). */
function ini(objects: any[]): Record<string, string> {
  const text: string = find(objects, 'ConfigMap', 'pgbouncer').data['pgbouncer.ini'];
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+) = (.*)$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

describe('pgbouncer.ini', () => {
  test('defaults: transaction pooling, budgeted pools, fast login retry, SCRAM from an auth file, no password', () => {
    const objects = buildObjects(REPO);
    const text = find(objects, 'ConfigMap', 'pgbouncer').data['pgbouncer.ini'];
    expect(text).toMatch(/^\[databases\]\nsuperset = host=postgres port=5432 dbname=superset$/m);
    expect(ini(objects)).toMatchObject({
      listen_port: '6432', pool_mode: 'transaction', auth_type: 'scram-sha-256', auth_file: '/run/pgbouncer/userlist.txt',
      max_client_conn: '500', default_pool_size: '20', reserve_pool_size: '5', max_db_connections: '25',
      server_login_retry: '1', ignore_startup_parameters: 'extra_float_digits', stats_users: 'pgbouncer_exporter', admin_users: '',
    });
    expect(text).not.toMatch(/password\s*=/i);
  });

  test('custom: sizes and timeouts follow the config', () => {
    const values = ini(buildObjects({ ...REPO, pgbouncer: { maxClientConn: 800, defaultPoolSize: 10, reservePoolSize: 2, serverLoginRetrySeconds: 2, queryWaitTimeoutSeconds: 60 } }));
    expect(values).toMatchObject({ max_client_conn: '800', default_pool_size: '10', reserve_pool_size: '2', max_db_connections: '12', server_login_retry: '2', query_wait_timeout: '60' });
  });

  test('the database entry follows superset.database.name', () => {
    const env = resolveEnvironment('qa', { ...REPO, superset: { ...REPO.superset, database: { name: 'bi_meta' } } });
    expect(renderPgbouncerIni(env)).toMatch(/^bi_meta = host=postgres port=5432 dbname=bi_meta$/m);
  });
});

describe('PgBouncer Deployment', () => {
  test('defaults: fixed replicas rolled one extra pod at a time, PDB, Service pgbouncer:6432', () => {
    const objects = buildObjects(REPO);
    const d = find(objects, 'Deployment', 'pgbouncer');
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(objects.some((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'pgbouncer')).toBe(false);
    expect(find(objects, 'PodDisruptionBudget', 'pgbouncer').spec.maxUnavailable).toBe(1);
    const svc = find(objects, 'Service', 'pgbouncer');
    expect(svc.spec.selector).toEqual(d.spec.selector.matchLabels);
    expect(svc.spec.ports[0]).toEqual({ name: 'postgresql', port: 6432, protocol: 'TCP', targetPort: 'postgresql' });
    expect(d.spec.template.spec.containers[0].image).toBe('ghcr.io/cloudnative-pg/pgbouncer:1.25.2');
  });

  test('custom: one replica (dev) has no PDB and no spread', () => {
    const objects = buildObjects({ ...REPO, postgres: { members: 1 }, pgbouncer: { replicas: 1 } });
    expect(find(objects, 'Deployment', 'pgbouncer').spec.replicas).toBe(1);
    expect(objects.some((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'pgbouncer')).toBe(false);
    expect(find(objects, 'Deployment', 'pgbouncer').spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  test('readiness and liveness never depend on the database: TCP on PgBouncer\'s own port', () => {
    const c = find(buildObjects(REPO), 'Deployment', 'pgbouncer').spec.template.spec.containers[0];
    expect(c.readinessProbe.tcpSocket).toEqual({ port: 'postgresql' });
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 'postgresql' });
  });

  test('graceful shutdown: preStop waits, then SIGINT; the grace period covers delay + shutdown timeout', () => {
    const defaults = find(buildObjects(REPO), 'Deployment', 'pgbouncer').spec.template.spec;
    expect(defaults.containers[0].lifecycle.preStop.exec.command).toEqual(['/bin/sh', '/etc/pgbouncer/scripts/pgbouncer-prestop.sh', '5']);
    expect(defaults.terminationGracePeriodSeconds).toBe(5 + 60 + 5);
    const custom = find(buildObjects({ ...REPO, pgbouncer: { preStopDelaySeconds: 10, shutdownTimeoutSeconds: 120 } }), 'Deployment', 'pgbouncer').spec.template.spec;
    expect(custom.containers[0].lifecycle.preStop.exec.command[2]).toBe('10');
    expect(custom.terminationGracePeriodSeconds).toBe(135);
  });

  test('the auth file is written at start from Secrets into a memory volume; runs as the image\'s pgbouncer user', () => {
    const spec = find(buildObjects(REPO), 'Deployment', 'pgbouncer').spec.template.spec;
    const c = spec.containers[0];
    expect(c.command).toEqual(['/bin/sh', '/etc/pgbouncer/scripts/pgbouncer-start.sh', '/etc/pgbouncer/pgbouncer.ini']);
    expect(envVar(c, 'SUPERSET_DATABASE_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'superset-database', key: 'password' });
    expect(envVar(c, 'PGBOUNCER_STATS_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'pgbouncer-auth', key: 'stats-password' });
    expect(envVar(c, 'PGBOUNCER_AUTH_FILE').value).toBe('/run/pgbouncer/userlist.txt');
    expect(spec.volumes.find((v: any) => v.name === 'run').emptyDir.medium).toBe('Memory');
    expect(spec.securityContext).toMatchObject({ runAsUser: 998, runAsGroup: 996 });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.serviceAccountName).toBe('pgbouncer');
  });

  test('a metrics exporter sidecar reads the admin console with the stats user; its password comes from a Secret', () => {
    const spec = find(buildObjects(REPO), 'Deployment', 'pgbouncer').spec.template.spec;
    const e = spec.containers[1];
    expect(e.name).toBe('exporter');
    expect(e.image).toBe('quay.io/prometheuscommunity/pgbouncer-exporter:v0.12.1');
    expect(e.args).toEqual(['--pgBouncer.connectionString=postgres://pgbouncer_exporter@127.0.0.1:6432/pgbouncer?sslmode=disable', '--web.listen-address=:9127']);
    expect(envVar(e, 'PGPASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'pgbouncer-auth', key: 'stats-password' });
    expect(e.securityContext).toMatchObject({ runAsUser: 65534, readOnlyRootFilesystem: true });
    expect(e.readinessProbe.tcpSocket).toEqual({ port: 'metrics' });
  });

  test('config changes roll the pods (hash annotation)', () => {
    const hash = (o: any[]) => find(o, 'Deployment', 'pgbouncer').spec.template.metadata.annotations['superset-k8s.io/pgbouncer-config-sha256'];
    expect(hash(buildObjects(REPO))).not.toBe(hash(buildObjects({ ...REPO, pgbouncer: { defaultPoolSize: 15 } })));
  });
});
