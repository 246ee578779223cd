import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../lib/policy';
import { hostPortsIn, namedEndpoints, resolveEndpoint } from '../../lib/policy/named-endpoints';
import { namedEndpointsAllowed } from '../../lib/policy/rules/named-endpoints-allowed';
import { ENVIRONMENTS } from '../../environments';
import { buildObjects } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

// The endpoints come from what the manifests render (env values, command and args, mounted
// ConfigMap files), never from the flows the NetworkPolicies are built from.

const DIST = path.join(__dirname, '..', '..', 'dist');

function distObjects(env: string): KubeObject[] {
  return fs.readdirSync(path.join(DIST, env)).filter((f) => f.endsWith('.yaml')).sort()
    .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(DIST, env, f), 'utf8')).map((d) => d.toJS()).filter(Boolean));
}

const owner = (name: string) => name.replace(/^superset-migrate-.*/, 'superset-migrate');
const namedBy = (objects: readonly KubeObject[], workload: string) =>
  [...new Set(namedEndpoints(objects).filter((n) => owner(n.pod.owner.metadata.name) === workload).map((n) => `${n.host}:${n.port}`))].sort();
const violations = (objects: readonly KubeObject[]) => namedEndpointsAllowed.check(objects).map((v) => `${v.object}: ${v.message}`);

describe('every endpoint a pod\'s configuration names is allowed by the NetworkPolicies (dist/)', () => {
  test.each(Object.keys(ENVIRONMENTS))('%s: no pod names an endpoint its policies deny', (env) => {
    expect(violations(distObjects(env))).toEqual([]);
  });

  // The environments that run their own Postgres and Redis (an example environment uses managed ones).
  const ownDataTier = Object.keys(ENVIRONMENTS).filter((e) => ['20-postgres.yaml', '30-redis-cache.yaml', '35-redis-queue.yaml'].every((f) => fs.existsSync(path.join(DIST, e, f))));

  test('the managed environment\'s pods name the managed servers, which are outside the cluster', () => {
    const managed = Object.keys(ENVIRONMENTS).filter((e) => !ownDataTier.includes(e));
    expect(managed.length).toBeGreaterThan(0);
    for (const env of managed) {
      const objects = distObjects(env);
      const web = namedBy(objects, 'superset-web');
      expect(web.filter((e) => /^(redis-cache|redis-queue|postgres)[.:]/.test(e))).toEqual([]);
      expect(web.some((e) => /\.cache\.amazonaws\.com:\d+$/.test(e))).toBe(true);
      for (const e of web.filter((x) => x.includes('.'))) expect(resolveEndpoint(objects, `superset-${env}`, e.split(':')[0], Number(e.split(':')[1])).kind).toBe('outside');
    }
  });

  test.each(ownDataTier)('%s: what the pods name is read from env, pgbouncer.ini and superset_config.py', (env) => {
    const objects = distObjects(env);
    const sentinel = (objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'redis-queue') as any)
      .spec.template.spec.containers.some((c: any) => c.name === 'sentinel');
    const queue = sentinel
      ? namedBy(objects, 'superset-web').filter((e) => e.endsWith('.redis-queue-headless:26379'))
      : ['redis-queue:6379'];
    if (sentinel) expect(queue.length).toBeGreaterThanOrEqual(3);
    // The migration Job: DATABASE_HOST/DATABASE_PORT, and the Redis clients superset_config.py builds.
    expect(namedBy(objects, 'superset-migrate')).toEqual(['postgres:5432', 'redis-cache:6379', ...queue].sort());
    expect(namedBy(objects, 'superset-web')).toEqual(['pgbouncer:6432', 'redis-cache:6379', ...queue].sort());
    expect(namedBy(objects, 'pgbouncer')).toEqual(['postgres:5432']);
    expect(namedBy(objects, 'pg-backup')).toEqual(['postgres:5432']);
    expect(namedBy(objects, 'redis-cache').every((e) => /^redis-cache-\d+\.redis-cache-headless:6379$/.test(e))).toBe(true);
  });
});

