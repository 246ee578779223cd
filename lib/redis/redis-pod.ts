import { createHash } from 'node:crypto';
import * as k8s from '../../imports/k8s';
import { REDIS_CACHE, REDIS_METRICS_PORT } from './endpoints';
import type { Environment } from '../config/load';
import type { StorageConfig } from './schema';
import type { ResourcesConfig } from '../config/primitives';
import { CONFIG_HASH_ANNOTATION, ComponentIdentity, recommendedLabels, selectorLabels } from '../workload/labels';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../workload/pod-security';
import { resourceRequirements } from '../workload/resources';
import { cloudIdentityLabels, extendPodTemplate, podPlacement, resolveScheduling, serviceAccountAnnotations } from '../workload/pod-extension';
import type { PodOverride, SchedulingOverride, ServiceAccountConfig } from '../workload/schema';
import { ENGINE_BINARIES, exporterImage, REDIS_RUN_AS, serverImage } from './engine';
import { DATA_DIR } from './redis-conf';
import { REDIS_EXPORTER_USER } from './acl';
import { REDIS_AUTH_DIR, REDIS_EXPORTER_PASSWORD_KEY } from './secrets';

// Building blocks shared by the redis-cache and redis-queue StatefulSets.

/** The key of the password in the redis-cache-auth / redis-queue-auth Secrets (the Secrets contract). */
export const REDIS_PASSWORD_KEY = 'password';
/** Mount points inside every Redis pod. */
export const CONFIG_DIR = '/etc/redis';
export const AUTH_DIR = REDIS_AUTH_DIR;
export const RUN_DIR = '/run/redis';

/** `sh <script>` from the ConfigMap, the way every script is run (no exec bit needed). */
export function script(name: string, ...args: string[]): string[] {
  return ['sh', `${CONFIG_DIR}/${name}`, ...args];
}

export function execProbe(command: string[], o: { period: number; timeout?: number; failures: number }): k8s.Probe {
  return { exec: { command }, periodSeconds: o.period, timeoutSeconds: o.timeout ?? 5, failureThreshold: o.failures, successThreshold: 1 };
}

/** Labels and names of one Redis workload. */
export interface RedisWorkload {
  readonly env: Environment;
  readonly identity: ComponentIdentity;
  /** StatefulSet, ConfigMap prefix and ServiceAccount name. */
  readonly name: string;
  readonly headless: string;
  readonly secretName: string;
  /** redis.cache or redis.queue: where its pods go and what they get on top of the platform's. */
  readonly settings: { readonly scheduling: SchedulingOverride; readonly pod: PodOverride; readonly serviceAccount: ServiceAccountConfig };
}

export function redisMeta(w: RedisWorkload, name: string): k8s.ObjectMeta & { readonly name: string } {
  return { name, namespace: w.env.namespace, labels: recommendedLabels(w.identity) };
}

/** Env every container running the scripts needs: which binaries, where the password is. */
export function scriptEnv(w: RedisWorkload): k8s.EnvVar[] {
  const bin = ENGINE_BINARIES[w.env.config.redis.engine];
  return [
    { name: 'REDIS_SERVER', value: bin.server },
    { name: 'REDIS_CLI', value: bin.cli },
    { name: 'REDIS_AUTH_FILE', value: `${AUTH_DIR}/${REDIS_PASSWORD_KEY}` },
    { name: 'RUN_DIR', value: RUN_DIR },
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
  ];
}

export const CONFIG_MOUNT: k8s.VolumeMount = { name: 'config', mountPath: CONFIG_DIR, readOnly: true };
export const AUTH_MOUNT: k8s.VolumeMount = { name: 'auth', mountPath: AUTH_DIR, readOnly: true };
export const RUN_MOUNT: k8s.VolumeMount = { name: 'run', mountPath: RUN_DIR };
export const TMP_MOUNT: k8s.VolumeMount = { name: 'tmp', mountPath: '/tmp' };
export const DATA_MOUNT: k8s.VolumeMount = { name: 'data', mountPath: DATA_DIR };

