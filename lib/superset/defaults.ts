import type { SupersetConfig, SupersetSecretNames, WorkerQueueConfig } from './schema';

/**
 * Placeholder registry of the default image. Build images/superset/Dockerfile, push it to
 * your registry and set `superset.image.repository`; synth warns while the placeholder is used.
 */
export const PLACEHOLDER_IMAGE_REPOSITORY = 'registry.example.com/superset-k8s/superset';

/**
 * Celery task names, grouped by the queue that should run them. Interactive work (SQL Lab,
 * async chart queries) must never wait behind scheduled reports, thumbnails or cache warm-up.
 */
export const INTERACTIVE_TASKS = [
  'sql_lab.get_sql_results',
  'load_chart_data_into_cache',
  'load_explore_json_into_cache',
] as const;
export const BACKGROUND_TASKS = [
  'reports.*',
  'cache_chart_thumbnail',
  'cache_dashboard_thumbnail',
  'cache_dashboard_screenshot',
  'cache-warmup',
  'fetch_url',
  'prune_query',
  'prune_logs',
  'prune_tasks',
] as const;

/** Celery tasks that take screenshots (superset/tasks/scheduler.py and thumbnails.py). */
export const SCREENSHOT_TASKS = ['reports.*', 'cache_chart_thumbnail', 'cache_dashboard_thumbnail', 'cache_dashboard_screenshot'] as const;

/** Memory Celery itself needs in a browser worker, besides one Chromium per concurrent task. */
export const BROWSER_WORKER_BASE_MEMORY = '1Gi';

/** Defaults of a Celery queue added by an environment (every field can be overridden). */
export const WORKER_QUEUE_TEMPLATE: WorkerQueueConfig = {
  minReplicas: 1,
  maxReplicas: 2,
  concurrency: 2,
  maxTasksPerChild: 50,
  prefetchMultiplier: 1,
  taskTimeLimitSeconds: 600,
  resources: { cpuRequest: '500m', cpuLimit: '1', memoryRequest: '2Gi', memoryLimit: '2Gi' },
  routes: [],
  scheduling: {},
  pod: {},
};

/**
 * Superset's default stream-name prefix of async-query events (superset/config.py), written out
 * so the key namespaces sharing redis-queue's db 0 are all visible in the file (docs/redis.md).
 */
export const ASYNC_EVENTS_STREAM_PREFIX = 'async-events-';
/** Set in the pods that deliver alerts and reports: superset_config.py requires the delivery secrets there. */
export const DELIVERS_REPORTS_ENV = 'SUPERSET_DELIVERS_REPORTS';
/** Name of the async-query JWT cookie, written out in superset_config.py and the websocket server's config alike (both default to it). */
export const ASYNC_JWT_COOKIE_NAME = 'async-token';

