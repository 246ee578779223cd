import { z } from 'zod';
import { dnsLabel, imageOf, percent, positiveInt, resourcesOf, seconds, storageQuantity } from '../config/primitives';

// The settings of the pod-level helpers in this folder, shared by every workload of the
// platform. Plugged into the platform schema as `scheduling`, `pods` and `autoscaling` (the
// environment-wide defaults), and into each component as `<component>.scheduling` and
// `<component>.pod` (lib/workload/pod-extension.ts resolves the two layers).

const whenUnsatisfiable = z.enum(['ScheduleAnyway', 'DoNotSchedule']);

/** A label or annotation key: an optional DNS-subdomain prefix and "/", then a name of up to 63 characters. */
export const qualifiedName = z
  .string()
  .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'must be a Kubernetes label or annotation key such as "example.com/team" or "team"');
export const labelValue = z
  .string()
  .regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/, 'must be a label value: at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit');
/** A DNS subdomain: names of Secrets, ConfigMaps, PriorityClasses, PVCs. */
export const objectName = z
  .string()
  .max(253, 'must be at most 253 characters')
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a Kubernetes object name (lower-case letters, digits, "-" and ".")');
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name (letters, digits and "_", not starting with a digit)');
const absolutePath = z.string().regex(/^\/[^\0\n]*$/, 'must be an absolute path such as "/etc/ssl/custom"').refine((p) => !p.split('/').includes('..'), 'must not contain ".." segments');

// ---- scheduling -----------------------------------------------------------------------------

/** A toleration, in the Kubernetes shape, with the API server's own consistency rules checked here. */
const tolerationSchema = z.strictObject({
  key: qualifiedName.optional().describe('taint key; omitted with operator Exists to tolerate every taint'),
  operator: z.enum(['Equal', 'Exists']).optional().describe('Equal (default) or Exists'),
  value: labelValue.optional().describe('taint value (operator Equal)'),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional().describe('taint effect; every effect when omitted'),
  tolerationSeconds: z.number().int().min(0).optional().describe('NoExecute only: how long the pod stays bound after the taint appears'),
}).superRefine((t, ctx) => {
  if (t.operator === 'Exists' && t.value !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be empty when operator is "Exists" (the API server rejects the toleration)', params: { fix: 'remove {field}, or set {parent}.operator to "Equal"' } });
  }
  if (t.key === undefined && t.operator !== 'Exists') {
    ctx.addIssue({ code: 'custom', path: ['operator'], message: 'must be "Exists" when key is empty (a toleration without a key matches every taint only with Exists)', params: { fix: 'set {field} to "Exists", or add {parent}.key' } });
  }
  if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
    ctx.addIssue({ code: 'custom', path: ['tolerationSeconds'], message: 'applies only to effect "NoExecute" (the API server rejects it with any other effect)', params: { fix: 'set {parent}.effect to "NoExecute", or remove {field}' } });
  }
});

const matchExpression = z.strictObject({
  key: qualifiedName.describe('label key'),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']).describe('how the values are matched'),
  values: z.array(z.string()).optional().describe('values (In, NotIn: at least one; Gt, Lt: exactly one integer; Exists, DoesNotExist: none)'),
}).superRefine((e, ctx) => {
  const n = e.values?.length ?? 0;
  if ((e.operator === 'In' || e.operator === 'NotIn') && n === 0) ctx.addIssue({ code: 'custom', path: ['values'], message: `must list at least one value for operator "${e.operator}"`, params: { fix: 'add the label values to {field}' } });
  if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && n > 0) ctx.addIssue({ code: 'custom', path: ['values'], message: `must be empty for operator "${e.operator}"`, params: { fix: 'remove {field}' } });
  if ((e.operator === 'Gt' || e.operator === 'Lt') && (n !== 1 || !/^-?\d+$/.test(e.values![0]))) ctx.addIssue({ code: 'custom', path: ['values'], message: `must be exactly one integer for operator "${e.operator}"`, params: { fix: 'set {field} to one integer, e.g. ["4"]' } });
});

