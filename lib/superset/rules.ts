import { execFileSync } from 'node:child_process';
import type { ConfigProblem } from '../config/errors';
import { MUTABLE_TAGS } from '../config/primitives';
import { memoryToBytes, toBinaryQuantity } from '../config/quantity';
import { resourceLimits } from '../config/resource-rules';
import { NGINX_UPSTREAM_KEEPALIVE_TIMEOUT_SECONDS } from '../edge/defaults';
import { ASYNC_EVENTS_STREAM_PREFIX, BROWSER_WORKER_BASE_MEMORY, PLACEHOLDER_IMAGE_REPOSITORY, SCREENSHOT_TASKS } from './defaults';
import type { NetworkConfig } from '../edge/schema';
import type { SupersetConfig } from './schema';
import { gunicornSizing, gunicornWorkersForMemory } from './sizing';


// Cross-field rules of Superset's settings (the platform rules run them with every other tier's).
// The schema checks each field alone; these check how they fit.

/** What the Superset rules read. */
export interface SupersetSettings {
  readonly superset: SupersetConfig;
}

function replicaRange(field: string, min: number, max: number): ConfigProblem[] {
  if (min <= max) return [];
  return [{
    field: `${field}.minReplicas`,
    value: min,
    rule: `must not exceed ${field}.maxReplicas (${max})`,
    fix: `lower ${field}.minReplicas to ${max} or less, or raise ${field}.maxReplicas to ${min} or more`,
  }];
}

/**
 * Settings superset.extraConfig may not reassign: the connections (each a declared flow and part
 * of the connection budget), the secrets, Celery (queues, heartbeat, beat schedule) and the
 * timeouts the manifests' grace periods and proxy timeouts are derived from. Each has a typed
 * field, named in the fix; everything else the generated file sets may be overridden.
 */
export const PLATFORM_OWNED_SETTINGS: Readonly<Record<string, string>> = {
  SQLALCHEMY_DATABASE_URI: 'superset.database', SQLALCHEMY_ENGINE_OPTIONS: 'superset.database',
  SECRET_KEY: 'secrets.app', PREVIOUS_SECRET_KEY: 'secrets.app',
  CACHE_CONFIG: 'superset.cache', DATA_CACHE_CONFIG: 'superset.cache', FILTER_STATE_CACHE_CONFIG: 'superset.cache',
  EXPLORE_FORM_DATA_CACHE_CONFIG: 'superset.cache', THUMBNAIL_CACHE_CONFIG: 'superset.cache', RESULTS_BACKEND: 'redis.cache',
  CELERY_CONFIG: 'superset.workers', DISTRIBUTED_COORDINATION_CONFIG: 'redis.queue', GLOBAL_ASYNC_QUERIES_CACHE_BACKEND: 'superset.asyncQueries',
  GLOBAL_ASYNC_QUERIES_JWT_SECRET: 'secrets.app', RATELIMIT_STORAGE_URI: 'redis.queue', RATELIMIT_STORAGE_OPTIONS: 'redis.queue',
  SUPERSET_WEBSERVER_TIMEOUT: 'superset.webserverTimeoutSeconds', SQLLAB_ASYNC_TIME_LIMIT_SEC: 'superset.sqlLabAsyncTimeLimitSeconds',
  AUTH_TYPE: 'superset.auth', STATS_LOGGER: 'monitoring.enabled',
  // The web Service the reports workers' NetworkPolicy reaches, and the driver in the browser image.
  WEBDRIVER_BASEURL: 'superset.reports', WEBDRIVER_CONFIGURATION: 'superset.reports.screenshots',
};

// Compiles the snippet and lists the names its top-level statements bind (assignments, imports,
// defs): Python's own parser, so what passes here is what Superset will load.
const CHECK_PY = `
import ast, json, sys
src = sys.stdin.read()
try:
    tree = ast.parse(src, "superset.extraConfig")
    compile(tree, "superset.extraConfig", "exec")
except SyntaxError as e:
    print(json.dumps({"error": {"line": e.lineno, "message": e.msg, "text": (e.text or "").strip()}}))
    sys.exit(0)
names = []
for node in tree.body:
    targets = []
    if isinstance(node, ast.Assign): targets = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)): targets = [node.target]
    for t in targets:
        for n in ast.walk(t):
            if isinstance(n, ast.Name): names.append(n.id)
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        names += [(a.asname or a.name).split(".")[0] for a in node.names]
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)): names.append(node.name)
print(json.dumps({"names": names}))
`;

