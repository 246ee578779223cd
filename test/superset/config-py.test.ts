import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveEnvironment } from '../../lib/config/load';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';
import { renderSupersetConfig } from '../../lib/superset/config-py';
import { toPython, pyExpr } from '../../lib/superset/python';
import { ENVIRONMENTS } from '../../environments';
import { IDP_NETWORK, UNIT_PYTHON_STUBS } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

const FIXTURES = path.join(__dirname, '..', 'fixtures');
// Obviously fake values, only ever passed to a child process in this test.
const FAKE_ENV = {
  DATABASE_USER: 'superset',
  DATABASE_PASSWORD: 'p@ss:w/rd%',
  DATABASE_HOST: 'pgbouncer',
  DATABASE_PORT: '6432',
  DATABASE_NAME: 'superset',
  SUPERSET_SECRET_KEY: 'test-secret-key-not-real-padded-to-48-bytes-xx',
  REDIS_CACHE_PASSWORD: 'cache-pw',
  REDIS_QUEUE_PASSWORD: 'queue/pw',
  GLOBAL_ASYNC_QUERIES_JWT_SECRET: 'x'.repeat(32),
  SUPERSET_COMPONENT: 'web',
};

function run(config: string, env: Record<string, string> = FAKE_ENV): any {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'superset-config-'));
  try {
    const file = path.join(dir, 'superset_config.py');
    fs.writeFileSync(file, config);
    const out = execFileSync('python3', ['-B', path.join(FIXTURES, 'inspect_superset_config.py'), file], {
      env: { PATH: process.env.PATH, PYTHONPATH: UNIT_PYTHON_STUBS, ...env },
      encoding: 'utf8',
    });
    return JSON.parse(out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const render = (overrides: EnvironmentOverrides = {}, name = 'test') => renderSupersetConfig(name, resolveEnvironment(name, overrides).config);

describe('superset_config.py', () => {
  test('delivery secrets: the file loads without them where nothing is delivered, and fails naming the file in a reports worker that lacks one', () => {
    const mail: EnvironmentOverrides = {
      superset: { reports: { smtp: { enabled: true, host: 'smtp.acme.io', port: 587, user: 'reports@acme.io', mailFrom: 'superset@acme.io' } } },
      network: { egress: [{ name: 'mail', purpose: 'smtp', cidr: '198.51.100.25/32', ports: [587], from: ['worker-reports'] }] },
    };
    const text = render(mail);
    expect(run(text).error).toBeUndefined();
    expect(run(text, { ...FAKE_ENV, SUPERSET_DELIVERS_REPORTS: '1' }).error).toMatch(/RuntimeError: SMTP_PASSWORD is not set: it comes from a Kubernetes Secret \(file .*SMTP_PASSWORD\)/);
    expect(run(text, { ...FAKE_ENV, SUPERSET_DELIVERS_REPORTS: '1', SMTP_PASSWORD: 'relay-pw' }).error).toBeUndefined();
  });

  test.each(Object.keys(ENVIRONMENTS))('environment %s compiles as Python', (name) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'superset-config-'));
    const file = path.join(dir, 'superset_config.py');
    fs.writeFileSync(file, render(ENVIRONMENTS[name], name));
    expect(() => execFileSync('python3', ['-c', 'import ast,sys; ast.parse(open(sys.argv[1]).read())', file], { stdio: 'pipe' })).not.toThrow();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const defaults = run(render());

  test('database URI from env vars, with the password URL-escaped', () => {
    expect(defaults.settings.SQLALCHEMY_DATABASE_URI).toBe('postgresql+psycopg2://superset:p%40ss%3Aw%2Frd%25@pgbouncer:6432/superset');
    expect(defaults.settings.SQLALCHEMY_ENGINE_OPTIONS).toMatchObject({ pool_size: 5, max_overflow: 5, pool_pre_ping: true, connect_args: { application_name: 'web', connect_timeout: 10 } });
  });

  test('Celery keeps Superset\'s default beat schedule and imports, and routes by queue', () => {
    expect(defaults.celery_bases[0]).toBe('superset.config.CeleryConfig');
    expect(Object.keys(defaults.celery.beat_schedule)).toEqual(['reports.scheduler', 'reports.prune_log']);
    expect(defaults.celery.imports).toContain('superset.tasks.scheduler');
    expect(defaults.celery.task_default_queue).toBe('interactive');
    expect(defaults.celery.task_routes['sql_lab.get_sql_results']).toEqual({ queue: 'interactive' });
    expect(defaults.celery.task_routes['reports.*']).toEqual({ queue: 'reports' });
  });

  test('five Flask caches and the results backend on redis-cache (cluster), one prefix each', () => {
    const caches = ['CACHE_CONFIG', 'DATA_CACHE_CONFIG', 'FILTER_STATE_CACHE_CONFIG', 'EXPLORE_FORM_DATA_CACHE_CONFIG', 'THUMBNAIL_CACHE_CONFIG'].map((k) => defaults.settings[k]);
    for (const c of caches) {
      expect(c).toMatchObject({ CACHE_TYPE: 'RedisClusterCache', CACHE_REDIS_CLUSTER: 'redis-cache:6379', CACHE_REDIS_PASSWORD: 'cache-pw' });
      // dynamic_startup_nodes off: the client keeps the Service name as its seed (a full restart gives every pod a new IP).
      // The ACL user of redis-cache (its default user is off).
      expect(c.CACHE_OPTIONS).toEqual({ username: 'superset', socket_connect_timeout: 2, socket_timeout: 3, dynamic_startup_nodes: false });
    }
    const prefixes = [...caches.map((c) => c.CACHE_KEY_PREFIX), defaults.results_backend.key_prefix];
    expect(new Set(prefixes).size).toBe(6);
    expect(defaults.results_backend).toMatchObject({ type: 'RedisClusterCache', cluster: 'redis-cache:6379', password: 'cache-pw', socket_connect_timeout: 2, socket_timeout: 3, dynamic_startup_nodes: false });
    expect(defaults.settings.DATA_CACHE_CONFIG.CACHE_DEFAULT_TIMEOUT).toBe(3600);
  });

  describe('redis-queue under Sentinel (the default)', () => {
    const sentinels = [0, 1, 2].map((i) => `redis-queue-${i}.redis-queue-headless:26379`);

    test('Celery broker and results on the Sentinel transport: one sentinel:// URL per Sentinel, password escaped', () => {
      expect(defaults.celery.broker_url).toBe(sentinels.map((s) => `sentinel://:queue%2Fpw@${s}/0`).join(';'));
      expect(defaults.celery.result_backend).toBe(sentinels.map((s) => `sentinel://:queue%2Fpw@${s}/1`).join(';'));
      const timeouts = { socket_connect_timeout: 2, socket_timeout: 5 };
      const sentinelOptions = { master_name: 'redis-queue', sentinel_kwargs: { password: 'queue/pw', ...timeouts } };
      // Twice the longest task: SQL Lab's own limit, 3600 + 60 s.
      expect(defaults.celery.broker_transport_options).toEqual({ ...sentinelOptions, visibility_timeout: 7320, ...timeouts });
      expect(defaults.celery.result_backend_transport_options).toEqual(sentinelOptions);
    });

    test('every Celery connection to redis-queue gives up within seconds (a dead primary\'s address drops packets; kombu and redis-py would wait forever, Celery\'s results 120 s)', () => {
      expect(defaults.celery.redis_socket_connect_timeout).toBe(2);
      expect(defaults.celery.redis_socket_timeout).toBe(5);
      expect(defaults.celery.broker_transport_options).toMatchObject({ socket_connect_timeout: 2, socket_timeout: 5 });
      expect(defaults.celery.broker_transport_options.sentinel_kwargs).toMatchObject({ socket_connect_timeout: 2, socket_timeout: 5 });
    });

    test('publishing a task retries through a failover (down-after 5 s + 5 s), not Celery\'s 0.6 s', () => {
      // 12 rounds (0 + 0.5 + 10 x 1 s of waiting), each trying the 3 Sentinel URLs
      expect(defaults.celery.task_publish_retry_policy).toEqual({ max_retries: 36, interval_start: 0, interval_step: 0.5, interval_max: 1 });
      const slow = run(render({ redis: { queue: { downAfterMilliseconds: 15000, failoverTimeoutMilliseconds: 60000, replicas: 5 } } }));
      expect(slow.celery.task_publish_retry_policy.max_retries).toBe(22 * 5);
    });

    test('coordination as a RedisSentinelCache (Superset accepts only RedisCache or RedisSentinelCache there)', () => {
      expect(defaults.settings.DISTRIBUTED_COORDINATION_CONFIG).toEqual({
        CACHE_TYPE: 'RedisSentinelCache',
        CACHE_REDIS_SENTINELS: sentinels.map((s) => [s.split(':')[0], 26379]),
        CACHE_REDIS_SENTINEL_MASTER: 'redis-queue',
        CACHE_REDIS_SENTINEL_PASSWORD: 'queue/pw',
        CACHE_REDIS_PASSWORD: 'queue/pw',
        CACHE_REDIS_DB: 3,
        CACHE_KEY_PREFIX: 'superset_coordination_',
      });
    });

    test('rate limits through limits\' redis+sentinel scheme, secrets in the options (never in the URI), reads on the primary', () => {
      expect(defaults.settings.RATELIMIT_STORAGE_URI).toBe(`redis+sentinel://${sentinels.join(',')}/redis-queue`);
      // Every request passes the application limit: its client and the Sentinels' fail fast.
      expect(defaults.settings.RATELIMIT_STORAGE_OPTIONS).toEqual({ password: 'queue/pw', db: 4, socket_connect_timeout: 2, socket_timeout: 3, sentinel_kwargs: { password: 'queue/pw', socket_connect_timeout: 2, socket_timeout: 3 }, use_replicas: false });
    });

    test('the Sentinel list follows redis.queue.replicas', () => {
      const five = run(render({ redis: { queue: { replicas: 5 } } }));
      expect(five.settings.DISTRIBUTED_COORDINATION_CONFIG.CACHE_REDIS_SENTINELS).toHaveLength(5);
      expect(five.celery.broker_url.split(';')).toHaveLength(5);
    });
  });

  describe('redis-queue standalone (dev)', () => {
    const standalone = run(render({ superset: { asyncQueries: { enabled: true } }, redis: { queue: { mode: 'standalone', replicas: 1 } } }));

    test('Celery, coordination, async queries and rate limits on the redis-queue Service', () => {
      expect(standalone.celery.broker_url).toBe('redis://:queue%2Fpw@redis-queue:6379/0');
      expect(standalone.celery.result_backend).toBe('redis://:queue%2Fpw@redis-queue:6379/1');
      expect(standalone.celery.broker_transport_options).toEqual({ visibility_timeout: 7320, socket_connect_timeout: 2, socket_timeout: 5 });
      expect(standalone.celery.redis_socket_timeout).toBe(5);
      expect(standalone.celery.task_publish_retry_policy).toEqual({ max_retries: 12, interval_start: 0, interval_step: 0.5, interval_max: 1 });
      expect(standalone.celery.result_backend_transport_options).toBeUndefined();
      expect(standalone.settings.DISTRIBUTED_COORDINATION_CONFIG).toMatchObject({ CACHE_TYPE: 'RedisCache', CACHE_REDIS_HOST: 'redis-queue', CACHE_REDIS_PORT: 6379, CACHE_REDIS_DB: 3 });
      expect(standalone.settings.GLOBAL_ASYNC_QUERIES_CACHE_BACKEND).toMatchObject({ CACHE_TYPE: 'RedisCache', CACHE_REDIS_HOST: 'redis-queue', CACHE_REDIS_DB: 2 });
      expect(standalone.settings.RATELIMIT_STORAGE_URI).toBe('redis://:queue%2Fpw@redis-queue:6379/4');
      expect(standalone.settings.RATELIMIT_STORAGE_OPTIONS).toEqual({ socket_connect_timeout: 2, socket_timeout: 3 });
    });
  });

  test('security behind the proxy', () => {
    expect(defaults.settings).toMatchObject({
      ENABLE_PROXY_FIX: true,
      SESSION_COOKIE_SECURE: true,
      SESSION_COOKIE_HTTPONLY: true,
      SESSION_COOKIE_SAMESITE: 'Lax',
      WTF_CSRF_ENABLED: true,
      TALISMAN_ENABLED: true,
      SECRET_KEY: 'test-secret-key-not-real-padded-to-48-bytes-xx',
      SUPERSET_WEBSERVER_TIMEOUT: 300,
    });
    expect(defaults.settings.PUBLIC_ROLE_LIKE).toBeUndefined();
  });

  test('CSP and HSTS agree with the edge; rate limits per client address', () => {
    const csp = defaults.settings.TALISMAN_CONFIG;
    expect(csp.content_security_policy['connect-src']).toEqual(["'self'", 'https://tile.openstreetmap.org', 'https://tile.osm.ch', 'https://api.mapbox.com', 'https://events.mapbox.com']);
    expect(csp.content_security_policy['script-src']).toEqual(["'self'", "'strict-dynamic'"]);
    expect(csp).toMatchObject({ force_https: false, strict_transport_security: true, strict_transport_security_max_age: 31536000, strict_transport_security_include_subdomains: true, session_cookie_secure: true });
    expect(defaults.settings).toMatchObject({ RATELIMIT_ENABLED: true, RATELIMIT_APPLICATION: '50 per second', AUTH_RATE_LIMITED: true, AUTH_RATE_LIMIT: '5 per minute', SCARF_ANALYTICS: false });
    const custom = run(render({ edge: { hstsMaxAgeSeconds: 63072000, cspConnectSources: ['wss://bi.acme.com'] } }));
    expect(custom.settings.TALISMAN_CONFIG.strict_transport_security_max_age).toBe(63072000);
    expect(custom.settings.TALISMAN_CONFIG.content_security_policy['connect-src']).toEqual(["'self'", 'https://tile.openstreetmap.org', 'https://tile.osm.ch', 'wss://bi.acme.com']);
  });

  test('the worker heartbeat bootstep is installed through celeryd_init, held strongly', () => {
    expect(defaults.celeryd_init_receivers).toEqual([{ weak: false }]);
    expect(defaults.worker_steps).toEqual([{ name: '_WorkerHeartbeat', requires: ['celery.worker.components:Timer'] }]);
  });

  test('async queries: off by default, fully wired when enabled', () => {
    expect(defaults.settings.FEATURE_FLAGS).toEqual({ ALERT_REPORTS: false, GLOBAL_ASYNC_QUERIES: false, THUMBNAILS: false });
    expect(defaults.settings.GLOBAL_ASYNC_QUERIES_JWT_SECRET).toBeUndefined();
    const on = run(render({ superset: { asyncQueries: { enabled: true, pollingDelayMilliseconds: 1000 } } }));
    expect(on.settings.FEATURE_FLAGS.GLOBAL_ASYNC_QUERIES).toBe(true);
    expect(on.settings.GLOBAL_ASYNC_QUERIES_POLLING_DELAY).toBe(1000);
    expect(on.settings.GLOBAL_ASYNC_QUERIES_JWT_SECRET).toBe('x'.repeat(32));
    expect(on.settings.GLOBAL_ASYNC_QUERIES_CACHE_BACKEND).toMatchObject({ CACHE_TYPE: 'RedisSentinelCache', CACHE_REDIS_SENTINEL_MASTER: 'redis-queue', CACHE_REDIS_DB: 2, CACHE_KEY_PREFIX: 'superset_async_' });
  });

  test('login: database accounts by default, OIDC providers with credentials from the environment', () => {
    expect(defaults.settings.AUTH_TYPE).toBe(1); // AUTH_DB
    expect(defaults.settings.OAUTH_PROVIDERS).toBeUndefined();
    const sso = run(render({ network: IDP_NETWORK, superset: { auth: { type: 'oauth', oauth: { registrationRole: 'Viewer', providers: [{ name: 'keycloak', serverMetadataUrl: 'https://sso.example.com/realms/x/.well-known/openid-configuration', scope: 'openid email profile', icon: 'fa-key' }] } } } }),
      { ...FAKE_ENV, OAUTH_KEYCLOAK_CLIENT_ID: 'superset', OAUTH_KEYCLOAK_CLIENT_SECRET: 'client-secret-value' });
    expect(sso.settings.AUTH_TYPE).toBe(4); // AUTH_OAUTH
    expect(sso.settings.AUTH_USER_REGISTRATION_ROLE).toBe('Viewer');
    expect(sso.settings.AUTH_USER_REGISTRATION).toBe(true);
    expect(sso.settings.AUTH_ROLES_MAPPING).toEqual({});
    expect(sso.settings.AUTH_ROLES_SYNC_AT_LOGIN).toBe(true);
    expect(sso.settings.OAUTH_PROVIDERS).toEqual([{
      name: 'keycloak', icon: 'fa-key', token_key: 'access_token',
      remote_app: { client_id: 'superset', client_secret: 'client-secret-value', server_metadata_url: 'https://sso.example.com/realms/x/.well-known/openid-configuration', client_kwargs: { scope: 'openid email profile' } },
    }]);
  });

  test('OIDC: registration, default role and group-to-role mapping come from the environment file', () => {
    const provider = { name: 'okta', serverMetadataUrl: 'https://acme.okta.example/.well-known/openid-configuration', scope: 'openid email profile groups', icon: 'fa-key' };
    const sso = run(render({ network: IDP_NETWORK, superset: { auth: { type: 'oauth', oauth: {
      userRegistration: false, registrationRole: 'Public', syncRolesAtLogin: false,
      rolesMapping: { 'bi-admins': ['Admin'], 'bi-analysts': ['Alpha', 'sql_lab'] }, providers: [provider],
    } } } }), { ...FAKE_ENV, OAUTH_OKTA_CLIENT_ID: 'id', OAUTH_OKTA_CLIENT_SECRET: 'secret' });
    expect(sso.settings).toMatchObject({
      AUTH_USER_REGISTRATION: false,
      AUTH_USER_REGISTRATION_ROLE: 'Public',
      AUTH_ROLES_MAPPING: { 'bi-admins': ['Admin'], 'bi-analysts': ['Alpha', 'sql_lab'] },
      AUTH_ROLES_SYNC_AT_LOGIN: false,
    });
  });

  test('Sentinel mode: every namespace sharing redis-queue\'s db 0 is distinct (RedisSentinelCache ignores CACHE_REDIS_DB)', () => {
    const s = run(render({ superset: { asyncQueries: { enabled: true } } })); // the defaults run redis-queue under Sentinel
    expect(s.settings.DISTRIBUTED_COORDINATION_CONFIG.CACHE_TYPE).toBe('RedisSentinelCache');
    expect(s.settings.GLOBAL_ASYNC_QUERIES_CACHE_BACKEND.CACHE_TYPE).toBe('RedisSentinelCache');
    const queues = [...new Set([s.celery.task_default_queue, ...Object.values(s.celery.task_routes).map((r: any) => r.queue)])];
    const namespaces = [
      s.settings.DISTRIBUTED_COORDINATION_CONFIG.CACHE_KEY_PREFIX,
      s.settings.GLOBAL_ASYNC_QUERIES_CACHE_BACKEND.CACHE_KEY_PREFIX,
      s.settings.GLOBAL_ASYNC_QUERIES_REDIS_STREAM_PREFIX,
      ...queues, // kombu keeps each queue as a list named like it (priority lists add a suffix)
      '_kombu.binding.', 'unacked', // kombu's exchange bindings and unacked-message bookkeeping
      'gtf:', // Superset's task-framework keys (docs/redis.md)
    ];
    expect(queues.sort()).toEqual(['interactive', 'reports']);
    for (const a of namespaces) for (const b of namespaces) if (a !== b) expect(`${a} vs ${b}: ${b.startsWith(a)}`).toBe(`${a} vs ${b}: false`);
  });

  test('the CSP allows the base-map hosts of Superset 6.1\'s defaults (OpenStreetMap tiles, terrestris WMS), or the configured ones', () => {
    const csp = defaults.settings.TALISMAN_CONFIG.content_security_policy;
    expect(csp['connect-src']).toEqual(expect.arrayContaining(['https://tile.openstreetmap.org', 'https://tile.osm.ch', 'https://api.mapbox.com']));
    expect(csp['img-src']).toEqual(["'self'", 'blob:', 'data:', 'https://ows.terrestris.de']);
    const own = run(render({ superset: { mapTiles: { connectSources: ['https://tiles.acme.example'], imageSources: [] } } })).settings.TALISMAN_CONFIG.content_security_policy;
    expect(own['connect-src']).toContain('https://tiles.acme.example');
    expect(own['connect-src']).not.toContain('https://tile.openstreetmap.org');
    expect(() => render({ superset: { mapTiles: { connectSources: ['http://tiles.acme.example'], imageSources: [] } } })).toThrow(/superset\.mapTiles\.connectSources\.0 = "http:\/\/tiles\.acme\.example"\s+rule: must be an https:\/\/ origin/);
  });

  test('rate limits never fail a request when their storage is down, and the health endpoints are exempt', () => {
    expect(defaults.settings).toMatchObject({ RATELIMIT_ENABLED: true, RATELIMIT_SWALLOW_ERRORS: true, RATELIMIT_IN_MEMORY_FALLBACK_ENABLED: true });
    expect(defaults.settings.FLASK_APP_MUTATOR).toMatch(/function _exempt_health_from_rate_limits/);
  });

  test('Superset metrics go to the local statsd_exporter only when monitoring is on', () => {
    expect(defaults.settings.STATS_LOGGER).toBeUndefined();
    const on = run(render({ monitoring: { enabled: true } }));
    expect(on.settings.STATS_LOGGER).toMatch(/StatsdStatsLogger/);
  });

  test('custom values reach the file', () => {
    const custom = run(render({ superset: { rowLimit: 1234, defaultQueue: 'reports', database: { poolSize: 2, maxOverflow: 0 }, featureFlags: { DASHBOARD_RBAC: true } } }));
    expect(custom.settings.ROW_LIMIT).toBe(1234);
    expect(custom.celery.task_default_queue).toBe('reports');
    expect(custom.settings.SQLALCHEMY_ENGINE_OPTIONS).toMatchObject({ pool_size: 2, max_overflow: 0 });
    expect(custom.settings.FEATURE_FLAGS.DASHBOARD_RBAC).toBe(true);
  });

  test('secrets are read from files named after the setting; an env var of the same name (a one-off command) wins', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'superset-secrets-'));
    try {
      const fromFiles: Record<string, string> = {};
      for (const name of ['SUPERSET_SECRET_KEY', 'DATABASE_PASSWORD', 'REDIS_CACHE_PASSWORD', 'REDIS_QUEUE_PASSWORD']) {
        fs.writeFileSync(path.join(dir, name), `${name.toLowerCase()}-from-a-file-padded-to-32-bytes\n`);
      }
      const { SUPERSET_SECRET_KEY: _k, DATABASE_PASSWORD: _d, REDIS_CACHE_PASSWORD: _c, REDIS_QUEUE_PASSWORD: _q, ...plain } = FAKE_ENV;
      const files = run(render(), { ...plain, SUPERSET_SECRETS_DIR: dir, ...fromFiles });
      // The trailing newline of a file made with `echo` is not part of the secret.
      expect(files.settings.SECRET_KEY).toBe('superset_secret_key-from-a-file-padded-to-32-bytes');
      expect(files.settings.CACHE_CONFIG.CACHE_REDIS_PASSWORD).toBe('redis_cache_password-from-a-file-padded-to-32-bytes');
      expect(files.settings.SQLALCHEMY_DATABASE_URI).toContain(':database_password-from-a-file-padded-to-32-bytes@');
      const override = run(render(), { ...plain, SUPERSET_SECRETS_DIR: dir, SUPERSET_SECRET_KEY: 'k'.repeat(40) });
      expect(override.settings.SECRET_KEY).toBe('k'.repeat(40));
      fs.rmSync(path.join(dir, 'REDIS_QUEUE_PASSWORD'));
      expect(run(render(), { ...plain, SUPERSET_SECRETS_DIR: dir }).error).toMatch(/RuntimeError: REDIS_QUEUE_PASSWORD is not set: it comes from a Kubernetes Secret \(file .*REDIS_QUEUE_PASSWORD\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a SECRET_KEY shorter than 32 bytes stops the process at start, saying how to make one', () => {
    expect(run(render(), { ...FAKE_ENV, SUPERSET_SECRET_KEY: 'x'.repeat(31) }).error).toMatch(/RuntimeError: SUPERSET_SECRET_KEY is 31 bytes; it must be at least 32 \(generate one with: openssl rand -base64 42\)/);
    expect(run(render(), { ...FAKE_ENV, SUPERSET_SECRET_KEY: 'x'.repeat(32) }).settings.SECRET_KEY).toBe('x'.repeat(32));
  });

  test('sessions: 8 h by default (configurable), server-side in redis-queue so logout ends them', () => {
    expect(defaults.settings).toMatchObject({ PERMANENT_SESSION_LIFETIME: '8:00:00', SESSION_SERVER_SIDE: true, SESSION_TYPE: 'redis', SESSION_KEY_PREFIX: 'superset_session:', SESSION_PERMANENT: true });
    // redis-queue's own db for sessions, with its password, through the Sentinels; constructing the client connects nowhere.
    expect(defaults.settings.SESSION_REDIS).toBe("Redis([('db', 5), ('password', 'queue/pw'), ('sentinel_kwargs', {'password': 'queue/pw', 'socket_connect_timeout': 2, 'socket_timeout': 3}), ('sentinel_master', 'redis-queue'), ('sentinels', [('redis-queue-0.redis-queue-headless', 26379), ('redis-queue-1.redis-queue-headless', 26379), ('redis-queue-2.redis-queue-headless', 26379)]), ('socket_connect_timeout', 2), ('socket_timeout', 3)])");
    expect(run(render({ superset: { sessionLifetimeHours: 2 } })).settings.PERMANENT_SESSION_LIFETIME).toBe('2:00:00');
    const single = run(render({ redis: { queue: { mode: 'standalone', replicas: 1 } } })).settings.SESSION_REDIS;
    expect(single).toBe("Redis([('db', 5), ('host', 'redis-queue'), ('password', 'queue/pw'), ('port', 6379), ('socket_connect_timeout', 2), ('socket_timeout', 3)])");
  });

  test('ProxyFix trusts what the edge sends, never X-Forwarded-Prefix; x_for follows the proxy hops', () => {
    expect(defaults.settings.PROXY_FIX_CONFIG).toEqual({ x_for: 1, x_proto: 1, x_host: 1, x_port: 1, x_prefix: 0 });
    expect(run(render({ edge: { trustedProxyHops: 2 } })).settings.PROXY_FIX_CONFIG.x_for).toBe(2);
  });

  test('PREVIOUS_SECRET_KEY is read only while rotating the key', () => {
    expect(defaults.settings.PREVIOUS_SECRET_KEY).toBeNull();
    expect(run(render(), { ...FAKE_ENV, SUPERSET_PREVIOUS_SECRET_KEY: 'old-key-value' }).settings.PREVIOUS_SECRET_KEY).toBe('old-key-value');
  });

  test('a missing Secret-backed variable fails at start-up and names the variable', () => {
    const { SUPERSET_SECRET_KEY: _omit, ...rest } = FAKE_ENV;
    expect(run(render(), { ...rest, SUPERSET_SECRETS_DIR: '/nonexistent' }).error).toMatch(/RuntimeError: SUPERSET_SECRET_KEY is not set: it comes from a Kubernetes Secret/);
  });

  test('no secret literal is rendered', () => {
    const text = render({ superset: { asyncQueries: { enabled: true } } });
    for (const key of ['DATABASE_PASSWORD', 'SUPERSET_SECRET_KEY', 'REDIS_CACHE_PASSWORD', 'REDIS_QUEUE_PASSWORD', 'GLOBAL_ASYNC_QUERIES_JWT_SECRET'] as const) {
      expect(text).not.toContain(FAKE_ENV[key]);
    }
    expect(text).not.toMatch(/(PASSWORD|SECRET)\w*\s*=\s*"/);
  });
});

describe('Python literal rendering', () => {
  test('JSON-like values and verbatim expressions', () => {
    expect(toPython({ a: true, b: null, c: [1, 'x"y'], d: pyExpr('os.environ["X"]') })).toBe('{\n    "a": True,\n    "b": None,\n    "c": [\n        1,\n        "x\\"y",\n    ],\n    "d": os.environ["X"],\n}');
    expect(toPython({})).toBe('{}');
    expect(() => toPython(Number.NaN)).toThrow(/cannot render NaN/);
  });
});

describe('superset_config.py with a managed metadata database (postgres.mode "external")', () => {
  const external = {
    host: 'superset.abc123.eu-west-1.rds.amazonaws.com', database: 'superset_meta', user: 'superset_app',
    passwordSecret: { name: 'rds-superset', key: 'password' }, caBundle: { configMap: 'rds-ca', key: 'bundle.pem' },
    connectionLimit: 400, cidrs: ['10.50.0.0/24'],
  };
  const config = render({ postgres: { mode: 'external', external } } as EnvironmentOverrides);

  test('a pod that connects directly (the migration Job) gets the TLS mode and CA bundle in connect_args', () => {
    const direct = run(config, {
      ...FAKE_ENV, DATABASE_HOST: external.host, DATABASE_PORT: '5432', DATABASE_NAME: 'superset_meta', DATABASE_USER: 'superset_app',
      DATABASE_SSLMODE: 'verify-full', DATABASE_SSLROOTCERT: '/etc/ssl/database-ca/ca.crt',
    });
    expect(direct.settings.SQLALCHEMY_DATABASE_URI).toBe(`postgresql+psycopg2://superset_app:p%40ss%3Aw%2Frd%25@${external.host}:5432/superset_meta`);
    expect(direct.settings.SQLALCHEMY_ENGINE_OPTIONS.connect_args).toMatchObject({ sslmode: 'verify-full', sslrootcert: '/etc/ssl/database-ca/ca.crt', application_name: 'web' });
  });

  test('a pod behind PgBouncer gets neither (PgBouncer speaks TLS to the server)', () => {
    const pooled = run(config);
    expect(pooled.settings.SQLALCHEMY_DATABASE_URI).toBe('postgresql+psycopg2://superset:p%40ss%3Aw%2Frd%25@pgbouncer:6432/superset');
    expect(pooled.settings.SQLALCHEMY_ENGINE_OPTIONS.connect_args).not.toHaveProperty('sslmode');
    expect(pooled.settings.SQLALCHEMY_ENGINE_OPTIONS.connect_args).not.toHaveProperty('sslrootcert');
  });

  test('Patroni mode renders no TLS lines at all', () => {
    expect(render()).not.toMatch(/DATABASE_SSLMODE/);
    expect(run(render(), { ...FAKE_ENV, DATABASE_SSLMODE: 'require' }).settings.SQLALCHEMY_ENGINE_OPTIONS.connect_args).not.toHaveProperty('sslmode');
  });
});
