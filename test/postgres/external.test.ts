import { resolveEnvironment } from '../../lib/config/load';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';
import { budgetTable, connectionBudget } from '../../lib/capacity/connections';
import { checkPolicies } from '../../lib/policy';
import { allowedGraph } from '../../lib/policy/network-graph';
import { podsOf } from '../../lib/policy/pods';
import { buildObjects, envVar, find, findAll } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */
const REPO = { superset: { image: { repository: 'ghcr.io/acme/superset' } } };

/** A managed server (RDS-like) reached with TLS, checked against the provider's CA bundle. */
const EXTERNAL = {
  host: 'superset.abc123.eu-west-1.rds.amazonaws.com',
  port: 5433,
  database: 'superset_meta',
  user: 'superset_app',
  passwordSecret: { name: 'rds-superset', key: 'app-password' },
  sslMode: 'verify-full' as const,
  caBundle: { configMap: 'rds-ca', key: 'global-bundle.pem' },
  connectionLimit: 400,
  cidrs: ['10.50.0.0/24', '10.50.1.0/24'],
};

function managed(extra: Record<string, unknown> = {}): EnvironmentOverrides {
  const { postgres, pgbouncer, ...rest } = extra as { postgres?: object; pgbouncer?: object };
  return { ...REPO, postgres: { mode: 'external', external: EXTERNAL, ...postgres }, pgbouncer: { ...pgbouncer }, ...rest } as EnvironmentOverrides;
}

function container(objects: any[], kind: string, name: string, containerName?: string): any {
  const o = find(objects, kind, name);
  const spec = kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec;
  return containerName ? spec.containers.find((c: any) => c.name === containerName) : spec.containers[0];
}

function podSpec(objects: any[], kind: string, name: string): any {
  const o = find(objects, kind, name);
  return kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec;
}

/** Who may connect to `ip` on `port`, from the generated NetworkPolicies alone. */
function reaching(objects: any[], ip: string, port: number): string[] {
  const endpoints = [
    ...podsOf(objects).map((p) => ({ name: p.owner.metadata.name.replace(/^superset-migrate-.*/, 'superset-migrate'), labels: p.labels, namespace: p.owner.metadata.namespace })),
    { name: 'outside', namespace: 'outside', labels: {}, ip },
  ];
  return allowedGraph(objects, endpoints as any).filter((e) => e.endsWith(`-> outside:${port}/TCP`)).map((e) => e.split(' -> ')[0]).sort();
}

const migrateJob = (objects: any[]) => findAll(objects, 'Job').find((j) => j.metadata.name.startsWith('superset-migrate'));