interface ExtraConfigCheck { readonly error?: { line: number; message: string; text: string }; readonly names?: string[]; readonly unavailable?: string }
const checked = new Map<string, ExtraConfigCheck>();

/** The compile result of an extraConfig snippet (python3 runs once per distinct snippet). */
export function checkExtraConfig(source: string): ExtraConfigCheck {
  const cached = checked.get(source);
  if (cached) return cached;
  let result: ExtraConfigCheck;
  try {
    result = JSON.parse(execFileSync('python3', ['-I', '-c', CHECK_PY], { input: source, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }));
  } catch (e) {
    result = { unavailable: (e as Error).message.split('\n')[0] };
  }
  checked.set(source, result);
  return result;
}

function extraConfigProblems(s: SupersetConfig): ConfigProblem[] {
  if (s.extraConfig.trim() === '') return [];
  const result = checkExtraConfig(s.extraConfig);
  const field = 'superset.extraConfig';
  if (result.unavailable) {
    return [{ field, value: '(Python source)', rule: `must compile as Python, and python3 could not be run to check it (${result.unavailable})`, fix: 'install python3 (3.9 or later) where npm run synth runs, or remove superset.extraConfig' }];
  }
  if (result.error) {
    const e = result.error;
    return [{ field, value: e.text || '(Python source)', rule: `must compile as Python: line ${e.line}: ${e.message}`, fix: `correct line ${e.line} of superset.extraConfig (it is appended to superset_config.py as is)` }];
  }
  return [...new Set(result.names ?? [])].filter((n) => n in PLATFORM_OWNED_SETTINGS).map((n) => ({
    field,
    value: n,
    rule: `must not reassign ${n}: the platform owns it (connections, secrets, Celery and timeouts follow from it and from the manifests)`,
    fix: `remove the assignment of ${n} from superset.extraConfig and use ${PLATFORM_OWNED_SETTINGS[n]} instead`,
  }));
}

/** Variables the platform sets in the Superset containers (superset-pod.ts, web.ts, migrate-job.ts, the dashboard export). */
const PLATFORM_ENV = /^(SUPERSET_CONFIG_PATH|SUPERSET_COMPONENT|DATABASE_[A-Z_]+|SUPERSET_SECRET_KEY|SUPERSET_PREVIOUS_SECRET_KEY|REDIS_(CACHE|QUEUE)_(PASSWORD|USERNAME)|GLOBAL_ASYNC_QUERIES_JWT_SECRET|ADMIN_[A-Z_]+|OAUTH_[A-Z0-9_]+|PYTHONDONTWRITEBYTECODE|PYTHONUNBUFFERED|SERVER_[A-Z_]+|GUNICORN_[A-Z_]+|WORKER_MAX_REQUESTS(_JITTER)?|WAIT_TIMEOUT_SECONDS|MIGRATION_JOB|EXPORT_[A-Z_]+|SSL_CERT_FILE|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|PGSSLROOTCERT|WEBDRIVER_BASEURL)$/;

function envProblems(field: string, env: ReadonlyArray<{ readonly name: string }> | undefined): ConfigProblem[] {
  return (env ?? []).flatMap((e, i) => (PLATFORM_ENV.test(e.name) ? [{
    field: `${field}.${i}.name`,
    value: e.name,
    rule: 'must not be a variable the platform sets in the Superset containers (the later one would silently win)',
    fix: `rename the variable, or set the typed field the platform derives ${e.name} from`,
  }] : []));
}