const nodeSelectorTerm = z.strictObject({
  matchExpressions: z.array(matchExpression).optional().describe('node label requirements (all must hold)'),
  matchFields: z.array(matchExpression).optional().describe('node field requirements (metadata.name)'),
});

const labelSelector = z.strictObject({
  matchLabels: z.record(qualifiedName, labelValue).optional().describe('labels the pods must carry'),
  matchExpressions: z.array(matchExpression).optional().describe('label requirements'),
});

const podAffinityTerm = z.strictObject({
  labelSelector: labelSelector.describe('the pods this term is about'),
  topologyKey: qualifiedName.describe('node label that defines "the same place", e.g. kubernetes.io/hostname'),
  namespaces: z.array(dnsLabel).optional().describe('namespaces of those pods; this namespace when omitted'),
});
const weight = z.number().int().min(1, 'must be between 1 and 100').max(100, 'must be between 1 and 100').describe('preference weight');
const podAffinity = z.strictObject({
  requiredDuringSchedulingIgnoredDuringExecution: z.array(podAffinityTerm).optional(),
  preferredDuringSchedulingIgnoredDuringExecution: z.array(z.strictObject({ weight, podAffinityTerm })).optional(),
});

/**
 * Affinity in the Kubernetes shape. Where a component has an anti-affinity of its own (Postgres
 * members, Redis pods on different nodes), its terms are appended to these, never replaced.
 */
export const affinitySchema = z.strictObject({
  nodeAffinity: z.strictObject({
    requiredDuringSchedulingIgnoredDuringExecution: z.strictObject({ nodeSelectorTerms: z.array(nodeSelectorTerm).min(1, 'must list at least one term') }).optional(),
    preferredDuringSchedulingIgnoredDuringExecution: z.array(z.strictObject({ weight, preference: nodeSelectorTerm })).optional(),
  }).optional(),
  podAffinity: podAffinity.optional(),
  podAntiAffinity: podAffinity.optional(),
});

/** PriorityClasses whose names start with "system-" are admitted only in kube-system. */
const priorityClassName = objectName.refine((n) => !n.startsWith('system-'), {
  message: 'must not be a "system-" PriorityClass: the priority admission plugin admits those only in kube-system, so every pod would be rejected',
  params: { fix: 'create a PriorityClass of your own (e.g. "superset-critical", value below 1000000000) and set {field} to its name' },
});

/** One topology spread constraint, without its label selector (the component's own pods are filled in). */
const spreadConstraintSchema = z.strictObject({
  topologyKey: qualifiedName.describe('node label whose values are the domains (topology.kubernetes.io/zone, kubernetes.io/hostname, a rack label, ...)'),
  maxSkew: positiveInt.max(100, 'must be at most 100').describe('largest allowed difference in pods between two domains'),
  whenUnsatisfiable: whenUnsatisfiable.describe('"DoNotSchedule" (the pod waits) or "ScheduleAnyway" (skew preferred, not required)'),
  minDomains: positiveInt.max(100, 'must be at most 100').optional().describe('with DoNotSchedule: the number of domains counted even when fewer have matching pods'),
});

const schedulingFields = {
  zoneSpread: whenUnsatisfiable.describe('topology spread across topology.kubernetes.io/zone when a zone is short of room'),
  nodeSpread: whenUnsatisfiable.describe('topology spread across kubernetes.io/hostname when a node is short of room'),
  topologySpreadConstraints: z.array(spreadConstraintSchema).optional().describe('your own topology spread instead of the zone and node spread above (zoneSpread and nodeSpread are then unused); each constraint selects the component\'s own pods (and, for Deployments, its current ReplicaSet only); [] spreads nothing'),
  nodeSelector: z.record(qualifiedName, labelValue).describe('nodeSelector of the pods'),
  tolerations: z.array(tolerationSchema).describe('tolerations of the pods (tainted node pools)'),
  affinity: affinitySchema.describe('affinity of the pods (Kubernetes shape: nodeAffinity, podAffinity, podAntiAffinity); a component\'s own anti-affinity is added to it'),
  priorityClassName: priorityClassName.optional().describe('PriorityClass of the pods (must exist in the cluster)'),
};

