import { z } from 'zod';
import { cronSchedule, dnsLabel, imageOf, positiveInt, resourcesOf, storageQuantity } from '../config/primitives';
import { podOverrideSchema, schedulingOverrideSchema, serviceAccountSchema } from '../workload/schema';

// Operations: the database backup, the restore check and the dashboard export CronJobs.
// Plugged into the platform schema as `ops` (the Postgres major comes from
// `postgres.majorVersion`). Strict like the rest of the schema; every description is a row of the
// generated configuration reference.

const secretKey = z.string().regex(/^[-._a-zA-Z0-9]+$/, 'must be a Secret key: letters, digits, "-", "_" and "."');
/** "a/b/c": no leading or trailing "/", no empty, "." or ".." segment (curl would collapse those). */
const relativePath = z.string().refine((p) => /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(p) && !p.split('/').some((seg) => seg === '.' || seg === '..'), 'must be a relative path such as "superset/prod" (no leading or trailing "/", no "." or ".." segments)');
const pgIdentifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case PostgreSQL identifier');

const schedule = cronSchedule;
const timeZone = z
  .string()
  .regex(/^(UTC|Etc\/UTC|[A-Z][A-Za-z_]+(\/[A-Z][A-Za-z0-9_+-]+)+)$/, 'must be an IANA time zone such as "Etc/UTC" or "Europe/Berlin"');

const cronJob = (what: string) => ({
  enabled: z.boolean().describe(`run the ${what} CronJob`),
  schedule: schedule.describe(`cron schedule of the ${what}`),
  timeZone: timeZone.describe('time zone of the schedule (CronJob spec.timeZone); explicit, so it never follows the controller\'s clock'),
  startingDeadlineSeconds: z.number().int().min(10, 'must be at least 10 seconds: the CronJob controller checks schedules about every 10 s, so a shorter window can miss every run').max(86400, 'must be at most 86400 seconds').describe('a run that could not start on time (controller down, quota) still starts within this window; later, it is counted as missed'),
  activeDeadlineSeconds: positiveInt.max(86400, 'must be at most 86400 seconds').describe('the Job (all its attempts) is killed after this long'),
  backoffLimit: z.number().int().min(0, 'must be 0 or more').max(10, 'must be at most 10').describe('retries of a failed attempt (a permanent failure, exit code 3, is never retried)'),
  successfulJobsHistoryLimit: z.number().int().min(0).max(20, 'must be at most 20').describe('finished Jobs kept for their logs'),
  failedJobsHistoryLimit: z.number().int().min(1, 'must be at least 1: the last failure\'s logs are what you debug with').max(20, 'must be at most 20').describe('failed Jobs kept for their logs'),
  scheduling: schedulingOverrideSchema,
  pod: podOverrideSchema,
});

const imageSchema = imageOf({
  repositoryExample: 'ghcr.io/acme/superset-ops',
  tagExample: '18-ops.1',
  repositoryDescription: 'ops image repository (images/ops/Dockerfile), without tag',
  tagDescription: 'ops image tag "<Postgres major>-ops.<revision>"; its Postgres major must be postgres.majorVersion',
});

const cidrPorts = z.strictObject({
  cidr: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$|^[0-9a-f:]+\/\d{1,3}$/, 'must be a CIDR such as "52.94.0.0/22"').describe('address range'),
  ports: z.array(z.number().int().min(1).max(65535)).min(1, 'must list at least one port').describe('TCP ports'),
});
const roleArn = z.string().regex(/^arn:[a-z0-9-]+:iam::[0-9]*:role\/[A-Za-z0-9+=,.@_\/-]{1,128}$/, 'must be an IAM role ARN such as "arn:aws:iam::123456789012:role/superset-backup" (MinIO: "arn:minio:iam:::role/...")');

