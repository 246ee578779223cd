import type { OpsConfig } from './schema';

/** Placeholders of the defaults: synth warns while they are used. */
export const PLACEHOLDER_OPS_IMAGE_REPOSITORY = 'registry.example.com/superset-k8s/superset-ops';
export const PLACEHOLDER_OBJECT_STORAGE_ENDPOINT = 'https://s3.example.com';
export const PLACEHOLDER_GIT_REPOSITORY = 'git@git.example.com:analytics/superset-dashboards.git';

/** Tables every Superset metadata database has once `superset db upgrade` and `superset init` ran. */
export const SUPERSET_CORE_TABLES = ['alembic_version', 'ab_user', 'ab_role', 'ab_permission_view', 'dbs', 'tables', 'slices', 'dashboards'] as const;

export const OPS_DEFAULTS: OpsConfig = {
  image: { repository: PLACEHOLDER_OPS_IMAGE_REPOSITORY, tag: '18-ops.2' },
  objectStorage: {
    endpoint: PLACEHOLDER_OBJECT_STORAGE_ENDPOINT,
    region: 'us-east-1',
    bucket: 'superset-backups',
    addressingStyle: 'path',
    credentials: 'accessKeys',
    secretName: 'backup-object-storage',
    readOnlySecretName: 'backup-object-storage-read',
  },
  backup: {
    enabled: true,
    // 02:15: after the nightly report burst at the full hour, before the business day.
    schedule: '15 2 * * *',
    timeZone: 'Etc/UTC',
    // A late backup beats none: a run missed by a controller restart still starts within 4 h.
    startingDeadlineSeconds: 14400,
    activeDeadlineSeconds: 3600,
    backoffLimit: 2,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 3,
    retentionDays: 30,
    keepLast: 7,
    lockWaitTimeoutSeconds: 120,
    scratchSize: '10Gi',
    keysSecretName: 'pg-backup-keys',
    credentials: { user: 'superset_backup', secretName: 'postgres-backup', passwordKey: 'password' },
    resources: { cpuRequest: '250m', cpuLimit: '1', memoryRequest: '256Mi', memoryLimit: '512Mi' },
    scheduling: {},
    pod: {},
  },
  restoreCheck: {
    enabled: true,
    // Sunday 04:30: after that night's backup has finished.
    schedule: '30 4 * * 0',
    timeZone: 'Etc/UTC',
    startingDeadlineSeconds: 43200,
    activeDeadlineSeconds: 7200,
    backoffLimit: 1,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 3,
    maxBackupAgeHours: 36,
    requiredTables: [...SUPERSET_CORE_TABLES],
    // What `superset init` always fills; environments with real users add dashboards and slices.
    nonEmptyTables: ['alembic_version', 'ab_user', 'ab_role', 'ab_permission_view'],
    keysSecretName: 'pg-restore-keys',
    scratchSize: '20Gi',
    resources: { cpuRequest: '500m', cpuLimit: '2', memoryRequest: '512Mi', memoryLimit: '1Gi' },
    scheduling: {},
    pod: {},
  },
  dashboardExport: {
    enabled: true,
    schedule: '45 3 * * *',
    timeZone: 'Etc/UTC',
    startingDeadlineSeconds: 3600,
    activeDeadlineSeconds: 1800,
    backoffLimit: 2,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 3,
    target: 'git',
    git: {
      repository: PLACEHOLDER_GIT_REPOSITORY,
      branch: 'main',
      authorName: 'superset-k8s dashboard export',
      authorEmail: 'superset-export@example.com',
      secretName: 'dashboard-export-git',
      sshEgress: [{ cidr: '0.0.0.0/0', ports: [22] }],
    },
    resources: { cpuRequest: '100m', cpuLimit: '500m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
    exportResources: { cpuRequest: '250m', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '1Gi' },
    scheduling: {},
    pod: {},
  },
  serviceAccount: { annotations: {} },
};
