import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import type { WorkerQueueConfig } from './schema';
import { ScaledDeployment } from '../workload/scaled-deployment';
import { WORKER_HEARTBEAT_FILE, WORKER_HEARTBEAT_INTERVAL_SECONDS } from './config-py';
import { longestTaskSeconds } from './sizing';
import { browserImage, SHM_VOLUME, WEBDRIVER_BASEURL, WEBDRIVER_BASEURL_ENV } from './reports';
import { screenshotQueues, screenshotsActive, webClientQueues } from './rules';
import { DELIVERS_REPORTS_ENV, deliversReports, fileFreshCommand, objectMeta, SupersetPodContext, supersetContainer, supersetIdentity, supersetPodTemplate } from './superset-pod';

export interface SupersetWorkerProps {
  readonly context: SupersetPodContext;
  /** Celery queue this Deployment consumes. */
  readonly queue: string;
  readonly settings: WorkerQueueConfig;
}

/** Seconds Celery's warm shutdown gets beyond the task time limit to ack and exit. */
export const WORKER_SHUTDOWN_MARGIN_SECONDS = 30;

/**
 * One Celery worker Deployment per queue, so scheduled reports never starve interactive work.
 * Liveness reads the heartbeat file the worker's event loop touches (see superset_config.py),
 * not `celery inspect ping`. The grace period lets a running task finish on SIGTERM.
 */
export class SupersetWorker extends Construct {
  constructor(scope: Construct, id: string, props: SupersetWorkerProps) {
    super(scope, id);
    const ctx = props.context;
    const q = props.settings;
    const component = `worker-${props.queue}`;
    const identity = supersetIdentity(ctx, component);
    const heartbeat = fileFreshCommand(WORKER_HEARTBEAT_FILE, WORKER_HEARTBEAT_INTERVAL_SECONDS * 6);

    const superset = ctx.env.config.superset;
    const browser = screenshotsActive(superset) && screenshotQueues(superset).includes(props.queue);
    const webClient = webClientQueues(superset).includes(props.queue);
    const base = supersetContainer(ctx, {
      name: 'worker',
      component,
      command: [
        'celery',
        '--app=superset.tasks.celery_app:app',
        'worker',
        `--queues=${props.queue}`,
        `--hostname=${props.queue}@%h`,
        `--concurrency=${q.concurrency}`,
        `--max-tasks-per-child=${q.maxTasksPerChild}`,
        `--prefetch-multiplier=${q.prefetchMultiplier}`,
        `--time-limit=${q.taskTimeLimitSeconds}`,
        `--soft-time-limit=${Math.floor(q.taskTimeLimitSeconds * 0.9)}`,
        // Gossip and mingle cost broker traffic per worker and buy nothing here.
        '--without-gossip',
        '--without-mingle',
        `--loglevel=${ctx.env.config.superset.logLevel}`,
      ],
      resources: q.resources,
      database: 'pgbouncer',
      extraEnv: [
        ...(webClient ? [{ name: WEBDRIVER_BASEURL_ENV, value: WEBDRIVER_BASEURL }] : []),
        // The reports' workers hold the delivery secrets, and superset_config.py requires them there.
        ...(deliversReports(ctx.env.config.superset, component) ? [{ name: DELIVERS_REPORTS_ENV, value: '1' }] : []),
      ],
    });
    const container: k8s.Container = {
      ...base,
      // The screenshot tasks' workers run the browser variant of the image, with a memory-backed
      // /dev/shm (the runtime's 64Mi makes Chromium's renderers crash on large dashboards).
      ...(browser ? { image: browserImage(superset), volumeMounts: [...(base.volumeMounts ?? []), { ...SHM_VOLUME }] } : {}),
      startupProbe: { exec: { command: heartbeat }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 30 },
      livenessProbe: { exec: { command: heartbeat }, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3, successThreshold: 1 },
    };

    new ScaledDeployment(this, 'Deployment', {
      metadata: objectMeta(ctx, `superset-${component}`, identity),
      id: identity,
      minReplicas: q.minReplicas,
      maxReplicas: q.maxReplicas,
      autoscaling: ctx.env.config.autoscaling,
      template: supersetPodTemplate(ctx, {
        id: identity,
        containers: [container],
        // Warm shutdown lets the running task finish: for the SQL Lab queue that is Superset's own
        // per-task limit (SQLLAB_ASYNC_TIME_LIMIT_SEC + 60 s), which overrides --time-limit.
        terminationGracePeriodSeconds: longestTaskSeconds(ctx.env.config.superset, props.queue) + WORKER_SHUTDOWN_MARGIN_SECONDS,
        spread: q.maxReplicas > 1,
        placement: q,
        metrics: true,
        extraVolumes: browser
          ? [{ name: SHM_VOLUME.name, emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString(superset.reports.screenshots.shmSize) } }]
          : undefined,
      }),
    });
  }
}