/** A container of the server image running one of the scripts, restricted and read-only. */
export function scriptContainer(w: RedisWorkload, o: {
  readonly name: string;
  readonly command: string[];
  readonly resources: ResourcesConfig;
  readonly env?: k8s.EnvVar[];
  readonly mounts: k8s.VolumeMount[];
}): k8s.Container {
  return {
    name: o.name,
    image: serverImage(w.env.config.redis),
    imagePullPolicy: w.env.config.imagePullPolicy,
    command: o.command,
    env: [...scriptEnv(w), ...(o.env ?? [])],
    resources: resourceRequirements(o.resources),
    securityContext: restrictedContainerSecurityContext(REDIS_RUN_AS),
    volumeMounts: o.mounts,
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

/**
 * The Prometheus exporter sidecar: scrapes the server of its own pod over localhost, with the
 * read-only exporter user's password from the Secret as an env var (not on its command line). /health does not touch
 * Redis, so a slow server never restarts the exporter.
 */
export function exporterContainer(w: RedisWorkload, extraEnv: k8s.EnvVar[] = []): k8s.Container {
  const health: k8s.Probe = { httpGet: { path: '/health', port: k8s.IntOrString.fromString('metrics') }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3, successThreshold: 1 };
  return {
    name: 'metrics',
    image: exporterImage(w.env.config.redis),
    imagePullPolicy: w.env.config.imagePullPolicy,
    env: [
      // Both deployments serve on the same port (REDIS_CACHE.port === REDIS_QUEUE.port).
      { name: 'REDIS_ADDR', value: `redis://127.0.0.1:${REDIS_CACHE.port}` },
      // Its own read-only ACL user (lib/redis/acl.ts), never the application's password.
      { name: 'REDIS_USER', value: REDIS_EXPORTER_USER },
      { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: w.secretName, key: REDIS_EXPORTER_PASSWORD_KEY } } },
      // CONFIG GET would show masterauth: the user may not run it, so the exporter does not try
      // (maxmemory comes from INFO memory).
      { name: 'REDIS_EXPORTER_CONFIG_COMMAND', value: '-' },
      { name: 'REDIS_EXPORTER_WEB_LISTEN_ADDRESS', value: `:${REDIS_METRICS_PORT}` },
      { name: 'REDIS_EXPORTER_LOG_FORMAT', value: 'json' },
      // /scrape?target=... would let anyone who reaches the port probe any Redis with this
      // exporter's password; key values as labels would publish cached data (the queue exporter
      // needs the lengths of its list keys, never their values). Both flags exist in v1.88.0.
      { name: 'REDIS_EXPORTER_DISABLE_SCRAPE_ENDPOINT', value: 'true' },
      { name: 'REDIS_EXPORTER_DISABLE_EXPORTING_KEY_VALUES', value: 'true' },
      ...extraEnv,
    ],
    ports: [{ name: 'metrics', containerPort: REDIS_METRICS_PORT, protocol: 'TCP' }],
    resources: resourceRequirements(w.env.config.redis.exporterResources),
    securityContext: restrictedContainerSecurityContext(REDIS_RUN_AS),
    readinessProbe: health,
    livenessProbe: health,
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

/** Volumes of every Redis pod besides the PVC: the ConfigMap, the Secret and two emptyDirs. */
export function redisVolumes(w: RedisWorkload, configMapName: string): k8s.Volume[] {
  return [
    { name: 'config', configMap: { name: configMapName, defaultMode: 0o444 } },
    // 0440 + fsGroup: readable by the Redis user, by nobody else in the pod. Every key, so that
    // the optional next-password / previous-password appear during a rotation (docs/redis.md);
    // the kubelet updates the files in place, and the agents apply them without a restart.
    { name: 'auth', secret: { secretName: w.secretName, defaultMode: 0o440 } },
    // The generated config with the password: in memory only, gone with the pod.
    { name: 'run', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
    { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
  ];
}

/** Keep pods of one StatefulSet on different nodes (and zones, per the scheduling config). */
export function redisPlacement(w: RedisWorkload, mode: 'preferred' | 'required'): Pick<k8s.PodSpec, 'affinity' | 'topologySpreadConstraints' | 'nodeSelector' | 'tolerations' | 'priorityClassName'> {
  const selector = selectorLabels(w.identity);
  const term: k8s.PodAffinityTerm = { labelSelector: { matchLabels: selector }, topologyKey: 'kubernetes.io/hostname' };
  const place = podPlacement(resolveScheduling(w.env.config.scheduling, w.settings.scheduling), {
    selector,
    spread: true,
    // StatefulSets have no pod-template-hash: count every pod of the set.
    perReplicaSet: false,
    podAntiAffinity: mode === 'required'
      ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
      : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
  });
  return {
    affinity: place.affinity,
    topologySpreadConstraints: place.topologySpreadConstraints,
    nodeSelector: place.nodeSelector,
    tolerations: place.tolerations,
    priorityClassName: place.priorityClassName,
  };
}

/** The pod template with the environment's and the component's pod extensions applied. */
export function redisPodTemplate(w: RedisWorkload, template: k8s.PodTemplateSpec): k8s.PodTemplateSpec {
  const labels = { ...cloudIdentityLabels(w.settings.serviceAccount.annotations), ...template.metadata?.labels };
  return extendPodTemplate({ ...template, metadata: { ...template.metadata, labels } }, { pods: w.env.config.pods, pod: w.settings.pod, runAs: REDIS_RUN_AS, imagePullPolicy: w.env.config.imagePullPolicy });
}

/** Pod-level fields shared by the Redis pods. */
export function redisPodSpec(w: RedisWorkload, o: {
  readonly containers: k8s.Container[];
  readonly volumes: k8s.Volume[];
  readonly terminationGracePeriodSeconds: number;
  readonly antiAffinity: 'preferred' | 'required';
}): k8s.PodSpec {
  return {
    serviceAccountName: w.name,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext(REDIS_RUN_AS),
    containers: o.containers,
    volumes: o.volumes,
    terminationGracePeriodSeconds: o.terminationGracePeriodSeconds,
    ...redisPlacement(w, o.antiAffinity),
  };
}

export function configHash(data: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(data).sort()) hash.update(`${key}\0${data[key]}\0`);
  return hash.digest('hex');
}

/** Pod template metadata: labels, and the ConfigMap hash so that a config change rolls the pods. */
export function redisPodMeta(w: RedisWorkload, configData: Record<string, string>): k8s.ObjectMeta {
  return { labels: recommendedLabels(w.identity), annotations: { [CONFIG_HASH_ANNOTATION]: configHash(configData) } };
}

/** The PVC template: one ReadWriteOnce volume per pod. */
export function dataClaim(w: RedisWorkload, storage: StorageConfig): k8s.KubePersistentVolumeClaimProps {
  return {
    metadata: { name: 'data', labels: recommendedLabels(w.identity) },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: storage.storageClassName,
      resources: { requests: { storage: k8s.Quantity.fromString(storage.size) } },
    },
  };
}

/** The StatefulSet's own ServiceAccount: Redis never calls the Kubernetes API, so no token. */
export function serviceAccountProps(w: RedisWorkload): k8s.KubeServiceAccountProps {
  return { metadata: { ...redisMeta(w, w.name), annotations: serviceAccountAnnotations(w.settings.serviceAccount.annotations) }, automountServiceAccountToken: false };
}

/** Headless Service: stable per-pod DNS names, published before the pods are ready (the cluster and the Sentinels need each other's names to become ready at all). */
export function headlessServiceProps(w: RedisWorkload, ports: k8s.ServicePort[]): k8s.KubeServiceProps {
  return {
    metadata: redisMeta(w, w.headless),
    spec: { clusterIp: 'None', publishNotReadyAddresses: true, selector: selectorLabels(w.identity), ports },
  };
}

export function servicePort(name: string, port: number): k8s.ServicePort {
  return { name, port, targetPort: k8s.IntOrString.fromString(name), protocol: 'TCP' };
}
