import managed from '../../environments/managed';
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

describe('the managed example environment', () => {
  test('managed data services: no StatefulSet (no Patroni, no Redis pods of ours); PgBouncer reaches RDS, web the ElastiCaches', () => {
    expect(findAll(objects, 'StatefulSet')).toEqual([]);
    expect(egressTo('pgbouncer', '10.50.0.0/24')).toEqual([5432]);
    expect(egressTo('superset-web', '10.60.0.0/24')).toEqual([6379]);
    expect(egressTo('superset-web', '10.61.0.0/24')).toEqual([6379]);
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
