import * as k8s from '../../imports/k8s';
import type { Environment } from '../config/load';
import type { ObjectStorageConfig } from './schema';
import type { SecretRef } from '../config/secret-ref';
import { OPS_KEYS_DIR, objectStorageRefs, readOnlyObjectStorageRefs } from './secrets';
import { ComponentIdentity, recommendedLabels } from '../workload/labels';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, RunAs } from '../workload/pod-security';
import { cloudIdentityLabels, extendPodTemplate, podPlacement, resolveScheduling } from '../workload/pod-extension';
import type { PodOverride, SchedulingOverride } from '../workload/schema';

/** The `postgres` user of the official postgres image (uid/gid 999; images/ops/Dockerfile asserts it). */
export const OPS_RUN_AS: RunAs = { uid: 999, gid: 999 };
/** Where the scripts ConfigMap is mounted. */
export const SCRIPTS_DIR = '/opt/superset-ops';
export const SCRIPTS_CONFIG_MAP = 'superset-ops-scripts';
export const OPS_SERVICE_ACCOUNT = 'superset-ops';
/** Exit code of a permanent failure (lib/ops/scripts/ops-lib.sh): the Job fails without retrying. */
export const EXIT_PERMANENT = 3;

export function opsImage(env: Environment): string {
  const image = env.config.ops.image;
  return `${image.repository}:${image.tag}${image.digest ? `@${image.digest}` : ''}`;
}

export function opsIdentity(env: Environment, component: string): ComponentIdentity {
  return { name: 'superset-ops', instance: env.config.instance, component, version: env.config.ops.image.tag };
}

export function opsMeta(env: Environment, name: string, id: ComponentIdentity): k8s.ObjectMeta & { readonly name: string } {
  return { name, namespace: env.namespace, labels: recommendedLabels(id) };
}

/** Key prefix of an environment in the bucket: the configured one, else the namespace. */
export function objectStoragePrefix(env: Environment): string {
  return env.config.ops.objectStorage.prefix ?? env.namespace;
}

export function secretEnv(refs: readonly SecretRef[]): k8s.EnvVar[] {
  return refs.map((ref) => ({ name: ref.envVar, valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } } }));
}

/** The restore check's own ServiceAccount with credentials "webIdentity": its read-only role trusts only it. */
export const OPS_READ_SERVICE_ACCOUNT = 'superset-ops-read';
/** Where the projected web identity token is mounted (credentials "webIdentity"). */
export const WEB_IDENTITY_TOKEN_DIR = '/var/run/secrets/superset-k8s/web-identity';
const WEB_IDENTITY_VOLUME = 'web-identity-token';

/** How a container reaches the bucket: the writing access (pg-backup, dashboard-export) or the read-only one (restore check). */
export type StorageAccess = 'write' | 'read';

export interface ObjectStorageAccess {
  readonly env: k8s.EnvVar[];
  /** The projected token (webIdentity), for the pod. */
  readonly volumes: k8s.Volume[];
  readonly volumeMounts: k8s.VolumeMount[];
  readonly serviceAccountName: string;
}

/**
 * Where the scripts find the bucket, and how they sign: the access key from its Secret, or
 * (credentials "webIdentity") the role to assume with a projected ServiceAccount token whose
 * audience is the token service's, never the Kubernetes API's.
 */
