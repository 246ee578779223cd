import { z } from 'zod';
import { cpuQuantity, dnsLabel, imageOf, memoryQuantity, positiveInt, replicaCount, seconds } from '../config/primitives';
import { envFromSchema, envVarSchema, podOverrideSchema, schedulingOverrideSchema, serviceAccountSchema } from '../workload/schema';

// Superset's part of an environment, plugged into the platform schema as `superset` (and the
// names of its Secrets into `secrets`): the image, login, web, Celery workers, beat and the
// migration Job. Strict like the rest of the schema: an unknown key is an error.

/** Names of the Secrets with Superset's own secrets (part of the platform's `secrets`). */
export const supersetSecretNamesSchema = z.strictObject({
  app: dnsLabel.describe('Secret with the Superset secret key (and the async-queries JWT secret)'),
  database: dnsLabel.describe('Secret with the Superset database password'),
  admin: dnsLabel.describe('Secret with the first admin (username, email, password) the migration Job creates when superset.auth.type is "database"'),
});
export type SupersetSecretNames = z.infer<typeof supersetSecretNamesSchema>;

const resourcesSchema = z.strictObject({
  cpuRequest: cpuQuantity.describe('CPU request (Kubernetes quantity); for the web tier it also sizes gunicorn'),
  cpuLimit: cpuQuantity.describe('CPU limit (Kubernetes quantity); must be >= cpuRequest'),
  memoryRequest: memoryQuantity.describe('memory request (binary units)'),
  memoryLimit: memoryQuantity.describe('memory limit (binary units); must be >= memoryRequest'),
});

/** A driver extra of apache-superset ("trino", "snowflake", ...): images/superset/Dockerfile's DRIVERS. */
export const driverName = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be an extra of apache-superset such as "trino" or "snowflake"');

const imageSchema = imageOf({
  repositoryExample: 'ghcr.io/acme/superset',
  tagExample: '6.1.0-k8s.1',
  repositoryDescription: 'image repository, without tag',
  tagDescription: 'image tag; pinned, never "latest"',
  patchReleases: true,
}).extend({
  drivers: z.array(driverName).describe('the database driver extras the image was built with (its DRIVERS build argument); "postgres" is always there. Synth warns when a data source names a driver not listed'),
});

const gunicornSchema = z.strictObject({
  workers: positiveInt.max(64, 'must be at most 64').optional().describe('gunicorn worker processes per pod; derived from the CPU request (2 x CPU + 1) when unset'),
  threads: positiveInt.max(32, 'must be at most 32').describe('threads per gunicorn worker (gthread worker class)'),
  maxRequests: z.number().int().min(0, 'must be 0 (off) or more').describe('recycle a worker after this many requests (0 = never)'),
  maxRequestsJitter: z.number().int().min(0, 'must be 0 or more').describe('random jitter added to maxRequests so workers do not recycle together'),
  keepAliveSeconds: positiveInt.max(300, 'must be at most 300 seconds').describe('seconds gunicorn keeps an idle connection from the ingress open'),
  gracefulTimeoutSeconds: positiveInt.max(3600, 'must be at most 3600 seconds').describe('on SIGTERM, in-flight requests get this long to finish'),
});

/** A Superset component's pod settings: the shared ones plus env vars for its Superset containers. */
export const supersetPodSchema = podOverrideSchema.extend({
  env: z.array(envVarSchema).optional().describe('env vars of this component\'s Superset containers, after superset.env'),
  envFrom: z.array(envFromSchema).optional().describe('whole Secrets or ConfigMaps as env vars of this component\'s Superset containers, after superset.envFrom'),
}).describe('extensions of this component\'s pods, added to pods.* (env and envFrom after superset.env and superset.envFrom)');

/** Where a Superset component runs and what its pods get on top of the platform's. */
const placement = {
  scheduling: schedulingOverrideSchema,
  pod: supersetPodSchema,
};

const webSchema = z.strictObject({
  minReplicas: replicaCount.describe('replicas at rest (HPA minimum)'),
  maxReplicas: replicaCount.describe('HPA maximum; equal to minReplicas disables autoscaling'),
  resources: resourcesSchema,
  gunicorn: gunicornSchema,
  preStopDelaySeconds: seconds.max(120, 'must be at most 120 seconds').describe('delay before SIGTERM so the ingress stops routing to a terminating pod'),
  ...placement,
});

