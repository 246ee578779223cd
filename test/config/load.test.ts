import { DEFAULTS } from '../../lib/config/platform-defaults';
import { WORKER_QUEUE_TEMPLATE } from '../../lib/superset/defaults';
import { ConfigError, UnknownEnvironmentError } from '../../lib/config/errors';
import { resolveEnvironment } from '../../lib/config/load';
import { deepMerge } from '../../lib/config/merge';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';
import { overridesFor } from '../../lib/synthesize';
import { ENVIRONMENTS } from '../../environments';

/** Real (non-placeholder) ops endpoints, so only the warning under test remains. */
const REAL_OPS = {
  image: { repository: 'ghcr.io/acme/superset-ops' },
  objectStorage: { endpoint: 'https://s3.eu-central-1.amazonaws.com' },
  dashboardExport: { git: { repository: 'git@github.com:acme/superset-dashboards.git' } },
};

function errorOf(overrides: unknown, name = 'prod'): ConfigError {
  try {
    resolveEnvironment(name, overrides as EnvironmentOverrides);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('defaults and overrides', () => {
  test('an empty override gives the documented defaults and a derived namespace', () => {
    const env = resolveEnvironment('qa', {});
    expect(env.config).toEqual(DEFAULTS);
    expect(env.namespace).toBe('superset-qa');
  });

  test('an override changes only what it names', () => {
    const env = resolveEnvironment('qa', { namespace: 'analytics', superset: { web: { maxReplicas: 9 } } });
    expect(env.namespace).toBe('analytics');
    expect(env.config.superset.web.maxReplicas).toBe(9);
    expect(env.config.superset.web.minReplicas).toBe(DEFAULTS.superset.web.minReplicas);
    expect(env.config.superset.workers.reports).toEqual(DEFAULTS.superset.workers.reports);
  });

  test('a new worker queue starts from the template, and open maps merge key by key', () => {
    const env = resolveEnvironment('qa', {
      superset: { workers: { thumbnails: { routes: ['thumbnail.*'] } }, featureFlags: { DASHBOARD_RBAC: true } },
    });
    expect(env.config.superset.workers.thumbnails).toEqual({ ...WORKER_QUEUE_TEMPLATE, routes: ['thumbnail.*'] });
    expect(env.config.superset.featureFlags).toEqual({ DASHBOARD_RBAC: true });
  });

  test('arrays replace, undefined keeps the default', () => {
    expect(deepMerge({ a: [1, 2], b: 1 }, { a: [3], b: undefined })).toEqual({ a: [3], b: 1 });
  });

  test.each(Object.keys(ENVIRONMENTS))('environment %s is valid', (name) => {
    expect(() => resolveEnvironment(name, ENVIRONMENTS[name])).not.toThrow();
  });

  test('the placeholder image repository is a warning, a real one is not', () => {
    expect(resolveEnvironment('qa', {}).warnings.join('\n')).toMatch(/placeholder .*superset\.image\.repository/);
    expect(resolveEnvironment('qa', { superset: { image: { repository: 'ghcr.io/acme/superset' }, reports: { smtp: { enabled: true, host: 'smtp.acme.com', user: '', mailFrom: 'superset@acme.com' } } }, edge: { host: 'bi.acme.com' }, network: { dataSources: [{ cidr: '10.30.0.0/16', ports: [5432] }], egress: [{ name: 'mail', purpose: 'smtp', cidr: '10.40.0.25/32', ports: [587], from: ['worker-reports'] }] }, ops: REAL_OPS }).warnings).toEqual([]);
    expect(resolveEnvironment('qa', { superset: { image: { repository: 'ghcr.io/acme/superset' } } }).warnings.join('\n')).toMatch(/edge\.host is the placeholder/);
  });

  test('more gunicorn workers than the memory request fits is a warning', () => {
    const env = resolveEnvironment('qa', {
      edge: { host: 'bi.acme.com' },
      superset: { image: { repository: 'ghcr.io/acme/superset' }, web: { resources: { cpuRequest: '4', cpuLimit: '4', memoryRequest: '2Gi', memoryLimit: '2Gi' } } },
    });
    expect(env.warnings.join('\n')).toMatch(/9 gunicorn workers .* fits 5/);
  });
});

describe('unknown names', () => {
  test('an unknown environment name lists the known ones and the fix', () => {
    expect(() => overridesFor('prdo', ENVIRONMENTS)).toThrow(UnknownEnvironmentError);
    expect(() => overridesFor('prdo', ENVIRONMENTS)).toThrow(/Unknown environment "prdo".*Known environments: dev, staging, prod.*Fix:/);
  });

  test('an unknown key names the field and suggests the closest known key', () => {
    const e = errorOf({ superset: { web: { replcas: 3 } } });
    expect(e.message).toMatch(/environments\/prod\.ts/);
    expect(e.message).toMatch(/superset\.web\.replcas = 3/);
    expect(e.message).toMatch(/is not a known setting of superset\.web/);
    expect(e.message).toMatch(/did you mean "maxReplicas"|did you mean "minReplicas"/);
  });

  test('an unknown top-level key is reported too', () => {
    expect(errorOf({ namspace: 'x' }).message).toMatch(/namspace = "x"[\s\S]*did you mean "namespace"/);
  });

  test('an unknown key inside a worker queue is reported with its path', () => {
    expect(errorOf({ superset: { workers: { reports: { concurency: 2 } } } }).message).toMatch(/superset\.workers\.reports\.concurency[\s\S]*did you mean "concurrency"/);
  });

  test('schema problems do not hide cross-field problems', () => {
    const e = errorOf({ superset: { web: { maxReplicas: '4' }, image: { tag: 'latest' }, workers: { reports: { minReplicas: 3, maxReplicas: 1 } } } });
    expect(e.problems.map((p) => p.field)).toEqual(['superset.web.maxReplicas', 'superset.image.tag', 'superset.workers.reports.minReplicas']);
  });

  test('rules run with the defaults in place of invalid values, and say nothing about those fields', () => {
    // minReplicas 0 is invalid; its default (2) exceeds maxReplicas 1, which the user did not get wrong.
    const e = errorOf({ superset: { web: { minReplicas: 0, maxReplicas: 1 }, auth: { oauth: { providers: [{ name: 'okta' }] } } }, postgres: { members: 99 } });
    expect(e.problems.map((p) => p.field).sort()).toEqual([
      'postgres.members', 'superset.auth.oauth.providers.0.icon', 'superset.auth.oauth.providers.0.scope', 'superset.auth.oauth.providers.0.serverMetadataUrl', 'superset.web.minReplicas',
    ]);
  });

  test('any value an environment file can hold is reported, a function too', () => {
    const e = errorOf({ superset: { web: { maxReplicas: () => 3 } } });
    expect(e.problems.map((p) => [p.field, p.rule])).toEqual([['superset.web.maxReplicas', 'must be of type number']]);
    expect(e.message).toMatch(/superset\.web\.maxReplicas = \(a function\)/);
  });

  test('every problem is reported, not just the first', () => {
    const e = errorOf({ superset: { web: { minReplicas: 0, maxReplicas: -1 } }, imagePullPolicy: 'Sometimes' });
    expect(e.problems.map((p) => p.field).sort()).toEqual(['imagePullPolicy', 'superset.web.maxReplicas', 'superset.web.minReplicas']);
  });
});

describe('field rules (schema)', () => {
  // [what, override, expected message]
  const cases: Array<[string, unknown, RegExp]> = [
    ['replicas below 1', { superset: { web: { minReplicas: 0 } } }, /superset\.web\.minReplicas = 0\s+rule: must be at least 1/],
    ['fractional replicas', { superset: { web: { maxReplicas: 2.5 } } }, /superset\.web\.maxReplicas = 2\.5\s+rule: must be a whole number/],
    ['wrong type', { superset: { web: { maxReplicas: '4' } } }, /superset\.web\.maxReplicas = "4"\s+rule: must be of type number\s+fix: {2}write superset\.web\.maxReplicas as a number/],
    ['bad CPU quantity', { superset: { web: { resources: { cpuRequest: '2 cores' } } } }, /cpuRequest = "2 cores"\s+rule: must be a Kubernetes CPU quantity/],
    ['decimal memory unit', { superset: { beat: { resources: { memoryLimit: '1G' } } } }, /superset\.beat\.resources\.memoryLimit = "1G"\s+rule: must be a Kubernetes memory quantity with a binary unit/],
    ['bad pull policy', { imagePullPolicy: 'Sometimes' }, /imagePullPolicy = "Sometimes"\s+rule: must be one of "IfNotPresent", "Always", "Never"/],
    ['bad namespace', { namespace: 'Superset_Prod' }, /namespace = "Superset_Prod"\s+rule: must be a DNS label/],
    ['image with a tag in the repository', { superset: { image: { repository: 'acme/superset:6.1.0 ' } } }, /superset\.image\.repository[\s\S]*rule: must be an image repository/],
    ['digest in the repository', { redis: { images: { valkey: { repository: `docker.io/valkey/valkey@sha256:${'a'.repeat(64)}` } } } }, /redis\.images\.valkey\.repository = "docker\.io\/valkey\/valkey@sha256:a+"\s+rule: must not contain a digest[^\n]*\s+fix: {2}move "sha256:a{64}" to redis\.images\.valkey\.digest and set redis\.images\.valkey\.repository to "docker\.io\/valkey\/valkey"/],
    ['tag and digest in the repository', { pgbouncer: { image: { repository: `ghcr.io/cloudnative-pg/pgbouncer:1.25.2@sha256:${'b'.repeat(64)}` } } }, /pgbouncer\.image\.repository = [^\n]+\s+rule: must not contain a tag \(":1\.25\.2"\) or a digest[^\n]*\s+fix: {2}move "1\.25\.2" to pgbouncer\.image\.tag and "sha256:b{64}" to pgbouncer\.image\.digest and set pgbouncer\.image\.repository to "ghcr\.io\/cloudnative-pg\/pgbouncer"/],
    ['moving Superset tag', { superset: { image: { tag: '6.1' } } }, /superset\.image\.tag = "6\.1"\s+rule: must name a patch release such as "6\.1\.0-k8s\.1"/],
    ['moving exporter tag', { pgbouncer: { exporterImage: { tag: 'v0' } } }, /pgbouncer\.exporterImage\.tag = "v0"\s+rule: must name a patch release/],
    ['bad digest', { superset: { image: { digest: 'sha256:abc' } } }, /superset\.image\.digest = "sha256:abc"\s+rule: must be "sha256:" followed by 64 hex digits/],
    ['percent out of range', { autoscaling: { targetCpuPercent: 150 } }, /autoscaling\.targetCpuPercent = 150\s+rule: must be between 1 and 100/],
    ['negative seconds', { superset: { web: { preStopDelaySeconds: -5 } } }, /superset\.web\.preStopDelaySeconds = -5\s+rule: must be 0 or more seconds/],
    ['bad queue name', { superset: { workers: { Reports_2: { routes: ['x'] } } } }, /superset\.workers\.Reports_2 = [\s\S]*rule: is not a valid key of superset\.workers: must be a DNS label[\s\S]*fix: {2}rename "Reports_2" in superset\.workers to a DNS label/],
    ['bad feature flag name', { superset: { featureFlags: { alertReports: true } } }, /superset\.featureFlags[\s\S]*UPPER_SNAKE_CASE/],
    ['bad database identifier', { superset: { database: { name: 'Superset-DB' } } }, /superset\.database\.name = "Superset-DB"\s+rule: must be a lower-case PostgreSQL identifier/],
    ['too many gunicorn threads', { superset: { web: { gunicorn: { threads: 100 } } } }, /superset\.web\.gunicorn\.threads = 100\s+rule: must be at most 32/],
    ['OAuth provider over http', { superset: { auth: { oauth: { providers: [{ name: 'okta', serverMetadataUrl: 'http://x', scope: 'openid', icon: 'fa-key' }] } } } }, /serverMetadataUrl = "http:\/\/x"\s+rule: must be an https:\/\/ URL/],
    ['memory beyond any container', { redis: { queue: { resources: { memoryRequest: '2Ti', memoryLimit: '2Ti' } } } }, /redis\.queue\.resources\.memoryRequest = "2Ti"\s+rule: must be at most 1Ti[\s\S]*fix: {2}lower redis\.queue\.resources\.memoryRequest to 1Ti or less \(did you mean "2Gi"\?\)/],
    ['a volume beyond any block store', { redis: { cache: { storage: { size: '65Ti' } } } }, /redis\.cache\.storage\.size = "65Ti"\s+rule: must be at most 64Ti[\s\S]*fix: {2}lower redis\.cache\.storage\.size to 64Ti or less \(did you mean "65Gi"\?\)/],
    ['scratch space beyond any volume', { ops: { backup: { scratchSize: '100Ti' } } }, /ops\.backup\.scratchSize = "100Ti"\s+rule: must be at most 64Ti/],
    ['cores written for millicores', { superset: { beat: { resources: { cpuRequest: '500', cpuLimit: '500' } } } }, /superset\.beat\.resources\.cpuRequest = "500"\s+rule: must be at most 64 CPUs[\s\S]*fix: {2}lower superset\.beat\.resources\.cpuRequest to 64 or less \(did you mean "500m"\?\)/],
    ['bad log level', { superset: { logLevel: 'TRACE' } }, /superset\.logLevel = "TRACE"\s+rule: must be one of/],
  ];
  test.each(cases)('%s', (_what, override, expected) => {
    expect(() => resolveEnvironment('prod', override as EnvironmentOverrides)).toThrow(expected);
  });
});

describe('image references', () => {
  test('a registry with a port is a repository, not a tag', () => {
    for (const repository of ['registry.internal:5000/analytics/superset', 'localhost:5000/superset', 'superset']) {
      expect(resolveEnvironment('qa', { superset: { image: { repository } } }).config.superset.image.repository).toBe(repository);
    }
  });

  test('patch tags and suffixes pass; images without patch releases keep their own scheme', () => {
    expect(() => resolveEnvironment('qa', { superset: { image: { tag: '6.1.0-k8s.3' } }, pgbouncer: { exporterImage: { tag: 'v0.11.0' } }, postgres: { image: { tag: '4.1-p2' } }, ops: { image: { tag: '18-ops.2' } } })).not.toThrow();
  });
});

describe('cross-field rules', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['min above max (web)', { superset: { web: { minReplicas: 5, maxReplicas: 3 } } }, /superset\.web\.minReplicas = 5\s+rule: must not exceed superset\.web\.maxReplicas \(3\)\s+fix: {2}lower superset\.web\.minReplicas to 3 or less/],
    ['min above max (worker)', { superset: { workers: { reports: { minReplicas: 3, maxReplicas: 1 } } } }, /superset\.workers\.reports\.minReplicas = 3\s+rule: must not exceed/],
    ['cpu limit below request', { superset: { web: { resources: { cpuRequest: '2', cpuLimit: '1' } } } }, /superset\.web\.resources\.cpuLimit = "1"\s+rule: must be at least the CPU request \(2\)/],
    ['memory limit below request', { superset: { migrations: { resources: { memoryRequest: '2Gi', memoryLimit: '1Gi' } } } }, /superset\.migrations\.resources\.memoryLimit = "1Gi"\s+rule: must be at least the memory request \(2Gi\)/],
    ['moving image tag', { superset: { image: { tag: 'latest' } } }, /superset\.image\.tag = "latest"\s+rule: must be a pinned version/],
    ['jitter above max requests', { superset: { web: { gunicorn: { maxRequests: 100, maxRequestsJitter: 500 } } } }, /maxRequestsJitter = 500\s+rule: must not exceed superset\.web\.gunicorn\.maxRequests \(100\)/],
    ['default queue missing', { superset: { defaultQueue: 'celery' } }, /superset\.defaultQueue = "celery"\s+rule: must name one of the worker queues \(interactive, reports\)/],
    ['queue without routes', { superset: { workers: { idle: {} } } }, /superset\.workers\.idle\.routes = \[\]\s+rule: a queue that is not the default queue must have at least one route/],
    ['task routed twice', { superset: { workers: { extra: { routes: ['reports.*'] } } } }, /superset\.workers\.extra\.routes = "reports\.\*"\s+rule: the task pattern is already routed to queue "reports"/],
    ['OAuth without providers', { superset: { auth: { type: 'oauth' } } }, /superset\.auth\.oauth\.providers = \[\]\s+rule: OAuth login needs at least one provider/],
    ['duplicate OAuth providers', { superset: { auth: { type: 'oauth', oauth: { providers: [1, 2].map(() => ({ name: 'okta', serverMetadataUrl: 'https://x/.well-known/openid-configuration', scope: 'openid', icon: 'fa-key' })) } } } }, /superset\.auth\.oauth\.providers = "okta"\s+rule: provider names must be unique/],
    ['async flag set directly', { superset: { featureFlags: { GLOBAL_ASYNC_QUERIES: true } } }, /featureFlags\.GLOBAL_ASYNC_QUERIES = true[\s\S]*fix: {2}remove the flag and set superset\.asyncQueries\.enabled/],
  ];
  test.each(cases)('%s', (_what, override, expected) => {
    expect(() => resolveEnvironment('prod', override as EnvironmentOverrides)).toThrow(expected);
  });
});

