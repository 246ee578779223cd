import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { memoryToBytes, MIB } from '../config/quantity';
import { DATABASE_CA, databaseTls, internalCaBundle, patroniApiScheme, POSTGRES_PRIMARY, POSTGRES_TLS, TLS_KEYS, TLS_SECRET_MODE, TLS_WATCH_SECONDS } from './endpoints';
import type { Environment } from '../config/load';
import { walArchiving } from './rules';
import { bootstrapBackupRole, databaseSecretRefs, WALG_KEY_DIR, WALG_LIBSODIUM_KEY_FILE } from './secrets';
import { DisruptionBudget } from '../workload/disruption-budget';
import { recommendedLabels, selectorLabels } from '../workload/labels';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../workload/pod-security';
import { resourceRequirements } from '../workload/resources';
import { bundleVolume, cloudIdentityLabels, extendPodTemplate, podPlacement, resolveScheduling } from '../workload/pod-extension';
import {
  imageRef, meta, PATRONI_API_PORT, PATRONI_PATHS, PATRONI_SCOPE, PATRONI_SCOPE_LABEL, POSTGRES_NAMES, postgresIdentity, SPILO_RUN_AS,
} from './database-pod';
import { REWIND_USER, SUPERUSER, walArchivePrefix } from './patroni-config';
import { PATRONI_SCRIPTS } from './postgres-config';

/** Pod-template annotation carrying the hash of patroni.yml and the scripts, so members roll on change. */
export const POSTGRES_CONFIG_HASH_ANNOTATION = 'superset-k8s.io/patroni-config-sha256';

export interface PatroniStatefulSetProps {
  readonly env: Environment;
  readonly configMapName: string;
  readonly configHash: string;
  readonly serviceAccountName: string;
  /** Headless Service that gives each member a stable DNS name. */
  readonly membersService: string;
}

/** Where Patroni (as every in-cluster client) reads the token, CA and namespace. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
export const PATRONI_TOKEN_VOLUME = 'kube-api-access';

/**
 * The three files the kubelet's automount would give, as a projected volume mounted in the patroni
 * container only: a bound token the kubelet rotates (Patroni re-reads it every minute), the API's
 * CA and the namespace.
 */
