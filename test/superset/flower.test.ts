import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveEnvironment } from '../../lib/config/load';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';
import { allSecretRefs, generateSecrets } from '../../lib/config/platform-secrets';
import { allowedGraph, Endpoint } from '../../lib/policy/network-graph';
import { podsOf } from '../../lib/policy/pods';
import { buildObjects, find, findAll } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

// Celery Flower (superset.flower): off by default; when on, one pod behind the ingress path with
// a login from its Secret, its own Celery app of the broker settings only, and a NetworkPolicy to
// redis-queue alone.

const ON = { superset: { flower: { enabled: true } } };
const objects = (overrides: object = ON, env = 'prod') => buildObjects(overrides as EnvironmentOverrides, env);
const flowerSpec = (o = objects()) => find(o, 'Deployment', 'superset-flower').spec.template.spec;
const files = (o = objects()) => find(o, 'ConfigMap', 'superset-flower').data;

function graph(o: any[]): string[] {
  const pods: Endpoint[] = podsOf(o).map((p) => ({ name: p.owner.metadata.name.replace(/^superset-migrate-.*/, 'superset-migrate'), labels: p.labels, namespace: p.owner.metadata.namespace }));
  return allowedGraph(o, [...pods, { name: 'ingress-controller', namespace: 'nginx-ingress', labels: { 'app.kubernetes.io/name': 'nginx-ingress' } }, { name: 'internet', ip: '203.0.113.9' }]);
}