/** Every cross-field problem of `superset`. */
export function supersetProblems(config: SupersetSettings): ConfigProblem[] {
  const s = config.superset;
  const extensions = [
    ...extraConfigProblems(s),
    ...envProblems('superset.env', s.env),
    ...envProblems('superset.web.pod.env', s.web.pod.env),
    ...Object.entries(s.workers).flatMap(([q, w]) => envProblems(`superset.workers.${q}.pod.env`, w.pod.env)),
    ...envProblems('superset.beat.pod.env', s.beat.pod.env),
    ...envProblems('superset.migrations.pod.env', s.migrations.pod.env),
  ];
  const problems: ConfigProblem[] = [];

  if (MUTABLE_TAGS.has(s.image.tag.toLowerCase())) {
    problems.push({
      field: 'superset.image.tag',
      value: s.image.tag,
      rule: 'must be a pinned version; moving tags make rollouts unreproducible and skip the migration Job',
      fix: 'use a versioned tag such as "6.1.0-k8s.1" (and optionally superset.image.digest)',
    });
  }

  problems.push(...replicaRange('superset.web', s.web.minReplicas, s.web.maxReplicas));
  problems.push(...resourceLimits('superset.web.resources', s.web.resources));
  problems.push(...resourceLimits('superset.beat.resources', s.beat.resources));
  problems.push(...resourceLimits('superset.migrations.resources', s.migrations.resources));
  problems.push(...resourceLimits('superset.migrations.waitResources', s.migrations.waitResources));

  const m = s.migrations;
  if (m.dependencyTimeoutSeconds >= m.activeDeadlineSeconds) {
    problems.push({
      field: 'superset.migrations.dependencyTimeoutSeconds',
      value: m.dependencyTimeoutSeconds,
      rule: `must be below superset.migrations.activeDeadlineSeconds (${m.activeDeadlineSeconds}), or the Job is killed while it still waits and never migrates`,
      fix: `lower superset.migrations.dependencyTimeoutSeconds to ${Math.floor(m.activeDeadlineSeconds / 2)} or raise superset.migrations.activeDeadlineSeconds above ${m.dependencyTimeoutSeconds}`,
    });
  }

  const g = s.web.gunicorn;
  if (g.keepAliveSeconds <= NGINX_UPSTREAM_KEEPALIVE_TIMEOUT_SECONDS) {
    problems.push({
      field: 'superset.web.gunicorn.keepAliveSeconds',
      value: g.keepAliveSeconds,
      rule: `must be above NGINX's upstream keepalive_timeout (${NGINX_UPSTREAM_KEEPALIVE_TIMEOUT_SECONDS} s): a backend closing idle connections first races NGINX reusing them (sporadic 502s, healthy pods ejected by max-fails)`,
      fix: `raise superset.web.gunicorn.keepAliveSeconds to ${NGINX_UPSTREAM_KEEPALIVE_TIMEOUT_SECONDS + 15}`,
    });
  }
  if (g.maxRequests > 0 && g.maxRequestsJitter > g.maxRequests) {
    problems.push({
      field: 'superset.web.gunicorn.maxRequestsJitter',
      value: g.maxRequestsJitter,
      rule: `must not exceed superset.web.gunicorn.maxRequests (${g.maxRequests})`,
      fix: `use a jitter of about 10 % of maxRequests, e.g. ${Math.round(g.maxRequests / 10)}`,
    });
  }

  const queues = Object.keys(s.workers);
  if (!queues.includes(s.defaultQueue)) {
    problems.push({
      field: 'superset.defaultQueue',
      value: s.defaultQueue,
      rule: `must name one of the worker queues (${queues.join(', ')})`,
      fix: `set superset.defaultQueue to one of ${queues.join(', ')}, or add superset.workers.${s.defaultQueue}`,
    });
  }

  const routeOwner = new Map<string, string>();
  for (const [queue, q] of Object.entries(s.workers)) {
    const field = `superset.workers.${queue}`;
    problems.push(...replicaRange(field, q.minReplicas, q.maxReplicas));
    problems.push(...resourceLimits(`${field}.resources`, q.resources));
    // Under Sentinel every use of redis-queue lands in db 0 (docs/redis.md): a queue is a key
    // named like the queue, and must not fall into the async-query events' namespace.
    if (queue.startsWith(ASYNC_EVENTS_STREAM_PREFIX.replace(/-$/, ''))) {
      problems.push({
        field: `${field}`,
        value: queue,
        rule: `a queue name must not start with "${ASYNC_EVENTS_STREAM_PREFIX.replace(/-$/, '')}": its Celery key would share the namespace of Superset's async-query event streams in redis-queue's db 0`,
        fix: `rename the queue superset.workers.${queue}`,
      });
    }
    if (q.routes.length === 0 && queue !== s.defaultQueue) {
      problems.push({
        field: `${field}.routes`,
        value: q.routes,
        rule: 'a queue that is not the default queue must have at least one route, or its workers idle forever',
        fix: `add task names to ${field}.routes, or set superset.defaultQueue to "${queue}"`,
      });
    }
    for (const route of q.routes) {
      const owner = routeOwner.get(route);
      if (owner !== undefined) {
        problems.push({
          field: `${field}.routes`,
          value: route,
          rule: `the task pattern is already routed to queue "${owner}"; a task goes to exactly one queue`,
          fix: `remove "${route}" from superset.workers.${queue}.routes or from superset.workers.${owner}.routes`,
        });
      } else {
        routeOwner.set(route, queue);
      }
    }
  }

  if (s.auth.type === 'oauth' && s.auth.oauth.providers.length === 0) {
    problems.push({
      field: 'superset.auth.oauth.providers',
      value: s.auth.oauth.providers,
      rule: 'OAuth login needs at least one provider, or nobody can log in',
      fix: 'add a provider (name, serverMetadataUrl, scope, icon), or set superset.auth.type to "database"',
    });
  }
  const providerNames = s.auth.oauth.providers.map((p) => p.name);
  const duplicate = providerNames.find((n, i) => providerNames.indexOf(n) !== i);
  if (duplicate) {
    problems.push({
      field: 'superset.auth.oauth.providers',
      value: duplicate,
      rule: 'provider names must be unique: they name the Secret keys',
      fix: `rename one of the "${duplicate}" providers`,
    });
  }

  if ('GLOBAL_ASYNC_QUERIES' in s.featureFlags) {
    problems.push({
      field: 'superset.featureFlags.GLOBAL_ASYNC_QUERIES',
      value: s.featureFlags.GLOBAL_ASYNC_QUERIES,
      rule: 'async queries need a JWT secret and a results backend besides the flag, so the flag is derived',
      fix: 'remove the flag and set superset.asyncQueries.enabled instead',
    });
  }
  if (s.asyncQueries.transport === 'ws' && !s.asyncQueries.enabled) {
    problems.push({
      field: 'superset.asyncQueries.transport',
      value: s.asyncQueries.transport,
      rule: 'the websocket server carries the events of async queries, which are off (superset.asyncQueries.enabled is false)',
      fix: 'set superset.asyncQueries.enabled to true, or leave transport "polling"',
    });
  }
  problems.push(...extensions, ...flowerProblems(s));
  return problems;
}

