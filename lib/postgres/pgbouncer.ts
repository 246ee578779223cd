import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { PGBOUNCER_SURGE } from '../capacity/connections';
import type { Environment } from '../config/load';
import { DisruptionBudget } from '../workload/disruption-budget';
import { recommendedLabels, selectorLabels } from '../workload/labels';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../workload/pod-security';
import { resourceRequirements } from '../workload/resources';
import { bundleVolume, cloudIdentityLabels, extendPodTemplate, podPlacement, resolveScheduling, serviceAccountAnnotations } from '../workload/pod-extension';
import {
  EXPORTER_RUN_AS, imageRef, meta, PGBOUNCER_METRICS_PORT, PGBOUNCER_NAMES, PGBOUNCER_PATHS, PGBOUNCER_RUN_AS, pgbouncerIdentity, readScript,
} from './database-pod';
import { DATABASE_CA, databaseClientTls, databaseTls, metadataDatabase, PGBOUNCER, PGBOUNCER_STATS_USER, PGBOUNCER_TLS, TLS_KEYS, TLS_SECRET_MODE, TLS_WATCH_SECONDS } from './endpoints';
import { renderPgbouncerIni } from './pgbouncer-ini';
import { databaseSecretRefs, DatabaseConsumer } from './secrets';

export interface PgbouncerProps {
  readonly env: Environment;
}

export const PGBOUNCER_SCRIPTS = ['pgbouncer-start.sh', 'pgbouncer-prestop.sh'] as const;
export const PGBOUNCER_CONFIG_HASH_ANNOTATION = 'superset-k8s.io/pgbouncer-config-sha256';

function secretEnv(env: Environment, consumer: DatabaseConsumer): k8s.EnvVar[] {
  return databaseSecretRefs(env.config)
    .filter((r) => r.consumers.includes(consumer) && r.envVar)
    .map((r) => ({ name: r.envVar, valueFrom: { secretKeyRef: { name: r.secretName, key: r.key } } }));
}

/**
 * PgBouncer in front of the Patroni primary: a fixed number of pods (each holds its own server
 * pool, which the connection budget counts), rolled one extra pod at a time, with a Service
 * `pgbouncer:6432`, a PDB and a metrics exporter sidecar.
 * - readiness and liveness only check that PgBouncer accepts TCP: a database failover must not
 *   take the pooler out of the Service (clients wait in PgBouncer instead of failing to connect);
 * - shutdown: preStop waits for the Service to drop the pod, then SIGINT (finish transactions).
 */
export class Pgbouncer extends Construct {
  public readonly serviceName = PGBOUNCER.host;
  public readonly ini: string;