/** Where pods go: the environment-wide default every component inherits. */
export const schedulingSchema = z.strictObject(schedulingFields);

/**
 * A component's `scheduling`: each field it sets replaces the environment-wide field of the
 * same name as a whole (a nodeSelector or toleration list is never merged key by key, so a
 * component can move to another node pool); each field it leaves out is inherited.
 */
export const schedulingOverrideSchema = z.strictObject({
  zoneSpread: schedulingFields.zoneSpread.optional(),
  nodeSpread: schedulingFields.nodeSpread.optional(),
  topologySpreadConstraints: schedulingFields.topologySpreadConstraints,
  nodeSelector: schedulingFields.nodeSelector.optional(),
  tolerations: schedulingFields.tolerations.optional(),
  affinity: schedulingFields.affinity.optional(),
  priorityClassName: schedulingFields.priorityClassName,
}).describe('placement of this component\'s pods; each field set replaces scheduling.<field> as a whole, unset fields inherit it');

// ---- pod extension --------------------------------------------------------------------------

const keySelector = z.strictObject({ name: objectName.describe('name of the object'), key: z.string().regex(/^[-._a-zA-Z0-9]+$/, 'must be a key: letters, digits, "-", "_" and "."').describe('key in it') });

/** An extra env var: a literal (never a secret: the policy rule no-secret-literals checks), or a reference. */
export const envVarSchema = z.strictObject({
  name: envName.describe('variable name'),
  value: z.string().optional().describe('literal value (rendered into dist/: never a secret)'),
  secretKeyRef: keySelector.optional().describe('read the value from this Secret key'),
  configMapKeyRef: keySelector.optional().describe('read the value from this ConfigMap key'),
  fieldRef: z.strictObject({ fieldPath: z.enum(['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.podIP']).describe('the field of the pod (Downward API)') }).optional().describe('read the value from a field of the pod'),
}).superRefine((e, ctx) => {
  const sources = ['value', 'secretKeyRef', 'configMapKeyRef', 'fieldRef'].filter((k) => (e as Record<string, unknown>)[k] !== undefined);
  if (sources.length !== 1) {
    ctx.addIssue({ code: 'custom', message: `must set exactly one of value, secretKeyRef, configMapKeyRef, fieldRef (has ${sources.length ? sources.join(', ') : 'none'})`, params: { fix: 'keep one source in {field}' } });
  }
});

export const envFromSchema = z.strictObject({
  secretRef: z.strictObject({ name: objectName.describe('Secret name') }).optional().describe('every key of this Secret becomes a variable'),
  configMapRef: z.strictObject({ name: objectName.describe('ConfigMap name') }).optional().describe('every key of this ConfigMap becomes a variable'),
  prefix: envName.optional().describe('prefix added to every variable name'),
}).superRefine((e, ctx) => {
  if ((e.secretRef === undefined) === (e.configMapRef === undefined)) ctx.addIssue({ code: 'custom', message: 'must set exactly one of secretRef and configMapRef', params: { fix: 'keep one of {field}.secretRef and {field}.configMapRef' } });
});

const keyToPath = z.strictObject({ key: z.string().min(1), path: z.string().regex(/^[^/][^\0]*$/, 'must be a relative path').refine((p) => !p.split('/').includes('..'), 'must not contain ".." segments') });
const mode = z.number().int().min(0).max(0o777);