/** Top-level paths Superset 6.1 serves itself (views, API, assets, probes): the ingress sends them to web. */
const SUPERSET_PATHS = ['/api', '/static', '/superset', '/login', '/logout', '/health', '/healthcheck', '/ping', '/sqllab', '/explore', '/dashboard', '/chart', '/dataset', '/tablemodelview', '/databaseview', '/users', '/roles', '/actionlog', '/swagger', '/lang', '/ws'];

/** Celery Flower's path must not hide one of Superset's own routes behind it. */
function flowerProblems(s: SupersetConfig): ConfigProblem[] {
  if (!s.flower.enabled || !SUPERSET_PATHS.includes(s.flower.path)) return [];
  return [{
    field: 'superset.flower.path',
    value: s.flower.path,
    rule: `is a path Superset serves itself (${SUPERSET_PATHS.join(', ')}): the ingress would send those requests to Flower`,
    fix: 'choose another path, such as "/flower"',
  }];
}

/** The image is still the placeholder of the defaults. */
export function supersetPlaceholderWarnings(config: SupersetSettings): string[] {
  const s = config.superset;
  const out: string[] = [];
  if (s.image.repository === PLACEHOLDER_IMAGE_REPOSITORY) {
    out.push(
      `superset.image.repository is the placeholder "${PLACEHOLDER_IMAGE_REPOSITORY}": build images/superset/Dockerfile, ` +
        'push it to your registry and set superset.image.repository.',
    );
  }
  return out;
}