const webIdentitySchema = z.strictObject({
  stsEndpoint: z.string().regex(/^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be an https scheme and host such as "https://sts.eu-west-1.amazonaws.com" (the token travels in the request: never plain HTTP)').describe('token service the jobs call AssumeRoleWithWebIdentity on: the regional AWS STS endpoint, or the MinIO endpoint itself'),
  roleArn: roleArn.describe('role the writing jobs assume (pg-backup; dashboard-export with target objectStorage), as ServiceAccount "superset-ops": list, get, put and delete under the prefix'),
  readOnlyRoleArn: roleArn.describe('role the restore check assumes, as its own ServiceAccount "superset-ops-read": list and get under the dump prefix only'),
  audience: z.string().regex(/^[A-Za-z0-9.:/_-]{1,200}$/, 'must be a token audience such as "sts.amazonaws.com"').default('sts.amazonaws.com').describe('audience of the projected token: what the identity provider registered in IAM (or MinIO) expects; "sts.amazonaws.com" when unset'),
  tokenExpirationSeconds: z.number().int().min(600, 'must be at least 600 seconds (the Kubernetes minimum)').max(86400, 'must be at most 86400 seconds').default(3600).describe('lifetime of the projected token (the kubelet renews it at 80 %); 3600 when unset'),
  sessionDurationSeconds: z.number().int().min(900, 'must be at least 900 seconds (the STS minimum)').max(43200, 'must be at most 43200 seconds (the STS maximum; the role\'s MaxSessionDuration must allow it)').default(3600).describe('DurationSeconds of the temporary credentials (the scripts fetch new ones 5 minutes before they expire, so a long upload never runs out); 3600 when unset'),
  egress: z.array(cidrPorts).min(1, 'must list the token service\'s address range, or no job can get credentials').describe('where the token service is, for the NetworkPolicy (HTTPS, port 443)'),
});

const objectStorageSchema = z.strictObject({
  endpoint: z.string().regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be a scheme and host such as "https://s3.eu-central-1.amazonaws.com" (no path, no credentials)').describe('S3-compatible endpoint (AWS S3, MinIO, Ceph RGW, ...); outside the cluster for an off-site copy'),
  region: z.string().regex(/^[a-z0-9-]+$/, 'must be a region such as "eu-central-1"').describe('region used in the SigV4 signature ("us-east-1" for most S3-compatible stores)'),
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3-63 lower-case letters, digits, "." and "-")').describe('bucket of the backups (and of the dashboard exports when they go to object storage)'),
  prefix: relativePath.optional().describe('key prefix inside the bucket; the namespace when unset, so environments sharing a bucket never collide'),
  addressingStyle: z.enum(['path', 'virtual']).describe('"path" (https://endpoint/bucket/key, what most S3-compatible stores expect) or "virtual" (https://bucket.endpoint/key)'),
  credentials: z.enum(['accessKeys', 'webIdentity']).describe('"accessKeys": the jobs sign with stored keys (secretName, readOnlySecretName); "webIdentity": no stored key: each job exchanges a projected ServiceAccount token for temporary credentials at an STS endpoint (AWS IAM roles for service accounts, or MinIO\'s AssumeRoleWithWebIdentity), see webIdentity'),
  webIdentity: webIdentitySchema.optional().describe('the roles and token service of credentials "webIdentity"'),
  secretName: dnsLabel.describe('Secret with "access-key-id" and "secret-access-key" of the writing key (pg-backup, and dashboard-export with target objectStorage): list, get, put and delete under the prefix'),
  readOnlySecretName: dnsLabel.describe('Secret with "access-key-id" and "secret-access-key" of a read-only key (list and get under the dump prefix only) that the restore check uses, so a compromised restore check can neither delete nor plant a backup'),
});

const backupSchema = z.strictObject({
  ...cronJob('database backup'),
  retentionDays: positiveInt.max(3650, 'must be at most 3650 days').describe('backups older than this many days are deleted (checklist: 30)'),
  keepLast: positiveInt.max(365, 'must be at most 365').describe('the newest N complete backups are always kept, whatever their age (so a month of failed backups never empties the bucket)'),
  lockWaitTimeoutSeconds: positiveInt.max(3600, 'must be at most 3600 seconds').describe('pg_dump --lock-wait-timeout: give up (and retry) instead of queueing behind an exclusive lock, e.g. a migration'),
  scratchSize: storageQuantity.describe('emptyDir size limit for the dump before upload: at least the compressed size of the database'),
  keysSecretName: dnsLabel.describe('Secret with "age-recipient" (the age public key dumps are encrypted to: pg-backup cannot decrypt them) and "signing-key" (the OpenSSH Ed25519 private key that signs each checksum; only pg-backup holds it); generated by npm run secrets'),
  credentials: z.strictObject({
    user: pgIdentifier.describe('database role pg_dump connects as: a member of pg_read_all_data (see docs/operations.md); never the superuser, which may not log in over TCP'),
    secretName: dnsLabel.describe('Secret with that role\'s password'),
    passwordKey: secretKey.describe('key of the password in that Secret'),
  }).describe('how the backup logs in to the Patroni primary'),
  resources: resourcesOf('the backup container'),
});