describe('named-endpoints-allowed catches', () => {
  const valid = buildObjects({}, 'prod');
  const migratePolicy = (objects: any[]) => objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'superset-migrate');
  const egressTo = (rule: any, name: string) => rule.to.some((p: any) => p.podSelector?.matchLabels?.['app.kubernetes.io/name'] === name);

  test('the valid platform passes', () => {
    expect(violations(valid)).toEqual([]);
  });

  test('a migration Job whose policy allows only Postgres (it imports superset_config.py, which connects to Redis)', () => {
    const objects: any[] = structuredClone(valid);
    const policy = migratePolicy(objects);
    policy.spec.egress = policy.spec.egress.filter((r: any) => egressTo(r, 'postgres'));
    const found = violations(objects);
    expect(found.join('\n')).toMatch(/Job superset-prod\/superset-migrate-[a-z0-9-]+: container "migrate" names redis-cache:6379 \(ConfigMap superset-config, superset_config\.py\), but its NetworkPolicies deny egress to StatefulSet superset-prod\/redis-cache on port 6379/);
    expect(found.join('\n')).toMatch(/names redis-queue-0\.redis-queue-headless:26379 \(ConfigMap superset-config, superset_config\.py\), but its NetworkPolicies deny egress to StatefulSet superset-prod\/redis-queue on port 26379/);
    expect(found.every((v) => v.includes('superset-migrate'))).toBe(true);
  });

  test('the target\'s ingress is checked too', () => {
    const objects: any[] = structuredClone(valid);
    const cache = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'redis-cache');
    cache.spec.ingress = cache.spec.ingress.filter((r: any) => r.from[0].podSelector?.matchLabels?.['app.kubernetes.io/component'] !== 'beat');
    expect(violations(objects)).toEqual([
      'Deployment superset-prod/superset-beat: init container "wait-for-migrations" names redis-cache:6379 (ConfigMap superset-config, superset_config.py), but the NetworkPolicies of StatefulSet superset-prod/redis-cache deny ingress from it on port 6379',
      'Deployment superset-prod/superset-beat: container "beat" names redis-cache:6379 (ConfigMap superset-config, superset_config.py), but the NetworkPolicies of StatefulSet superset-prod/redis-cache deny ingress from it on port 6379',
    ]);
  });

  test('a port the Service does not have, and a host that is no Service', () => {
    const objects: any[] = structuredClone(valid);
    const backup = objects.find((o) => o.kind === 'CronJob' && o.metadata.name === 'pg-backup').spec.jobTemplate.spec.template.spec.containers[0];
    backup.env.find((e: any) => e.name === 'PGPORT').value = '5433';
    const pgbouncer = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'pgbouncer');
    pgbouncer.data['pgbouncer.ini'] = pgbouncer.data['pgbouncer.ini'].replace('host=postgres ', 'host=postgres-primary ');
    expect(violations(objects)).toEqual([
      'Deployment superset-prod/pgbouncer: container "pgbouncer" names postgres-primary:5432 (ConfigMap pgbouncer, pgbouncer.ini), but "postgres-primary" is a cluster name, but no Service or StatefulSet pod of these manifests has it',
      'CronJob superset-prod/pg-backup: container "pg-backup" names postgres:5433 (env PGHOST/PGPORT), but Service superset-prod/postgres has no port 5433 (it has 5432)',
    ]);
  });

  test('a Sentinel pod beyond the StatefulSet\'s replicas', () => {
    const objects: any[] = structuredClone(valid);
    const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'superset-config');
    config.data['superset_config.py'] = config.data['superset_config.py'].replace('("redis-queue-2.redis-queue-headless", 26379)', '("redis-queue-3.redis-queue-headless", 26379)');
    expect(violations(objects).join('\n')).toMatch(/names redis-queue-3\.redis-queue-headless:26379 \(ConfigMap superset-config, superset_config\.py\), but no pod "redis-queue-3" of a StatefulSet behind the headless Service superset-prod\/redis-queue-headless/);
  });
});

describe('reading endpoints out of rendered text', () => {
  test.each([
    ['"CACHE_REDIS_CLUSTER": "redis-cache:6379",', ['redis-cache:6379']],
    ['return "redis://:{password}@redis-queue:6379/{db}"', ['redis-queue:6379']],
    ['"redis+sentinel://a-0.h:26379,a-1.h:26379/m"', ['a-0.h:26379', 'a-1.h:26379']],
    ['    ("redis-queue-0.redis-queue-headless", 26379),', ['redis-queue-0.redis-queue-headless:26379']],
    ['superset = host=postgres port=5432 dbname=superset', ['postgres:5432']],
    ['"CACHE_REDIS_HOST": "redis-queue",\n    "CACHE_REDIS_PORT": 6379,', ['redis-queue:6379']],
    ['c=${text:i:1}; d=${s:4:2}; --app=superset.tasks.celery_app:app; "x_for": 1', []],
    ['connect to $(PATRONI_KUBERNETES_POD_IP):5432', []],
  ])('%j names %j', (text, expected) => {
    expect(hostPortsIn(text).map((e) => `${e.host}:${e.port}`)).toEqual(expected);
  });

  test('addresses and names outside the cluster are not the policies\' to judge', () => {
    const objects = buildObjects({}, 'prod');
    expect(resolveEndpoint(objects, 'superset-prod', '127.0.0.1', 6432).kind).toBe('outside');
    expect(resolveEndpoint(objects, 'superset-prod', 's3.example.com', 443).kind).toBe('outside');
    expect(resolveEndpoint(objects, 'superset-prod', 'postgres.superset-prod.svc.cluster.local', 5432).kind).toBe('pods');
    expect(resolveEndpoint(objects, 'superset-prod', 'nothing.svc', 5432).kind).toBe('unresolved');
  });
});
