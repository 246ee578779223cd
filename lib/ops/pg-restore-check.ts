import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import type { Environment } from '../config/load';
import { metadataDatabase } from '../postgres/endpoints';
import { resourceRequirements } from '../workload/resources';
import { emptyDir, keysMount, keysVolume, objectStorageAccess, opsContainer, opsCronJobSpec, opsIdentity, scriptsVolume } from './ops-pod';
import { BACKUP_SIGNATURE_NAMESPACE, restoreKeyRefs } from './secrets';

export interface PgRestoreCheckProps {
  readonly env: Environment;
}

export const PG_RESTORE_CHECK_NAME = 'pg-restore-check';

/**
 * CronJob `pg-restore-check`: weekly, restores the newest complete backup into a throwaway
 * PostgreSQL inside the pod (initdb into an emptyDir, unix socket only) and runs sanity queries
 * (lib/ops/scripts/pg-restore-check.sh). It reads the bucket with a read-only key, refuses a
 * dump whose checksum signature does not verify, decrypts it, and restores it as Superset's
 * owner role without superuser rights.
 */
export class PgRestoreCheck extends Construct {
  constructor(scope: Construct, id: string, props: PgRestoreCheckProps) {
    super(scope, id);
    const { env } = props;
    const config = env.config;
    const r = config.ops.restoreCheck;
    const keys = restoreKeyRefs(config);
    const keyFile = (key: string) => keys.find((k) => k.key === key)!.file!;
    const storage = objectStorageAccess(env, 'read');
    const container = opsContainer(env, {
      name: 'pg-restore-check',
      script: 'pg-restore-check.sh',
      env: [
        { name: 'PGDATABASE', value: metadataDatabase(config).name },
        { name: 'POSTGRES_MAJOR', value: String(config.postgres.majorVersion) },
        ...storage.env,
        { name: 'RESTORE_MAX_AGE_HOURS', value: String(r.maxBackupAgeHours) },
        { name: 'RESTORE_REQUIRED_TABLES', value: r.requiredTables.join(' ') },
        { name: 'RESTORE_NONEMPTY_TABLES', value: r.nonEmptyTables.join(' ') },
        { name: 'SCRATCH_DIR', value: '/scratch' },
        { name: 'RESTORE_ROLE', value: config.superset.database.user },
        { name: 'RESTORE_AGE_IDENTITY_FILE', value: keyFile('age-identity') },
        { name: 'RESTORE_VERIFY_KEY_FILE', value: keyFile('verify-key') },
        { name: 'BACKUP_SIGNATURE_NAMESPACE', value: BACKUP_SIGNATURE_NAMESPACE },
      ],
      resources: resourceRequirements(r.resources),
      // The throwaway server's shared memory segments live in /dev/shm.
      volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }, { name: 'tmp', mountPath: '/tmp' }, { name: 'shm', mountPath: '/dev/shm' }, keysMount, ...storage.volumeMounts],
    });
    new k8s.KubeCronJob(this, 'Resource', opsCronJobSpec({
      env,
      name: PG_RESTORE_CHECK_NAME,
      id: opsIdentity(env, 'pg-restore-check'),
      settings: r,
      serviceAccountName: storage.serviceAccountName,
      pod: {
        containers: [container],
        volumes: [
          scriptsVolume,
          emptyDir('scratch', r.scratchSize),
          emptyDir('tmp', '64Mi'),
          { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('256Mi') } },
          keysVolume(keys),
          ...storage.volumes,
        ],
      },
    }));
  }
}
