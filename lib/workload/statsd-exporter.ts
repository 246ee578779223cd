import * as k8s from '../../imports/k8s';
import { restrictedContainerSecurityContext } from './pod-security';
import { resourceRequirements } from './resources';

// The statsd_exporter sidecar of the Superset web and worker pods (and any pod that sends statsd):
// Superset and gunicorn send statsd to loopback, Prometheus scrapes the `metrics` port.

/** statsd listens on loopback only: Superset and gunicorn in the same pod send to it. */
export const STATSD_UDP = { host: '127.0.0.1', port: 9125 } as const;
export const STATSD_METRICS_PORT = 9102;
/** The ConfigMap with the mapping file every sidecar mounts (superset/statsd-mapping.ts). */
export const STATSD_MAPPING_CONFIGMAP = 'statsd-mapping';

/** The statsd_exporter image runs as nobody. */
const NOBODY = { uid: 65534, gid: 65534 };

export function statsdExporterVolume(): k8s.Volume {
  return { name: 'statsd-mapping', configMap: { name: STATSD_MAPPING_CONFIGMAP, defaultMode: 0o444 } };
}

/** The image of the sidecar, as configured in `monitoring.statsdExporterImage`. */
export interface StatsdExporterImage {
  readonly repository: string;
  readonly tag: string;
  readonly digest?: string;
}

/** The sidecar: statsd on loopback UDP in, Prometheus metrics on the `metrics` port out. */
export function statsdExporterSidecar(image: StatsdExporterImage, imagePullPolicy: string): k8s.Container {
  const port = k8s.IntOrString.fromString('metrics');
  return {
    name: 'statsd-exporter',
    image: `${image.repository}:${image.tag}${image.digest ? `@${image.digest}` : ''}`,
    imagePullPolicy,
    args: [
      `--statsd.listen-udp=${STATSD_UDP.host}:${STATSD_UDP.port}`,
      '--statsd.listen-tcp=',
      `--web.listen-address=:${STATSD_METRICS_PORT}`,
      '--statsd.mapping-config=/etc/statsd/mapping.yaml',
    ],
    ports: [{ name: 'metrics', containerPort: STATSD_METRICS_PORT, protocol: 'TCP' }],
    resources: resourceRequirements({ cpuRequest: '10m', cpuLimit: '100m', memoryRequest: '32Mi', memoryLimit: '64Mi' }),
    securityContext: restrictedContainerSecurityContext(NOBODY),
    readinessProbe: { tcpSocket: { port }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
    livenessProbe: { tcpSocket: { port }, periodSeconds: 30, timeoutSeconds: 2, failureThreshold: 3 },
    volumeMounts: [{ name: 'statsd-mapping', mountPath: '/etc/statsd', readOnly: true }],
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}