const workerQueueSchema = z.strictObject({
  minReplicas: replicaCount.describe('replicas at rest (HPA minimum)'),
  maxReplicas: replicaCount.describe('HPA maximum; equal to minReplicas disables autoscaling'),
  concurrency: positiveInt.max(64, 'must be at most 64').describe('Celery prefork processes per pod'),
  maxTasksPerChild: positiveInt.describe('recycle a Celery process after this many tasks (bounds memory growth)'),
  prefetchMultiplier: positiveInt.max(16, 'must be at most 16').describe('tasks reserved per process; 1 keeps long tasks from blocking short ones'),
  taskTimeLimitSeconds: positiveInt.max(86400, 'must be at most 86400 seconds').describe('hard time limit of a task on this queue; the pod grace period is derived from it'),
  resources: resourcesSchema,
  routes: z.array(z.string().min(1)).describe('Celery task names (glob patterns allowed) routed to this queue'),
  ...placement,
});

/** Superset's websocket server (superset-websocket), the "ws" transport of async queries. */
const websocketSchema = z.strictObject({
  image: imageOf({
    repositoryExample: 'docker.io/apache/superset',
    tagExample: '6.1.0-websocket',
    repositoryDescription: 'image repository of the websocket server, without tag (Apache publishes it as apache/superset:<release>-websocket)',
    tagDescription: 'image tag; pinned, never "latest"',
  }),
  replicas: replicaCount.describe('websocket server pods (each reads every async event and forwards it to its own browsers, so any number works; more than one keeps the transport up through a rollout or a node loss)'),
  resources: resourcesSchema.describe('requests and limits of the websocket server container'),
  scheduling: schedulingOverrideSchema,
});

const asyncQueriesSchema = z.strictObject({
  enabled: z.boolean().describe('GLOBAL_ASYNC_QUERIES: chart queries run on Celery workers (recommended beyond ~50 users)'),
  transport: z.enum(['polling', 'ws']).describe('GLOBAL_ASYNC_QUERIES_TRANSPORT: "polling" (browsers ask web every pollingDelayMilliseconds) or "ws" (a websocket server pushes each result as it lands, at <edge.host>/ws; one more Deployment)'),
  pollingDelayMilliseconds: positiveInt.max(60000, 'must be at most 60000 ms').describe('how often browsers poll for async query results, milliseconds (transport "polling")'),
  websocket: websocketSchema.describe('the websocket server of transport "ws"'),
});

const databaseSchema = z.strictObject({
  name: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case PostgreSQL identifier').describe('metadata database name'),
  user: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case PostgreSQL identifier').describe('database role Superset connects as (its password comes from a Secret)'),
  poolSize: positiveInt.max(100, 'must be at most 100').describe('SQLAlchemy pool size per process'),
  maxOverflow: z.number().int().min(0, 'must be 0 or more').max(100, 'must be at most 100').describe('SQLAlchemy connections allowed above poolSize per process'),
  poolRecycleSeconds: positiveInt.describe('recycle pooled connections older than this'),
  connectTimeoutSeconds: positiveInt.max(60, 'must be at most 60 seconds').describe('libpq connect_timeout'),
});

const cacheSchema = z.strictObject({
  defaultTimeoutSeconds: positiveInt.describe('TTL of the metadata cache (CACHE_CONFIG)'),
  dataTimeoutSeconds: positiveInt.describe('TTL of chart data (DATA_CACHE_CONFIG)'),
  filterStateTimeoutSeconds: positiveInt.describe('TTL of dashboard filter state and explore form data (permalinks need days)'),
  thumbnailTimeoutSeconds: positiveInt.describe('TTL of dashboard/chart thumbnails'),
});

const migrationsSchema = z.strictObject({
  backoffLimit: z.number().int().min(0, 'must be 0 or more').max(10, 'must be at most 10').describe('retries of the migration Job before it is failed'),
  activeDeadlineSeconds: positiveInt.describe('the migration Job is killed after this long'),
  dependencyTimeoutSeconds: positiveInt.describe('the migration Job waits this long for Postgres and Redis to answer before it gives up the attempt; must be below activeDeadlineSeconds'),
  ttlSecondsAfterFinished: seconds.describe('a finished migration Job is deleted after this long (re-applying then re-runs the idempotent migration)'),
  waitInPods: z.boolean().describe('web, worker and beat pods wait in an init container until the schema is at the image\'s head revision'),
  waitTimeoutSeconds: positiveInt.max(86400, 'must be at most 86400 seconds').describe('the wait-for-migrations init container gives up (exit 1, the pod restarts it visibly) after this long'),
  resources: resourcesSchema,
  waitResources: resourcesSchema.describe('resources of the wait-for-migrations init containers (one `superset db current` every 10 s)'),
  ...placement,
});

const beatSchema = z.strictObject({
  resources: resourcesSchema,
  ...placement,
});

const oauthProviderSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9]{0,30}$/, 'must be a short lower-case name such as "keycloak" or "azure"').describe('provider name shown on the login page; also names its Secret keys'),
  serverMetadataUrl: z.string().regex(/^https:\/\/\S+$/, 'must be an https:// URL (the OIDC discovery document)').describe('OIDC discovery URL (.../.well-known/openid-configuration)'),
  scope: z.string().min(1).describe('OAuth scopes requested'),
  icon: z.string().describe('Font Awesome icon of the login button'),
});

