import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { BEAT_PID_FILE, BEAT_SCHEDULE_FILE } from './config-py';
import { fileFreshCommand, objectMeta, SupersetPodContext, supersetContainer, supersetIdentity, supersetPodTemplate } from './superset-pod';
import { selectorLabels } from '../workload/labels';

export interface SupersetBeatProps {
  readonly context: SupersetPodContext;
}

/**
 * Beat writes its schedule at start and at least every 3 minutes while it ticks (reports.scheduler
 * runs every minute), so a schedule file older than this means beat has stopped scheduling.
 */
export const BEAT_STALE_AFTER_SECONDS = 600;

/**
 * Celery beat: exactly one. `Recreate` stops the old pod before the new one starts, so two beats
 * never run at once (each would enqueue every scheduled task). No HPA, no PDB.
 */
export class SupersetBeat extends Construct {
  constructor(scope: Construct, id: string, props: SupersetBeatProps) {
    super(scope, id);
    const ctx = props.context;
    const identity = supersetIdentity(ctx, 'beat');
    const metadata = objectMeta(ctx, 'superset-beat', identity);
    const alive = fileFreshCommand(`${BEAT_SCHEDULE_FILE}*`, BEAT_STALE_AFTER_SECONDS);

    const container: k8s.Container = {
      ...supersetContainer(ctx, {
        name: 'beat',
        component: 'beat',
        command: [
          'celery',
          '--app=superset.tasks.celery_app:app',
          'beat',
          `--pidfile=${BEAT_PID_FILE}`,
          `--schedule=${BEAT_SCHEDULE_FILE}`,
          `--loglevel=${ctx.env.config.superset.logLevel}`,
        ],
        resources: ctx.env.config.superset.beat.resources,
        database: 'pgbouncer',
      }),
      startupProbe: { exec: { command: alive }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 30 },
      livenessProbe: { exec: { command: alive }, periodSeconds: 60, timeoutSeconds: 5, failureThreshold: 3, successThreshold: 1 },
    };

    new k8s.KubeDeployment(this, 'Deployment', {
      metadata,
      spec: {
        replicas: 1,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selectorLabels(identity) },
        strategy: { type: 'Recreate' },
        template: supersetPodTemplate(ctx, {
          id: identity,
          containers: [container],
          terminationGracePeriodSeconds: 30,
          spread: false,
          placement: ctx.env.config.superset.beat,
        }),
      },
    });
  }
}
