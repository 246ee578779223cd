import * as k8s from '../../imports/k8s';
import { DATABASE_CA, databaseClientTls, directDatabase, metadataDatabase, pooledDatabase } from '../postgres/endpoints';
import { EXTERNAL_REDIS_CA, externalRedisCache, externalRedisQueue, RedisUse } from '../redis/endpoints';
import type { CaBundleConfig } from '../workload/schema';
import type { Environment } from '../config/load';
import type { ResourcesConfig } from '../config/primitives';
import { supersetSecretRefs } from './secrets';
import type { SecretRef } from '../config/secret-ref';
import { CONFIG_HASH_ANNOTATION, ComponentIdentity, recommendedLabels, selectorLabels } from '../workload/labels';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, RunAs } from '../workload/pod-security';
import { resourceRequirements } from '../workload/resources';
import { bundleVolume, cloudIdentityLabels, extendPodTemplate, podPlacement, resolveScheduling, toEnvFrom, toEnvVar } from '../workload/pod-extension';
import type { SchedulingOverride } from '../workload/schema';
import type { SupersetConfig, SupersetPodConfig } from './schema';
import { reportsDelivered, reportsQueue } from './rules';
import { statsdExporterSidecar, statsdExporterVolume } from '../workload/statsd-exporter';
import { WAIT_SCRIPT } from './scripts';
import { DELIVERS_REPORTS_ENV, SUPERSET_SECRETS_DIR } from './defaults';
export { DELIVERS_REPORTS_ENV };

/** The `superset` user of the official image (created by useradd, uid/gid 1000; our Dockerfile asserts it). */
export const SUPERSET_RUN_AS: RunAs = { uid: 1000, gid: 1000 };
export const CONFIG_DIR = '/etc/superset';
export const CONFIG_FILE = 'superset_config.py';

/** What every Superset pod of an environment shares. */
export interface SupersetPodContext {
  readonly env: Environment;
  readonly configMapName: string;
  readonly configHash: string;
  readonly serviceAccountName: string;
  /** Name of this image's migration Job, for the wait-for-migrations log line. */
  readonly migrationJobName?: string;
}

/** Which Postgres endpoint a workload uses: PgBouncer for the app, the primary for migrations. */
export type DatabaseRoute = 'pgbouncer' | 'primary';

export function supersetImage(ctx: SupersetPodContext): string {
  const image = ctx.env.config.superset.image;
  return `${image.repository}:${image.tag}${image.digest ? `@${image.digest}` : ''}`;
}

export function supersetIdentity(ctx: SupersetPodContext, component: string): ComponentIdentity {
  return {
    name: 'superset',
    instance: ctx.env.config.instance,
    component,
    version: ctx.env.config.superset.image.tag,
  };
}

export function objectMeta(ctx: SupersetPodContext, name: string, id: ComponentIdentity): k8s.ObjectMeta & { readonly name: string } {
  return { name, namespace: ctx.env.namespace, labels: recommendedLabels(id) };
}

function supersetEnv(ctx: SupersetPodContext, component: string, database: DatabaseRoute): k8s.EnvVar[] {
  const config = ctx.env.config;
  const endpoint = database === 'pgbouncer' ? pooledDatabase(config) : directDatabase(config);
  const db = metadataDatabase(config);
  // TLS toward what this pod connects to: a managed server (without PgBouncer in between), or our
  // own tier with postgres.tls (PgBouncer and the primary alike).
  const clientTls = databaseClientTls(config, database === 'primary' ? 'direct' : 'pooled');
  const tls: k8s.EnvVar[] = clientTls ? [
    { name: 'DATABASE_SSLMODE', value: clientTls.sslMode },
    ...(clientTls.caBundle ? [{ name: 'DATABASE_SSLROOTCERT', value: DATABASE_CA.file }] : []),
  ] : [];
  return [
    { name: 'SUPERSET_CONFIG_PATH', value: `${CONFIG_DIR}/${CONFIG_FILE}` },
    { name: 'SUPERSET_COMPONENT', value: component },
    { name: 'DATABASE_HOST', value: endpoint.host },
    { name: 'DATABASE_PORT', value: String(endpoint.port) },
    { name: 'DATABASE_NAME', value: db.name },
    { name: 'DATABASE_USER', value: db.user },
    ...tls,
    // Passwords and keys are files in SUPERSET_SECRETS_DIR (supersetSecretsVolume), never env vars.
    // The config directory is read-only: never try to write .pyc files next to it.
    { name: 'PYTHONDONTWRITEBYTECODE', value: '1' },
    { name: 'PYTHONUNBUFFERED', value: '1' },
  ];
}

/**
 * Every Secret key superset_config.py reads, as one file per setting (named after it) in
 * SUPERSET_SECRETS_DIR: a file is not inherited by child processes nor shown by /proc/<pid>/environ,
 * and a rotated Secret reaches the files without a new pod. 0440 with the pod's fsGroup: the
 * superset user reads them, nobody else.
 */