const authSchema = z.strictObject({
  type: z.enum(['database', 'oauth']).describe('AUTH_TYPE: "database" (Superset users) or "oauth" (OIDC/OAuth SSO)'),
  oauth: z.strictObject({
    secretName: dnsLabel.describe('Secret with "<provider>-client-id" and "<provider>-client-secret" keys'),
    registrationRole: z.string().min(1).describe('AUTH_USER_REGISTRATION_ROLE: role given to users on their first SSO login'),
    userRegistration: z.boolean().describe('AUTH_USER_REGISTRATION: create a Superset user on the first SSO login (off: only users an admin created can log in)'),
    rolesMapping: z.record(z.string().min(1), z.array(z.string().min(1)).min(1, 'must name at least one Superset role')).describe('AUTH_ROLES_MAPPING: identity-provider group -> Superset roles, e.g. {"superset-admins": ["Admin"]}'),
    syncRolesAtLogin: z.boolean().describe('AUTH_ROLES_SYNC_AT_LOGIN: re-apply rolesMapping at every login (off: only at registration)'),
    providers: z.array(oauthProviderSchema).describe('OIDC providers when type is "oauth"'),
  }),
});

const origin = z.string().regex(/^https:\/\/[a-z0-9*][a-z0-9.*-]*(:\d+)?$/, 'must be an https:// origin such as "https://tile.openstreetmap.org"');
const mapTilesSchema = z.strictObject({
  connectSources: z.array(origin).describe('tile servers the map charts fetch from (CSP connect-src)'),
  imageSources: z.array(origin).describe('map servers loaded as images, e.g. WMS layers (CSP img-src)'),
});

/** Celery Flower: the monitoring UI of the Celery queues, behind the ingress with a login. */
const flowerSchema = z.strictObject({
  enabled: z.boolean().describe('run Celery Flower (one pod) behind the ingress at edge.host + path, with basic auth from the Secret'),
  path: z.string().regex(/^\/[a-z0-9]+(-[a-z0-9]+)*$/, 'must be one path segment such as "/flower"').describe('URL path Flower is served under (its url_prefix); Superset\'s own routes must not use it'),
  secretName: dnsLabel.describe('Secret with "username" and "password" of Flower\'s basic auth'),
  imageTag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be an image tag such as "6.1.0-k8s.3-flower"').optional().describe('tag of the flower variant of superset.image (images/superset/Dockerfile, --target flower); "<superset.image.tag>-flower" when unset'),
  imageDigest: z.string().regex(/^sha256:[a-f0-9]{64}$/, 'must be "sha256:" and 64 hex digits').optional().describe('digest of that image'),
  resources: resourcesSchema.describe('requests and limits of the Flower container'),
  scheduling: schedulingOverrideSchema,
});

/** How alerts and reports are delivered: mail through an SMTP relay, and Slack. */
const reportsSchema = z.strictObject({
  secretName: dnsLabel.describe('Secret with "smtp-password" (when smtp.user is set) and "slack-token" (when slack.enabled)'),
  smtp: z.strictObject({
    enabled: z.boolean().describe('send alert and report mails through this relay'),
    host: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a host name such as "smtp.acme.io"').describe('SMTP_HOST'),
    port: z.number().int().min(1).max(65535).describe('SMTP_PORT (587 for STARTTLS, 465 for SSL)'),
    security: z.enum(['starttls', 'ssl', 'none']).describe('"starttls" (SMTP_STARTTLS), "ssl" (SMTP_SSL, implicit TLS) or "none" (plain text: only to a relay inside your network)'),
    verifyCertificate: z.boolean().describe('SMTP_SSL_SERVER_AUTH: check the relay\'s certificate against the trust store (off only for a relay with a self-signed certificate; better add its CA with pods.caBundle)'),
    user: z.string().describe('SMTP_USER; "" for a relay without authentication (then no password is read)'),
    mailFrom: z.string().regex(/^[^@\s]+@[^@\s]+$/, 'must be an address such as "superset@acme.io"').describe('SMTP_MAIL_FROM'),
  }),
  slack: z.strictObject({
    enabled: z.boolean().describe('send alerts and reports to Slack (SLACK_API_TOKEN from the Secret)'),
  }),
  screenshots: z.strictObject({
    enabled: z.boolean().describe('PNG and PDF reports (and thumbnails): headless Chromium driven by Selenium in the workers that run the screenshot tasks (reports.*, thumbnails); rendered while a delivery channel or superset.thumbnails is enabled'),
    imageTag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be an image tag such as "6.1.0-k8s.4-chromium"').optional().describe('tag of the browser variant of superset.image (images/superset/Dockerfile, --target browser) those workers run; "<superset.image.tag>-chromium" when unset'),
    imageDigest: z.string().regex(/^sha256:[a-f0-9]{64}$/, 'must be "sha256:" and 64 hex digits').optional().describe('digest of that browser image'),
    browserMemory: memoryQuantity.describe('memory one Chromium takes while it renders a screenshot; the workers\' memory limit must hold 1Gi for Celery plus this per concurrent task'),
    shmSize: memoryQuantity.describe('size of /dev/shm (a memory-backed emptyDir, counted in the pod\'s memory) where Chromium\'s renderers share memory'),
    locateWaitSeconds: positiveInt.max(600, 'must be at most 600 seconds').describe('SCREENSHOT_LOCATE_WAIT: how long a chart may take to appear'),
    loadWaitSeconds: positiveInt.max(3600, 'must be at most 3600 seconds').describe('SCREENSHOT_LOAD_WAIT: how long a chart may take to finish loading'),
  }),
});

