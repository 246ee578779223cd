import { randomHex, SecretRef } from '../config/secret-ref';
import type { OpsConfig } from './schema';

/** What the ops Secret keys depend on. */
interface OpsSecretSettings {
  readonly ops: OpsConfig;
}

// The Secrets the ops CronJobs read. Part of the Secrets contract (allSecretRefs): the Secrets
// table, `npm run secrets` and the optional ExternalSecrets include them.

/** The backup role's password: pg_dump reads PGPASSWORD, so it never appears on a command line. */
export function backupCredentialRefs(config: OpsSecretSettings): SecretRef[] {
  const c = config.ops.backup.credentials;
  return [{
    secretName: c.secretName,
    key: c.passwordKey,
    envVar: 'PGPASSWORD',
    configField: 'ops.backup.credentials.secretName',
    description: `password of the "${c.user}" role the backup connects to the Patroni primary as (a member of pg_read_all_data; docs/operations.md, "Backups")`,
    ...randomHex(32),
    random: { bytes: 32, encoding: 'hex' },
  }];
}

/** Access key of the backup bucket, read by curl's SigV4 signing (never on a command line). */
export function objectStorageRefs(config: OpsSecretSettings): SecretRef[] {
  const secretName = config.ops.objectStorage.secretName;
  return [
    {
      secretName,
      key: 'access-key-id',
      envVar: 'AWS_ACCESS_KEY_ID',
      configField: 'ops.objectStorage.secretName',
      description: `access key of the "${config.ops.objectStorage.bucket}" bucket (backups; dashboard exports when their target is objectStorage): list, get, put and delete under the prefix only`,
      generate: 'from your object store (a key limited to the bucket and prefix)',
    },
    {
      secretName,
      key: 'secret-access-key',
      envVar: 'AWS_SECRET_ACCESS_KEY',
      configField: 'ops.objectStorage.secretName',
      description: 'its secret key',
      generate: 'from your object store',
    },
  ];
}

/** The deploy key and the server's host key for pushing the dashboard export. */
export function gitRefs(config: OpsSecretSettings): SecretRef[] {
  const secretName = config.ops.dashboardExport.git.secretName;
  return [
    {
      secretName,
      key: 'ssh-privatekey',
      envVar: 'GIT_SSH_PRIVATE_KEY',
      configField: 'ops.dashboardExport.git.secretName',
      description: 'private SSH deploy key with write access to ops.dashboardExport.git.repository (only that repository); written to a 0600 file in the pod',
      generate: 'ssh-keygen -t ed25519 -N "" -C superset-dashboard-export -f deploy_key',
    },
    {
      secretName,
      key: 'known_hosts',
      envVar: 'GIT_SSH_KNOWN_HOSTS',
      configField: 'ops.dashboardExport.git.secretName',
      description: 'known_hosts line(s) of the Git server: host keys are always checked, never accepted blindly (compare the scanned fingerprint with the one your Git host publishes)',
      generate: 'ssh-keyscan -t ed25519 <git host>',
    },
  ];
}

/** Every Secret key the enabled ops CronJobs read. */
export function opsSecretRefs(config: OpsSecretSettings): SecretRef[] {
  const ops = config.ops;
  const exportToStorage = ops.dashboardExport.enabled && ops.dashboardExport.target === 'objectStorage';
  return [
    ...(ops.backup.enabled ? backupCredentialRefs(config) : []),
    ...(ops.backup.enabled || ops.restoreCheck.enabled || exportToStorage ? objectStorageRefs(config) : []),
    ...(ops.dashboardExport.enabled && ops.dashboardExport.target === 'git' ? gitRefs(config) : []),
  ];
}
