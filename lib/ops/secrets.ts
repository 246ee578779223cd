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
      description: `writing access key of the "${config.ops.objectStorage.bucket}" bucket (pg-backup; dashboard-export when its target is objectStorage): list, get, put and delete under the dump and dashboard prefixes only (docs/operations.md, "Bucket policy")`,
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

/** The read-only access key of the restore check: list and get, nothing else. */
export function readOnlyObjectStorageRefs(config: OpsSecretSettings): SecretRef[] {
  const secretName = config.ops.objectStorage.readOnlySecretName;
  return [
    {
      secretName,
      key: 'access-key-id',
      envVar: 'AWS_ACCESS_KEY_ID',
      configField: 'ops.objectStorage.readOnlySecretName',
      description: `read-only access key of the "${config.ops.objectStorage.bucket}" bucket for pg-restore-check: list and get under the dump prefix only, no put, no delete (docs/operations.md, "Bucket policy")`,
      generate: 'from your object store (a second key, read-only)',
    },
    {
      secretName,
      key: 'secret-access-key',
      envVar: 'AWS_SECRET_ACCESS_KEY',
      configField: 'ops.objectStorage.readOnlySecretName',
      description: 'its secret key',
      generate: 'from your object store',
    },
  ];
}

/** Where the ops containers find the key files of their Secret (a read-only Secret volume). */
export const OPS_KEYS_DIR = '/etc/superset-ops/keys';
/** ssh-keygen -Y namespace of the checksum signatures: a signature made for anything else never verifies. */
export const BACKUP_SIGNATURE_NAMESPACE = 'superset-k8s-pg-backup';
/** The principal the verify key is listed under in the allowed-signers file. */
export const BACKUP_SIGNER = 'pg-backup';

const AGE_PAIR = { id: 'backup-age', kind: 'age-x25519' as const, comment: 'superset-k8s backups' };
const SIGNING_PAIR = { id: 'backup-signing', kind: 'ssh-ed25519' as const, comment: BACKUP_SIGNER };
const AGE_GENERATE = 'age-keygen -o identity.txt: the file is "age-identity", the "public key: age1..." it prints is "age-recipient"';
const SIGNING_GENERATE = 'ssh-keygen -t ed25519 -N "" -C pg-backup -f signing-key: the file is "signing-key", signing-key.pub is "verify-key"';

/**
 * The uploader's keys: the age recipient the dumps are encrypted to (public: pg-backup cannot
 * decrypt what it wrote) and the private key that signs each checksum (only pg-backup has it).
 */
export function backupKeyRefs(config: OpsSecretSettings): SecretRef[] {
  const secretName = config.ops.backup.keysSecretName;
  const field = 'ops.backup.keysSecretName';
  return [
    {
      secretName, key: 'age-recipient', envVar: '', file: `${OPS_KEYS_DIR}/age-recipient`, configField: field,
      description: 'age public key ("age1...") pg-backup encrypts every dump to; the matching identity is in ops.restoreCheck.keysSecretName',
      generate: AGE_GENERATE, keyPair: { ...AGE_PAIR, part: 'public' },
    },
    {
      secretName, key: 'signing-key', envVar: '', file: `${OPS_KEYS_DIR}/signing-key`, configField: field,
      description: 'OpenSSH Ed25519 private key pg-backup signs each dump\'s checksum with (ssh-keygen -Y sign); no other pod holds it, so nobody else can make a backup the restore accepts',
      generate: SIGNING_GENERATE, keyPair: { ...SIGNING_PAIR, part: 'private' },
    },
  ];
}

/** The restorer's keys: the age identity that decrypts the dumps and the signature's public key. */
export function restoreKeyRefs(config: OpsSecretSettings): SecretRef[] {
  const secretName = config.ops.restoreCheck.keysSecretName;
  const field = 'ops.restoreCheck.keysSecretName';
  return [
    {
      secretName, key: 'age-identity', envVar: '', file: `${OPS_KEYS_DIR}/age-identity`, configField: field,
      description: 'age private key ("AGE-SECRET-KEY-1...") that decrypts the dumps: read by pg-restore-check and the restore procedure (docs/RUNBOOK.md); keep a copy outside the cluster too, or a lost cluster takes its backups with it',
      generate: AGE_GENERATE, keyPair: { ...AGE_PAIR, part: 'private' },
    },
    {
      secretName, key: 'verify-key', envVar: '', file: `${OPS_KEYS_DIR}/verify-key`, configField: field,
      description: 'the public half of pg-backup\'s signing key ("ssh-ed25519 AAAA... pg-backup"): a dump whose checksum signature does not verify against it is never restored',
      generate: SIGNING_GENERATE, keyPair: { ...SIGNING_PAIR, part: 'public' },
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
  // With a web identity the jobs get temporary credentials: no stored key at all.
  const keys = ops.objectStorage.credentials === 'accessKeys';
  return [
    ...(ops.backup.enabled ? backupCredentialRefs(config) : []),
    ...(keys && (ops.backup.enabled || exportToStorage) ? objectStorageRefs(config) : []),
    ...(ops.backup.enabled ? backupKeyRefs(config) : []),
    // The identity is needed to restore even where no restore check runs: created with the backups.
    ...(ops.backup.enabled || ops.restoreCheck.enabled ? restoreKeyRefs(config) : []),
    ...(keys && ops.restoreCheck.enabled ? readOnlyObjectStorageRefs(config) : []),
    ...(ops.dashboardExport.enabled && ops.dashboardExport.target === 'git' ? gitRefs(config) : []),
  ];
}
