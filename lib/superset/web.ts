import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { SUPERSET_WEB } from './endpoints';
import { gunicornSizing } from './sizing';
import { HEALTH_PATHS } from './config-py';
import { ScaledDeployment } from '../workload/scaled-deployment';
import { STATSD_UDP } from '../workload/statsd-exporter';
import { WEB_SCRIPT } from './scripts';
import { GUNICORN_LOGGING_FILE } from './json-logging';
import { CONFIG_DIR, objectMeta, SupersetPodContext, supersetContainer, supersetIdentity, supersetPodTemplate } from './superset-pod';

export interface SupersetWebProps {
  readonly context: SupersetPodContext;
}

/** Settings run-server.sh's variables do not cover; gunicorn reads them from GUNICORN_CMD_ARGS. */
export function gunicornExtraArgs(gracefulTimeoutSeconds: number, logFormat: 'text' | 'json' = 'text'): string {
  // /dev/shm keeps worker heartbeats off disk (a slow disk would make gunicorn kill workers).
  // JSON logs: gunicorn reads --config from GUNICORN_CMD_ARGS too; its logconfig_dict replaces
  // the handlers of --access-logfile/--error-logfile (same streams, JSON lines).
  return [`--graceful-timeout ${gracefulTimeoutSeconds}`, '--worker-tmp-dir /dev/shm',
    ...(logFormat === 'json' ? [`--config ${CONFIG_DIR}/${GUNICORN_LOGGING_FILE}`] : [])].join(' ');
}

/** Request durations and status codes to the statsd_exporter sidecar, for the p95 latency and 5xx alerts. */
function statsdEnv(enabled: boolean): k8s.EnvVar[] {
  if (!enabled) return [];
  return [
    { name: 'SERVER_STATSD_HOST', value: STATSD_UDP.host },
    { name: 'SERVER_STATSD_PORT', value: String(STATSD_UDP.port) },
    { name: 'SERVER_STATSD_PREFIX', value: 'superset.web' },
  ];
}

const HEALTH: k8s.HttpGetAction = { path: HEALTH_PATHS[0], port: k8s.IntOrString.fromString('http') };

/**
 * The web tier: gunicorn (gthread) with the image's run-server.sh flags, sized from the CPU request.
 * Shutdown drains: preStop waits until the ingress has dropped the pod, then gunicorn gets
 * SIGTERM and lets in-flight requests finish within the graceful timeout.
 */
export class SupersetWeb extends Construct {
  public readonly serviceName = SUPERSET_WEB.host;

  constructor(scope: Construct, id: string, props: SupersetWebProps) {
    super(scope, id);
    const ctx = props.context;
    const web = ctx.env.config.superset.web;
    const g = web.gunicorn;
    const sizing = gunicornSizing(web.resources.cpuRequest, g.threads, g.workers);
    const identity = supersetIdentity(ctx, 'web');
    const metadata = objectMeta(ctx, 'superset-web', identity);

    const container: k8s.Container = {
      ...supersetContainer(ctx, {
        name: 'web',
        component: 'web',
        // gunicorn as PID 1 (exec), with run-server.sh's flags: SIGTERM reaches it (scripts/superset-web.sh).
        command: ['/bin/sh', `${CONFIG_DIR}/${WEB_SCRIPT}`],
        resources: web.resources,
        database: 'pgbouncer',
        extraEnv: [
          { name: 'SERVER_WORKER_AMOUNT', value: String(sizing.workers) },
          { name: 'SERVER_WORKER_CLASS', value: 'gthread' },
          { name: 'SERVER_THREADS_AMOUNT', value: String(sizing.threads) },
          { name: 'GUNICORN_TIMEOUT', value: String(ctx.env.config.superset.webserverTimeoutSeconds) },
          { name: 'GUNICORN_KEEPALIVE', value: String(g.keepAliveSeconds) },
          { name: 'WORKER_MAX_REQUESTS', value: String(g.maxRequests) },
          { name: 'WORKER_MAX_REQUESTS_JITTER', value: String(g.maxRequestsJitter) },
          { name: 'GUNICORN_CMD_ARGS', value: gunicornExtraArgs(g.gracefulTimeoutSeconds, ctx.env.config.superset.logFormat) },
          ...statsdEnv(ctx.env.config.monitoring.enabled),
        ],
      }),
      ports: [{ name: 'http', containerPort: SUPERSET_WEB.port, protocol: 'TCP' }],
      startupProbe: { httpGet: HEALTH, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 60 },
      readinessProbe: { httpGet: HEALTH, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3, successThreshold: 1 },
      livenessProbe: { httpGet: HEALTH, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 4, successThreshold: 1 },
      lifecycle: { preStop: { exec: { command: ['sleep', String(web.preStopDelaySeconds)] } } },
    };

    const deployment = new ScaledDeployment(this, 'Deployment', {
      metadata,
      id: identity,
      minReplicas: web.minReplicas,
      maxReplicas: web.maxReplicas,
      autoscaling: ctx.env.config.autoscaling,
      template: supersetPodTemplate(ctx, {
        id: identity,
        containers: [container],
        terminationGracePeriodSeconds: web.preStopDelaySeconds + g.gracefulTimeoutSeconds + 10,
        spread: web.maxReplicas > 1,
        placement: web,
        metrics: true,
      }),
    });

    const service = ctx.env.config.edge.service;
    new k8s.KubeService(this, 'Service', {
      metadata: { ...metadata, name: this.serviceName, ...(Object.keys(service.annotations).length ? { annotations: { ...service.annotations } } : {}) },
      spec: {
        type: service.type,
        ...(service.type === 'LoadBalancer' && service.allowFrom.length ? { loadBalancerSourceRanges: [...service.allowFrom] } : {}),
        selector: deployment.selector,
        ports: [{ name: 'http', port: SUPERSET_WEB.port, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });
  }
}