export const supersetSchema = z.strictObject({
  image: imageSchema.describe('Superset image with the Postgres and Redis drivers (see images/superset/Dockerfile)'),
  auth: authSchema.describe('how users log in'),
  featureFlags: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'feature flag names are UPPER_SNAKE_CASE'), z.boolean()).describe('FEATURE_FLAGS merged over Superset\'s own defaults (ALERT_REPORTS follows superset.reports)'),
  reports: reportsSchema.describe('delivery of alerts and reports; ALERT_REPORTS is on exactly when a channel is enabled'),
  asyncQueries: asyncQueriesSchema,
  flower: flowerSchema.describe('Celery Flower, off by default'),
  thumbnails: z.strictObject({
    enabled: z.boolean().describe('the THUMBNAILS feature flag: dashboard and chart thumbnails in the list views, rendered by the screenshot workers\' Chromium (needs superset.reports.screenshots.enabled) and kept in THUMBNAIL_CACHE_CONFIG on redis-cache'),
  }).describe('thumbnails of charts and dashboards (off by default: every thumbnail is a browser session in the workers)'),
  sessionLifetimeHours: positiveInt.max(168, 'must be at most 168 hours (a week); Superset\'s own default of 31 days is what its security guide warns against').describe('PERMANENT_SESSION_LIFETIME: a login lasts at most this long (server-side sessions in redis-queue expire with it)'),
  webserverTimeoutSeconds: positiveInt.max(3600, 'must be at most 3600 seconds').describe('gunicorn timeout and SUPERSET_WEBSERVER_TIMEOUT; the ingress proxy timeout must not be shorter'),
  sqlLabAsyncTimeLimitSeconds: positiveInt.max(86400, 'must be at most 86400 seconds').describe('SQLLAB_ASYNC_TIME_LIMIT_SEC: longest async SQL Lab query; the grace period of the workers that run SQL Lab is this + 90 s'),
  rowLimit: positiveInt.describe('ROW_LIMIT: default row limit of chart queries'),
  mapTiles: mapTilesSchema.describe('base-map hosts the Content-Security-Policy allows; the defaults are Superset 6.1\'s'),
  database: databaseSchema,
  cache: cacheSchema,
  web: webSchema,
  workers: z.record(dnsLabel, workerQueueSchema).describe('one Celery worker Deployment per queue, keyed by queue name'),
  defaultQueue: dnsLabel.describe('queue that receives every task no route matches'),
  beat: beatSchema,
  migrations: migrationsSchema,
  logLevel: z.enum(['DEBUG', 'INFO', 'WARNING', 'ERROR']).describe('Python log level of web, workers and beat'),
  logFormat: z.enum(['text', 'json']).describe('"text": Superset\'s, gunicorn\'s and Celery\'s own line formats; "json": one JSON object per line from all three (time, level, logger, message, extra fields, exception), for a log shipper that indexes fields (docs/operations.md, "Logs")'),
  extraConfig: z.string().describe('Python appended at the end of superset_config.py (after every generated setting): settings this schema does not type; compiled at synth; may not reassign the settings the platform owns (docs/superset.md)'),
  env: z.array(envVarSchema).describe('env vars of every container that loads superset_config.py (web, workers, beat, migration Job, dashboard export); secrets only through secretKeyRef'),
  envFrom: z.array(envFromSchema).describe('whole Secrets or ConfigMaps as env vars of those containers (e.g. the SMTP password extraConfig reads)'),
  serviceAccount: serviceAccountSchema.describe('the ServiceAccount "superset" of web, workers, beat and the migration Job'),
});

export type SupersetConfig = z.infer<typeof supersetSchema>;
export type WorkerQueueConfig = z.infer<typeof workerQueueSchema>;
export type SupersetPodConfig = z.infer<typeof supersetPodSchema>;