export function patroniTokenVolume(): k8s.Volume {
  return {
    name: PATRONI_TOKEN_VOLUME,
    projected: {
      defaultMode: 0o444,
      sources: [
        { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardApi: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/** /dev/shm for Postgres' dynamic shared memory (parallel queries): 1/8 of the memory request, 64 MiB-1 GiB. */
export function sharedMemorySize(memoryRequest: string): string {
  const mib = Math.floor(memoryToBytes(memoryRequest) / MIB / 8);
  return `${Math.min(1024, Math.max(64, mib))}Mi`;
}

function patroniEnv(env: Environment): k8s.EnvVar[] {
  const fieldRef = (fieldPath: string): k8s.EnvVarSource => ({ fieldRef: { apiVersion: 'v1', fieldPath } });
  const archive = env.config.postgres.walArchive;
  const vars: k8s.EnvVar[] = [
    // The data directory (postgresql.data_dir) for the start script; Patroni reads it from patroni.yml.
    { name: 'PGDATA', value: PATRONI_PATHS.dataDir },
    // Patroni's member name must be the pod name: it labels "its" pod through the API.
    { name: 'PATRONI_NAME', valueFrom: fieldRef('metadata.name') },
    { name: 'PATRONI_KUBERNETES_NAMESPACE', valueFrom: fieldRef('metadata.namespace') },
    { name: 'PATRONI_KUBERNETES_POD_IP', valueFrom: fieldRef('status.podIP') },
    { name: 'PATRONI_POSTGRESQL_CONNECT_ADDRESS', value: `$(PATRONI_KUBERNETES_POD_IP):${POSTGRES_PRIMARY.port}` },
    { name: 'PATRONI_RESTAPI_CONNECT_ADDRESS', value: `$(PATRONI_KUBERNETES_POD_IP):${PATRONI_API_PORT}` },
    { name: 'PATRONI_RESTAPI_USERNAME', value: 'patroni' },
    { name: 'SUPERSET_DATABASE_NAME', value: env.config.superset.database.name },
    { name: 'SUPERSET_DATABASE_USER', value: env.config.superset.database.user },
    // post-bootstrap.sh ensures the pg_rewind role (its password: a Secret below).
    { name: 'REWIND_DATABASE_USER', value: REWIND_USER },
  ];
  // post-bootstrap.sh also creates the role the backups log in as (its password: a Secret below).
  const backupRole = bootstrapBackupRole(env.config);
  if (backupRole) vars.push({ name: 'BACKUP_DATABASE_USER', value: backupRole.user });
  if (walArchiving(env.config)) {
    vars.push({ name: 'WALG_S3_PREFIX', value: walArchivePrefix(env) });
    vars.push({ name: 'AWS_REGION', value: archive.region });
    if (archive.endpoint) vars.push({ name: 'AWS_ENDPOINT', value: archive.endpoint });
    vars.push({ name: 'AWS_S3_FORCE_PATH_STYLE', value: String(archive.forcePathStyle) });
    vars.push({ name: 'WALG_COMPRESSION_METHOD', value: 'lz4' });
    // Client-side encryption (libsodium secretstream); WAL-G 1.1+ exits instead of uploading in
    // clear when it was built without libsodium. The key is a file, never in the environment.
    vars.push({ name: 'WALG_LIBSODIUM_KEY_PATH', value: WALG_LIBSODIUM_KEY_FILE });
    vars.push({ name: 'WALG_LIBSODIUM_KEY_TRANSFORM', value: 'hex' });
  }
  for (const ref of databaseSecretRefs(env.config).filter((r) => r.consumers.includes('patroni') && r.envVar)) {
    vars.push({ name: ref.envVar, valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } } });
  }
  // patroni-start.sh reloads PostgreSQL and the REST API when the certificate Secret changes (postgres.tls).
  if (databaseTls(env.config)) vars.push({ name: 'TLS_WATCH_DIR', value: POSTGRES_TLS.dir }, { name: 'TLS_WATCH_SECONDS', value: String(TLS_WATCH_SECONDS) });
  // An operator's `kubectl exec ... psql` uses the local socket.
  vars.push({ name: 'PGHOST', value: PATRONI_PATHS.socketDir });
  return vars;
}

/** The server certificate, key and CA (postgres.tls), 0640 root:<fsGroup> as PostgreSQL accepts a key file. */
function postgresTlsVolume(env: Environment): k8s.Volume {
  return {
    name: POSTGRES_TLS.volume,
    secret: { secretName: env.config.secrets.postgresTls, defaultMode: TLS_SECRET_MODE, items: [TLS_KEYS.cert, TLS_KEYS.key, TLS_KEYS.ca].map((k) => ({ key: k, path: k })) },
  };
}

/** Where the base-backup sidecar notes its last success: on the member's volume, outside PGDATA. */
export const BASEBACKUP_MARKER = `${PATRONI_PATHS.volume}/walg-last-basebackup`;
const BASEBACKUP_HEARTBEAT = '/tmp/walg-basebackup-alive';

/**
 * The sidecar that takes WAL-G base backups on the primary (lib/postgres/scripts/walg-basebackup.sh),
 * without which archived WAL cannot be restored. Same image (WAL-G ships in Spilo), same volume.
 */
function walgBaseBackupSidecar(env: Environment, patroniVars: k8s.EnvVar[]): k8s.Container {
  const archive = env.config.postgres.walArchive;
  // Alive while its loop runs (a round takes the backup in the foreground: allow a long one).
  const alive = ['python3', '-c', `import os, sys, time; sys.exit(0 if time.time() - os.path.getmtime(${JSON.stringify(BASEBACKUP_HEARTBEAT)}) < 7200 else 1)`];
  return {
    name: 'walg-basebackup',
    image: imageRef(env.config.postgres.image),
    imagePullPolicy: env.config.imagePullPolicy,
    command: [`${PATRONI_PATHS.scriptsDir}/walg-basebackup.sh`],
    env: [
      ...patroniVars.filter((v) => /^(WALG_|AWS_)/.test(v.name)),
      { name: 'PGDATA', value: PATRONI_PATHS.dataDir },
      { name: 'PGHOST', value: PATRONI_PATHS.socketDir },
      { name: 'PGUSER', value: SUPERUSER },
      { name: 'PATRONI_API', value: `${patroniApiScheme(env.config)}://127.0.0.1:${PATRONI_API_PORT}` },
      // HTTPS (postgres.tls): the CA is checked; 127.0.0.1 is not a name on the certificate.
      ...(databaseTls(env.config) ? [{ name: 'PATRONI_API_CAFILE', value: DATABASE_CA.file }] : []),
      { name: 'BASEBACKUP_INTERVAL_SECONDS', value: String(archive.baseBackupIntervalHours * 3600) },
      { name: 'BASEBACKUP_MARKER', value: BASEBACKUP_MARKER },
      { name: 'HEARTBEAT_FILE', value: BASEBACKUP_HEARTBEAT },
    ],
    // Compression runs here while Postgres serves: a small request, a CPU limit so it cannot starve it.
    resources: resourceRequirements({ cpuRequest: '50m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit: '512Mi' }),
    securityContext: restrictedContainerSecurityContext(SPILO_RUN_AS),
    startupProbe: { exec: { command: alive }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 30 },
    livenessProbe: { exec: { command: alive }, periodSeconds: 60, timeoutSeconds: 5, failureThreshold: 3 },
    readinessProbe: { exec: { command: alive }, periodSeconds: 60, timeoutSeconds: 5, failureThreshold: 3 },
    volumeMounts: [
      { name: 'pgdata', mountPath: PATRONI_PATHS.volume },
      { name: 'patroni-config', mountPath: PATRONI_PATHS.configDir, readOnly: true },
      { name: 'run-postgresql', mountPath: PATRONI_PATHS.socketDir },
      { name: 'tmp', mountPath: '/tmp' },
      walgKeyMount,
      // The CA alone (never the server's key), as a client of the REST API.
      ...(databaseTls(env.config) ? [{ name: DATABASE_CA.volume, mountPath: DATABASE_CA.dir, readOnly: true }] : []),
    ],
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

const walgKeyMount: k8s.VolumeMount = { name: 'walg-key', mountPath: WALG_KEY_DIR, readOnly: true };

/** WAL-G's encryption key as a file, group-readable for the pod's fsGroup. */
function walgKeyVolume(env: Environment): k8s.Volume {
  const ref = databaseSecretRefs(env.config).find((r) => r.file === WALG_LIBSODIUM_KEY_FILE)!;
  return { name: 'walg-key', secret: { secretName: ref.secretName, defaultMode: 0o440, items: [{ key: ref.key, path: WALG_LIBSODIUM_KEY_FILE.slice(WALG_KEY_DIR.length + 1) }] } };
}

/**
 * The Patroni members: Spilo's `patroni` run against our patroni.yml (not Spilo's generated one),
 * one PVC each, spread over nodes (anti-affinity) and zones, at most one down at a time (PDB).
 * SIGTERM makes Patroni stop Postgres cleanly and hand the leader lock over (a graceful
 * switchover); the grace period leaves room for the shutdown checkpoint.
 */
export class PatroniStatefulSet extends Construct {
  constructor(scope: Construct, id: string, props: PatroniStatefulSetProps) {
    super(scope, id);
    const { env } = props;
    const pg = env.config.postgres;
    const identity = postgresIdentity(env);
    const selector = selectorLabels(identity);
    const scriptItems = PATRONI_SCRIPTS.map((s) => ({ key: s, path: `scripts/${s}`, mode: 0o555 }));

    // HTTPS with postgres.tls (the kubelet does not check probe certificates); HTTP, the default, otherwise.
    const probeScheme = patroniApiScheme(env.config) === 'https' ? { scheme: 'HTTPS' } : {};
    const container: k8s.Container = {
      name: 'patroni',
      image: imageRef(pg.image),
      imagePullPolicy: env.config.imagePullPolicy,
      // The start script makes PGDATA 0700 (an fsGroup change leaves it group-writable, which
      // Postgres refuses), then execs patroni.
      command: [`${PATRONI_PATHS.scriptsDir}/patroni-start.sh`, PATRONI_PATHS.configFile],
      env: patroniEnv(env),
      ports: [
        { name: 'postgresql', containerPort: POSTGRES_PRIMARY.port, protocol: 'TCP' },
        { name: 'patroni', containerPort: PATRONI_API_PORT, protocol: 'TCP' },
      ],
      // /readiness: 200 on the running leader and on replicas whose Postgres is up.
      readinessProbe: { httpGet: { path: '/readiness', port: k8s.IntOrString.fromString('patroni'), ...probeScheme }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3, successThreshold: 1 },
      // /liveness: Patroni's HA loop is alive (not Postgres: a Postgres restart is Patroni's job).
      livenessProbe: { httpGet: { path: '/liveness', port: k8s.IntOrString.fromString('patroni'), ...probeScheme }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6, successThreshold: 1 },
      resources: resourceRequirements(pg.resources),
      securityContext: restrictedContainerSecurityContext(SPILO_RUN_AS),
      volumeMounts: [
        { name: 'pgdata', mountPath: PATRONI_PATHS.volume },
        { name: 'patroni-config', mountPath: PATRONI_PATHS.configDir, readOnly: true },
        { name: 'run-postgresql', mountPath: PATRONI_PATHS.socketDir },
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'dshm', mountPath: '/dev/shm' },
        // Only this container calls the API: the sidecar gets no token.
        { name: PATRONI_TOKEN_VOLUME, mountPath: SERVICE_ACCOUNT_DIR, readOnly: true },
        ...(walArchiving(env.config) ? [walgKeyMount] : []),
        ...(databaseTls(env.config) ? [{ name: POSTGRES_TLS.volume, mountPath: POSTGRES_TLS.dir, readOnly: true }] : []),
      ],
      terminationMessagePolicy: 'FallbackToLogsOnError',
    };

    const podLabels = { ...recommendedLabels(identity), [PATRONI_SCOPE_LABEL]: PATRONI_SCOPE };
    const antiAffinityTerm: k8s.PodAffinityTerm = { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } };
    const place = podPlacement(resolveScheduling(env.config.scheduling, pg.scheduling), {
      selector,
      spread: pg.members > 1,
      perReplicaSet: false,
      podAntiAffinity: pg.nodeAntiAffinity === 'required'
        ? { requiredDuringSchedulingIgnoredDuringExecution: [antiAffinityTerm] }
        : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: antiAffinityTerm }] },
    });
    new k8s.KubeStatefulSet(this, 'Resource', {
      metadata: meta(env, POSTGRES_NAMES.statefulSet, identity),
      spec: {
        replicas: pg.members,
        serviceName: props.membersService,
        selector: { matchLabels: selector },
        // Patroni coordinates the members itself; ordered start would only slow recovery.
        podManagementPolicy: 'Parallel',
        updateStrategy: { type: 'RollingUpdate' },
        revisionHistoryLimit: 5,
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: extendPodTemplate({
          metadata: { labels: { ...cloudIdentityLabels(pg.serviceAccount.annotations), ...podLabels }, annotations: { [POSTGRES_CONFIG_HASH_ANNOTATION]: props.configHash } },
          spec: {
            serviceAccountName: props.serviceAccountName,
            // Patroni calls the Kubernetes API (leader lock in ConfigMaps, role labels on pods), but
            // only its container gets the token: the projected volume below, not the automount.
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(SPILO_RUN_AS),
            containers: walArchiving(env.config) ? [container, walgBaseBackupSidecar(env, container.env ?? [])] : [container],
            volumes: [
              { name: 'patroni-config', configMap: { name: props.configMapName, defaultMode: 0o444, items: [{ key: 'patroni.yml', path: 'patroni.yml' }, ...scriptItems] } },
              { name: 'run-postgresql', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
              { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString(sharedMemorySize(pg.resources.memoryRequest)) } },
              patroniTokenVolume(),
              ...(walArchiving(env.config) ? [walgKeyVolume(env)] : []),
              ...(databaseTls(env.config) ? [postgresTlsVolume(env)] : []),
              ...(databaseTls(env.config) && walArchiving(env.config) ? [bundleVolume(DATABASE_CA.volume, internalCaBundle(env.config))] : []),
            ],
            terminationGracePeriodSeconds: pg.patroni.terminationGracePeriodSeconds,
            nodeSelector: place.nodeSelector,
            affinity: place.affinity,
            topologySpreadConstraints: place.topologySpreadConstraints,
            tolerations: place.tolerations,
            priorityClassName: place.priorityClassName,
          },
        }, { pods: env.config.pods, pod: pg.pod, runAs: SPILO_RUN_AS, imagePullPolicy: env.config.imagePullPolicy }),
        volumeClaimTemplates: [{
          metadata: { name: 'pgdata', labels: recommendedLabels(identity) },
          spec: {
            accessModes: ['ReadWriteOnce'],
            storageClassName: pg.storage.storageClassName,
            resources: { requests: { storage: k8s.Quantity.fromString(pg.storage.size) } },
          },
        }],
      },
    });

    if (pg.members > 1) {
      new DisruptionBudget(this, 'DisruptionBudget', { metadata: meta(env, POSTGRES_NAMES.statefulSet, identity), selector, quorum: true });
    }
  }
}