export function supersetSecretsVolume(ctx: SupersetPodContext, component?: string): k8s.Volume {
  const delivers = deliversReports(ctx.env.config.superset, component);
  return projectedSecretsVolume(SECRETS_VOLUME, supersetSecretRefs(ctx.env.config).filter((r) => delivers || !DELIVERY_SECRETS.includes(r.envVar)));
}

/** The mail relay's password and the Slack token: only the pods that deliver reports hold them. */
const DELIVERY_SECRETS = ['SMTP_PASSWORD', 'SLACK_API_TOKEN'];


/** The component runs the report and alert tasks (the workers of the queue routing reports.*), with a channel on. */
export function deliversReports(s: SupersetConfig, component: string | undefined): boolean {
  return reportsDelivered(s.reports) && component === `worker-${reportsQueue(s)}`;
}

/** Secret keys as files named after their env var, one projected volume over their Secrets (0440). */
export function projectedSecretsVolume(name: string, refs: readonly SecretRef[]): k8s.Volume {
  const bySecret = new Map<string, k8s.KeyToPath[]>();
  for (const ref of refs) bySecret.set(ref.secretName, [...(bySecret.get(ref.secretName) ?? []), { key: ref.key, path: ref.envVar }]);
  return {
    name,
    projected: { defaultMode: 0o440, sources: [...bySecret].map(([secret, items]) => ({ secret: { name: secret, items } })) },
  };
}

const SECRETS_VOLUME = 'superset-secrets';