export function objectStorageAccess(env: Environment, access: StorageAccess): ObjectStorageAccess {
  const s: ObjectStorageConfig = env.config.ops.objectStorage;
  const bucket: k8s.EnvVar[] = [
    { name: 'S3_ENDPOINT', value: s.endpoint },
    { name: 'S3_REGION', value: s.region },
    { name: 'S3_BUCKET', value: s.bucket },
    { name: 'S3_PREFIX', value: objectStoragePrefix(env) },
    { name: 'S3_ADDRESSING_STYLE', value: s.addressingStyle },
  ];
  if (s.credentials === 'accessKeys' || !s.webIdentity) {
    const keys = access === 'write' ? objectStorageRefs(env.config) : readOnlyObjectStorageRefs(env.config);
    return { env: [...bucket, ...secretEnv(keys)], volumes: [], volumeMounts: [], serviceAccountName: OPS_SERVICE_ACCOUNT };
  }
  const w = s.webIdentity;
  return {
    env: [
      ...bucket,
      { name: 'AWS_ROLE_ARN', value: access === 'write' ? w.roleArn : w.readOnlyRoleArn },
      { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: `${WEB_IDENTITY_TOKEN_DIR}/token` },
      { name: 'AWS_STS_ENDPOINT', value: w.stsEndpoint },
      { name: 'AWS_ROLE_SESSION_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'AWS_SESSION_DURATION_SECONDS', value: String(w.sessionDurationSeconds) },
    ],
    volumes: [{
      name: WEB_IDENTITY_VOLUME,
      projected: { defaultMode: 0o440, sources: [{ serviceAccountToken: { audience: w.audience, expirationSeconds: w.tokenExpirationSeconds, path: 'token' } }] },
    }],
    volumeMounts: [{ name: WEB_IDENTITY_VOLUME, mountPath: WEB_IDENTITY_TOKEN_DIR, readOnly: true }],
    serviceAccountName: access === 'write' ? OPS_SERVICE_ACCOUNT : OPS_READ_SERVICE_ACCOUNT,
  };
}

/**
 * The key files of one Secret as a read-only volume holding only the listed keys (a pod never
 * sees the other half of a key pair), group-readable for the pod's fsGroup.
 */
export function keysVolume(refs: readonly SecretRef[]): k8s.Volume {
  const names = [...new Set(refs.map((r) => r.secretName))];
  if (names.length !== 1 || refs.some((r) => !r.file?.startsWith(`${OPS_KEYS_DIR}/`))) {
    throw new Error(`keysVolume: one Secret whose keys are files under ${OPS_KEYS_DIR}, not ${refs.map((r) => `${r.secretName}/${r.key}`).join(', ')}`);
  }
  return {
    name: 'keys',
    secret: { secretName: names[0], defaultMode: 0o440, items: refs.map((r) => ({ key: r.key, path: r.file!.slice(OPS_KEYS_DIR.length + 1) })) },
  };
}
export const keysMount: k8s.VolumeMount = { name: 'keys', mountPath: OPS_KEYS_DIR, readOnly: true };

/** The scripts ConfigMap, mounted read-only and executable. */
export const scriptsVolume: k8s.Volume = { name: 'scripts', configMap: { name: SCRIPTS_CONFIG_MAP, defaultMode: 0o555 } };
export const scriptsMount: k8s.VolumeMount = { name: 'scripts', mountPath: SCRIPTS_DIR, readOnly: true };

export function emptyDir(name: string, sizeLimit: string): k8s.Volume {
  return { name, emptyDir: { sizeLimit: k8s.Quantity.fromString(sizeLimit) } };
}

export interface OpsContainerOptions {
  readonly name: string;
  readonly script: string;
  readonly args?: string[];
  readonly env: k8s.EnvVar[];
  readonly resources: k8s.ResourceRequirements;
  readonly volumeMounts: k8s.VolumeMount[];
}

/** A container of the ops image running one of the scripts, restricted, read-only root filesystem. */
export function opsContainer(env: Environment, o: OpsContainerOptions): k8s.Container {
  return {
    name: o.name,
    image: opsImage(env),
    imagePullPolicy: env.config.imagePullPolicy,
    command: ['/bin/bash', `${SCRIPTS_DIR}/${o.script}`, ...(o.args ?? [])],
    env: o.env,
    resources: o.resources,
    securityContext: restrictedContainerSecurityContext(OPS_RUN_AS),
    volumeMounts: [scriptsMount, ...o.volumeMounts],
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

/** The schedule and history settings every ops CronJob shares. */
export interface CronSettings {
  readonly schedule: string;
  readonly timeZone: string;
  readonly startingDeadlineSeconds: number;
  readonly activeDeadlineSeconds: number;
  readonly backoffLimit: number;
  readonly successfulJobsHistoryLimit: number;
  readonly failedJobsHistoryLimit: number;
  /** Where the CronJob's pods go and what they get on top of the platform's. */
  readonly scheduling: SchedulingOverride;
  readonly pod: PodOverride;
}

export interface OpsCronJobOptions {
  readonly env: Environment;
  readonly name: string;
  readonly id: ComponentIdentity;
  readonly settings: CronSettings;
  readonly pod: k8s.PodSpec;
  /** Pod-level identity; the ops image's postgres user unless the pod runs another image first. */
  readonly runAs?: RunAs;
  /** superset-ops unless told (the restore check's read-only web identity has its own). */
  readonly serviceAccountName?: string;
}

/**
 * A CronJob that never overlaps itself (Forbid), has an explicit time zone and starting deadline,
 * a Job deadline and backoff, history limits, and a pod failure policy: exit code 3 (a permanent
 * failure: corrupt backup, bad configuration) fails the Job at once instead of retrying, and a
 * pod evicted by a node drain does not count against the backoff limit.
 */
export function opsCronJobSpec(o: OpsCronJobOptions): { metadata: k8s.ObjectMeta & { readonly name: string }; spec: k8s.CronJobSpec } {
  const { env, settings: s } = o;
  const labels = recommendedLabels(o.id);
  const place = podPlacement(resolveScheduling(env.config.scheduling, s.scheduling), { selector: labels, spread: false });
  const podLabels = { ...cloudIdentityLabels(env.config.ops.serviceAccount.annotations), ...labels };
  return {
    metadata: opsMeta(env, o.name, o.id),
    spec: {
      schedule: s.schedule,
      timeZone: s.timeZone,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: s.startingDeadlineSeconds,
      successfulJobsHistoryLimit: s.successfulJobsHistoryLimit,
      failedJobsHistoryLimit: s.failedJobsHistoryLimit,
      suspend: false,
      jobTemplate: {
        metadata: { labels },
        spec: {
          backoffLimit: s.backoffLimit,
          activeDeadlineSeconds: s.activeDeadlineSeconds,
          podFailurePolicy: {
            rules: [
              // onPodConditions is a required field in the 1.28 API (optional from 1.29): an empty list.
              { action: 'FailJob', onExitCodes: { operator: 'In', values: [EXIT_PERMANENT] }, onPodConditions: [] },
              { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
            ],
          },
          template: extendPodTemplate({
            metadata: { labels: podLabels },
            spec: {
              serviceAccountName: o.serviceAccountName ?? OPS_SERVICE_ACCOUNT,
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: restrictedPodSecurityContext(o.runAs ?? OPS_RUN_AS),
              restartPolicy: 'Never',
              terminationGracePeriodSeconds: 30,
              nodeSelector: place.nodeSelector,
              tolerations: place.tolerations,
              affinity: place.affinity,
              priorityClassName: place.priorityClassName,
              ...o.pod,
            },
          }, { pods: env.config.pods, pod: s.pod, runAs: o.runAs ?? OPS_RUN_AS, imagePullPolicy: env.config.imagePullPolicy, caBundle: true }),
        },
      },
    },
  };
}