describe('every fix is an instruction', () => {
  /** Every problem of an override (any stage), for a close look at each fix. */
  const problemsOf = (overrides: unknown) => errorOf(overrides).problems;
  const IMPERATIVE = /^(set|raise|lower|write|remove|rename|add|make|change|shorten|lengthen|correct|move|use|build|give|route|enable|point|replace|keep) /;

  // [zod issue kind, override, field, the exact fix]
  const kinds: Array<[string, unknown, string, string]> = [
    ['number below its range', { pgbouncer: { replicas: -1 } }, 'pgbouncer.replicas', 'set pgbouncer.replicas to a whole number from 1 to 20'],
    ['number above its range (zod default message)', { pgbouncer: { maxClientConn: 200000 } }, 'pgbouncer.maxClientConn', 'set pgbouncer.maxClientConn to a whole number from 1 to 100000'],
    ['number with only a minimum', { superset: { workers: { reports: { maxTasksPerChild: 0 } } } }, 'superset.workers.reports.maxTasksPerChild', 'raise superset.workers.reports.maxTasksPerChild to 1 or more'],
    ['fraction', { superset: { web: { gunicorn: { threads: 2.5 } } } }, 'superset.web.gunicorn.threads', 'set superset.web.gunicorn.threads to a whole number'],
    ['wrong type', { superset: { web: { maxReplicas: '4' } } }, 'superset.web.maxReplicas', 'write superset.web.maxReplicas as a number'],
    ['missing required field', { superset: { auth: { oauth: { providers: [{ name: 'okta', scope: 'openid', icon: 'fa-key' }] } } } }, 'superset.auth.oauth.providers.0.serverMetadataUrl', 'add superset.auth.oauth.providers.0.serverMetadataUrl (string)'],
    ['enum', { imagePullPolicy: 'Sometimes' }, 'imagePullPolicy', 'set imagePullPolicy to one of "IfNotPresent", "Always", "Never"'],
    ['format (regex)', { superset: { database: { name: 'Superset-DB' } } }, 'superset.database.name', 'set superset.database.name to a lower-case PostgreSQL identifier'],
    ['empty string (zod default message)', { redis: { cache: { storage: { storageClassName: '' } } } }, 'redis.cache.storage.storageClassName', 'set redis.cache.storage.storageClassName to a non-empty value'],
    ['empty list', { ops: { restoreCheck: { requiredTables: [] } } }, 'ops.restoreCheck.requiredTables', 'add at least one entry to ops.restoreCheck.requiredTables'],
    ['custom check (refine)', { ops: { objectStorage: { prefix: '/abs/' } } }, 'ops.objectStorage.prefix', 'set ops.objectStorage.prefix to a relative path such as "superset/prod" (no leading or trailing "/", no "." or ".." segments)'],
    ['union', { postgres: { parameters: { work_mem: true } } }, 'postgres.parameters.work_mem', 'write postgres.parameters.work_mem as a string or a number'],
    ['invalid map key', { superset: { featureFlags: { alertReports: true } } }, 'superset.featureFlags.alertReports', 'rename "alertReports" in superset.featureFlags: feature flag names are UPPER_SNAKE_CASE'],
  ];
  test.each(kinds)('%s', (_kind, override, field, fix) => {
    const problem = problemsOf(override).find((p) => p.field === field);
    expect(problem?.fix).toBe(fix);
  });

  test('unknown keys: remove or correct', () => {
    expect(problemsOf({ superset: { web: { replcas: 3 } } })[0].fix).toMatch(/^remove "replcas" or correct its spelling/);
  });

  // Generated and hand-written fixes alike: from the schema kinds above and a sample of cross-field rules.
  const samples: unknown[] = [
    ...kinds.map((k) => k[1]),
    { superset: { web: { minReplicas: 5, maxReplicas: 3 }, image: { tag: 'latest' }, defaultQueue: 'celery' } },
    { superset: { web: { resources: { cpuRequest: '2', cpuLimit: '1' } } } },
    { pgbouncer: { image: { tag: 'stable-2026' } }, redis: { images: { valkey: { tag: 'latest' } } } },
    { superset: { auth: { type: 'oauth' } } },
  ];
  test.each(samples.map((s) => [JSON.stringify(s), s]))('%s: every fix starts with a verb and never says "must"', (_name, override) => {
    for (const p of problemsOf(override)) {
      expect(p.fix).toMatch(IMPERATIVE);
      expect(p.fix).not.toMatch(/\bmust\b|a value that/);
    }
  });
});
