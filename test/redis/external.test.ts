import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveEnvironment } from '../../lib/config/load';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';
import { allSecretRefs } from '../../lib/config/platform-secrets';
import { checkPolicies } from '../../lib/policy';
import { allowedGraph } from '../../lib/policy/network-graph';
import { podsOf } from '../../lib/policy/pods';
import { renderSupersetConfig } from '../../lib/superset/config-py';
import { buildObjects, envVar, find, findAll, UNIT_PYTHON_STUBS } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */
const REPO = { superset: { image: { repository: 'ghcr.io/acme/superset' } } };

/** ElastiCache-like: the caches on a cluster-mode configuration endpoint, with an ACL user and the provider's CA. */
const CACHE = {
  host: 'clustercfg.superset-cache.abc123.euw1.cache.amazonaws.com',
  port: 6380,
  clusterMode: true,
  caBundle: { configMap: 'aws-ca', key: 'global-bundle.pem' },
  auth: { secret: 'elasticache-cache', usernameKey: 'username' },
  cidrs: ['10.60.0.0/24', '10.60.1.0/24'],
};
/** The queue on the primary endpoint of a non-cluster managed Redis, TLS against the system store. */
const QUEUE = {
  host: 'master.superset-queue.abc123.euw1.cache.amazonaws.com',
  auth: { secret: 'elasticache-queue', passwordKey: 'auth-token' },
  cidrs: ['10.61.0.0/24'],
};

function managed(redis: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): EnvironmentOverrides {
  const { cache, queue, ...rest } = redis as { cache?: object; queue?: object };
  return {
    ...REPO,
    redis: { cache: { mode: 'external', external: CACHE, ...cache }, queue: { mode: 'external', external: QUEUE, ...queue }, ...rest },
    ...extra,
  } as EnvironmentOverrides;
}

// Obviously fake values, only ever passed to a child process in this test.
const FAKE_ENV = {
  DATABASE_USER: 'superset',
  DATABASE_PASSWORD: 'db-pw',
  DATABASE_HOST: 'pgbouncer',
  DATABASE_PORT: '6432',
  DATABASE_NAME: 'superset',
  SUPERSET_SECRET_KEY: 'test-secret-key-not-real-padded-to-48-bytes-xx',
  REDIS_CACHE_PASSWORD: 'cache-pw',
  REDIS_CACHE_USERNAME: 'superset-cache',
  REDIS_QUEUE_PASSWORD: 'queue/pw',
  GLOBAL_ASYNC_QUERIES_JWT_SECRET: 'x'.repeat(32),
  SUPERSET_COMPONENT: 'web',
};

