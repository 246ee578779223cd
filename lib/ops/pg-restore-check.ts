import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import type { Environment } from '../config/load';
import { metadataDatabase } from '../postgres/endpoints';
import { resourceRequirements } from '../workload/resources';
import { emptyDir, objectStorageEnv, opsContainer, opsCronJobSpec, opsIdentity, scriptsVolume } from './ops-pod';

export interface PgRestoreCheckProps {
  readonly env: Environment;
}

export const PG_RESTORE_CHECK_NAME = 'pg-restore-check';

/**
 * CronJob `pg-restore-check`: weekly, restores the newest complete backup into a throwaway
 * PostgreSQL inside the pod (initdb into an emptyDir, unix socket only) and runs sanity queries
 * (lib/ops/scripts/pg-restore-check.sh). It reads the bucket and never writes to it.
 */
export class PgRestoreCheck extends Construct {
  constructor(scope: Construct, id: string, props: PgRestoreCheckProps) {
    super(scope, id);
    const { env } = props;
    const config = env.config;
    const r = config.ops.restoreCheck;
    const container = opsContainer(env, {
      name: 'pg-restore-check',
      script: 'pg-restore-check.sh',
      env: [
        { name: 'PGDATABASE', value: metadataDatabase(config).name },
        { name: 'POSTGRES_MAJOR', value: String(config.postgres.majorVersion) },
        ...objectStorageEnv(env),
        { name: 'RESTORE_MAX_AGE_HOURS', value: String(r.maxBackupAgeHours) },
        { name: 'RESTORE_REQUIRED_TABLES', value: r.requiredTables.join(' ') },
        { name: 'RESTORE_NONEMPTY_TABLES', value: r.nonEmptyTables.join(' ') },
        { name: 'SCRATCH_DIR', value: '/scratch' },
      ],
      resources: resourceRequirements(r.resources),
      // The throwaway server's shared memory segments live in /dev/shm.
      volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }, { name: 'tmp', mountPath: '/tmp' }, { name: 'shm', mountPath: '/dev/shm' }],
    });
    new k8s.KubeCronJob(this, 'Resource', opsCronJobSpec({
      env,
      name: PG_RESTORE_CHECK_NAME,
      id: opsIdentity(env, 'pg-restore-check'),
      settings: r,
      pod: {
        containers: [container],
        volumes: [
          scriptsVolume,
          emptyDir('scratch', r.scratchSize),
          emptyDir('tmp', '64Mi'),
          { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('256Mi') } },
        ],
      },
    }));
  }
}
