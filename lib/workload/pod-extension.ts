import * as k8s from '../../imports/k8s';
import type { ResourcesConfig } from '../config/primitives';
import { restrictedContainerSecurityContext, RunAs } from './pod-security';
import { resourceRequirements } from './resources';
import { topologySpread } from './topology';
import { AZURE_CLIENT_ID_ANNOTATION, AZURE_WORKLOAD_IDENTITY_LABEL } from './schema';
import type { CaBundleConfig, EnvFromConfig, EnvVarConfig, ExtraContainer, PodOverride, PodsConfig, SchedulingConfig, SchedulingOverride } from './schema';

// The two layers of pod settings: the environment-wide `scheduling` and `pods`, and a component's
// own `scheduling` and `pod`. Scheduling fields a component sets replace the environment's as a
// whole; pod extensions are added to the environment's (maps merge with the component winning on
// a key, lists are concatenated). With nothing configured every function here returns exactly
// what the component rendered before, so existing manifests do not change.

/** The scheduling of one component: each field it sets replaces the environment-wide one. */
export function resolveScheduling(global: SchedulingConfig, override: SchedulingOverride | undefined): SchedulingConfig {
  const o = override ?? {};
  return {
    zoneSpread: o.zoneSpread ?? global.zoneSpread,
    nodeSpread: o.nodeSpread ?? global.nodeSpread,
    topologySpreadConstraints: o.topologySpreadConstraints ?? global.topologySpreadConstraints,
    nodeSelector: o.nodeSelector ?? global.nodeSelector,
    tolerations: o.tolerations ?? global.tolerations,
    affinity: o.affinity ?? global.affinity,
    priorityClassName: o.priorityClassName ?? global.priorityClassName,
  };
}

const nonEmpty = <T extends object>(value: T | undefined): T | undefined => (value && Object.keys(value).length > 0 ? value : undefined);
const nonEmptyList = <T>(value: readonly T[] | undefined): T[] | undefined => (value && value.length > 0 ? [...value] : undefined);

export interface PlacementOptions {
  /** Labels of the component's pods, for the topology spread. */
  readonly selector: Record<string, string>;
  /** Spread across zones and nodes (workloads with more than one pod). */
  readonly spread: boolean;
  /** Count only the current ReplicaSet (Deployments); StatefulSets count every pod. */
  readonly perReplicaSet?: boolean;
  /** The component's own anti-affinity terms (members on different nodes), kept whatever the config says. */
  readonly podAntiAffinity?: k8s.PodAntiAffinity;
}

/** Node selector, tolerations, affinity, priority and topology spread of a pod spec. */
export function podPlacement(s: SchedulingConfig, o: PlacementOptions): Pick<k8s.PodSpec, 'nodeSelector' | 'tolerations' | 'affinity' | 'priorityClassName' | 'topologySpreadConstraints'> {
  const user = s.affinity as k8s.Affinity;
  const own = o.podAntiAffinity;
  const podAntiAffinity: k8s.PodAntiAffinity | undefined = own || user.podAntiAffinity ? {
    requiredDuringSchedulingIgnoredDuringExecution: nonEmptyList([...(user.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []), ...(own?.requiredDuringSchedulingIgnoredDuringExecution ?? [])]),
    preferredDuringSchedulingIgnoredDuringExecution: nonEmptyList([...(user.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []), ...(own?.preferredDuringSchedulingIgnoredDuringExecution ?? [])]),
  } : undefined;
  const affinity = nonEmpty({ ...(user.nodeAffinity ? { nodeAffinity: user.nodeAffinity } : {}), ...(user.podAffinity ? { podAffinity: user.podAffinity } : {}), ...(podAntiAffinity ? { podAntiAffinity } : {}) });
  return {
    nodeSelector: nonEmpty(s.nodeSelector),
    tolerations: nonEmptyList(s.tolerations as k8s.Toleration[]),
    affinity,
    priorityClassName: s.priorityClassName,
    topologySpreadConstraints: o.spread ? topologySpread(o.selector, s, { perReplicaSet: o.perReplicaSet }) : undefined,
  };
}