describe('Celery Flower', () => {
  test('default: nothing rendered (no Deployment, Service, ConfigMap, ingress path, Secret keys)', () => {
    const o = objects({});
    expect(findAll(o, 'Deployment').map((d) => d.metadata.name)).not.toContain('superset-flower');
    expect(findAll(o, 'Service').map((s) => s.metadata.name)).not.toContain('superset-flower');
    expect(find(o, 'Ingress', 'superset').spec.rules[0].http.paths.map((p: any) => p.path)).toEqual(['/']);
    expect(allSecretRefs(resolveEnvironment('prod', {}).config).some((r) => r.secretName === 'superset-flower')).toBe(false);
  });

  test('on: one pod of the flower image running its own Celery app, probed on its health check, restricted', () => {
    const spec = flowerSpec();
    const deployment = find(objects(), 'Deployment', 'superset-flower');
    expect(deployment.spec.replicas).toBe(1);
    const c = spec.containers[0];
    const image = resolveEnvironment('prod', {}).config.superset.image;
    expect(c.image).toBe(`${image.repository}:${image.tag}-flower`);
    expect(c.command).toEqual(['celery', '--app=flower_app:app', 'flower', '--conf=/etc/superset-flower/flowerconfig.py']);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(c[probe].httpGet).toEqual({ path: '/flower/healthcheck', port: 'http' });
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(spec.automountServiceAccountToken).toBe(false);
    // No PDB and no HPA select a single pod.
    expect(findAll(objects(), 'PodDisruptionBudget').some((p) => p.spec.selector.matchLabels['app.kubernetes.io/component'] === 'flower')).toBe(false);
    expect(find(objects(), 'Service', 'superset-flower').spec.ports).toEqual([{ name: 'http', port: 5555, targetPort: 'http' }]);
  });

  test('on: its Secret volume holds the redis-queue password and its login only (not the app key or the database password)', () => {
    const secrets = flowerSpec().volumes.find((v: any) => v.name === 'flower-secrets').projected.sources.flatMap((s: any) => s.secret.items.map((i: any) => `${s.secret.name}/${i.key}:${i.path}`));
    expect(secrets.sort()).toEqual(['redis-queue-auth/password:REDIS_QUEUE_PASSWORD', 'superset-flower/password:FLOWER_PASSWORD', 'superset-flower/username:FLOWER_USERNAME']);
    const generated = generateSecrets(resolveEnvironment('prod', ON as EnvironmentOverrides).config, 'superset-prod').manifests.find((m: any) => m.metadata.name === 'superset-flower') as any;
    expect(generated.stringData.username).toBe('flower');
    expect(generated.stringData.password).toMatch(/^[0-9a-f]{48}$/);
  });

  test('on: the Celery app has the broker settings of superset_config.py (Sentinels, timeouts) and nothing else; the settings read the login from the files', () => {
    const { 'flower_app.py': app, 'flowerconfig.py': conf } = files();
    expect(app).toContain('"sentinel://:{password}@{host}:{port}/{db}"');
    expect(app).toContain('broker_transport_options = {**_REDIS_QUEUE_SENTINEL_OPTIONS, "visibility_timeout": 3600, "socket_connect_timeout": 2, "socket_timeout": 5}');
    expect(app).not.toMatch(/redis-cache|pgbouncer|DATABASE_|SECRET_KEY/);
    expect(conf).toContain('url_prefix = "flower"');
    expect(conf).toContain('(_SECRETS / "FLOWER_USERNAME").read_text().strip() + ":" + (_SECRETS / "FLOWER_PASSWORD").read_text().strip()');
    // Both are valid Python (Flower executes them).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flower-'));
    try {
      for (const [name, text] of Object.entries({ 'flower_app.py': app, 'flowerconfig.py': conf })) {
        fs.writeFileSync(path.join(dir, name), text as string);
        execFileSync('python3', ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read())', path.join(dir, name)]);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('on: reached from the ingress controller on 5555, and reaching redis-queue (Sentinels included) only', () => {
    const edges = graph(objects()).filter((e) => e.includes('superset-flower'));
    expect(edges).toEqual(['ingress-controller -> superset-flower:5555/TCP', 'superset-flower -> redis-queue:26379/TCP', 'superset-flower -> redis-queue:6379/TCP']);
  });

  test('on: the Ingress sends its path to Flower and everything else to web; with a Gateway, an HTTPRoute rule does', () => {
    expect(find(objects(), 'Ingress', 'superset').spec.rules[0].http.paths).toEqual([
      { path: '/flower', pathType: 'Prefix', backend: { service: { name: 'superset-flower', port: { name: 'http' } } } },
      { path: '/', pathType: 'Prefix', backend: { service: { name: 'superset-web', port: { name: 'http' } } } },
    ]);
    const gateway = objects({ superset: { flower: { enabled: true, path: '/celery' } }, edge: { mode: 'gateway' } });
    const route = gateway.find((o: any) => o.kind === 'HTTPRoute' && o.metadata.name === 'superset') as any;
    expect(route.spec.rules[1]).toMatchObject({ matches: [{ path: { type: 'PathPrefix', value: '/celery' } }], backendRefs: [{ name: 'superset-flower', port: 5555 }] });
    expect(find(gateway, 'ConfigMap', 'superset-flower').data['flowerconfig.py']).toContain('url_prefix = "celery"');
  });

  test('custom: image tag and digest, resources, the node pool', () => {
    const digest = `sha256:${'cd'.repeat(32)}`;
    const spec = flowerSpec(objects({ superset: { flower: { enabled: true, imageTag: '6.1.0-k8s.3-flower-2.2.0', imageDigest: digest, resources: { cpuRequest: '50m', cpuLimit: '250m', memoryRequest: '128Mi', memoryLimit: '256Mi' }, scheduling: { nodeSelector: { pool: 'ops' } } } } }));
    expect(spec.containers[0].image).toMatch(new RegExp(`:6\\.1\\.0-k8s\\.3-flower-2\\.2\\.0@${digest}$`));
    expect(spec.containers[0].resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '250m', memory: '256Mi' } });
    expect(spec.nodeSelector).toEqual({ pool: 'ops' });
  });

  const refused: Array<[string, object, RegExp]> = [
    ['a path Superset serves itself', { superset: { flower: { enabled: true, path: '/api' } } }, /superset\.flower\.path = "\/api"\s+rule: is a path Superset serves itself[\s\S]*fix: {2}choose another path, such as "\/flower"/],
    ['a path without the leading slash', { superset: { flower: { enabled: true, path: 'flower' } } }, /superset\.flower\.path[\s\S]*must be one path segment such as "\/flower"/],
    ['a path of two segments', { superset: { flower: { enabled: true, path: '/ops/flower' } } }, /superset\.flower\.path[\s\S]*must be one path segment/],
    ['an image tag with a colon', { superset: { flower: { enabled: true, imageTag: 'flower:2' } } }, /superset\.flower\.imageTag[\s\S]*must be an image tag/],
    ['a digest that is no sha256', { superset: { flower: { enabled: true, imageDigest: 'sha1:abc' } } }, /superset\.flower\.imageDigest[\s\S]*must be "sha256:" and 64 hex digits/],
  ];
  test.each(refused)('refused: %s', (_what, overrides, expected) => {
    expect(() => resolveEnvironment('prod', overrides as EnvironmentOverrides)).toThrow(expected);
  });
});