/** Superset's defaults: a small production-shaped platform (what staging runs). */
export const SUPERSET_DEFAULTS: SupersetConfig = {
  image: { repository: PLACEHOLDER_IMAGE_REPOSITORY, tag: '6.1.0-k8s.3', drivers: [] },
  auth: {
    type: 'database',
    oauth: { secretName: 'superset-oauth', registrationRole: 'Gamma', userRegistration: true, rolesMapping: {}, syncRolesAtLogin: true, providers: [] },
  },
  featureFlags: {},
  // No delivery channel until an environment names its relay: ALERT_REPORTS stays off (synth warns).
  reports: {
    secretName: 'superset-reports',
    smtp: { enabled: false, host: 'smtp.example.com', port: 587, security: 'starttls', verifyCertificate: true, user: '', mailFrom: 'superset@example.com' },
    slack: { enabled: false },
    // On whenever a channel is: Superset's email reports default to PNG. 512Mi per Chromium and a
    // 1Gi /dev/shm (instead of the 64Mi runtime default Chromium crashes on with large dashboards);
    // Superset 6.1's own screenshot waits.
    screenshots: { enabled: true, browserMemory: '512Mi', shmSize: '1Gi', locateWaitSeconds: 10, loadWaitSeconds: 60 },
  },
  asyncQueries: {
    enabled: false,
    transport: 'polling',
    pollingDelayMilliseconds: 500,
    // Apache's own build of superset-websocket for the release: its docker-release workflow builds
    // the "websocket" preset for every release tag, tagged apache/superset:<release>-websocket
    // (scripts/build_docker.js). Two pods: the transport survives a rollout and a node loss.
    websocket: {
      image: { repository: 'docker.io/apache/superset', tag: '6.1.0-websocket' },
      replicas: 2,
      resources: { cpuRequest: '100m', cpuLimit: '500m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
      scheduling: {},
    },
  },
  // Off: a UI that can revoke and inspect tasks is an operator's choice; with a login when on.
  flower: {
    enabled: false,
    path: '/flower',
    secretName: 'superset-flower',
    resources: { cpuRequest: '100m', cpuLimit: '500m', memoryRequest: '256Mi', memoryLimit: '512Mi' },
    scheduling: {},
  },
  // Off: each thumbnail costs a Chromium session on the screenshot workers.
  thumbnails: { enabled: false },
  // Superset 6.1's "securing Superset" guide: a short absolute session lifetime (8 h).
  sessionLifetimeHours: 8,
  webserverTimeoutSeconds: 300,
  // Superset's default is 6 h; the SQL Lab workers' grace period follows it (limit + 90 s), so a
  // rollout or a drain waits at most this long for a running query. 1 h keeps drains practical.
  sqlLabAsyncTimeLimitSeconds: 3600,
  rowLimit: 50000,
  // Superset 6.1's TALISMAN_CONFIG allows these for its default base maps (OpenStreetMap tiles,
  // terrestris WMS); without them Talisman's CSP blocks every map chart's background.
  mapTiles: {
    connectSources: ['https://tile.openstreetmap.org', 'https://tile.osm.ch'],
    imageSources: ['https://ows.terrestris.de'],
  },
  database: {
    name: 'superset',
    user: 'superset',
    poolSize: 5,
    maxOverflow: 5,
    poolRecycleSeconds: 1800,
    connectTimeoutSeconds: 10,
  },
  cache: {
    defaultTimeoutSeconds: 300,
    dataTimeoutSeconds: 3600,
    filterStateTimeoutSeconds: 604800,
    thumbnailTimeoutSeconds: 86400,
  },
  web: {
    minReplicas: 2,
    maxReplicas: 4,
    resources: { cpuRequest: '1', cpuLimit: '2', memoryRequest: '2Gi', memoryLimit: '2Gi' },
    gunicorn: {
      threads: 4,
      maxRequests: 1000,
      maxRequestsJitter: 100,
      // Above NGINX's upstream keepalive_timeout (60 s): the proxy closes idle connections first.
      keepAliveSeconds: 75,
      gracefulTimeoutSeconds: 60,
    },
    preStopDelaySeconds: 10,
    scheduling: {},
    pod: {},
  },
  workers: {
    interactive: {
      ...WORKER_QUEUE_TEMPLATE,
      minReplicas: 2,
      maxReplicas: 4,
      concurrency: 4,
      maxTasksPerChild: 100,
      // Async chart queries should not outlive the web timeout; SQL Lab tasks carry their own
      // limit (SQLLAB_ASYNC_TIME_LIMIT_SEC). This also bounds the pod's termination grace period.
      taskTimeLimitSeconds: 300,
      resources: { cpuRequest: '1', cpuLimit: '2', memoryRequest: '2Gi', memoryLimit: '2Gi' },
      routes: [...INTERACTIVE_TASKS],
    },
    reports: {
      ...WORKER_QUEUE_TEMPLATE,
      minReplicas: 1,
      maxReplicas: 2,
      concurrency: 2,
      maxTasksPerChild: 20,
      taskTimeLimitSeconds: 600,
      routes: [...BACKGROUND_TASKS],
    },
  },
  defaultQueue: 'interactive',
  beat: {
    resources: { cpuRequest: '100m', cpuLimit: '500m', memoryRequest: '512Mi', memoryLimit: '512Mi' },
    scheduling: {},
    pod: {},
  },
  migrations: {
    backoffLimit: 2,
    activeDeadlineSeconds: 1800,
    // An empty cluster initialises Postgres and creates the Redis Cluster after the Job starts;
    // the rest of the deadline is left for the migration itself.
    dependencyTimeoutSeconds: 900,
    ttlSecondsAfterFinished: 604800,
    waitInPods: true,
    // Long enough for a migration on a large metadata database; then the init container exits 1
    // and the kubelet restarts it with back-off, which `kubectl get pods` shows.
    waitTimeoutSeconds: 900,
    resources: { cpuRequest: '250m', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '1Gi' },
    // Requests stay small (an init container's request is reserved for the whole pod while it
    // waits); the limits leave room for the Superset app `superset db current` imports.
    waitResources: { cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '256Mi', memoryLimit: '768Mi' },
    scheduling: {},
    pod: {},
  },
  logLevel: 'INFO',
  // Opt-in: the text formats are what kubectl logs readers and existing log pipelines expect.
  logFormat: 'text',
  extraConfig: '',
  env: [],
  envFrom: [],
  serviceAccount: { annotations: {} },
};

export const SUPERSET_SECRET_DEFAULTS: SupersetSecretNames = {
  app: 'superset-app',
  database: 'superset-database',
  admin: 'superset-admin',
};

/** Where the Superset pods find their Secret keys, one file per setting (never in the environment). */
export const SUPERSET_SECRETS_DIR = '/run/secrets/superset';
