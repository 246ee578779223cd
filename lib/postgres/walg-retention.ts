import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import type { Environment } from '../config/load';
import { recommendedLabels } from '../workload/labels';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../workload/pod-security';
import { resourceRequirements } from '../workload/resources';
import { imageRef, SPILO_RUN_AS } from './database-pod';
import { walArchivePrefix } from './patroni-config';
import { WALG_RETENTION_SCRIPT } from './postgres-config';
import { walArchiving } from './rules';
import { databaseSecretRefs } from './secrets';

export const WALG_RETENTION_NAME = 'walg-retention';
/** Exit code of a permanent failure (walg-retention.sh): the Job fails without retrying. */
const EXIT_PERMANENT = 3;

export interface WalgRetentionProps {
  readonly env: Environment;
  /** The ConfigMap that holds walg-retention.sh (postgres-patroni). */
  readonly configMapName: string;
}

/**
 * CronJob `walg-retention` and its ServiceAccount (no token): daily `wal-g delete retain FULL N`
 * (lib/postgres/scripts/walg-retention.sh) with the only WAL-G access key that may delete, so the
 * Patroni pods, whose key may only list, get and put, can never erase the archive. Same image as
 * the members (WAL-G ships in Spilo); no database connection, no encryption key.
 */
export class WalgRetention extends Construct {
  constructor(scope: Construct, id: string, props: WalgRetentionProps) {
    super(scope, id);
    const { env } = props;
    if (!walArchiving(env.config)) return;
    const archive = env.config.postgres.walArchive;
    const identity = { name: WALG_RETENTION_NAME, instance: env.config.instance, component: 'backup-retention', version: env.config.postgres.image.tag };
    const labels = recommendedLabels(identity);
    const metadata = { name: WALG_RETENTION_NAME, namespace: env.namespace, labels };
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });

    const keys = databaseSecretRefs(env.config).filter((r) => r.consumers.includes('walg-retention'));
    const container: k8s.Container = {
      name: WALG_RETENTION_NAME,
      image: imageRef(env.config.postgres.image),
      imagePullPolicy: env.config.imagePullPolicy,
      command: ['/bin/bash', `/opt/walg-retention/${WALG_RETENTION_SCRIPT}`],
      env: [
        { name: 'WALG_S3_PREFIX', value: walArchivePrefix(env) },
        { name: 'AWS_REGION', value: archive.region },
        ...(archive.endpoint ? [{ name: 'AWS_ENDPOINT', value: archive.endpoint }] : []),
        { name: 'AWS_S3_FORCE_PATH_STYLE', value: String(archive.forcePathStyle) },
        { name: 'BASEBACKUP_RETAIN_FULL', value: String(archive.baseBackupRetainFull) },
        ...keys.map((r) => ({ name: r.envVar, valueFrom: { secretKeyRef: { name: r.secretName, key: r.key } } })),
      ],
      resources: resourceRequirements({ cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '64Mi', memoryLimit: '256Mi' }),
      securityContext: restrictedContainerSecurityContext(SPILO_RUN_AS),
      volumeMounts: [
        { name: 'script', mountPath: '/opt/walg-retention', readOnly: true },
        { name: 'tmp', mountPath: '/tmp' },
      ],
      terminationMessagePolicy: 'FallbackToLogsOnError',
    };
    const nodeSelector = env.config.scheduling.nodeSelector;
    new k8s.KubeCronJob(this, 'Resource', {
      metadata,
      spec: {
        schedule: archive.retentionSchedule,
        timeZone: 'Etc/UTC',
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 14400,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        suspend: false,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: 2,
            activeDeadlineSeconds: 3600,
            podFailurePolicy: {
              rules: [
                { action: 'FailJob', onExitCodes: { operator: 'In', values: [EXIT_PERMANENT] }, onPodConditions: [] },
                { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
              ],
            },
            template: {
              metadata: { labels },
              spec: {
                serviceAccountName: WALG_RETENTION_NAME,
                automountServiceAccountToken: false,
                enableServiceLinks: false,
                securityContext: restrictedPodSecurityContext(SPILO_RUN_AS),
                restartPolicy: 'Never',
                terminationGracePeriodSeconds: 30,
                nodeSelector: Object.keys(nodeSelector).length ? nodeSelector : undefined,
                containers: [container],
                volumes: [
                  { name: 'script', configMap: { name: props.configMapName, defaultMode: 0o555, items: [{ key: WALG_RETENTION_SCRIPT, path: WALG_RETENTION_SCRIPT }] } },
                  { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
                ],
              },
            },
          },
        },
      },
    });
  }
}