/** Executes the rendered superset_config.py with the unit stubs and returns what it defines. */
function load(overrides: EnvironmentOverrides, extraEnv: Record<string, string> = {}): any {
  const text = renderSupersetConfig('test', resolveEnvironment('test', overrides).config);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'superset-config-'));
  try {
    const file = path.join(dir, 'superset_config.py');
    fs.writeFileSync(file, text);
    execFileSync('python3', ['-c', 'import ast,sys; ast.parse(open(sys.argv[1]).read())', file], { stdio: 'pipe' });
    const out = JSON.parse(execFileSync('python3', ['-B', path.join(__dirname, '..', 'fixtures', 'inspect_superset_config.py'), file], {
      env: { PATH: process.env.PATH, PYTHONPATH: UNIT_PYTHON_STUBS, ...FAKE_ENV, ...extraEnv },
      encoding: 'utf8',
    }));
    if (out.error) throw new Error(out.error);
    return { ...out, text };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Who may connect to `ip` on `port`, from the generated NetworkPolicies alone. */
function reaching(objects: any[], ip: string, port: number): string[] {
  const endpoints = [
    ...podsOf(objects).map((p) => ({ name: p.owner.metadata.name.replace(/^superset-migrate-.*/, 'superset-migrate'), labels: p.labels, namespace: p.owner.metadata.namespace })),
    { name: 'outside', namespace: 'outside', labels: {}, ip },
  ];
  return [...new Set(allowedGraph(objects, endpoints as any).filter((e) => e.endsWith(`-> outside:${port}/TCP`)).map((e) => e.split(' -> ')[0]))].sort();
}

const CACHES = ['CACHE_CONFIG', 'DATA_CACHE_CONFIG', 'FILTER_STATE_CACHE_CONFIG', 'EXPLORE_FORM_DATA_CACHE_CONFIG', 'THUMBNAIL_CACHE_CONFIG'];
const podSpecOf = (o: any) => (o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec);

describe('redis.*.mode "external": a managed Redis instead of our StatefulSets', () => {
  test('default: our redis-cache and redis-queue, nothing of a managed Redis', () => {
    const objects = buildObjects(REPO);
    expect(find(objects, 'StatefulSet', 'redis-cache')).toBeDefined();
    expect(find(objects, 'StatefulSet', 'redis-queue')).toBeDefined();
    const env = resolveEnvironment('test', REPO);
    expect(env.config.redis.cache.mode).toBe('cluster');
    expect(env.config.redis.cache.external).toBeUndefined();
    expect(env.warnings.join('\n')).not.toMatch(/ignored: they configure the platform's own Redis/);
    const text: string = find(objects, 'ConfigMap', 'superset-config').data['superset_config.py'];
    expect(text).not.toMatch(/rediss:|ssl_ca_certs|REDIS_CACHE_USERNAME/);
  });

  test('no Redis StatefulSet, Service, PDB, ConfigMap, ServiceAccount or monitoring object is rendered', () => {
    const objects = buildObjects(managed({}, { monitoring: { enabled: true } }));
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names.filter((n) => /redis-(cache|queue)/.test(n))).toEqual([]);
    expect(names).not.toContain('PrometheusRule/redis');
    expect(JSON.stringify(findAll(objects, 'NetworkPolicy'))).not.toMatch(/"app\.kubernetes\.io\/name":"redis-(cache|queue)"/);
    // The Secrets contract names the managed Redis's Secret, never our servers'.
    const refs = allSecretRefs(resolveEnvironment('test', managed()).config);
    expect(refs.map((r) => r.secretName)).not.toEqual(expect.arrayContaining(['redis-cache-auth']));
    expect(refs.map((r) => r.secretName)).not.toContain('redis-queue-auth');
    expect(refs.filter((r) => r.envVar.startsWith('REDIS_')).map((r) => `${r.secretName}/${r.key} ${r.envVar}`)).toEqual([
      'elasticache-cache/password REDIS_CACHE_PASSWORD',
      'elasticache-cache/username REDIS_CACHE_USERNAME',
      'elasticache-queue/auth-token REDIS_QUEUE_PASSWORD',
    ]);
    expect(refs.find((r) => r.envVar === 'REDIS_CACHE_PASSWORD')!.random).toBeUndefined();
  });

  test('only the external part is replaced: a managed queue keeps our redis-cache, and its monitoring', () => {
    const objects = buildObjects({ ...REPO, redis: { queue: { mode: 'external', external: QUEUE } }, monitoring: { enabled: true } } as EnvironmentOverrides);
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names).toContain('StatefulSet/redis-cache');
    expect(names).toContain('PodMonitor/redis-cache');
    expect(names.filter((n) => /redis-queue/.test(n))).toEqual([]);
    const rules = JSON.stringify(find(objects, 'PrometheusRule', 'redis'));
    expect(rules).toMatch(/RedisCacheClusterFailed/);
    expect(rules).not.toMatch(/CeleryQueueBacklog|RedisQueueNoPrimary/);
    expect(checkPolicies(objects)).toEqual([]);
  });

  test('every pod that loads superset_config.py mounts the CA bundle and reads the managed Redis\'s Secret', () => {
    const objects = buildObjects(managed({}, { ops: { dashboardExport: { enabled: true } } }));
    const loaders = [
      find(objects, 'Deployment', 'superset-web'),
      find(objects, 'Deployment', 'superset-beat'),
      findAll(objects, 'Job').find((j) => j.metadata.name.startsWith('superset-migrate')),
      find(objects, 'CronJob', 'dashboard-export'),
    ];
    for (const o of loaders) {
      const spec = podSpecOf(o);
      expect(spec.volumes).toContainEqual({ name: 'redis-cache-ca', configMap: { name: 'aws-ca', items: [{ key: 'global-bundle.pem', path: 'ca.crt' }], defaultMode: 0o444 } });
      // The queue has TLS without a CA bundle: the system trust store, nothing mounted.
      expect(spec.volumes.map((v: any) => v.name)).not.toContain('redis-queue-ca');
      const secrets = JSON.stringify(spec.volumes.find((v: any) => v.name === 'superset-secrets'));
      expect(secrets).toMatch(/"items":\[\{"key":"password","path":"REDIS_CACHE_PASSWORD"\},\{"key":"username","path":"REDIS_CACHE_USERNAME"\}\],"name":"elasticache-cache"/);
      expect(secrets).toMatch(/"items":\[\{"key":"auth-token","path":"REDIS_QUEUE_PASSWORD"\}\],"name":"elasticache-queue"/);
      expect(secrets).not.toMatch(/redis-(cache|queue)-auth/);
      const superset = [...(spec.initContainers ?? []), ...spec.containers].filter((c: any) => c.image.startsWith('ghcr.io/acme/superset'));
      expect(superset.length).toBeGreaterThan(0);
      for (const c of superset) expect(c.volumeMounts).toContainEqual({ name: 'redis-cache-ca', mountPath: '/etc/ssl/redis-cache-ca', readOnly: true });
    }
    // No Redis secret value reaches an env var.
    expect(envVar(find(objects, 'Deployment', 'superset-web').spec.template.spec.containers[0], 'REDIS_CACHE_PASSWORD')).toBeUndefined();
  });

  test('NetworkPolicies: every Superset pod, the migration Job and the export reach the managed Redis on its port, nothing else does', () => {
    const objects = buildObjects(managed({}, { ops: { dashboardExport: { enabled: true } } }));
    const cache = reaching(objects, '10.60.1.9', 6380);
    expect(cache).toEqual(expect.arrayContaining(['dashboard-export', 'superset-beat', 'superset-migrate', 'superset-web']));
    expect(cache.filter((n) => n.startsWith('superset-worker-')).length).toBe(Object.keys(resolveEnvironment('test', REPO).config.superset.workers).length);
    expect(cache.filter((n) => !/^(dashboard-export|superset-)/.test(n))).toEqual([]);
    expect(reaching(objects, '10.61.0.9', 6379)).toEqual(cache);
    // Each range on its own port only, and nothing outside the declared ranges.
    expect(reaching(objects, '10.60.0.9', 6379)).toEqual([]);
    expect(reaching(objects, '10.61.0.9', 6380)).toEqual([]);
    expect(reaching(objects, '10.62.0.9', 6380)).toEqual([]);
    expect(checkPolicies(objects)).toEqual([]);
  });
});

