import type { ConfigProblem } from '../config/errors';
import { resourceLimits } from '../config/resource-rules';
import { walArchiveKeyPrefix, walArchiving } from '../postgres/rules';
import type { PostgresConfig } from '../postgres/schema';
import { PLACEHOLDER_GIT_REPOSITORY, PLACEHOLDER_OBJECT_STORAGE_ENDPOINT, PLACEHOLDER_OPS_IMAGE_REPOSITORY } from './defaults';
import type { OpsConfig } from './schema';

// Cross-field rules of the ops section (backups, restore check, dashboard export).

/** What the ops rules read: their own settings, and the Postgres major the image must match. */
export interface OpsSettings {
  readonly ops: OpsConfig;
  readonly postgres: Pick<PostgresConfig, 'majorVersion' | 'walArchive'>;
}

/** The ServiceAccount annotation EKS's pod identity webhook acts on (IAM roles for service accounts). */
const IRSA_ANNOTATION = 'eks.amazonaws.com/role-arn';

/** Folder of the dumps under the environment's prefix: never shared with WAL-G or the dashboard exports. */
export const DUMP_FOLDER = 'pg-dump';

/** The key prefix of the dumps: "<ops.objectStorage.prefix or the namespace>/pg-dump". */
export function dumpKeyPrefix(ops: Pick<OpsConfig, 'objectStorage'>, namespace: string): string {
  return `${ops.objectStorage.prefix ?? namespace}/${DUMP_FOLDER}`;
}