/** The config, the Secret files and the writable paths on an otherwise read-only root filesystem. */
export function supersetVolumes(ctx: SupersetPodContext, component?: string): k8s.Volume[] {
  return [
    { name: 'superset-config', configMap: { name: ctx.configMapName, defaultMode: 0o444 } },
    supersetSecretsVolume(ctx, component),
    { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
    { name: 'superset-home', emptyDir: { sizeLimit: k8s.Quantity.fromString('512Mi') } },
    ...(databaseCa(ctx) ? [bundleVolume(DATABASE_CA.volume, databaseCa(ctx)!)] : []),
    ...redisCas(ctx).map(([use, ca]) => bundleVolume(EXTERNAL_REDIS_CA[use].volume, ca)),
  ];
}

/** The managed Redis CA bundles (TLS with redis.*.external.caBundle), which superset_config.py reads as files. */
function redisCas(ctx: SupersetPodContext): Array<[RedisUse, CaBundleConfig]> {
  const out: Array<[RedisUse, CaBundleConfig]> = [];
  for (const [use, external] of [['redis-cache', externalRedisCache(ctx.env.config)], ['redis-queue', externalRedisQueue(ctx.env.config)]] as const) {
    if (external?.tls && external.caBundle) out.push([use, external.caBundle]);
  }
  return out;
}

/** The CA bundle of the metadata database (a managed server's, or our tier's with postgres.tls), mounted in every Superset pod when there is one. */
function databaseCa(ctx: SupersetPodContext) {
  return databaseClientTls(ctx.env.config, 'direct')?.caBundle;
}

function supersetVolumeMounts(ctx: SupersetPodContext): k8s.VolumeMount[] {
  const redis = redisCas(ctx).map(([use]) => ({ name: EXTERNAL_REDIS_CA[use].volume, mountPath: EXTERNAL_REDIS_CA[use].dir, readOnly: true }));
  const mounts = databaseCa(ctx) ? [...SUPERSET_VOLUME_MOUNTS, { name: DATABASE_CA.volume, mountPath: DATABASE_CA.dir, readOnly: true }] : SUPERSET_VOLUME_MOUNTS;
  return redis.length ? [...mounts, ...redis] : mounts;
}

export const SUPERSET_VOLUME_MOUNTS: k8s.VolumeMount[] = [
  { name: 'superset-config', mountPath: CONFIG_DIR, readOnly: true },
  { name: SECRETS_VOLUME, mountPath: SUPERSET_SECRETS_DIR, readOnly: true },
  { name: 'tmp', mountPath: '/tmp' },
  { name: 'superset-home', mountPath: '/app/superset_home' },
];

/** Exit 0 while a file was touched within `maxAgeSeconds` (python is in every Superset image). */
export function fileFreshCommand(glob: string, maxAgeSeconds: number): string[] {
  return [
    'python',
    '-c',
    `import glob, os, sys, time; ages = [time.time() - os.path.getmtime(f) for f in glob.glob(${JSON.stringify(glob)})]; sys.exit(0 if ages and min(ages) < ${maxAgeSeconds} else 1)`,
  ];
}

export interface SupersetContainerOptions {
  readonly name: string;
  readonly component: string;
  readonly command: string[];
  readonly resources: ResourcesConfig;
  readonly database: DatabaseRoute;
  readonly extraEnv?: k8s.EnvVar[];
}

/** A Superset container with its env, mounts, resources and restricted security context. */
export function supersetContainer(ctx: SupersetPodContext, o: SupersetContainerOptions): k8s.Container {
  return {
    name: o.name,
    image: supersetImage(ctx),
    imagePullPolicy: ctx.env.config.imagePullPolicy,
    command: o.command,
    env: [...supersetEnv(ctx, o.component, o.database), ...(o.extraEnv ?? []), ...ctx.env.config.superset.env.map(toEnvVar)],
    // Only when configured, so the manifests (and the migration Job's name hash) keep their shape.
    ...(ctx.env.config.superset.envFrom.length ? { envFrom: ctx.env.config.superset.envFrom.map(toEnvFrom) } : {}),
    resources: resourceRequirements(o.resources),
    securityContext: restrictedContainerSecurityContext(SUPERSET_RUN_AS),
    volumeMounts: supersetVolumeMounts(ctx),
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

/**
 * Holds a pod until `superset db upgrade` of its image has run (alembic reports "(head)"), so new
 * code never starts on an old schema when everything is applied at once. Every attempt logs why
 * it still waits; after the timeout it exits 1 and the kubelet restarts it (visible as
 * Init:Error / Init:CrashLoopBackOff) instead of looping silently forever.
 */
function waitForMigrations(ctx: SupersetPodContext, component: string): k8s.Container {
  const m = ctx.env.config.superset.migrations;
  return supersetContainer(ctx, {
    name: 'wait-for-migrations',
    component,
    command: ['/bin/sh', `${CONFIG_DIR}/${WAIT_SCRIPT}`, 'head'],
    resources: m.waitResources,
    database: 'pgbouncer',
    extraEnv: [
      { name: 'WAIT_TIMEOUT_SECONDS', value: String(m.waitTimeoutSeconds) },
      ...(ctx.migrationJobName ? [{ name: 'MIGRATION_JOB', value: ctx.migrationJobName }] : []),
    ],
  });
}

export interface SupersetPodOptions {
  readonly id: ComponentIdentity;
  readonly containers: k8s.Container[];
  readonly terminationGracePeriodSeconds: number;
  /** Spread replicas across zones and nodes (not for single-replica pods). */
  readonly spread: boolean;
  /**
   * The migration Job's pod: it runs the migrations (so it does not wait for them), restarts
   * never, and must not roll with the config (a Job's template is immutable).
   */
  readonly isMigrationJob?: boolean;
  /** Run the statsd_exporter sidecar when monitoring is enabled (web and workers). */
  readonly metrics?: boolean;
  /** The component's own scheduling and pod settings (superset.web, superset.workers.<queue>, ...). */
  readonly placement: { readonly scheduling: SchedulingOverride; readonly pod: SupersetPodConfig };
  /** Volumes of this component only (the browser workers' /dev/shm), after the shared ones. */
  readonly extraVolumes?: k8s.Volume[];
}

/** The component's own env vars, after the platform's and superset.env. */
function withComponentEnv(c: k8s.Container, pod: SupersetPodConfig): k8s.Container {
  const env = (pod.env ?? []).map(toEnvVar);
  const envFrom = (pod.envFrom ?? []).map(toEnvFrom);
  return {
    ...c,
    ...(env.length ? { env: [...(c.env ?? []), ...env] } : {}),
    ...(envFrom.length ? { envFrom: [...(c.envFrom ?? []), ...envFrom] } : {}),
  };
}


/** The pod template shared by web, workers, beat and the migration Job. */
export function supersetPodTemplate(ctx: SupersetPodContext, o: SupersetPodOptions): k8s.PodTemplateSpec {
  const config = ctx.env.config;
  const longRunning = !o.isMigrationJob;
  const metrics = !!o.metrics && config.monitoring.enabled;
  const pod = o.placement.pod;
  const initContainers = longRunning && config.superset.migrations.waitInPods
    ? [withComponentEnv(waitForMigrations(ctx, o.id.component), pod)]
    : undefined;
  const containers = o.containers.map((c) => withComponentEnv(c, pod));
  const place = podPlacement(resolveScheduling(config.scheduling, o.placement.scheduling), { selector: selectorLabels(o.id), spread: o.spread });
  return extendPodTemplate({
    metadata: {
      labels: { ...cloudIdentityLabels(config.superset.serviceAccount.annotations), ...recommendedLabels(o.id) },
      annotations: longRunning ? { [CONFIG_HASH_ANNOTATION]: ctx.configHash } : undefined,
    },
    spec: {
      serviceAccountName: ctx.serviceAccountName,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: restrictedPodSecurityContext(SUPERSET_RUN_AS),
      initContainers,
      containers: metrics ? [...containers, statsdExporterSidecar(config.monitoring.statsdExporterImage, config.imagePullPolicy)] : containers,
      volumes: [...supersetVolumes(ctx, o.id.component), ...(o.extraVolumes ?? []), ...(metrics ? [statsdExporterVolume()] : [])],
      terminationGracePeriodSeconds: o.terminationGracePeriodSeconds,
      restartPolicy: longRunning ? 'Always' : 'Never',
      nodeSelector: place.nodeSelector,
      topologySpreadConstraints: place.topologySpreadConstraints,
      tolerations: place.tolerations,
      affinity: place.affinity,
      priorityClassName: place.priorityClassName,
    },
  }, { pods: config.pods, pod, runAs: SUPERSET_RUN_AS, imagePullPolicy: config.imagePullPolicy, caBundle: true });
}