describe('redis.*.mode "external": superset_config.py', () => {
  test('cluster mode: five caches and the results backend on the configuration endpoint, TLS with the CA, the ACL user', () => {
    const out = load(managed());
    for (const key of CACHES) {
      expect(out.settings[key]).toMatchObject({ CACHE_TYPE: 'RedisClusterCache', CACHE_REDIS_CLUSTER: `${CACHE.host}:6380`, CACHE_REDIS_PASSWORD: 'cache-pw' });
      expect(out.settings[key].CACHE_OPTIONS).toEqual({
        socket_connect_timeout: 2, socket_timeout: 3, dynamic_startup_nodes: false,
        ssl: true, ssl_cert_reqs: 'required', ssl_ca_certs: '/etc/ssl/redis-cache-ca/ca.crt', username: 'superset-cache',
      });
    }
    expect(out.results_backend).toMatchObject({
      type: 'RedisClusterCache', cluster: `${CACHE.host}:6380`, password: 'cache-pw', key_prefix: 'superset_results_',
      ssl: true, ssl_cert_reqs: 'required', ssl_ca_certs: '/etc/ssl/redis-cache-ca/ca.crt', username: 'superset-cache', dynamic_startup_nodes: false,
    });
  });

  test('a single cache endpoint: RedisCache on db 0, and no TLS when it is off', () => {
    const out = load(managed({ cache: { external: { host: 'superset-cache.redis.cache.windows.net', tls: false, auth: { secret: 'azure-cache' }, cidrs: ['10.70.0.4/32'] } } }));
    for (const key of CACHES) {
      expect(out.settings[key]).toMatchObject({ CACHE_TYPE: 'RedisCache', CACHE_REDIS_HOST: 'superset-cache.redis.cache.windows.net', CACHE_REDIS_PORT: 6379, CACHE_REDIS_DB: 0, CACHE_REDIS_PASSWORD: 'cache-pw' });
      expect(out.settings[key].CACHE_OPTIONS).toEqual({ socket_connect_timeout: 2, socket_timeout: 3 });
    }
    expect(out.results_backend).toMatchObject({ type: 'RedisCache', host: 'superset-cache.redis.cache.windows.net', port: 6379, db: 0, password: 'cache-pw', key_prefix: 'superset_results_' });
    expect(out.results_backend.ssl).toBeUndefined();
  });

  test('the queue: rediss:// for Celery and the limiter, ssl=True for coordination, async queries and sessions', () => {
    const out = load(managed({}, { superset: { asyncQueries: { enabled: true } } }));
    const url = (db: number) => `rediss://:queue%2Fpw@${QUEUE.host}:6379/${db}`;
    expect(out.celery.broker_url).toBe(url(0));
    expect(out.celery.result_backend).toBe(url(1));
    // ssl.CERT_REQUIRED is 2; no CA bundle for the queue: the system store.
    expect(out.celery.broker_use_ssl).toEqual({ ssl_cert_reqs: 2 });
    expect(out.celery.redis_backend_use_ssl).toEqual({ ssl_cert_reqs: 2 });
    expect(out.celery.broker_transport_options.master_name).toBeUndefined();
    expect(out.celery.task_publish_retry_policy.max_retries).toBeGreaterThanOrEqual(30);
    expect(out.settings.RATELIMIT_STORAGE_URI).toBe(url(4));
    expect(out.settings.RATELIMIT_STORAGE_OPTIONS).toEqual({ ssl_cert_reqs: 'required', socket_connect_timeout: 2, socket_timeout: 3 });
    for (const [key, db] of [['DISTRIBUTED_COORDINATION_CONFIG', 3], ['GLOBAL_ASYNC_QUERIES_CACHE_BACKEND', 2]] as const) {
      expect(out.settings[key]).toMatchObject({
        CACHE_TYPE: 'RedisCache', CACHE_REDIS_HOST: QUEUE.host, CACHE_REDIS_PORT: 6379, CACHE_REDIS_DB: db, CACHE_REDIS_PASSWORD: 'queue/pw',
        CACHE_REDIS_SSL: true, CACHE_REDIS_SSL_CERT_REQS: 'required', CACHE_OPTIONS: { ssl: true, ssl_cert_reqs: 'required' },
      });
    }
    expect(out.settings.SESSION_REDIS).toMatch(new RegExp(`\\('host', '${QUEUE.host.replace(/\./g, '\\.')}'\\)`));
    expect(out.settings.SESSION_REDIS).toMatch(/\('db', 5\)/);
    expect(out.settings.SESSION_REDIS).toMatch(/\('ssl', True\)/);
    expect(out.text).not.toMatch(/sentinel:\/\/|redis-queue-headless|redis-cache:6379/);
  });

  test('the queue with an ACL user and a CA bundle, and without TLS', () => {
    const overrides = managed({ queue: { external: { ...QUEUE, caBundle: { secret: 'queue-ca', key: 'ca.crt' }, auth: { ...QUEUE.auth, usernameKey: 'user' } } } });
    // The user name is required like the password: without its Secret file the config refuses to load.
    expect(() => load(overrides)).toThrow(/REDIS_QUEUE_USERNAME is not set/);
    const withUser = load(overrides, { REDIS_QUEUE_USERNAME: 'superset-queue' });
    expect(withUser.celery.broker_url).toBe(`rediss://superset-queue:queue%2Fpw@${QUEUE.host}:6379/0`);
    expect(withUser.celery.broker_use_ssl).toEqual({ ssl_cert_reqs: 2, ssl_ca_certs: '/etc/ssl/redis-queue-ca/ca.crt' });
    expect(withUser.settings.RATELIMIT_STORAGE_OPTIONS).toEqual({ ssl_cert_reqs: 'required', ssl_ca_certs: '/etc/ssl/redis-queue-ca/ca.crt', socket_connect_timeout: 2, socket_timeout: 3 });
    expect(withUser.settings.DISTRIBUTED_COORDINATION_CONFIG).toMatchObject({ CACHE_REDIS_USER: 'superset-queue', CACHE_REDIS_SSL_CA_CERTS: '/etc/ssl/redis-queue-ca/ca.crt' });
    expect(withUser.settings.SESSION_REDIS).toMatch(/\('username', 'superset-queue'\)/);
    const text = withUser.text;
    expect(text).toMatch(/_REDIS_QUEUE_USERNAME = _secret\("REDIS_QUEUE_USERNAME"\)/);
    expect(text).toMatch(/"CACHE_REDIS_USER": _REDIS_QUEUE_USERNAME/);
    expect(text).toMatch(/_REDIS_QUEUE_SSL = \{"ssl_cert_reqs": _ssl\.CERT_REQUIRED, "ssl_ca_certs": "\/etc\/ssl\/redis-queue-ca\/ca\.crt"\}/);
    const plain = load(managed({ queue: { external: { ...QUEUE, tls: false } } }));
    expect(plain.celery.broker_url).toBe(`redis://:queue%2Fpw@${QUEUE.host}:6379/0`);
    expect(plain.celery.broker_use_ssl).toBeUndefined();
    expect(plain.settings.RATELIMIT_STORAGE_OPTIONS).toEqual({ socket_connect_timeout: 2, socket_timeout: 3 });
    expect(plain.settings.DISTRIBUTED_COORDINATION_CONFIG.CACHE_REDIS_SSL).toBeUndefined();
  });
});