const restoreCheckSchema = z.strictObject({
  ...cronJob('restore check'),
  maxBackupAgeHours: z.number().int().min(25, 'must be at least 25 hours: backups are daily').max(8760).describe('the check fails when the newest complete backup is older than this'),
  requiredTables: z.array(pgIdentifier).min(1, 'must list at least one table').describe('tables (schema public) that must exist in the restored database'),
  nonEmptyTables: z.array(pgIdentifier).describe('tables that must also have at least one row'),
  keysSecretName: dnsLabel.describe('Secret with "age-identity" (the age private key that decrypts the dumps) and "verify-key" (the public half of pg-backup\'s signing key: a dump whose checksum signature does not verify is refused); generated by npm run secrets'),
  scratchSize: storageQuantity.describe('emptyDir size limit for the downloaded dump plus the restored database (about 5x the dump)'),
  resources: resourcesOf('the restore-check container (the throwaway Postgres runs in it)'),
});

const gitTargetSchema = z.strictObject({
  repository: z.string().regex(/^(ssh:\/\/[A-Za-z0-9._-]+@[A-Za-z0-9.-]+(:\d{1,5})?\/\S+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^/\s]\S*)$/, 'must be an SSH URL such as "git@github.com:acme/superset-dashboards.git" or "ssh://git@git.acme.com:2222/bi/dashboards.git"').describe('Git repository the export is pushed to, over SSH'),
  branch: z.string().regex(/^(?!\/)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._\/-]+(?<![/.])$/, 'must be a Git branch name such as "main" or "superset/prod"').describe('branch the export is committed to (created when missing)'),
  path: relativePath.optional().describe('folder in the repository that holds the export; the environment name when unset'),
  authorName: z.string().min(1).max(100).regex(/^[^<>\n]+$/, 'must not contain "<", ">" or a newline').describe('commit author and committer name'),
  authorEmail: z.string().regex(/^[^\s@<>]+@[^\s@<>]+$/, 'must be an e-mail address').describe('commit author and committer e-mail'),
  secretName: dnsLabel.describe('Secret with "ssh-privatekey" (a deploy key with write access) and "known_hosts" (the server\'s host key)'),
  sshEgress: z.array(z.strictObject({
    cidr: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$|^[0-9a-f:]+\/\d{1,3}$/, 'must be a CIDR such as "140.82.112.0/20"').describe('address range'),
    ports: z.array(z.number().int().min(1).max(65535)).min(1, 'must list at least one port').describe('TCP ports'),
  })).min(1, 'must list the Git server\'s address range, or the export can never push').describe('where the Git server is, for the NetworkPolicy (SSH, usually port 22)'),
});

const dashboardExportSchema = z.strictObject({
  ...cronJob('dashboard export'),
  target: z.enum(['git', 'objectStorage']).describe('"git": commit the YAML tree to git.repository over SSH; "objectStorage": upload the ZIP to the ops.objectStorage bucket'),
  git: gitTargetSchema,
  resources: resourcesOf('the publishing container (unzip, git, upload)'),
  exportResources: resourcesOf('the `superset export-dashboards` init container'),
});

export const opsSchema = z.strictObject({
  image: imageSchema.describe('image of the backup, restore-check and publish containers: the official postgres image plus curl, git, ssh and unzip'),
  objectStorage: objectStorageSchema.describe('where backups (and optionally dashboard exports) go'),
  backup: backupSchema.describe('daily logical backup of the metadata database from the Patroni primary'),
  restoreCheck: restoreCheckSchema.describe('weekly restore of the newest backup into a throwaway Postgres, with sanity queries'),
  dashboardExport: dashboardExportSchema.describe('dashboards exported as YAML and versioned in Git (or object storage)'),
  serviceAccount: serviceAccountSchema.describe('the ServiceAccount "superset-ops" of the three CronJobs (cloud identity for object storage)'),
});

export type OpsConfig = z.infer<typeof opsSchema>;
export type ObjectStorageConfig = OpsConfig['objectStorage'];