describe('postgres.mode "external": a managed server instead of Patroni', () => {
  test('default: Patroni mode, PgBouncer on, no managed-server settings anywhere', () => {
    const objects = buildObjects(REPO);
    expect(find(objects, 'StatefulSet', 'postgres')).toBeDefined();
    expect(envVar(container(objects, 'Deployment', 'superset-web'), 'DATABASE_HOST').value).toBe('pgbouncer');
    expect(envVar(container(objects, 'Deployment', 'superset-web'), 'DATABASE_SSLMODE')).toBeUndefined();
    expect(find(objects, 'ConfigMap', 'superset-config').data['superset_config.py']).not.toMatch(/DATABASE_SSLMODE/);
  });

  test('no Patroni object is rendered: StatefulSet, Services, Role, PDB, quota, config, monitoring', () => {
    const objects = buildObjects(managed({ monitoring: { enabled: true } }));
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    for (const gone of ['StatefulSet/postgres', 'Service/postgres', 'Service/postgres-members', 'Service/postgres-replicas', 'Role/postgres-patroni',
      'RoleBinding/postgres-patroni', 'ServiceAccount/postgres', 'ConfigMap/postgres-patroni', 'PodDisruptionBudget/postgres', 'PodMonitor/postgres']) {
      expect(names).not.toContain(gone);
    }
    expect(findAll(objects, 'ResourceQuota')).toEqual([]);
    expect(names).toContain('Deployment/pgbouncer');
    expect(names).toContain('ServiceMonitor/pgbouncer');
    const rules = JSON.stringify(find(objects, 'PrometheusRule', 'database'));
    expect(rules).not.toMatch(/Patroni/);
    expect(rules).toMatch(/PgbouncerPoolNearLimit/);
  });

  test('PgBouncer points at the managed server with its TLS mode and CA bundle, and logs in with the given Secret', () => {
    const objects = buildObjects(managed());
    const text: string = find(objects, 'ConfigMap', 'pgbouncer').data['pgbouncer.ini'];
    expect(text).toMatch(/^superset_meta = host=superset\.abc123\.eu-west-1\.rds\.amazonaws\.com port=5433 dbname=superset_meta$/m);
    expect(text).toMatch(/^server_tls_sslmode = verify-full$/m);
    expect(text).toMatch(/^server_tls_ca_file = \/etc\/ssl\/database-ca\/ca\.crt$/m);
    const pgbouncer = container(objects, 'Deployment', 'pgbouncer', 'pgbouncer');
    expect(envVar(pgbouncer, 'SUPERSET_DATABASE_USER').value).toBe('superset_app');
    expect(envVar(pgbouncer, 'SUPERSET_DATABASE_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'rds-superset', key: 'app-password' });
    expect(pgbouncer.volumeMounts).toContainEqual({ name: 'database-ca', mountPath: '/etc/ssl/database-ca', readOnly: true });
    expect(podSpec(objects, 'Deployment', 'pgbouncer').volumes).toContainEqual({ name: 'database-ca', configMap: { name: 'rds-ca', items: [{ key: 'global-bundle.pem', path: 'ca.crt' }], defaultMode: 0o444 } });
  });

  test('web goes through PgBouncer without TLS settings; the migration Job goes straight to the server with them', () => {
    const objects = buildObjects(managed());
    const web = container(objects, 'Deployment', 'superset-web');
    expect(envVar(web, 'DATABASE_HOST').value).toBe('pgbouncer');
    expect(envVar(web, 'DATABASE_NAME').value).toBe('superset_meta');
    expect(envVar(web, 'DATABASE_USER').value).toBe('superset_app');
    expect(envVar(web, 'DATABASE_SSLMODE')).toBeUndefined();
    const migrate = migrateJob(objects).spec.template.spec.containers[0];
    expect(envVar(migrate, 'DATABASE_HOST').value).toBe(EXTERNAL.host);
    expect(envVar(migrate, 'DATABASE_PORT').value).toBe('5433');
    expect(envVar(migrate, 'DATABASE_SSLMODE').value).toBe('verify-full');
    expect(envVar(migrate, 'DATABASE_SSLROOTCERT').value).toBe('/etc/ssl/database-ca/ca.crt');
    // The password file comes from postgres.external.passwordSecret, not secrets.database.
    const secrets = migrateJob(objects).spec.template.spec.volumes.find((v: any) => v.name === 'superset-secrets');
    expect(JSON.stringify(secrets)).toMatch(/"items":\[\{"key":"app-password","path":"DATABASE_PASSWORD"\}\],"name":"rds-superset"/);
    expect(JSON.stringify(secrets)).not.toMatch(/superset-database/);
    expect(find(objects, 'ConfigMap', 'superset-config').data['superset_config.py']).toMatch(/connect_args"\]\["sslmode"\] = os\.environ\["DATABASE_SSLMODE"\]/);
  });

  test('pg-backup dumps the managed server with its TLS mode and CA; the restore check names its database', () => {
    const objects = buildObjects(managed({ pods: { caBundle: { configMap: 'corp-ca', key: 'ca.pem' } } }));
    const backup = container(objects, 'CronJob', 'pg-backup');
    expect(envVar(backup, 'PGHOST').value).toBe(EXTERNAL.host);
    expect(envVar(backup, 'PGPORT').value).toBe('5433');
    expect(envVar(backup, 'PGDATABASE').value).toBe('superset_meta');
    expect(envVar(backup, 'PGSSLMODE').value).toBe('verify-full');
    // The database's CA wins over the environment-wide bundle for libpq; the other variables stay.
    expect(backup.env.filter((e: any) => e.name === 'PGSSLROOTCERT')).toEqual([{ name: 'PGSSLROOTCERT', value: '/etc/ssl/database-ca/ca.crt' }]);
    expect(envVar(backup, 'SSL_CERT_FILE').value).toBe('/etc/ssl/superset-k8s/ca.crt');
    expect(podSpec(objects, 'CronJob', 'pg-backup').volumes.map((v: any) => v.name)).toContain('database-ca');
    expect(envVar(container(objects, 'CronJob', 'pg-restore-check'), 'PGDATABASE').value).toBe('superset_meta');
  });

  test('NetworkPolicies: PgBouncer, the migration Job and pg-backup reach the managed server; nothing reaches Patroni', () => {
    const objects = buildObjects(managed());
    expect(reaching(objects, '10.50.0.7', 5433)).toEqual(['pg-backup', 'pgbouncer', 'superset-migrate']);
    expect(reaching(objects, '10.50.1.200', 5433)).toEqual(['pg-backup', 'pgbouncer', 'superset-migrate']);
    expect(reaching(objects, '10.50.0.7', 5432)).toEqual([]);
    expect(reaching(objects, '10.51.0.7', 5433)).toEqual([]);
    expect(JSON.stringify(findAll(objects, 'NetworkPolicy'))).not.toMatch(/"app\.kubernetes\.io\/name":"postgres"/);
    expect(checkPolicies(objects)).toEqual([]);
  });

  test('PgBouncer off: no PgBouncer objects, Superset and the export connect straight to the server with TLS', () => {
    const objects = buildObjects(managed({ pgbouncer: { enabled: false }, monitoring: { enabled: true } }));
    expect(objects.filter((o) => o.metadata.name === 'pgbouncer')).toEqual([]);
    expect(JSON.stringify(find(objects, 'PrometheusRule', 'database'))).not.toMatch(/Pgbouncer/);
    const web = container(objects, 'Deployment', 'superset-web');
    expect(envVar(web, 'DATABASE_HOST').value).toBe(EXTERNAL.host);
    expect(envVar(web, 'DATABASE_SSLMODE').value).toBe('verify-full');
    expect(reaching(objects, '10.50.0.7', 5433)).toEqual(expect.arrayContaining(['dashboard-export', 'pg-backup', 'superset-beat', 'superset-migrate', 'superset-web']));
    expect(reaching(objects, '10.50.0.7', 5433).filter((n) => n.startsWith('superset-worker-')).length).toBeGreaterThan(0);
    expect(checkPolicies(objects)).toEqual([]);
  });

  test('the connection budget uses the provider\'s connection limit', () => {
    const env = resolveEnvironment('test', managed());
    const budget = connectionBudget(env.config);
    expect(budget.maxConnections).toBe(400);
    expect(budget.reserved.map((l) => l.source)).not.toContain('Patroni');
    const direct = connectionBudget(resolveEnvironment('test', managed({ pgbouncer: { enabled: false }, postgres: { external: { ...EXTERNAL, connectionLimit: 2000 } } })).config);
    expect(direct.pooled).toBe(false);
    expect(direct.serverTotal).toBe(direct.clientTotal);
  });
});

describe('postgres.mode "external": rules', () => {
  const cases: Array<[string, EnvironmentOverrides, RegExp]> = [
    ['external mode without postgres.external', { ...REPO, postgres: { mode: 'external' } } as EnvironmentOverrides,
      /postgres\.external = \(missing\)\s+rule: is required when postgres\.mode is "external"/],
    ['postgres.external with Patroni', { ...REPO, postgres: { external: EXTERNAL } } as EnvironmentOverrides,
      /postgres\.external = "superset\.abc123[^"]*"\s+rule: is only read when postgres\.mode is "external"/],
    ['PgBouncer off with Patroni', { ...REPO, pgbouncer: { enabled: false } } as EnvironmentOverrides,
      /pgbouncer\.enabled = false\s+rule: may be false only when postgres\.mode is "external"/],
    ['verify-full without a CA bundle', managed({ postgres: { external: { ...EXTERNAL, caBundle: undefined } } }),
      /postgres\.external\.caBundle = \(missing\)\s+rule: is required by postgres\.external\.sslMode "verify-full"/],
    ['verify-ca without a CA bundle', managed({ postgres: { external: { ...EXTERNAL, sslMode: 'verify-ca', caBundle: undefined } } }),
      /postgres\.external\.caBundle = \(missing\)\s+rule: is required by postgres\.external\.sslMode "verify-ca"/],
    ['WAL archiving on a managed server', managed({ postgres: { walArchive: { bucket: 'wal-bucket' } } }),
      /postgres\.walArchive\.bucket = "wal-bucket"\s+rule: is Patroni's WAL archiving/],
    ['PgBouncer off over the connection limit', managed({ pgbouncer: { enabled: false }, postgres: { external: { ...EXTERNAL, connectionLimit: 50 } } }),
      /postgres\.external\.connectionLimit = 50\s+rule: with pgbouncer\.enabled false Superset connects straight to the managed server/],
    ['PgBouncer pools over the connection limit', managed({ postgres: { external: { ...EXTERNAL, connectionLimit: 40 } } }),
      /pgbouncer\.defaultPoolSize = 25\s+rule: 3 PgBouncer pods[\s\S]*exceed postgres\.external\.connectionLimit 40/],
    ['no address range', managed({ postgres: { external: { ...EXTERNAL, cidrs: [] } } }),
      /postgres\.external\.cidrs[\s\S]*must list at least one address range/],
    ['unknown sslMode', managed({ postgres: { external: { ...EXTERNAL, sslMode: 'prefer' } } }),
      /postgres\.external\.sslMode = "prefer"\s+rule: must be one of "disable", "require", "verify-ca", "verify-full"/],
  ];
  test.each(cases)('%s', (_what, override, expected) => {
    expect(() => resolveEnvironment('prod', override)).toThrow(expected);
  });

  test('sslMode require warns that the certificate is not checked', () => {
    const env = resolveEnvironment('test', managed({ postgres: { external: { ...EXTERNAL, sslMode: 'require', caBundle: undefined } } }));
    expect(env.warnings.join('\n')).toMatch(/postgres\.external\.sslMode is "require": the server's certificate is not checked/);
  });
});

describe('postgres.mode "external": the budget table', () => {
  test('names the provider\'s limit, and says PgBouncer is off when it is', () => {
    const pooled = budgetTable(connectionBudget(resolveEnvironment('test', managed()).config));
    expect(pooled).toMatch(/\| postgres\.external\.connectionLimit 400 - reserved \d+ \|/);
    expect(pooled).toMatch(/PgBouncer accepts/);
    const direct = budgetTable(connectionBudget(resolveEnvironment('test', managed({ pgbouncer: { enabled: false }, postgres: { external: { ...EXTERNAL, connectionLimit: 2000 } } })).config));
    expect(direct).toMatch(/PgBouncer is off, every client connection/);
    expect(direct).not.toMatch(/PgBouncer accepts/);
  });
});