  constructor(scope: Construct, id: string, props: PgbouncerProps) {
    super(scope, id);
    const { env } = props;
    const b = env.config.pgbouncer;
    const identity = pgbouncerIdentity(env);
    const selector = selectorLabels(identity);

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { ...meta(env, PGBOUNCER_NAMES.serviceAccount, identity), annotations: serviceAccountAnnotations(b.serviceAccount.annotations) },
      automountServiceAccountToken: false,
    });

    this.ini = renderPgbouncerIni(env);
    const data: Record<string, string> = { 'pgbouncer.ini': this.ini };
    for (const s of PGBOUNCER_SCRIPTS) data[s] = readScript(s);
    const hash = createHash('sha256').update(JSON.stringify(data)).digest('hex');
    new k8s.KubeConfigMap(this, 'ConfigMap', { metadata: meta(env, PGBOUNCER_NAMES.configMap, identity), data });

    // The CA the server is checked against, for server_tls_ca_file (pgbouncer.ini).
    const ca = databaseClientTls(env.config, 'direct')?.caBundle;
    // Its own certificate toward the clients (postgres.tls).
    const ownTls = databaseTls(env.config);
    const tcp = (port: string): k8s.TcpSocketAction => ({ port: k8s.IntOrString.fromString(port) });
    const pgbouncer: k8s.Container = {
      name: 'pgbouncer',
      image: imageRef(b.image),
      imagePullPolicy: env.config.imagePullPolicy,
      command: ['/bin/sh', `${PGBOUNCER_PATHS.scriptsDir}/pgbouncer-start.sh`, PGBOUNCER_PATHS.ini],
      env: [
        { name: 'PGBOUNCER_AUTH_FILE', value: PGBOUNCER_PATHS.authFile },
        { name: 'SUPERSET_DATABASE_USER', value: metadataDatabase(env.config).user },
        { name: 'PGBOUNCER_STATS_USER', value: PGBOUNCER_STATS_USER },
        // pgbouncer-start.sh sends SIGHUP when the certificate Secret changes (postgres.tls).
        ...(ownTls ? [{ name: 'TLS_WATCH_DIR', value: PGBOUNCER_TLS.dir }, { name: 'TLS_WATCH_SECONDS', value: String(TLS_WATCH_SECONDS) }] : []),
        ...secretEnv(env, 'pgbouncer'),
      ],
      ports: [{ name: 'postgresql', containerPort: PGBOUNCER.port, protocol: 'TCP' }],
      readinessProbe: { tcpSocket: tcp('postgresql'), periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2, successThreshold: 1 },
      livenessProbe: { tcpSocket: tcp('postgresql'), periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 6, successThreshold: 1 },
      lifecycle: { preStop: { exec: { command: ['/bin/sh', `${PGBOUNCER_PATHS.scriptsDir}/pgbouncer-prestop.sh`, String(b.preStopDelaySeconds)] } } },
      resources: resourceRequirements(b.resources),
      securityContext: restrictedContainerSecurityContext(PGBOUNCER_RUN_AS),
      volumeMounts: [
        { name: 'pgbouncer-config', mountPath: PGBOUNCER_PATHS.configDir, readOnly: true },
        { name: 'run', mountPath: PGBOUNCER_PATHS.runDir },
        { name: 'tmp', mountPath: '/tmp' },
        ...(ca ? [{ name: DATABASE_CA.volume, mountPath: DATABASE_CA.dir, readOnly: true }] : []),
        ...(ownTls ? [{ name: PGBOUNCER_TLS.volume, mountPath: PGBOUNCER_TLS.dir, readOnly: true }] : []),
      ],
      terminationMessagePolicy: 'FallbackToLogsOnError',
    };

    const exporter: k8s.Container = {
      name: 'exporter',
      image: imageRef(b.exporterImage),
      imagePullPolicy: env.config.imagePullPolicy,
      args: [
        // The password comes from PGPASSWORD (a Secret), never from the connection string.
        // Over the loopback: TLS only because PgBouncer requires it with postgres.tls (nothing to verify on 127.0.0.1).
        `--pgBouncer.connectionString=postgres://${PGBOUNCER_STATS_USER}@127.0.0.1:${PGBOUNCER.port}/pgbouncer?sslmode=${ownTls ? 'require' : 'disable'}`,
        `--web.listen-address=:${PGBOUNCER_METRICS_PORT}`,
      ],
      env: secretEnv(env, 'pgbouncer-exporter'),
      ports: [{ name: 'metrics', containerPort: PGBOUNCER_METRICS_PORT, protocol: 'TCP' }],
      // The exporter's own port, so a PgBouncer hiccup never makes the pod unready twice over.
      readinessProbe: { tcpSocket: tcp('metrics'), periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3, successThreshold: 1 },
      livenessProbe: { tcpSocket: tcp('metrics'), periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 3, successThreshold: 1 },
      resources: resourceRequirements(b.exporterResources),
      securityContext: restrictedContainerSecurityContext(EXPORTER_RUN_AS),
      terminationMessagePolicy: 'FallbackToLogsOnError',
    };

    const metadata = meta(env, PGBOUNCER_NAMES.deployment, identity);
    const place = podPlacement(resolveScheduling(env.config.scheduling, b.scheduling), { selector, spread: b.replicas > 1 });
    new k8s.KubeDeployment(this, 'Deployment', {
      metadata,
      spec: {
        replicas: b.replicas,
        revisionHistoryLimit: 5,
        progressDeadlineSeconds: 600,
        selector: { matchLabels: selector },
        // One extra pod at a time: the connection budget counts replicas + 1 server pools.
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(PGBOUNCER_SURGE), maxUnavailable: k8s.IntOrString.fromNumber(0) },
        },
        template: extendPodTemplate({
          metadata: { labels: { ...cloudIdentityLabels(b.serviceAccount.annotations), ...recommendedLabels(identity) }, annotations: { [PGBOUNCER_CONFIG_HASH_ANNOTATION]: hash } },
          spec: {
            serviceAccountName: PGBOUNCER_NAMES.serviceAccount,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            // The containers run as different users; the pod-level user is PgBouncer's.
            securityContext: restrictedPodSecurityContext(PGBOUNCER_RUN_AS),
            containers: [pgbouncer, exporter],
            volumes: [
              {
                name: 'pgbouncer-config',
                configMap: {
                  name: PGBOUNCER_NAMES.configMap,
                  defaultMode: 0o444,
                  items: [{ key: 'pgbouncer.ini', path: 'pgbouncer.ini' }, ...PGBOUNCER_SCRIPTS.map((s) => ({ key: s, path: `scripts/${s}`, mode: 0o555 }))],
                },
              },
              { name: 'run', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
              ...(ca ? [bundleVolume(DATABASE_CA.volume, ca)] : []),
              // 0640 root:<fsGroup>: the pgbouncer user reads its key through the group.
              ...(ownTls ? [{ name: PGBOUNCER_TLS.volume, secret: { secretName: env.config.secrets.pgbouncerTls, defaultMode: TLS_SECRET_MODE, items: [TLS_KEYS.cert, TLS_KEYS.key].map((k) => ({ key: k, path: k })) } }] : []),
            ],
            terminationGracePeriodSeconds: b.preStopDelaySeconds + b.shutdownTimeoutSeconds + 5,
            nodeSelector: place.nodeSelector,
            topologySpreadConstraints: place.topologySpreadConstraints,
            tolerations: place.tolerations,
            affinity: place.affinity,
            priorityClassName: place.priorityClassName,
          },
        }, { pods: env.config.pods, pod: b.pod, runAs: PGBOUNCER_RUN_AS, imagePullPolicy: env.config.imagePullPolicy }),
      },
    });

    new k8s.KubeService(this, 'Service', {
      metadata: { ...metadata, name: this.serviceName },
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [
          { name: 'postgresql', port: PGBOUNCER.port, targetPort: k8s.IntOrString.fromString('postgresql'), protocol: 'TCP' },
          { name: 'metrics', port: PGBOUNCER_METRICS_PORT, targetPort: k8s.IntOrString.fromString('metrics'), protocol: 'TCP' },
        ],
      },
    });

    if (b.replicas > 1) new DisruptionBudget(this, 'DisruptionBudget', { metadata, selector });
  }
}