/** Where the custom CA bundle is mounted, and the variables that make Python, curl and libpq trust it. */
export const CA_BUNDLE_DIR = '/etc/ssl/superset-k8s';
export const CA_BUNDLE_FILE = `${CA_BUNDLE_DIR}/ca.crt`;
export const CA_BUNDLE_VOLUME = 'ca-bundle';
export const CA_BUNDLE_ENV: readonly k8s.EnvVar[] = [
  // OpenSSL's default store (Python's ssl module, curl built on OpenSSL, git).
  { name: 'SSL_CERT_FILE', value: CA_BUNDLE_FILE },
  // requests and httpx use certifi's bundle unless told otherwise.
  { name: 'REQUESTS_CA_BUNDLE', value: CA_BUNDLE_FILE },
  { name: 'CURL_CA_BUNDLE', value: CA_BUNDLE_FILE },
  // libpq (psql, pg_dump, psycopg2): used with sslmode verify-ca / verify-full.
  { name: 'PGSSLROOTCERT', value: CA_BUNDLE_FILE },
];

function caBundleVolume(pods: PodsConfig): k8s.Volume | undefined {
  return pods.caBundle ? bundleVolume(CA_BUNDLE_VOLUME, pods.caBundle) : undefined;
}

/** A volume with one file, ca.crt, from the key of a ConfigMap or a Secret. */
export function bundleVolume(name: string, ca: CaBundleConfig): k8s.Volume {
  const items = [{ key: ca.key, path: 'ca.crt' }];
  return ca.configMap
    ? { name, configMap: { name: ca.configMap, items, defaultMode: 0o444 } }
    : { name, secret: { secretName: ca.secret!, items, defaultMode: 0o444 } };
}

export function toEnvVar(e: EnvVarConfig): k8s.EnvVar {
  if (e.value !== undefined) return { name: e.name, value: e.value };
  if (e.secretKeyRef) return { name: e.name, valueFrom: { secretKeyRef: { ...e.secretKeyRef } } };
  if (e.configMapKeyRef) return { name: e.name, valueFrom: { configMapKeyRef: { ...e.configMapKeyRef } } };
  return { name: e.name, valueFrom: { fieldRef: { fieldPath: e.fieldRef!.fieldPath } } };
}

export function toEnvFrom(e: EnvFromConfig): k8s.EnvFromSource {
  return {
    ...(e.secretRef ? { secretRef: { name: e.secretRef.name } } : {}),
    ...(e.configMapRef ? { configMapRef: { name: e.configMapRef.name } } : {}),
    ...(e.prefix ? { prefix: e.prefix } : {}),
  };
}

function toProbe(p: NonNullable<ExtraContainer['livenessProbe']>): k8s.Probe {
  const port = (x: number | string) => (typeof x === 'number' ? k8s.IntOrString.fromNumber(x) : k8s.IntOrString.fromString(x));
  return {
    ...(p.exec ? { exec: { command: [...p.exec.command] } } : {}),
    ...(p.httpGet ? { httpGet: { path: p.httpGet.path, port: port(p.httpGet.port) } } : {}),
    ...(p.tcpSocket ? { tcpSocket: { port: port(p.tcpSocket.port) } } : {}),
    initialDelaySeconds: p.initialDelaySeconds,
    periodSeconds: p.periodSeconds,
    timeoutSeconds: p.timeoutSeconds,
    failureThreshold: p.failureThreshold,
  };
}

/**
 * A container the platform does not know, with the restricted security context and a read-only
 * root filesystem always set (the pod's uid/gid unless it names its own non-zero ones).
 */
