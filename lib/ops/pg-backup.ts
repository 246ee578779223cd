import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { DATABASE_CA, databaseClientTls, directDatabase, metadataDatabase } from '../postgres/endpoints';
import { bundleVolume } from '../workload/pod-extension';
import type { Environment } from '../config/load';
import { BACKUP_SIGNATURE_NAMESPACE, backupCredentialRefs, backupKeyRefs } from './secrets';
import { resourceRequirements } from '../workload/resources';
import { emptyDir, keysMount, keysVolume, objectStorageAccess, opsContainer, opsCronJobSpec, opsIdentity, scriptsVolume, secretEnv } from './ops-pod';

export interface PgBackupProps {
  readonly env: Environment;
}

export const PG_BACKUP_NAME = 'pg-backup';

/**
 * CronJob `pg-backup`: daily `pg_dump -Fc` of the metadata database from the Patroni primary
 * (never through PgBouncer), checked with `pg_restore --list`, encrypted with age to a public
 * recipient, checksummed, the checksum signed with a key only this job holds, uploaded to
 * S3-compatible storage and pruned by retention (lib/ops/scripts/pg-backup.sh).
 */
export class PgBackup extends Construct {
  constructor(scope: Construct, id: string, props: PgBackupProps) {
    super(scope, id);
    const { env } = props;
    const config = env.config;
    const b = config.ops.backup;
    const keys = backupKeyRefs(config);
    const keyFile = (key: string) => keys.find((r) => r.key === key)!.file!;
    const server = directDatabase(config);
    // A managed server's TLS mode and CA, or our tier's with postgres.tls (the container's
    // PGSSLROOTCERT wins over pods.caBundle's).
    const clientTls = databaseClientTls(config, 'direct');
    const ca = clientTls?.caBundle;
    const tls: k8s.EnvVar[] = clientTls ? [
      { name: 'PGSSLMODE', value: clientTls.sslMode },
      ...(ca ? [{ name: 'PGSSLROOTCERT', value: DATABASE_CA.file }] : []),
    ] : [];
    const storage = objectStorageAccess(env, 'write');
    const container = opsContainer(env, {
      name: 'pg-backup',
      script: 'pg-backup.sh',
      env: [
        { name: 'PGHOST', value: server.host },
        { name: 'PGPORT', value: String(server.port) },
        { name: 'PGDATABASE', value: metadataDatabase(config).name },
        ...tls,
        { name: 'PGUSER', value: b.credentials.user },
        ...secretEnv(backupCredentialRefs(config)),
        { name: 'PGCONNECT_TIMEOUT', value: '10' },
        { name: 'PGAPPNAME', value: 'pg-backup' },
        { name: 'POSTGRES_MAJOR', value: String(config.postgres.majorVersion) },
        ...storage.env,
        { name: 'BACKUP_RETENTION_DAYS', value: String(b.retentionDays) },
        { name: 'BACKUP_KEEP_LAST', value: String(b.keepLast) },
        { name: 'BACKUP_LOCK_WAIT_TIMEOUT_SECONDS', value: String(b.lockWaitTimeoutSeconds) },
        { name: 'SCRATCH_DIR', value: '/scratch' },
        { name: 'BACKUP_AGE_RECIPIENT_FILE', value: keyFile('age-recipient') },
        { name: 'BACKUP_SIGNING_KEY_FILE', value: keyFile('signing-key') },
        { name: 'BACKUP_SIGNATURE_NAMESPACE', value: BACKUP_SIGNATURE_NAMESPACE },
      ],
      resources: resourceRequirements(b.resources),
      volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }, { name: 'tmp', mountPath: '/tmp' }, keysMount, ...storage.volumeMounts, ...(ca ? [{ name: DATABASE_CA.volume, mountPath: DATABASE_CA.dir, readOnly: true }] : [])],
    });
    new k8s.KubeCronJob(this, 'Resource', opsCronJobSpec({
      env,
      name: PG_BACKUP_NAME,
      id: opsIdentity(env, 'pg-backup'),
      settings: b,
      pod: {
        containers: [container],
        volumes: [scriptsVolume, emptyDir('scratch', b.scratchSize), emptyDir('tmp', '64Mi'), keysVolume(keys), ...storage.volumes, ...(ca ? [bundleVolume(DATABASE_CA.volume, ca)] : [])],
      },
    }));
  }
}