/** Whether one key prefix contains the other ("" contains everything). */
function prefixesOverlap(a: string, b: string): boolean {
  return a === '' || b === '' || a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/** The Postgres major an ops image tag is built for: "18-ops.1" -> 18; undefined when unreadable. */
export function opsImagePostgresMajor(tag: string): number | undefined {
  const match = /^(\d{2})(?=[.-])/.exec(tag);
  return match ? Number(match[1]) : undefined;
}


/**
 * Every cross-field problem of `ops`; empty when the section is consistent. `namespace` is the
 * environment's (the default of both key prefixes).
 */
export function opsProblems(config: OpsSettings, namespace: string): ConfigProblem[] {
  const ops = config.ops;
  const major = config.postgres.majorVersion;
  const problems: ConfigProblem[] = [];

  const imageMajor = opsImagePostgresMajor(ops.image.tag);
  if (imageMajor !== major) {
    problems.push({
      field: 'ops.image.tag',
      value: ops.image.tag,
      rule: `must start with the Postgres major of the server (postgres.majorVersion = ${major}): pg_dump refuses a newer server, and the restore check must restore with the same major`,
      fix: `build images/ops/Dockerfile with --build-arg PG_MAJOR=${major} and tag it "${major}-ops.<revision>", e.g. "${major}-ops.1"`,
    });
  }

  problems.push(
    ...resourceLimits('ops.backup.resources', ops.backup.resources),
    ...resourceLimits('ops.restoreCheck.resources', ops.restoreCheck.resources),
    ...resourceLimits('ops.dashboardExport.resources', ops.dashboardExport.resources),
    ...resourceLimits('ops.dashboardExport.exportResources', ops.dashboardExport.exportResources),
  );

  // A table that must have rows must exist too; listing it once is enough, but listing it in
  // nonEmptyTables only is a typo more often than not.
  const missing = ops.restoreCheck.nonEmptyTables.filter((t) => !ops.restoreCheck.requiredTables.includes(t));
  if (missing.length > 0) {
    problems.push({
      field: 'ops.restoreCheck.nonEmptyTables',
      value: missing,
      rule: 'every table that must have rows must also be listed in ops.restoreCheck.requiredTables',
      fix: `add ${missing.join(', ')} to ops.restoreCheck.requiredTables, or remove them from ops.restoreCheck.nonEmptyTables`,
    });
  }

  const storage = ops.objectStorage;
  if (storage.credentials === 'webIdentity' && !storage.webIdentity) {
    problems.push({
      field: 'ops.objectStorage.webIdentity',
      value: undefined,
      rule: 'credentials "webIdentity" needs the roles and the token service to get temporary credentials from',
      fix: 'set ops.objectStorage.webIdentity: { stsEndpoint: "https://sts.<region>.amazonaws.com", roleArn, readOnlyRoleArn, egress: [{ cidr, ports: [443] }] }, or set credentials to "accessKeys"',
    });
  }
  // Separate roles, like separate keys: the restore check's must not be the one that can write.
  if (ops.restoreCheck.enabled && storage.credentials === 'webIdentity' && storage.webIdentity && storage.webIdentity.readOnlyRoleArn === storage.webIdentity.roleArn) {
    problems.push({
      field: 'ops.objectStorage.webIdentity.readOnlyRoleArn',
      value: storage.webIdentity.readOnlyRoleArn,
      rule: 'must not be ops.objectStorage.webIdentity.roleArn: the restore check assumes a read-only role (list and get), so a compromised restore pod can neither delete nor forge a backup',
      fix: 'create a second role with read-only access whose trust policy names ServiceAccount "superset-ops-read" (docs/operations.md, "Cloud identity")',
    });
  }
  // Separate keys are the point: the restore check's must not be the one that can write and delete.
  if (ops.restoreCheck.enabled && storage.credentials === 'accessKeys' && ops.objectStorage.readOnlySecretName === ops.objectStorage.secretName) {
    problems.push({
      field: 'ops.objectStorage.readOnlySecretName',
      value: ops.objectStorage.readOnlySecretName,
      rule: 'must not be ops.objectStorage.secretName: the restore check gets a read-only key (list and get), so a compromised restore pod can neither delete nor forge a backup',
      fix: 'create a second, read-only access key (docs/operations.md, "Bucket policy") in a Secret of its own, e.g. "backup-object-storage-read"',
    });
  }
  if (ops.backup.keysSecretName === ops.restoreCheck.keysSecretName) {
    problems.push({
      field: 'ops.restoreCheck.keysSecretName',
      value: ops.restoreCheck.keysSecretName,
      rule: 'must not be ops.backup.keysSecretName: the uploader holds the signing key and only the public age recipient, the restorer the age identity and only the public verify key; one Secret would hand both halves to whoever can read it',
      fix: 'use two Secrets, e.g. "pg-backup-keys" and "pg-restore-keys" (npm run secrets creates both)',
    });
  }
  // Dumps and WAL-G under one prefix would let WAL-G's key (held by every Patroni pod) reach the
  // dumps, and the dump key reach the WAL archive.
  if (ops.backup.enabled && walArchiving(config) && config.postgres.walArchive.bucket === ops.objectStorage.bucket) {
    const dumps = dumpKeyPrefix(ops, namespace);
    const wal = walArchiveKeyPrefix(config.postgres.walArchive, namespace);
    if (prefixesOverlap(dumps, wal)) {
      problems.push({
        field: 'postgres.walArchive.prefix',
        value: config.postgres.walArchive.prefix ?? wal,
        rule: `must not overlap the dumps' prefix "${dumps}/" in the same bucket "${ops.objectStorage.bucket}": WAL-G's key (every Patroni pod holds it) would reach the dumps, and the bucket policy could not tell the two apart`,
        fix: `set postgres.walArchive.prefix to a folder of its own such as "${namespace}/wal-g", or use another bucket`,
      });
    }
  }

  if (ops.restoreCheck.enabled && !ops.backup.enabled) {
    problems.push({
      field: 'ops.restoreCheck.enabled',
      value: true,
      rule: 'the restore check needs the backup CronJob (ops.backup.enabled): it would test backups nobody makes any more',
      fix: 'enable ops.backup, or disable ops.restoreCheck too',
    });
  }
  return problems;
}

/** Soft problems of `ops`: placeholders still in use, plain-HTTP object storage. */
export function opsWarnings(config: { readonly ops: OpsConfig }): string[] {
  const ops = config.ops;
  const out: string[] = [];
  const anyJob = ops.backup.enabled || ops.restoreCheck.enabled || ops.dashboardExport.enabled;
  const usesStorage = ops.backup.enabled || ops.restoreCheck.enabled || (ops.dashboardExport.enabled && ops.dashboardExport.target === 'objectStorage');
  if (anyJob && ops.image.repository === PLACEHOLDER_OPS_IMAGE_REPOSITORY) {
    out.push(`ops.image.repository is the placeholder "${PLACEHOLDER_OPS_IMAGE_REPOSITORY}": build images/ops/Dockerfile, push it and set ops.image.repository.`);
  }
  if (usesStorage && ops.objectStorage.endpoint === PLACEHOLDER_OBJECT_STORAGE_ENDPOINT) {
    out.push(`ops.objectStorage.endpoint is the placeholder "${PLACEHOLDER_OBJECT_STORAGE_ENDPOINT}": set the S3-compatible endpoint, bucket and region of the backups.`);
  }
  if (usesStorage && ops.objectStorage.endpoint.startsWith('http://')) {
    out.push(`ops.objectStorage.endpoint "${ops.objectStorage.endpoint}" is plain HTTP: dumps are encrypted and requests signed, but object names, sizes and the signed requests (replayable for minutes) travel in clear: use HTTPS.`);
  }
  if (ops.objectStorage.credentials === 'accessKeys' && ops.objectStorage.webIdentity) {
    out.push('ops.objectStorage.webIdentity is set but ops.objectStorage.credentials is "accessKeys": the jobs sign with the stored keys and ignore it; set credentials to "webIdentity" to use it.');
  }
  if (ops.objectStorage.credentials === 'webIdentity' && Object.keys(ops.serviceAccount.annotations).includes(IRSA_ANNOTATION)) {
    out.push(`ops.serviceAccount.annotations sets "${IRSA_ANNOTATION}" while ops.objectStorage.credentials is "webIdentity": the manifests already project the token and name the role per job; EKS's pod identity webhook would add a second token and one role for every job. Remove the annotation.`);
  }
  if (ops.dashboardExport.enabled && ops.dashboardExport.target === 'git' && ops.dashboardExport.git.repository === PLACEHOLDER_GIT_REPOSITORY) {
    out.push(`ops.dashboardExport.git.repository is the placeholder "${PLACEHOLDER_GIT_REPOSITORY}": set the repository the dashboard YAML is pushed to (or set ops.dashboardExport.target to "objectStorage").`);
  }
  return out;
}