/** Volume kinds the restricted Pod Security Standard allows (no hostPath, no in-tree network volumes). */
export const volumeSchema = z.strictObject({
  name: dnsLabel.describe('volume name'),
  configMap: z.strictObject({ name: objectName, items: z.array(keyToPath).optional(), defaultMode: mode.optional(), optional: z.boolean().optional() }).optional().describe('a ConfigMap'),
  secret: z.strictObject({ secretName: objectName, items: z.array(keyToPath).optional(), defaultMode: mode.optional(), optional: z.boolean().optional() }).optional().describe('a Secret'),
  emptyDir: z.strictObject({ medium: z.enum(['', 'Memory']).optional(), sizeLimit: storageQuantity }).optional().describe('scratch space; sizeLimit is required (an unbounded emptyDir can fill the node)'),
  persistentVolumeClaim: z.strictObject({ claimName: objectName, readOnly: z.boolean().optional() }).optional().describe('an existing PersistentVolumeClaim'),
  csi: z.strictObject({ driver: objectName, readOnly: z.boolean().optional(), volumeAttributes: z.record(z.string(), z.string()).optional() }).optional().describe('a CSI ephemeral volume, e.g. the Secrets Store CSI driver'),
  hostPath: z.unknown().optional(),
}).superRefine((v, ctx) => {
  if (v.hostPath !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['hostPath'], message: 'is not allowed: the "restricted" Pod Security Standard (policy rule restricted-pod-security) forbids hostPath volumes', params: { fix: 'remove {field}; use a configMap, secret, emptyDir, persistentVolumeClaim or csi volume' } });
    return;
  }
  const kinds = ['configMap', 'secret', 'emptyDir', 'persistentVolumeClaim', 'csi'].filter((k) => (v as Record<string, unknown>)[k] !== undefined);
  if (kinds.length !== 1) ctx.addIssue({ code: 'custom', message: `must set exactly one of configMap, secret, emptyDir, persistentVolumeClaim, csi (has ${kinds.length ? kinds.join(', ') : 'none'})`, params: { fix: 'keep one volume source in {field}' } });
});

export const volumeMountSchema = z.strictObject({
  name: dnsLabel.describe('name of a volume of the pod (one of pod.volumes, or a built-in one)'),
  mountPath: absolutePath.describe('where it appears in the container'),
  subPath: z.string().regex(/^[^/]/, 'must be a relative path').refine((p) => !p.split('/').includes('..'), 'must not contain ".." segments').optional().describe('a single file or folder of the volume'),
  readOnly: z.boolean().optional().describe('mount read-only'),
});

