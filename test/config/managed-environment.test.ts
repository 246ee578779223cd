import managed from '../../environments/managed';
import staging from '../../environments/staging';
import { buildObjects, envVar, find, findAll } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * The `managed` example environment uses every way to fit a cluster at once: each is checked in
 * the objects it renders (dist/managed/ is the same output, kept in sync by the freshness check).
 */
const objects = buildObjects(managed, 'managed');
const workloads = [...findAll(objects, 'Deployment'), ...findAll(objects, 'Job'), ...findAll(objects, 'CronJob'), ...findAll(objects, 'StatefulSet')];
const podSpec = (o: any): any => (o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec);
const egressTo = (policy: string, cidr: string): number[] =>
  find(objects, 'NetworkPolicy', policy).spec.egress
    .filter((r: any) => (r.to ?? []).some((p: any) => p.ipBlock?.cidr === cidr))
    .flatMap((r: any) => (r.ports ?? []).map((p: any) => p.port));
const supersetConfig = (): string => find(objects, 'ConfigMap', 'superset-config').data['superset_config.py'];
const containersOf = (spec: any): any[] => [...(spec.initContainers ?? []), ...spec.containers];

/** Where a file a container reads comes from, through its mounts: "configMap aws-ca/global-bundle.pem". */
function fileSource(spec: any, container: any, file: string): string | undefined {
  const mount = (container.volumeMounts ?? []).find((m: any) => file.startsWith(`${m.mountPath}/`));
  const volume = mount && (spec.volumes ?? []).find((v: any) => v.name === mount.name);
  const key = (source: any) => source.items?.find((i: any) => i.path === file.slice(mount.mountPath.length + 1))?.key;
  if (volume?.configMap) return `configMap ${volume.configMap.name}/${key(volume.configMap)}`;
  if (volume?.secret) return `secret ${volume.secret.secretName}/${key(volume.secret)}`;
  return undefined;
}

/** The one value of a variable (Kubernetes takes the last of duplicates: a second one would silently win). */
function onlyValue(container: any, name: string): string | undefined {
  const found = (container.env ?? []).filter((e: any) => e.name === name);
  expect([container.name, name, found.length <= 1]).toEqual([container.name, name, true]);
  return found[0]?.value;
}

const RDS_HOST = 'superset.abc123.eu-west-1.rds.amazonaws.com';
/** The provider's CA (postgres.external.caBundle, redis.*.external.caBundle). */
const PROVIDER_CA = 'configMap aws-ca/global-bundle.pem';
/** The company CA (pods.caBundle). */
const COMPANY_CA = 'configMap company-ca/ca-bundle.pem';
const COMPANY_CA_FILE = '/etc/ssl/superset-k8s/ca.crt';

/** Patroni's objects (and the Postgres pods' NetworkPolicy, quota and PodMonitor) as staging renders them. */
const isPatroniObject = (o: any): boolean =>
  o.metadata.name === 'postgres' || o.metadata.name.startsWith('postgres-') || /patroni/i.test(o.metadata.name)
  || o.metadata.labels?.['app.kubernetes.io/component'] === 'database'
  || ['StatefulSet', 'Role', 'RoleBinding', 'ResourceQuota'].includes(o.kind);