/** The gunicorn workers sized from the CPU request do not fit the memory request. */
export function supersetSizingWarnings(config: SupersetSettings): string[] {
  const s = config.superset;
  const out: string[] = [];
  const sizing = gunicornSizing(s.web.resources.cpuRequest, s.web.gunicorn.threads, s.web.gunicorn.workers);
  const fit = gunicornWorkersForMemory(s.web.resources.memoryRequest);
  if (sizing.workers > fit) {
    out.push(
      `superset.web: ${sizing.workers} gunicorn workers need about ${sizing.workers * 400} MiB but the memory request ` +
        `${s.web.resources.memoryRequest} fits ${fit}: raise superset.web.resources.memoryRequest or set superset.web.gunicorn.workers.`,
    );
  }
  return out;
}

/**
 * A data source whose database needs a driver the Superset image was not built with: every chart
 * on it fails with "Could not load database driver". The image always has "postgres" (psycopg2,
 * for the metadata database).
 */
export function supersetDriverWarnings(config: SupersetSettings & { readonly network: NetworkConfig }): string[] {
  const built = new Set(['postgres', ...config.superset.image.drivers]);
  // Data sources either way: network.dataSources, and the named "data-warehouse" egress endpoints.
  const sources = [
    ...config.network.dataSources.map((ds, i) => ({ field: `network.dataSources[${i}]`, cidr: ds.cidr, driver: ds.driver })),
    ...config.network.egress.flatMap((e, i) => (e.purpose === 'data-warehouse' ? [{ field: `network.egress[${i}] "${e.name}"`, cidr: e.cidr, driver: e.driver }] : [])),
  ];
  return sources.flatMap((ds) => (ds.driver && !built.has(ds.driver)
    ? [`${ds.field} (${ds.cidr}) needs the "${ds.driver}" driver, which superset.image.drivers does not list (${[...built].join(', ')}): build the image with --build-arg DRIVERS=${[...config.superset.image.drivers, ds.driver].join(',')} (images/superset/Dockerfile) and add "${ds.driver}" to superset.image.drivers.`]
    : []));
}

/** Alerts and reports can be delivered: a channel is enabled (ALERT_REPORTS follows this). */
export function reportsDelivered(r: SupersetConfig['reports']): boolean {
  return r.smtp.enabled || r.slack.enabled;
}

/** The worker queue that runs the reports (the one routing "reports.*"; else the default queue). */
export function reportsQueue(s: SupersetConfig): string {
  return Object.entries(s.workers).find(([, w]) => w.routes.includes('reports.*'))?.[0] ?? s.defaultQueue;
}

/**
 * The queues whose workers reach the web Service: the reports' (CSV and text reports fetch chart
 * data from WEBDRIVER_BASEURL) and, with screenshots, every screenshot queue's (pages to render).
 */
export function webClientQueues(s: SupersetConfig): string[] {
  const reports = reportsDelivered(s.reports) ? [reportsQueue(s)] : [];
  return [...new Set([...reports, ...(screenshotsActive(s) ? screenshotQueues(s) : [])])].sort();
}

/** Screenshots are rendered: asked for, and there are reports to deliver or thumbnails to make. */
export function screenshotsActive(s: SupersetConfig): boolean {
  return s.reports.screenshots.enabled && (reportsDelivered(s.reports) || s.thumbnails.enabled);
}

/**
 * The queues whose workers take screenshots: those routing a screenshot task, and the default
 * queue when some screenshot task is routed nowhere (Celery sends it there).
 */
export function screenshotQueues(s: SupersetConfig): string[] {
  const routes = Object.entries(s.workers).map(([q, w]) => [q, new Set(w.routes)] as const);
  const queues = routes.filter(([, r]) => SCREENSHOT_TASKS.some((t) => r.has(t))).map(([q]) => q);
  const unrouted = SCREENSHOT_TASKS.some((t) => !routes.some(([, r]) => r.has(t)));
  return [...new Set([...queues, ...(unrouted ? [s.defaultQueue] : [])])].sort();
}

/**
 * Delivery of alerts and reports: ALERT_REPORTS follows the channels (set by hand it would
 * schedule reports nothing can send), and each enabled channel needs an egress endpoint the
 * reports workers reach (network.egress), or every delivery hangs on a dropped connection.
 */