const port = z.number().int().min(1, 'must be a port from 1 to 65535').max(65535, 'must be a port from 1 to 65535');
const probeSchema = z.strictObject({
  exec: z.strictObject({ command: z.array(z.string()).min(1) }).optional(),
  httpGet: z.strictObject({ path: z.string().regex(/^\//, 'must start with "/"'), port: z.union([port, dnsLabel]) }).optional(),
  tcpSocket: z.strictObject({ port: z.union([port, dnsLabel]) }).optional(),
  initialDelaySeconds: seconds.optional(),
  periodSeconds: positiveInt.optional(),
  timeoutSeconds: positiveInt.optional(),
  failureThreshold: positiveInt.optional(),
}).superRefine((p, ctx) => {
  const kinds = ['exec', 'httpGet', 'tcpSocket'].filter((k) => (p as Record<string, unknown>)[k] !== undefined);
  if (kinds.length !== 1) ctx.addIssue({ code: 'custom', message: `must set exactly one of exec, httpGet, tcpSocket (has ${kinds.length ? kinds.join(', ') : 'none'})`, params: { fix: 'keep one handler in {field}' } });
});

const containerImage = imageOf({
  repositoryExample: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy',
  tagExample: '2.14.1',
  repositoryDescription: 'image repository with its registry host, without tag',
  tagDescription: 'image tag; pinned, never "latest"',
});

/**
 * A container the platform does not know (a sidecar or init container): typed, and always given
 * the restricted security context and a read-only root filesystem (there is no field to weaken
 * them). What the schema cannot decide (a probe, a registry) the policy rules check at synth.
 */
export const extraContainerSchema = z.strictObject({
  name: dnsLabel.describe('container name (unique in the pod)'),
  image: containerImage,
  command: z.array(z.string()).optional().describe('entrypoint'),
  args: z.array(z.string()).optional().describe('arguments'),
  env: z.array(envVarSchema).optional().describe('environment variables'),
  envFrom: z.array(envFromSchema).optional().describe('variables from whole Secrets or ConfigMaps'),
  ports: z.array(z.strictObject({ name: dnsLabel.max(15, 'must be at most 15 characters (a port name)'), containerPort: port, protocol: z.enum(['TCP', 'UDP']).optional() })).optional().describe('ports it listens on'),
  resources: resourcesOf('the container'),
  volumeMounts: z.array(volumeMountSchema).optional().describe('volumes it mounts (pod.volumes or built-in ones)'),
  livenessProbe: probeSchema.optional().describe('required for a sidecar (policy rule probes)'),
  readinessProbe: probeSchema.optional(),
  startupProbe: probeSchema.optional(),
  runAsUser: positiveInt.optional().describe('uid (non-zero); the pod\'s uid when unset'),
  runAsGroup: positiveInt.optional().describe('gid (non-zero); the pod\'s gid when unset'),
});

/** A CA bundle (PEM) from a ConfigMap or a Secret key, trusted by Python, curl and libpq in the pods that get it. */
export const caBundleSchema = z.strictObject({
  configMap: objectName.optional().describe('ConfigMap holding the bundle (e.g. one trust-manager writes)'),
  secret: objectName.optional().describe('Secret holding the bundle'),
  key: z.string().regex(/^[-._a-zA-Z0-9]+$/, 'must be a key: letters, digits, "-", "_" and "."').describe('key of the PEM file in it; the file must hold every CA the pods need (public ones too): it replaces the system store for OpenSSL'),
}).superRefine((c, ctx) => {
  if ((c.configMap === undefined) === (c.secret === undefined)) ctx.addIssue({ code: 'custom', message: 'must set exactly one of configMap and secret', params: { fix: 'keep one of {field}.configMap and {field}.secret' } });
});

/** Environment-wide pod settings every component inherits (added to, never replaced by, a component's `pod`). */
export const podsSchema = z.strictObject({
  annotations: z.record(qualifiedName, z.string()).describe('annotations of every pod (service mesh, Vault agent, APM); a component\'s pod.annotations win on the same key'),
  labels: z.record(qualifiedName, labelValue).describe('labels of every pod; a component\'s pod.labels win on the same key; never an app.kubernetes.io/ key (the platform owns those)'),
  imagePullSecrets: z.array(objectName).describe('Secrets (kubernetes.io/dockerconfigjson) every pod pulls its images with; a component\'s pod.imagePullSecrets are added'),
  caBundle: caBundleSchema.optional().describe('a custom CA bundle mounted into every container of the Superset and ops pods (extra sidecars and init containers included), with SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and PGSSLROOTCERT pointing at it'),
});

/** A component's `pod`: added to the environment-wide `pods`. */
export const podOverrideSchema = z.strictObject({
  annotations: z.record(qualifiedName, z.string()).optional().describe('annotations of the pods (over pods.annotations)'),
  labels: z.record(qualifiedName, labelValue).optional().describe('labels of the pods (over pods.labels)'),
  imagePullSecrets: z.array(objectName).optional().describe('pull Secrets added to pods.imagePullSecrets'),
  volumes: z.array(volumeSchema).optional().describe('extra volumes (kinds the restricted Pod Security Standard allows)'),
  volumeMounts: z.array(volumeMountSchema).optional().describe('extra mounts, added to every container the platform renders in these pods'),
  initContainers: z.array(extraContainerSchema).optional().describe('extra init containers, run after the platform\'s own'),
  sidecars: z.array(extraContainerSchema).optional().describe('extra containers next to the platform\'s (in Deployments and StatefulSets each needs a livenessProbe); in the migration Job and the ops CronJobs native sidecars (init containers with restartPolicy Always, started before every other init container; Kubernetes >= 1.29)'),
  egress: z.array(z.strictObject({
    cidr: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$|^[0-9a-f:]+\/\d{1,3}$/, 'must be a CIDR such as "10.20.0.0/16"').describe('address range'),
    ports: z.array(port).min(1, 'must list at least one port').describe('TCP ports'),
  })).optional().describe('connections the extra containers make (e.g. a Cloud SQL proxy, a Vault agent): allowed from these pods by the NetworkPolicy'),
}).describe('extensions of this component\'s pods, added to pods.*');

/**
 * Annotations of a component's ServiceAccount: how a cloud maps it to a cloud identity. The keys
 * of the three common webhooks are checked for the value format their webhook expects, so a typo
 * fails at synth rather than as an "access denied" at 2 am.
 */
const CLOUD_IDENTITY_FORMATS: ReadonlyArray<{ key: string; format: RegExp; what: string; example: string }> = [
  { key: 'eks.amazonaws.com/role-arn', format: /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, what: 'an IAM role ARN (IRSA)', example: 'arn:aws:iam::123456789012:role/superset-backup' },
  { key: 'iam.gke.io/gcp-service-account', format: /^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/, what: 'a Google service account e-mail (GKE Workload Identity)', example: 'superset-backup@my-project.iam.gserviceaccount.com' },
  { key: 'azure.workload.identity/client-id', format: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, what: 'the client ID (a GUID) of a managed identity or app registration (Azure Workload Identity)', example: '00000000-0000-0000-0000-000000000000' },
];

export const serviceAccountSchema = z.strictObject({
  annotations: z.record(qualifiedName, z.string()).describe('annotations of the ServiceAccount: IRSA (eks.amazonaws.com/role-arn), GKE Workload Identity (iam.gke.io/gcp-service-account), Azure Workload Identity (azure.workload.identity/client-id; its pods also get the label azure.workload.identity/use)'),
}).superRefine((sa, ctx) => {
  for (const f of CLOUD_IDENTITY_FORMATS) {
    const value = sa.annotations[f.key];
    if (value !== undefined && !f.format.test(value)) {
      ctx.addIssue({ code: 'custom', path: ['annotations', f.key], message: `must be ${f.what}, such as "${f.example}"`, params: { fix: `set {field} to ${f.what}` } });
    }
  }
});

/** Azure Workload Identity's webhook mutates only pods with this label (and a ServiceAccount with the client-id annotation). */
export const AZURE_WORKLOAD_IDENTITY_LABEL = 'azure.workload.identity/use';
export const AZURE_CLIENT_ID_ANNOTATION = 'azure.workload.identity/client-id';

export type ServiceAccountConfig = z.infer<typeof serviceAccountSchema>;

/** Targets and behaviour of every HorizontalPodAutoscaler (autoscaler.ts). */
export const autoscalingSchema = z.strictObject({
  targetCpuPercent: percent.describe('HPA average CPU utilisation target, percent of the request'),
  targetMemoryPercent: percent.describe('HPA average memory utilisation target, percent of the request'),
  scaleUpPeriodSeconds: positiveInt.max(1800, 'must be at most 1800 seconds').describe('scale out at most once per this many seconds (100 % or 4 pods per step, whichever is more)'),
  scaleDownStabilizationSeconds: seconds.max(3600, 'must be at most 3600 seconds').describe('scale-in waits for this window of lower recommendations (slow scale-in)'),
});

export type SchedulingConfig = z.infer<typeof schedulingSchema>;
export type SchedulingOverride = z.infer<typeof schedulingOverrideSchema>;
export type PodsConfig = z.infer<typeof podsSchema>;
export type PodOverride = z.infer<typeof podOverrideSchema>;
export type ExtraContainer = z.infer<typeof extraContainerSchema>;
export type EnvVarConfig = z.infer<typeof envVarSchema>;
export type EnvFromConfig = z.infer<typeof envFromSchema>;
export type CaBundleConfig = z.infer<typeof caBundleSchema>;
export type AutoscalingConfig = z.infer<typeof autoscalingSchema>;