export function extraContainer(c: ExtraContainer, runAs: RunAs, imagePullPolicy: string): k8s.Container {
  const image = `${c.image.repository}:${c.image.tag}${c.image.digest ? `@${c.image.digest}` : ''}`;
  return {
    name: c.name,
    image,
    imagePullPolicy,
    command: c.command ? [...c.command] : undefined,
    args: c.args ? [...c.args] : undefined,
    env: c.env?.map(toEnvVar),
    envFrom: c.envFrom?.map(toEnvFrom),
    ports: c.ports?.map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: p.protocol ?? 'TCP' })),
    resources: resourceRequirements(c.resources as ResourcesConfig),
    securityContext: restrictedContainerSecurityContext({ uid: c.runAsUser ?? runAs.uid, gid: c.runAsGroup ?? runAs.gid }),
    volumeMounts: c.volumeMounts?.map((m) => ({ ...m })),
    livenessProbe: c.livenessProbe ? toProbe(c.livenessProbe) : undefined,
    readinessProbe: c.readinessProbe ? toProbe(c.readinessProbe) : undefined,
    startupProbe: c.startupProbe ? toProbe(c.startupProbe) : undefined,
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

export interface PodExtensionOptions {
  /** The environment-wide `pods`. */
  readonly pods: PodsConfig;
  /** The component's own `pod`. */
  readonly pod?: PodOverride;
  /** uid/gid the extra containers run as by default (the pod's). */
  readonly runAs: RunAs;
  readonly imagePullPolicy: string;
  /** Mount pods.caBundle into every platform container, with the variables that point at it. */
  readonly caBundle?: boolean;
  /** Env vars and envFrom added to every platform container (Superset's own, e.g. superset.env). */
  readonly env?: readonly k8s.EnvVar[];
  readonly envFrom?: readonly k8s.EnvFromSource[];
}

/**
 * Whether a pod runs to completion (a Job's or CronJob's: restartPolicy Never or OnFailure)
 * rather than forever (Deployments and StatefulSets: Always, the default).
 */
export function runsToCompletion(spec: k8s.PodSpec): boolean {
  return spec.restartPolicy === 'Never' || spec.restartPolicy === 'OnFailure';
}

/**
 * A pod template with the extensions applied: labels and annotations (the platform's own keys
 * win), pull Secrets, extra volumes, mounts and env in every container the platform renders,
 * the CA bundle (with its variables) in every container, extra ones included, then the extra
 * init containers (after the platform's) and sidecars.
 *
 * Sidecars of a pod that runs to completion are native sidecars (init containers with
 * restartPolicy Always, Kubernetes >= 1.29): as ordinary containers they would never exit, so
 * the Job would never complete. They come first among the init containers: the kubelet starts
 * each one (and waits for its startupProbe, if any) before the next init container, so a
 * database proxy already serves the platform's own init steps (dashboard-export's `superset
 * export`) and the main container; it stops them once the main containers have exited.
 */