export function reportDeliveryProblems(config: SupersetSettings & { readonly network: NetworkConfig }): ConfigProblem[] {
  const s = config.superset;
  const problems: ConfigProblem[] = [];
  if ('ALERT_REPORTS' in s.featureFlags) {
    problems.push({
      field: 'superset.featureFlags.ALERT_REPORTS',
      value: s.featureFlags.ALERT_REPORTS,
      rule: 'is set by the platform: on exactly when superset.reports has an enabled delivery channel',
      fix: 'remove it, and enable superset.reports.smtp or superset.reports.slack to turn alerts and reports on',
    });
  }
  const queue = reportsQueue(s);
  const reaches = (purpose: string) => config.network.egress.some((e) => e.purpose === purpose && (e.from.includes('workers') || e.from.includes(`worker-${queue}`)));
  const channels: Array<[boolean, string, string, string]> = [
    [s.reports.smtp.enabled, 'superset.reports.smtp.enabled', 'smtp', `{ name: "mail", purpose: "smtp", cidr: "<${s.reports.smtp.host}'s address range>", ports: [${s.reports.smtp.port}], from: ["worker-${queue}"] }`],
    [s.reports.slack.enabled, 'superset.reports.slack.enabled', 'webhooks', `{ name: "slack", purpose: "webhooks", cidr: "0.0.0.0/0", ports: [443], from: ["worker-${queue}"] } (slack.com has no fixed range; narrow it with an egress proxy)`],
  ];
  if ('THUMBNAILS' in s.featureFlags) {
    problems.push({
      field: 'superset.featureFlags.THUMBNAILS',
      value: s.featureFlags.THUMBNAILS,
      rule: 'is set by the platform: thumbnails need the screenshot workers\' browser, so the flag follows superset.thumbnails.enabled',
      fix: 'remove it and set superset.thumbnails.enabled',
    });
  }
  if (s.thumbnails.enabled && !s.reports.screenshots.enabled) {
    problems.push({
      field: 'superset.thumbnails.enabled',
      value: true,
      rule: 'thumbnails are screenshots: they need superset.reports.screenshots.enabled (the browser in the screenshot workers)',
      fix: 'set superset.reports.screenshots.enabled to true, or superset.thumbnails.enabled to false',
    });
  }
  problems.push(...browserMemoryProblems(s));
  for (const [enabled, field, purpose, example] of channels) {
    if (enabled && !reaches(purpose)) {
      problems.push({
        field,
        value: true,
        rule: `needs a network.egress endpoint with purpose "${purpose}" that the reports workers (worker-${queue}) reach: the NetworkPolicies allow them nothing else`,
        fix: `add ${example} to network.egress`,
      });
    }
  }
  return problems;
}

/**
 * Each worker that takes screenshots runs one Chromium per concurrent task next to Celery: a
 * memory limit below that gets the pod OOM-killed on the first dashboard report.
 */
function browserMemoryProblems(s: SupersetConfig): ConfigProblem[] {
  if (!screenshotsActive(s)) return [];
  const perBrowser = memoryToBytes(s.reports.screenshots.browserMemory);
  return screenshotQueues(s).flatMap((queue) => {
    const w = s.workers[queue];
    const needed = memoryToBytes(BROWSER_WORKER_BASE_MEMORY) + w.concurrency * perBrowser;
    if (memoryToBytes(w.resources.memoryLimit) >= needed) return [];
    return [{
      field: `superset.workers.${queue}.resources.memoryLimit`,
      value: w.resources.memoryLimit,
      rule: `must hold ${BROWSER_WORKER_BASE_MEMORY} for Celery plus superset.reports.screenshots.browserMemory (${s.reports.screenshots.browserMemory}) per concurrent task (concurrency ${w.concurrency}): this queue runs screenshot tasks, each with its own Chromium`,
      fix: `raise it (and memoryRequest) to at least ${toBinaryQuantity(needed)}, or lower superset.workers.${queue}.concurrency`,
    }];
  });
}

/** No delivery channel: alerts and reports are off, and the operator should know why. */
export function reportDeliveryWarnings(config: SupersetSettings): string[] {
  const r = config.superset.reports;
  if (r.smtp.enabled || r.slack.enabled) return [];
  return ['superset.reports has no delivery channel, so ALERT_REPORTS is off (no alert or report can be sent): enable superset.reports.smtp (host, port, user, mailFrom; password in the Secret "' + r.secretName + '") or superset.reports.slack, with a network.egress endpoint the reports workers reach (docs/superset.md#alerts-and-reports).'];
}