describe('the managed example environment', () => {
  test('managed data services: no StatefulSet (no Patroni, no Redis pods of ours); PgBouncer reaches RDS, web the ElastiCaches', () => {
    expect(findAll(objects, 'StatefulSet')).toEqual([]);
    expect(egressTo('pgbouncer', '10.50.0.0/24')).toEqual([5432]);
    expect(egressTo('superset-web', '10.60.0.0/24')).toEqual([6379]);
    expect(egressTo('superset-web', '10.61.0.0/24')).toEqual([6379]);
  });

  test('no Patroni object at all: no StatefulSet, Role, RoleBinding, Services, ConfigMaps, PDB, quota or NetworkPolicy of Postgres', () => {
    // The same check finds Patroni's objects where Patroni runs (staging), so it can fail.
    const patroni = buildObjects(staging, 'staging').filter(isPatroniObject).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(patroni).toEqual(expect.arrayContaining(['StatefulSet/postgres', 'Role/postgres-patroni', 'RoleBinding/postgres-patroni', 'ConfigMap/postgres-patroni', 'Service/postgres', 'Service/postgres-replicas', 'Service/postgres-members', 'NetworkPolicy/postgres']));
    expect(objects.filter(isPatroniObject).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    // Nothing selects or allows traffic to Patroni pods either.
    expect(JSON.stringify(findAll(objects, 'NetworkPolicy'))).not.toContain('"app.kubernetes.io/component":"database"');
  });

  test('PostgreSQL over TLS, verify-full against the provider\'s CA: PgBouncer toward RDS, and every client that connects to RDS directly', () => {
    const ini: string = find(objects, 'ConfigMap', 'pgbouncer').data['pgbouncer.ini'];
    expect(ini).toContain(RDS_HOST);
    expect(ini).toMatch(/^server_tls_sslmode = verify-full$/m);
    const caFile = /^server_tls_ca_file = (\S+)$/m.exec(ini)?.[1];
    const pgbouncer = podSpec(find(objects, 'Deployment', 'pgbouncer'));
    expect(fileSource(pgbouncer, pgbouncer.containers.find((c: any) => c.name === 'pgbouncer'), caFile!)).toBe(PROVIDER_CA);

    const direct = workloads.flatMap((w) => containersOf(podSpec(w))
      .filter((c) => [envVar(c, 'DATABASE_HOST')?.value, envVar(c, 'PGHOST')?.value].includes(RDS_HOST))
      .map((c) => ({ workload: w.metadata.name as string, spec: podSpec(w), c })));
    // The migration Job (DDL never through a pooler) and the backup (pg_dump).
    expect(direct.map((d) => d.workload)).toEqual([expect.stringMatching(/^superset-migrate-/), 'pg-backup']);
    for (const { workload, spec, c } of direct) {
      const superset = envVar(c, 'DATABASE_HOST') !== undefined; // Superset's own variables, or libpq's
      const sslmode = onlyValue(c, superset ? 'DATABASE_SSLMODE' : 'PGSSLMODE');
      const rootCert = onlyValue(c, superset ? 'DATABASE_SSLROOTCERT' : 'PGSSLROOTCERT');
      expect([workload, sslmode, fileSource(spec, c, rootCert!)]).toEqual([workload, 'verify-full', PROVIDER_CA]);
    }
    // superset_config.py hands both to psycopg2.
    expect(supersetConfig()).toContain('SQLALCHEMY_ENGINE_OPTIONS["connect_args"]["sslmode"] = os.environ["DATABASE_SSLMODE"]');
    expect(supersetConfig()).toContain('SQLALCHEMY_ENGINE_OPTIONS["connect_args"]["sslrootcert"] = os.environ["DATABASE_SSLROOTCERT"]');
  });

  test('Redis over TLS (rediss://, certificate required) against the provider\'s CA, mounted in every container that reads superset_config.py', () => {
    const flowerConfig: string = find(objects, 'ConfigMap', 'superset-flower').data['flower_app.py'];
    for (const config of [supersetConfig(), flowerConfig]) {
      expect(config).not.toMatch(/\bredis:\/\//);
      expect(config).toMatch(/"rediss:\/\/\{username\}:\{password\}@master\.superset-queue\.abc123\.euw1\.cache\.amazonaws\.com:6379\/\{db\}"/);
      expect(config).toContain('_REDIS_QUEUE_SSL = {"ssl_cert_reqs": _ssl.CERT_REQUIRED, "ssl_ca_certs": "/etc/ssl/redis-queue-ca/ca.crt"}');
      expect(config).toMatch(/^ {4}broker_use_ssl = _REDIS_QUEUE_SSL$/m);
      expect(config).toMatch(/^ {4}redis_backend_use_ssl = _REDIS_QUEUE_SSL$/m);
    }
    const config = supersetConfig();
    // Every Redis cache (the five Flask caches, async queries, ...) with TLS on and the certificate checked.
    const caches = config.match(/"CACHE_TYPE": "Redis\w*",[\s\S]*?\n\}/g) ?? [];
    expect(caches.length).toBeGreaterThanOrEqual(6);
    for (const block of caches) {
      expect(block).toMatch(/"ssl": True/);
      expect(block).toMatch(/"ssl_cert_reqs": "required"/);
      expect(block).toMatch(/"ssl_ca_certs": "\/etc\/ssl\/redis-(cache|queue)-ca\/ca\.crt"/);
    }
    expect(config).toMatch(/^RESULTS_BACKEND = RedisClusterCache\([^)]*\n {4}ssl=True,\n {4}ssl_cert_reqs="required",/m);
    expect(config).toMatch(/^SESSION_REDIS = _redis\.Redis\(.*ssl=True, ssl_cert_reqs="required", ssl_ca_certs="\/etc\/ssl\/redis-queue-ca\/ca\.crt"/m);
    expect(config).toMatch(/^RATELIMIT_STORAGE_URI = _redis_queue_url\(\d\)\nRATELIMIT_STORAGE_OPTIONS = \{\n {4}"ssl_cert_reqs": "required",\n {4}"ssl_ca_certs": "\/etc\/ssl\/redis-queue-ca\/ca\.crt",/m);
    expect(config).not.toMatch(/ssl_cert_reqs"?[:=] ?"?(none|optional)/i);
    expect([...config.matchAll(/ssl_ca_certs"?[:=] ?"([^"]+)"/g)].map((m) => m[1]).every((f) => /^\/etc\/ssl\/redis-(cache|queue)-ca\/ca\.crt$/.test(f))).toBe(true);

    const readers = workloads.flatMap((w) => containersOf(podSpec(w)).filter((c) => envVar(c, 'SUPERSET_CONFIG_PATH')).map((c) => ({ name: `${w.metadata.name}/${c.name}`, spec: podSpec(w), c })));
    expect(readers.map((r) => r.name)).toEqual(expect.arrayContaining(['superset-web/web', 'superset-beat/beat', 'dashboard-export/export', expect.stringMatching(/^superset-migrate-.*\/migrate$/)]));
    for (const { name, spec, c } of readers) {
      const sources = ['/etc/ssl/redis-cache-ca/ca.crt', '/etc/ssl/redis-queue-ca/ca.crt'].map((f) => fileSource(spec, c, f));
      expect([name, sources]).toEqual([name, [PROVIDER_CA, PROVIDER_CA]]);
    }
    const flower = podSpec(find(objects, 'Deployment', 'superset-flower'));
    expect(fileSource(flower, flower.containers[0], '/etc/ssl/redis-queue-ca/ca.crt')).toBe(PROVIDER_CA);
  });

  test('every pod pulls with the registry Secret; Superset and ops images come from the private registry', () => {
    expect(workloads.length).toBeGreaterThan(5);
    for (const w of workloads) expect([w.metadata.name, podSpec(w).imagePullSecrets]).toEqual([w.metadata.name, expect.arrayContaining([{ name: 'registry-pull' }])]);
    const web = podSpec(find(objects, 'Deployment', 'superset-web'));
    expect(web.containers.find((c: any) => c.name === 'web').image).toMatch(/^registry\.internal\.example\.com\/bi\/superset:/);
    expect(podSpec(find(objects, 'CronJob', 'dashboard-export')).containers[0].image).toMatch(/^registry\.internal\.example\.com\/bi\/superset-ops:/);
  });

  test('two tainted node pools: Superset on one, the reports workers on the batch pool', () => {
    const web = podSpec(find(objects, 'Deployment', 'superset-web'));
    expect(web.nodeSelector).toEqual({ 'example.com/pool': 'superset' });
    expect(web.tolerations).toEqual([{ key: 'example.com/pool', operator: 'Equal', value: 'superset', effect: 'NoSchedule' }]);
    const reports = podSpec(find(objects, 'Deployment', 'superset-worker-reports'));
    expect(reports.nodeSelector).toEqual({ 'example.com/pool': 'batch' });
    expect(reports.tolerations).toEqual([{ key: 'example.com/pool', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }]);
  });

  test('cloud identity: Superset\'s ServiceAccount carries its IRSA role; the ops jobs assume theirs with a projected token, no stored key', () => {
    const roles = findAll(objects, 'ServiceAccount').map((s) => s.metadata.annotations?.['eks.amazonaws.com/role-arn']).filter(Boolean);
    expect(roles).toEqual(['arn:aws:iam::123456789012:role/superset']);
    const jobs = ['pg-backup', 'pg-restore-check', 'dashboard-export'].map((name) => podSpec(find(objects, 'CronJob', name)));
    const roleOf = (pod: any) => pod.containers.flatMap((c: any) => c.env ?? []).find((e: any) => e.name === 'AWS_ROLE_ARN')?.value;
    expect(roleOf(jobs[0])).toBe('arn:aws:iam::123456789012:role/superset-backup');
    expect(roleOf(jobs[1])).toBe('arn:aws:iam::123456789012:role/superset-restore-check');
    expect(jobs.map((p) => p.serviceAccountName)).toEqual(['superset-ops', 'superset-ops-read', 'superset-ops']);
    for (const pod of jobs.slice(0, 2)) {
      expect(pod.volumes.find((v: any) => v.name === 'web-identity-token').projected.sources[0].serviceAccountToken.audience).toBe('sts.amazonaws.com');
      expect(pod.containers.flatMap((c: any) => c.env ?? []).map((e: any) => e.name)).not.toContain('AWS_ACCESS_KEY_ID');
    }
  });

  test('the company CA bundle in Superset pods, the extraConfig snippet and SMTP in superset_config.py', () => {
    const web = podSpec(find(objects, 'Deployment', 'superset-web')).containers.find((c: any) => c.name === 'web');
    expect(envVar(web, 'SSL_CERT_FILE').value).toBe('/etc/ssl/superset-k8s/ca.crt');
    expect(supersetConfig()).toMatch(/^SQLLAB_TIMEOUT = 120$/m);
    expect(supersetConfig()).toMatch(/SMTP_HOST/);
  });

  test('the company CA bundle in every container of the ops CronJobs, init containers included; pg-backup keeps the provider\'s CA for libpq', () => {
    for (const name of ['pg-backup', 'pg-restore-check', 'dashboard-export']) {
      const spec = podSpec(find(objects, 'CronJob', name));
      for (const c of containersOf(spec)) {
        expect([name, c.name, fileSource(spec, c, COMPANY_CA_FILE)]).toEqual([name, c.name, COMPANY_CA]);
        for (const v of ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE']) expect([name, c.name, onlyValue(c, v)]).toEqual([name, c.name, COMPANY_CA_FILE]);
      }
    }
    const backup = podSpec(find(objects, 'CronJob', 'pg-backup'));
    const dump = backup.containers.find((c: any) => envVar(c, 'PGHOST'));
    expect(fileSource(backup, dump, onlyValue(dump, 'PGSSLROOTCERT')!)).toBe(PROVIDER_CA);
  });

  test('the company CA bundle in the Vault agent sidecar too (it calls Vault over TLS)', () => {
    const web = podSpec(find(objects, 'Deployment', 'superset-web'));
    const agent = web.containers.find((c: any) => c.name === 'vault-agent');
    expect(fileSource(web, agent, COMPANY_CA_FILE)).toBe(COMPANY_CA);
    expect(onlyValue(agent, 'SSL_CERT_FILE')).toBe(COMPANY_CA_FILE);
  });

  test('a Vault agent sidecar on web with its own egress; the identity provider and the SMTP relay declared once', () => {
    const web = podSpec(find(objects, 'Deployment', 'superset-web'));
    expect(web.containers.map((c: any) => c.name)).toContain('vault-agent');
    expect(egressTo('superset-web', '10.70.0.10/32')).toEqual([8200]);
    expect(egressTo('superset-web', '203.0.113.0/28')).toEqual([443]);
    expect(egressTo('superset-worker-reports', '198.51.100.25/32')).toEqual([587]);
    expect(egressTo('superset-worker-interactive', '198.51.100.25/32')).toEqual([]);
  });

  test('report delivery on: ALERT_REPORTS, the reports workers on the browser image of the private registry, reaching the web Service', () => {
    expect(supersetConfig()).toMatch(/"ALERT_REPORTS": True/);
    const reports = podSpec(find(objects, 'Deployment', 'superset-worker-reports'));
    expect(envVar(reports.containers.find((c: any) => c.name === 'worker'), 'WEBDRIVER_BASEURL').value).toBe('http://superset-web:8088/');
    expect(reports.containers.find((c: any) => c.name === 'worker').image).toMatch(/^registry\.internal\.example\.com\/bi\/superset:[^@]+-chromium$/);
    expect(reports.volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } });
    const webIngress = find(objects, 'NetworkPolicy', 'superset-web').spec.ingress;
    expect(webIngress.some((r: any) => (r.from ?? []).some((p: any) => p.podSelector?.matchLabels?.['app.kubernetes.io/component'] === 'worker-reports'))).toBe(true);
  });

  test('Celery Flower at /flower with its login, reaching the managed redis-queue only', () => {
    expect(find(objects, 'Ingress', 'superset').spec.rules[0].http.paths[0]).toMatchObject({ path: '/flower', backend: { service: { name: 'superset-flower' } } });
    expect(podSpec(find(objects, 'Deployment', 'superset-flower')).imagePullSecrets).toEqual(expect.arrayContaining([{ name: 'registry-pull' }]));
    expect(egressTo('superset-flower', '10.61.0.0/24')).toEqual([6379]);
    expect(egressTo('superset-flower', '10.60.0.0/24')).toEqual([]);
  });
});