export function extendPodTemplate(template: k8s.PodTemplateSpec, o: PodExtensionOptions): k8s.PodTemplateSpec {
  const pod = o.pod ?? {};
  const ca = o.caBundle ? caBundleVolume(o.pods) : undefined;
  const mounts: k8s.VolumeMount[] = [
    ...(ca ? [{ name: CA_BUNDLE_VOLUME, mountPath: CA_BUNDLE_DIR, readOnly: true }] : []),
    ...(pod.volumeMounts ?? []).map((m) => ({ ...m })),
  ];
  const env = [...(ca ? CA_BUNDLE_ENV : []), ...(o.env ?? [])];
  const envFrom = o.envFrom ?? [];
  const extend = (c: k8s.Container): k8s.Container => {
    // A variable the container sets itself (pg-backup's PGSSLROOTCERT for a managed database) wins.
    const own = new Set((c.env ?? []).map((e) => e.name));
    const added = env.filter((e) => !(CA_BUNDLE_ENV.includes(e) && own.has(e.name)));
    return {
      ...c,
      ...(added.length ? { env: [...(c.env ?? []), ...added] } : {}),
      ...(envFrom.length ? { envFrom: [...(c.envFrom ?? []), ...envFrom] } : {}),
      ...(mounts.length ? { volumeMounts: [...(c.volumeMounts ?? []), ...mounts] } : {}),
    };
  };
  // Extra containers get the CA bundle and its variables only (a Vault agent or a database proxy
  // calls out over TLS too); Superset's env and pod.volumeMounts stay the platform containers'.
  // What the container sets itself wins: a variable of the same name, a mount at the same path.
  const withCaBundle = (c: k8s.Container): k8s.Container => {
    if (!ca) return c;
    const ownEnv = new Set((c.env ?? []).map((e) => e.name));
    const env = CA_BUNDLE_ENV.filter((e) => !ownEnv.has(e.name));
    const ownMount = (c.volumeMounts ?? []).some((m) => m.mountPath === CA_BUNDLE_DIR);
    return {
      ...c,
      ...(env.length ? { env: [...(c.env ?? []), ...env] } : {}),
      ...(ownMount ? {} : { volumeMounts: [...(c.volumeMounts ?? []), { name: CA_BUNDLE_VOLUME, mountPath: CA_BUNDLE_DIR, readOnly: true }] }),
    };
  };
  const extra = (c: ExtraContainer): k8s.Container => withCaBundle(extraContainer(c, o.runAs, o.imagePullPolicy));
  const spec = template.spec!;
  const labels = { ...o.pods.labels, ...pod.labels };
  const annotations = { ...o.pods.annotations, ...pod.annotations };
  const pullSecrets = [...new Set([...o.pods.imagePullSecrets, ...(pod.imagePullSecrets ?? [])])];
  const volumes = [...(ca ? [ca] : []), ...(pod.volumes ?? []).map(toVolume)];
  const sidecars = (pod.sidecars ?? []).map(extra);
  const native = runsToCompletion(spec);
  const initContainers = [
    ...(native ? sidecars.map((c) => ({ ...c, restartPolicy: 'Always' })) : []),
    ...(spec.initContainers ?? []).map(extend),
    ...(pod.initContainers ?? []).map(extra),
  ];
  const containers = [...spec.containers.map(extend), ...(native ? [] : sidecars)];
  return {
    metadata: {
      ...template.metadata,
      ...(Object.keys(labels).length ? { labels: { ...labels, ...template.metadata?.labels } } : {}),
      ...(Object.keys(annotations).length ? { annotations: { ...annotations, ...template.metadata?.annotations } } : {}),
    },
    spec: {
      ...spec,
      ...(pullSecrets.length ? { imagePullSecrets: pullSecrets.map((name) => ({ name })) } : {}),
      ...(initContainers.length ? { initContainers } : {}),
      containers,
      ...(volumes.length ? { volumes: [...(spec.volumes ?? []), ...volumes] } : {}),
    },
  };
}

function toVolume(v: NonNullable<PodOverride['volumes']>[number]): k8s.Volume {
  const { name, configMap, secret, emptyDir, persistentVolumeClaim, csi } = v;
  if (configMap) return { name, configMap: { ...configMap, items: configMap.items?.map((i) => ({ ...i })) } };
  if (secret) return { name, secret: { ...secret, items: secret.items?.map((i) => ({ ...i })) } };
  if (emptyDir) return { name, emptyDir: { medium: emptyDir.medium, sizeLimit: k8s.Quantity.fromString(emptyDir.sizeLimit) } };
  if (persistentVolumeClaim) return { name, persistentVolumeClaim: { ...persistentVolumeClaim } };
  return { name, csi: { ...csi!, volumeAttributes: csi!.volumeAttributes ? { ...csi!.volumeAttributes } : undefined } };
}

/** Azure Workload Identity mutates only pods that carry its label: set it with the client-id annotation. */
export function cloudIdentityLabels(annotations: Readonly<Record<string, string>>): Record<string, string> {
  return annotations[AZURE_CLIENT_ID_ANNOTATION] ? { [AZURE_WORKLOAD_IDENTITY_LABEL]: 'true' } : {};
}

/** ServiceAccount annotations (cloud identity): undefined when there are none, so the manifest keeps its shape. */
export function serviceAccountAnnotations(annotations: Readonly<Record<string, string>> | undefined): Record<string, string> | undefined {
  return annotations && Object.keys(annotations).length ? { ...annotations } : undefined;
}