describe('redis.*.mode "external": rules', () => {
  const cases: Array<[string, EnvironmentOverrides, RegExp]> = [
    ['external caches without redis.cache.external', { ...REPO, redis: { cache: { mode: 'external' } } } as EnvironmentOverrides,
      /Invalid environment "prod"[\s\S]*redis\.cache\.external = \(missing\)\s+rule: is required when redis\.cache\.mode is "external"[^\n]*\n\s+fix:\s+set redis\.cache\.external\.host/],
    ['an external queue without redis.queue.external', { ...REPO, redis: { queue: { mode: 'external' } } } as EnvironmentOverrides,
      /redis\.queue\.external = \(missing\)\s+rule: is required when redis\.queue\.mode is "external"/],
    ['redis.cache.external with our cluster', { ...REPO, redis: { cache: { external: CACHE } } } as EnvironmentOverrides,
      /redis\.cache\.external = "clustercfg\.[^"]*"\s+rule: is only read when redis\.cache\.mode is "external"; with "cluster"/],
    ['redis.queue.external with Sentinel', { ...REPO, redis: { queue: { external: QUEUE } } } as EnvironmentOverrides,
      /redis\.queue\.external = "master\.[^"]*"\s+rule: is only read when redis\.queue\.mode is "external"; with "sentinel"/],
    ['a CA bundle without TLS', managed({ cache: { external: { ...CACHE, tls: false } } }),
      /redis\.cache\.external\.caBundle = \{"configMap":"aws-ca"[^\n]*\n\s+rule: needs redis\.cache\.external\.tls true/],
    ['cluster mode for the queue', managed({ queue: { external: { ...QUEUE, clusterMode: true } } }),
      /redis\.queue\.external\.clusterMode = true\s+rule: must be false: Celery \(kombu 5\.6\) has no Redis Cluster transport/],
    ['one endpoint for the caches and the queue', managed({ cache: { external: { ...CACHE, host: QUEUE.host, port: 6379, clusterMode: false } } }),
      /redis\.cache\.external\.host = "master\.[^"]*"\s+rule: must not be the endpoint of redis\.queue\.external/],
    ['a missing host', managed({ queue: { external: { auth: QUEUE.auth, cidrs: QUEUE.cidrs } } }),
      /redis\.queue\.external\.host/],
    ['an upper-case host', managed({ cache: { external: { ...CACHE, host: 'Redis.Example.com' } } }),
      /redis\.cache\.external\.host = "Redis\.Example\.com"[\s\S]*must be a lower-case DNS name or IPv4 address/],
    ['no address range', managed({ cache: { external: { ...CACHE, cidrs: [] } } }),
      /redis\.cache\.external\.cidrs[\s\S]*must list at least one address range/],
    ['a missing address range list', managed({ queue: { external: { host: QUEUE.host, auth: QUEUE.auth } } }),
      /redis\.queue\.external\.cidrs/],
    ['an address range that is no CIDR', managed({ queue: { external: { ...QUEUE, cidrs: ['10.61.0.0'] } } }),
      /redis\.queue\.external\.cidrs\.0 = "10\.61\.0\.0"[\s\S]*must be a CIDR/],
    ['no AUTH Secret', managed({ queue: { external: { host: QUEUE.host, cidrs: QUEUE.cidrs } } }),
      /redis\.queue\.external\.auth/],
    ['an unknown key', managed({ cache: { external: { ...CACHE, password: 'x' } } }),
      /redis\.cache\.external/],
    ['an unknown cache mode', { ...REPO, redis: { cache: { mode: 'sentinel' } } } as unknown as EnvironmentOverrides,
      /redis\.cache\.mode = "sentinel"[\s\S]*must be one of "cluster", "external"/],
  ];
  test.each(cases)('%s', (_what, override, expected) => {
    expect(() => resolveEnvironment('prod', override)).toThrow(expected);
  });

  test('our servers\' sizing rules do not apply to what a managed Redis replaces', () => {
    expect(() => resolveEnvironment('test', managed({ queue: { replicas: 2 }, cache: { maxmemoryPercent: 10, resources: { memoryLimit: '64Mi', memoryRequest: '64Mi' } } }))).not.toThrow();
  });

  test('warnings: no TLS, and every setting of our servers a managed Redis ignores', () => {
    const env = resolveEnvironment('test', managed({
      cache: { external: { ...CACHE, tls: false, caBundle: undefined }, shards: 6 },
      queue: { replicas: 5 },
      engine: 'redis',
    }, { secrets: { redisQueue: 'my-queue-auth' } }));
    const w = env.warnings.filter((x) => x.startsWith('redis.'));
    expect(w).toContainEqual(expect.stringMatching(/^redis\.cache\.external\.tls is false: the AUTH password and every cached result or task cross the network in clear to clustercfg\./));
    expect(w).toContainEqual(expect.stringMatching(/^redis\.cache\.shards, redis\.queue\.replicas, redis\.engine, secrets\.redisQueue are ignored: they configure the platform's own Redis servers/));
    expect(w.join('\n')).not.toMatch(/redis\.queue\.external\.tls/);
  });
});
