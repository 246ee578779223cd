import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveEnvironment } from '../../lib/config/load';
import { allSecretRefs } from '../../lib/config/platform-secrets';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';
import { SCRIPTS_SOURCE_DIR } from '../../lib/ops/ops-scripts';
import { CHARTS } from '../../lib/platform';
import { buildCharts, buildObjects, envVar, find, findAll } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */
const base: EnvironmentOverrides = { superset: { image: { repository: 'ghcr.io/acme/superset' } }, edge: { host: 'bi.acme.com' } };
const podOf = (cron: any) => cron.spec.jobTemplate.spec.template.spec;
const containerOf = (cron: any, name: string) => [...(podOf(cron).initContainers ?? []), ...podOf(cron).containers].find((c: any) => c.name === name);
const secretRef = (c: any, name: string) => envVar(c, name)?.valueFrom?.secretKeyRef;
const value = (c: any, name: string) => envVar(c, name)?.value;

function withOps(ops: any, extra: EnvironmentOverrides = {}): EnvironmentOverrides {
  return { ...base, ...extra, ops } as EnvironmentOverrides;
}

describe('the ops CronJobs share their shape', () => {
  const objects = buildObjects(base, 'prod');
  test.each(['pg-backup', 'pg-restore-check', 'dashboard-export'])('%s: Forbid, UTC, deadlines, backoff, history, failure policy, restricted pod, no token', (name) => {
    const cron = find(objects, 'CronJob', name);
    expect(cron.spec).toMatchObject({ concurrencyPolicy: 'Forbid', timeZone: 'Etc/UTC', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3 });
    expect(cron.spec.startingDeadlineSeconds).toBeGreaterThanOrEqual(3600);
    const job = cron.spec.jobTemplate.spec;
    expect(job.activeDeadlineSeconds).toBeGreaterThan(0);
    expect(job.podFailurePolicy.rules).toEqual([
      { action: 'FailJob', onExitCodes: { operator: 'In', values: [3] }, onPodConditions: [] },
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    ]);
    const pod = podOf(cron);
    expect(pod).toMatchObject({ restartPolicy: 'Never', serviceAccountName: 'superset-ops', automountServiceAccountToken: false, enableServiceLinks: false });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(c.volumeMounts).toContainEqual({ name: 'scripts', mountPath: '/opt/superset-ops', readOnly: true });
    }
    expect(pod.volumes).toContainEqual({ name: 'scripts', configMap: { name: 'superset-ops-scripts', defaultMode: 0o555 } });
    expect(cron.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'superset-ops', 'app.kubernetes.io/component': name, 'app.kubernetes.io/version': '18-ops.2' });
  });

  test('they live in their own chart, applied last', () => {
    const charts = buildCharts(base);
    expect(charts.get(CHARTS.ops)!.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/superset-ops', 'ConfigMap/superset-ops-scripts', 'CronJob/pg-backup', 'CronJob/pg-restore-check', 'CronJob/dashboard-export',
    ]);
    expect([...charts.keys()].pop()).toBe(CHARTS.ops);
  });

  test('the scripts ConfigMap holds every script file, byte for byte', () => {
    const cm = find(objects, 'ConfigMap', 'superset-ops-scripts');
    const files = fs.readdirSync(SCRIPTS_SOURCE_DIR).filter((f) => f.endsWith('.sh')).sort();
    expect(Object.keys(cm.data)).toEqual(files);
    for (const f of files) expect(cm.data[f]).toBe(fs.readFileSync(path.join(SCRIPTS_SOURCE_DIR, f), 'utf8'));
  });

  test('everything off: no ops objects at all', () => {
    const off = buildCharts(withOps({ backup: { enabled: false }, restoreCheck: { enabled: false }, dashboardExport: { enabled: false } }));
    expect(off.get(CHARTS.ops)).toEqual([]);
    expect(findAll([...off.values()].flat(), 'NetworkPolicy').map((p) => p.metadata.name)).not.toContain('pg-backup');
  });
});

describe('pg-backup', () => {
  test('defaults: daily from the Patroni primary (never PgBouncer) as the read-only backup role, 30 days / newest 7 to the bucket', () => {
    const cron = find(buildObjects(base, 'prod'), 'CronJob', 'pg-backup');
    expect(cron.spec.schedule).toBe('15 2 * * *');
    expect(cron.spec.startingDeadlineSeconds).toBe(14400);
    expect(cron.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 3600 });
    const c = containerOf(cron, 'pg-backup');
    expect(c.image).toBe('registry.example.com/superset-k8s/superset-ops:18-ops.2');
    expect(c.command).toEqual(['/bin/bash', '/opt/superset-ops/pg-backup.sh']);
    expect(value(c, 'PGHOST')).toBe('postgres');
    expect(value(c, 'PGPORT')).toBe('5432');
    expect(value(c, 'PGDATABASE')).toBe('superset');
    expect(value(c, 'PGUSER')).toBe('superset_backup');
    expect(secretRef(c, 'PGPASSWORD')).toEqual({ name: 'postgres-backup', key: 'password' });
    expect(value(c, 'POSTGRES_MAJOR')).toBe('18');
    expect(value(c, 'S3_PREFIX')).toBe('superset-prod'); // the namespace: environments never collide
    expect(value(c, 'S3_ADDRESSING_STYLE')).toBe('path');
    expect(secretRef(c, 'AWS_ACCESS_KEY_ID')).toEqual({ name: 'backup-object-storage', key: 'access-key-id' });
    expect(secretRef(c, 'AWS_SECRET_ACCESS_KEY')).toEqual({ name: 'backup-object-storage', key: 'secret-access-key' });
    expect(value(c, 'BACKUP_RETENTION_DAYS')).toBe('30');
    expect(value(c, 'BACKUP_KEEP_LAST')).toBe('7');
    expect(c.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999 });
    expect(podOf(cron).volumes).toContainEqual({ name: 'scratch', emptyDir: { sizeLimit: '10Gi' } });
    expect(c.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } });
  });

  test('keys: the age recipient and the signing key as files of the Secret pg-backup-keys, nothing of the restore side', () => {
    const cron = find(buildObjects(base, 'prod'), 'CronJob', 'pg-backup');
    const c = containerOf(cron, 'pg-backup');
    expect(value(c, 'BACKUP_AGE_RECIPIENT_FILE')).toBe('/etc/superset-ops/keys/age-recipient');
    expect(value(c, 'BACKUP_SIGNING_KEY_FILE')).toBe('/etc/superset-ops/keys/signing-key');
    expect(value(c, 'BACKUP_SIGNATURE_NAMESPACE')).toBe('superset-k8s-pg-backup');
    expect(c.volumeMounts).toContainEqual({ name: 'keys', mountPath: '/etc/superset-ops/keys', readOnly: true });
    expect(podOf(cron).volumes).toContainEqual({
      name: 'keys',
      secret: { secretName: 'pg-backup-keys', defaultMode: 0o440, items: [{ key: 'age-recipient', path: 'age-recipient' }, { key: 'signing-key', path: 'signing-key' }] },
    });
    // The keys are never environment variables, and the private half of the age pair is not here.
    expect(JSON.stringify(podOf(cron))).not.toMatch(/age-identity|pg-restore-keys|verify-key/);
  });

  test('custom: a backup role of its own, a shared bucket prefix, virtual-hosted addressing, other retention', () => {
    const objects = buildObjects(withOps({
      image: { repository: 'ghcr.io/acme/superset-ops', tag: '18-ops.3' },
      objectStorage: { endpoint: 'https://s3.eu-central-1.amazonaws.com', region: 'eu-central-1', bucket: 'acme-bi-backups', prefix: 'bi/prod', addressingStyle: 'virtual', secretName: 'bi-backups-s3' },
      backup: { schedule: '0 1 * * *', timeZone: 'Europe/Berlin', retentionDays: 14, keepLast: 3, scratchSize: '50Gi', credentials: { user: 'bi_dumper', secretName: 'bi-dumper', passwordKey: 'pw' } },
    }), 'prod');
    const cron = find(objects, 'CronJob', 'pg-backup');
    expect(cron.spec).toMatchObject({ schedule: '0 1 * * *', timeZone: 'Europe/Berlin' });
    const c = containerOf(cron, 'pg-backup');
    expect(c.image).toBe('ghcr.io/acme/superset-ops:18-ops.3');
    expect(value(c, 'PGUSER')).toBe('bi_dumper');
    expect(secretRef(c, 'PGPASSWORD')).toEqual({ name: 'bi-dumper', key: 'pw' });
    expect(value(c, 'S3_ENDPOINT')).toBe('https://s3.eu-central-1.amazonaws.com');
    expect(value(c, 'S3_BUCKET')).toBe('acme-bi-backups');
    expect(value(c, 'S3_PREFIX')).toBe('bi/prod');
    expect(value(c, 'S3_ADDRESSING_STYLE')).toBe('virtual');
    expect(secretRef(c, 'AWS_ACCESS_KEY_ID')).toEqual({ name: 'bi-backups-s3', key: 'access-key-id' });
    expect(value(c, 'BACKUP_RETENTION_DAYS')).toBe('14');
    expect(value(c, 'BACKUP_KEEP_LAST')).toBe('3');
    expect(podOf(cron).volumes).toContainEqual({ name: 'scratch', emptyDir: { sizeLimit: '50Gi' } });
  });
});

describe('pg-restore-check', () => {
  test('defaults: weekly, reads the bucket only (no database credentials), Superset\'s core tables', () => {
    const cron = find(buildObjects(base, 'prod'), 'CronJob', 'pg-restore-check');
    expect(cron.spec.schedule).toBe('30 4 * * 0');
    const c = containerOf(cron, 'pg-restore-check');
    expect(c.command).toEqual(['/bin/bash', '/opt/superset-ops/pg-restore-check.sh']);
    expect(envVar(c, 'PGPASSWORD')).toBeUndefined();
    expect(envVar(c, 'PGHOST')).toBeUndefined();
    expect(value(c, 'RESTORE_REQUIRED_TABLES')).toBe('alembic_version ab_user ab_role ab_permission_view dbs tables slices dashboards');
    expect(value(c, 'RESTORE_NONEMPTY_TABLES')).toBe('alembic_version ab_user ab_role ab_permission_view');
    expect(value(c, 'RESTORE_MAX_AGE_HOURS')).toBe('36');
    expect(podOf(cron).volumes).toContainEqual({ name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '256Mi' } });
    expect(podOf(cron).volumes).toContainEqual({ name: 'scratch', emptyDir: { sizeLimit: '20Gi' } });
  });

  test('a read-only key of its own, the decrypting and verifying keys as files, and Superset\'s owner role to restore as', () => {
    const cron = find(buildObjects(base, 'prod'), 'CronJob', 'pg-restore-check');
    const c = containerOf(cron, 'pg-restore-check');
    expect(secretRef(c, 'AWS_ACCESS_KEY_ID')).toEqual({ name: 'backup-object-storage-read', key: 'access-key-id' });
    expect(secretRef(c, 'AWS_SECRET_ACCESS_KEY')).toEqual({ name: 'backup-object-storage-read', key: 'secret-access-key' });
    expect(value(c, 'RESTORE_ROLE')).toBe('superset');
    expect(value(c, 'RESTORE_AGE_IDENTITY_FILE')).toBe('/etc/superset-ops/keys/age-identity');
    expect(value(c, 'RESTORE_VERIFY_KEY_FILE')).toBe('/etc/superset-ops/keys/verify-key');
    expect(podOf(cron).volumes).toContainEqual({
      name: 'keys',
      secret: { secretName: 'pg-restore-keys', defaultMode: 0o440, items: [{ key: 'age-identity', path: 'age-identity' }, { key: 'verify-key', path: 'verify-key' }] },
    });
    expect(JSON.stringify(podOf(cron))).not.toMatch(/"backup-object-storage"|signing-key|pg-backup-keys/);
  });

  test('custom: other Secret names and another owner role', () => {
    const cron = find(buildObjects(withOps({ objectStorage: { readOnlySecretName: 'bi-backups-read' }, restoreCheck: { keysSecretName: 'bi-restore-keys' } }, { superset: { ...base.superset, database: { user: 'bi_owner' } } } as EnvironmentOverrides)), 'CronJob', 'pg-restore-check');
    const c = containerOf(cron, 'pg-restore-check');
    expect(secretRef(c, 'AWS_ACCESS_KEY_ID')).toEqual({ name: 'bi-backups-read', key: 'access-key-id' });
    expect(value(c, 'RESTORE_ROLE')).toBe('bi_owner');
    expect(podOf(cron).volumes.find((v: any) => v.name === 'keys').secret.secretName).toBe('bi-restore-keys');
  });

  test('custom: dashboards and charts must have rows, a tighter age', () => {
    const cron = find(buildObjects(withOps({ restoreCheck: { nonEmptyTables: ['ab_user', 'dashboards', 'slices'], maxBackupAgeHours: 30 } })), 'CronJob', 'pg-restore-check');
    const c = containerOf(cron, 'pg-restore-check');
    expect(value(c, 'RESTORE_NONEMPTY_TABLES')).toBe('ab_user dashboards slices');
    expect(value(c, 'RESTORE_MAX_AGE_HOURS')).toBe('30');
  });
});

describe('dashboard-export', () => {
  test('defaults: Superset exports in an init container, the ops image commits to Git over SSH', () => {
    const cron = find(buildObjects(base, 'prod'), 'CronJob', 'dashboard-export');
    const pod = podOf(cron);
    const exporter = containerOf(cron, 'export');
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['export']);
    expect(exporter.image).toBe('ghcr.io/acme/superset:6.1.0-k8s.3');
    expect(exporter.command).toEqual(['/bin/bash', '/opt/superset-ops/dashboard-export.sh', 'export']);
    expect(value(exporter, 'DATABASE_HOST')).toBe('pgbouncer');
    expect(value(exporter, 'SUPERSET_CONFIG_PATH')).toBe('/etc/superset/superset_config.py');
    expect(secretRef(exporter, 'SUPERSET_SECRET_KEY')).toBeUndefined();
    expect(exporter.volumeMounts).toContainEqual({ name: 'superset-secrets', mountPath: '/run/secrets/superset', readOnly: true });
    expect(exporter.volumeMounts).toContainEqual({ name: 'export', mountPath: '/export' });
    expect(pod.securityContext).toMatchObject({ runAsUser: 1000, fsGroup: 1000 });

    const publisher = containerOf(cron, 'publish');
    expect(publisher.image).toBe('registry.example.com/superset-k8s/superset-ops:18-ops.2');
    expect(publisher.command).toEqual(['/bin/bash', '/opt/superset-ops/dashboard-export.sh', 'publish']);
    expect(publisher.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999 });
    expect(value(publisher, 'EXPORT_TARGET')).toBe('git');
    expect(value(publisher, 'GIT_REPOSITORY')).toBe('git@git.example.com:analytics/superset-dashboards.git');
    expect(value(publisher, 'GIT_BRANCH')).toBe('main');
    expect(value(publisher, 'GIT_PATH')).toBe('prod');
    expect(secretRef(publisher, 'GIT_SSH_PRIVATE_KEY')).toEqual({ name: 'dashboard-export-git', key: 'ssh-privatekey' });
    expect(secretRef(publisher, 'GIT_SSH_KNOWN_HOSTS')).toEqual({ name: 'dashboard-export-git', key: 'known_hosts' });
    expect(envVar(publisher, 'AWS_ACCESS_KEY_ID')).toBeUndefined();
    expect(publisher.volumeMounts.map((m: any) => m.mountPath).sort()).toEqual(['/export', '/home/ops', '/opt/superset-ops', '/tmp']);
  });

  test('custom: to object storage instead of Git (even with backups off)', () => {
    const config = withOps({ backup: { enabled: false }, restoreCheck: { enabled: false }, dashboardExport: { target: 'objectStorage' } });
    const publisher = containerOf(find(buildObjects(config), 'CronJob', 'dashboard-export'), 'publish');
    expect(value(publisher, 'EXPORT_TARGET')).toBe('objectStorage');
    expect(envVar(publisher, 'GIT_REPOSITORY')).toBeUndefined();
    expect(secretRef(publisher, 'AWS_SECRET_ACCESS_KEY')).toEqual({ name: 'backup-object-storage', key: 'secret-access-key' });
    const refs = allSecretRefs(resolveEnvironment('test', config).config).map((r) => `${r.secretName}/${r.key}`);
    expect(refs).toEqual(expect.arrayContaining(['backup-object-storage/access-key-id', 'backup-object-storage/secret-access-key']));
    expect(refs.some((r) => r.startsWith('dashboard-export-git/') || r.startsWith('postgres-backup/'))).toBe(false);
  });

  test('custom: repository, branch and folder', () => {
    const publisher = containerOf(find(buildObjects(withOps({ dashboardExport: { git: { repository: 'ssh://git@git.acme.com:2222/bi/dashboards.git', branch: 'exports/prod', path: 'superset/prod' } } })), 'CronJob', 'dashboard-export'), 'publish');
    expect(value(publisher, 'GIT_REPOSITORY')).toBe('ssh://git@git.acme.com:2222/bi/dashboards.git');
    expect(value(publisher, 'GIT_BRANCH')).toBe('exports/prod');
    expect(value(publisher, 'GIT_PATH')).toBe('superset/prod');
  });
});

describe('NetworkPolicies of the ops CronJobs', () => {
  const narrow = withOps(
    { dashboardExport: { git: { sshEgress: [{ cidr: '140.82.112.0/20', ports: [22] }] } } },
    { network: { objectStorage: [{ cidr: '198.51.100.0/24', ports: [443] }] } } as EnvironmentOverrides,
  );
  const objects = buildObjects(narrow);
  const egress = (name: string) => find(objects, 'NetworkPolicy', name).spec.egress.map((r: any) => ({
    to: r.to[0].ipBlock?.cidr ?? r.to[0].podSelector.matchLabels['app.kubernetes.io/name'],
    ports: r.ports.map((p: any) => p.port),
  }));

  test('pg-backup reaches the Patroni primary and object storage, nothing else', () => {
    expect(egress('pg-backup')).toEqual([{ to: 'postgres', ports: [5432] }, { to: '198.51.100.0/24', ports: [443] }]);
    expect(find(objects, 'NetworkPolicy', 'pg-backup').spec.ingress).toBeUndefined();
  });

  test('pg-restore-check reaches object storage only', () => {
    expect(egress('pg-restore-check')).toEqual([{ to: '198.51.100.0/24', ports: [443] }]);
  });

  test('dashboard-export reaches PgBouncer, the Redis services Superset connects at start-up, and the Git server', () => {
    expect(egress('dashboard-export')).toEqual([
      { to: 'pgbouncer', ports: [6432] }, { to: 'redis-cache', ports: [6379] }, { to: 'redis-queue', ports: [6379, 26379] }, { to: '140.82.112.0/20', ports: [22] },
    ]);
  });

  test('postgres admits the backup next to the migration Job, PgBouncer and its own members', () => {
    const from = find(objects, 'NetworkPolicy', 'postgres').spec.ingress.map((r: any) => {
      const l = r.from[0].podSelector.matchLabels;
      return l['app.kubernetes.io/component'] ?? l['app.kubernetes.io/name'];
    });
    expect(from).toEqual(['migrate', 'pgbouncer', 'postgres', 'pg-backup']);
  });
});

describe('ops configuration', () => {
  const problems = (ops: any, extra: EnvironmentOverrides = {}) => () => resolveEnvironment('prod', withOps(ops, extra));

  test('defaults are valid and documented', () => {
    expect(() => resolveEnvironment('prod', base)).not.toThrow();
  });

  test.each([
    [{ image: { tag: '17-ops.1' } }, /ops\.image\.tag = "17-ops\.1"[\s\S]*must start with the Postgres major of the server \(postgres\.majorVersion = 18\)[\s\S]*--build-arg PG_MAJOR=18/],
    [{ image: { tag: 'latest' } }, /ops\.image\.tag[\s\S]*must start with the Postgres major/],
    [{ backup: { schedule: '@daily' } }, /ops\.backup\.schedule[\s\S]*five cron fields/],
    [{ backup: { schedule: '0 2 * *' } }, /ops\.backup\.schedule[\s\S]*five cron fields/],
    [{ backup: { timeZone: 'utc+1' } }, /ops\.backup\.timeZone[\s\S]*IANA time zone/],
    [{ backup: { startingDeadlineSeconds: 5 } }, /ops\.backup\.startingDeadlineSeconds[\s\S]*at least 10 seconds/],
    [{ backup: { retentionDays: 0 } }, /ops\.backup\.retentionDays[\s\S]*at least 1/],
    [{ backup: { keepLast: 0 } }, /ops\.backup\.keepLast[\s\S]*at least 1/],
    [{ backup: { failedJobsHistoryLimit: 0 } }, /ops\.backup\.failedJobsHistoryLimit[\s\S]*the last failure's logs/],
    [{ backup: { credentials: { user: 'Backup-User' } } }, /ops\.backup\.credentials\.user[\s\S]*PostgreSQL identifier/],
    [{ backup: { resources: { memoryRequest: '1Gi', memoryLimit: '512Mi' } } }, /ops\.backup\.resources\.memoryLimit[\s\S]*at least the memory request/],
    [{ objectStorage: { bucket: 'Bad_Bucket' } }, /ops\.objectStorage\.bucket[\s\S]*S3 bucket name/],
    [{ objectStorage: { prefix: '/superset/' } }, /ops\.objectStorage\.prefix[\s\S]*relative path/],
    [{ objectStorage: { prefix: 'superset/../prod' } }, /ops\.objectStorage\.prefix[\s\S]*no "\." or "\.\." segments/],
    [{ objectStorage: { endpoint: 'https://key:secret@s3.example.com/bucket' } }, /ops\.objectStorage\.endpoint[\s\S]*no path, no credentials/],
    [{ objectStorage: { addressingStyle: 'dns' } }, /ops\.objectStorage\.addressingStyle[\s\S]*"path", "virtual"/],
    [{ restoreCheck: { maxBackupAgeHours: 12 } }, /ops\.restoreCheck\.maxBackupAgeHours[\s\S]*backups are daily/],
    [{ restoreCheck: { nonEmptyTables: ['logs'] } }, /ops\.restoreCheck\.nonEmptyTables[\s\S]*must also be listed in ops\.restoreCheck\.requiredTables[\s\S]*add logs/],
    [{ restoreCheck: { requiredTables: ['ab_user; DROP TABLE x'] } }, /ops\.restoreCheck\.requiredTables\.0[\s\S]*PostgreSQL identifier/],
    [{ backup: { enabled: false } }, /ops\.restoreCheck\.enabled[\s\S]*needs the backup CronJob/],
    [{ dashboardExport: { git: { repository: 'https://github.com/acme/dashboards.git' } } }, /ops\.dashboardExport\.git\.repository[\s\S]*SSH URL/],
    [{ dashboardExport: { git: { branch: 'a..b' } } }, /ops\.dashboardExport\.git\.branch[\s\S]*Git branch name/],
    [{ dashboardExport: { git: { path: '../elsewhere' } } }, /ops\.dashboardExport\.git\.path[\s\S]*relative path/],
    [{ dashboardExport: { git: { sshEgress: [] } } }, /ops\.dashboardExport\.git\.sshEgress[\s\S]*can never push/],
    [{ dashboardExport: { target: 's3' } }, /ops\.dashboardExport\.target[\s\S]*"git", "objectStorage"/],
    [{ backup: { retentoinDays: 30 } }, /ops\.backup\.retentoinDays[\s\S]*did you mean "retentionDays"/],
    [{ objectStorage: { readOnlySecretName: 'backup-object-storage' } }, /ops\.objectStorage\.readOnlySecretName = "backup-object-storage"[\s\S]*must not be ops\.objectStorage\.secretName[\s\S]*read-only key[\s\S]*create a second, read-only access key/],
    [{ objectStorage: { readOnlySecretName: 'Read_Only' } }, /ops\.objectStorage\.readOnlySecretName[\s\S]*DNS label|ops\.objectStorage\.readOnlySecretName[\s\S]*lower-case/],
    [{ restoreCheck: { keysSecretName: 'pg-backup-keys' } }, /ops\.restoreCheck\.keysSecretName = "pg-backup-keys"[\s\S]*must not be ops\.backup\.keysSecretName[\s\S]*use two Secrets/],
    [{ backup: { keysSecretName: 'keys!' } }, /ops\.backup\.keysSecretName/],
  ])('rejects %j', (ops, message) => {
    expect(problems(ops)).toThrow(message);
  });

  const archiving = (walArchive: any, ops: any = {}) => problems(ops, { postgres: { walArchive: { bucket: 'superset-backups', endpoint: 'https://s3.acme.test', ...walArchive } } } as EnvironmentOverrides);
  test.each([
    [{ prefix: 'superset-prod' }, {}, /postgres\.walArchive\.prefix = "superset-prod"[\s\S]*must not overlap the dumps' prefix "superset-prod\/pg-dump\/" in the same bucket "superset-backups"[\s\S]*"superset-prod\/wal-g"/],
    [{ prefix: 'superset-prod/pg-dump' }, {}, /postgres\.walArchive\.prefix = "superset-prod\/pg-dump"[\s\S]*must not overlap/],
    [{ prefix: '' }, {}, /postgres\.walArchive\.prefix = ""[\s\S]*must not overlap/],
    [{ prefix: 'bi' }, { objectStorage: { prefix: 'bi' } }, /must not overlap the dumps' prefix "bi\/pg-dump\/"/],
    [{ prefix: 'bi/pg-dump/superset' }, { objectStorage: { prefix: 'bi' } }, /must not overlap/],
  ])('WAL-G prefix %j (ops %j) overlapping the dumps in one bucket is refused', (walArchive, ops, message) => {
    expect(archiving(walArchive, ops)).toThrow(message);
  });

  test('WAL-G beside the dumps is fine: the default prefix, a folder of its own, another bucket, or no dumps', () => {
    expect(archiving({})).not.toThrow(); // superset-prod/postgres next to superset-prod/pg-dump
    expect(archiving({ prefix: 'superset-prod/wal-g' })).not.toThrow();
    expect(archiving({ prefix: 'superset-prod/pg-dumpling' })).not.toThrow(); // a sibling, not inside
    expect(archiving({ prefix: 'superset-prod', bucket: 'superset-wal' })).not.toThrow();
    expect(archiving({ prefix: 'superset-prod' }, { backup: { enabled: false }, restoreCheck: { enabled: false } })).not.toThrow();
  });

  test.each([
    [{ objectStorage: { readOnlySecretName: 'backup-object-storage' }, restoreCheck: { enabled: false } }],
  ])('the read-only key rule applies only with a restore check: %j', (ops) => {
    expect(problems(ops)).not.toThrow();
  });


  test('postgres.majorVersion is checked and drives the image tag rule', () => {
    expect(problems({}, { postgres: { majorVersion: 13 } } as EnvironmentOverrides)).toThrow(/postgres\.majorVersion[\s\S]*must be 14 or later/);
    expect(problems({ image: { tag: '18-ops.1' } }, { postgres: { majorVersion: 17 } } as EnvironmentOverrides)).toThrow(/postgres\.majorVersion = 17/);
    expect(() => resolveEnvironment('prod', withOps({ image: { tag: '17-ops.2' } }, { postgres: { majorVersion: 17 } } as EnvironmentOverrides))).not.toThrow();
  });

  test('placeholders and plain-HTTP object storage are warnings', () => {
    const warnings = resolveEnvironment('prod', base).warnings.join('\n');
    expect(warnings).toMatch(/ops\.image\.repository is the placeholder/);
    expect(warnings).toMatch(/ops\.objectStorage\.endpoint is the placeholder/);
    expect(warnings).toMatch(/ops\.dashboardExport\.git\.repository is the placeholder/);
    const http = resolveEnvironment('prod', withOps({ objectStorage: { endpoint: 'http://minio.storage:9000' } })).warnings.join('\n');
    expect(http).toMatch(/plain HTTP: dumps are encrypted and requests signed, but object names, sizes and the signed requests \(replayable for minutes\) travel in clear/);
    const off = resolveEnvironment('prod', withOps({ backup: { enabled: false }, restoreCheck: { enabled: false }, dashboardExport: { enabled: false } })).warnings.join('\n');
    expect(off).not.toMatch(/ops\./);
  });
});

describe('cloud identity for object storage (ops.objectStorage.credentials "webIdentity")', () => {
  const WRITE = 'arn:aws:iam::123456789012:role/superset-backup';
  const READ = 'arn:aws:iam::123456789012:role/superset-restore-check';
  const webIdentity = { stsEndpoint: 'https://sts.eu-west-1.amazonaws.com', roleArn: WRITE, readOnlyRoleArn: READ, egress: [{ cidr: '52.94.0.0/22', ports: [443] }] };
  const overrides = withOps(
    { objectStorage: { credentials: 'webIdentity', webIdentity }, dashboardExport: { target: 'objectStorage' } },
    { network: { objectStorage: [{ cidr: '52.95.0.0/16', ports: [443] }] } } as EnvironmentOverrides,
  );
  const objects = buildObjects(overrides, 'prod');
  const token = (cron: any) => podOf(cron).volumes.find((v: any) => v.name === 'web-identity-token')?.projected;

  test('by default the jobs sign with the stored keys: no projected token, no token service', () => {
    const prod = buildObjects(base, 'prod');
    for (const name of ['pg-backup', 'pg-restore-check']) {
      expect(token(find(prod, 'CronJob', name))).toBeUndefined();
      expect(envVar(containerOf(find(prod, 'CronJob', name), name), 'AWS_ROLE_ARN')).toBeUndefined();
    }
    expect(findAll(prod, 'ServiceAccount').map((s) => s.metadata.name)).not.toContain('superset-ops-read');
  });

  test.each([
    ['pg-backup', 'pg-backup', WRITE, 'superset-ops'],
    ['pg-restore-check', 'pg-restore-check', READ, 'superset-ops-read'],
    ['dashboard-export', 'publish', WRITE, 'superset-ops'],
  ])('%s: assumes its role with a token for the token service\'s audience, mounted only where S3 is called; no access key', (name, container, role, account) => {
    const cron = find(objects, 'CronJob', name);
    const pod = podOf(cron);
    const c = containerOf(cron, container);
    expect(pod.serviceAccountName).toBe(account);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(token(cron)).toEqual({ defaultMode: 0o440, sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 3600, path: 'token' } }] });
    expect(c.volumeMounts).toContainEqual({ name: 'web-identity-token', mountPath: '/var/run/secrets/superset-k8s/web-identity', readOnly: true });
    expect([value(c, 'AWS_ROLE_ARN'), value(c, 'AWS_WEB_IDENTITY_TOKEN_FILE'), value(c, 'AWS_STS_ENDPOINT'), value(c, 'AWS_SESSION_DURATION_SECONDS')])
      .toEqual([role, '/var/run/secrets/superset-k8s/web-identity/token', 'https://sts.eu-west-1.amazonaws.com', '3600']);
    expect(envVar(c, 'AWS_ROLE_SESSION_NAME').valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(envVar(c, 'AWS_ACCESS_KEY_ID')).toBeUndefined();
    expect(envVar(c, 'AWS_SECRET_ACCESS_KEY')).toBeUndefined();
    // Only the container that talks to the bucket sees the token.
    for (const other of [...(pod.initContainers ?? []), ...pod.containers].filter((x: any) => x.name !== container)) {
      expect((other.volumeMounts ?? []).map((m: any) => m.name)).not.toContain('web-identity-token');
    }
  });

  test('the restore check runs under a ServiceAccount of its own, so the read-only role can trust it alone', () => {
    expect(findAll(objects, 'ServiceAccount').map((s) => s.metadata.name).filter((n) => n.startsWith('superset-ops'))).toEqual(['superset-ops', 'superset-ops-read']);
    expect(find(objects, 'ServiceAccount', 'superset-ops-read').automountServiceAccountToken).toBe(false);
  });

  test('the Secrets contract has no object storage key any more', () => {
    const env = resolveEnvironment('prod', overrides);
    const names = allSecretRefs(env.config).map((r) => r.secretName);
    expect(names).not.toContain('backup-object-storage');
    expect(names).not.toContain('backup-object-storage-read');
  });

  test('each job that reaches the bucket may reach the token service, on its port only', () => {
    const egress = (name: string) => find(objects, 'NetworkPolicy', name).spec.egress.filter((r: any) => r.to[0].ipBlock).map((r: any) => `${r.to[0].ipBlock.cidr}:${r.ports.map((p: any) => p.port).join(',')}`);
    expect(egress('pg-backup')).toEqual(['52.95.0.0/16:443', '52.94.0.0/22:443']);
    expect(egress('pg-restore-check')).toEqual(['52.95.0.0/16:443', '52.94.0.0/22:443']);
    expect(egress('dashboard-export')).toEqual(['52.95.0.0/16:443', '52.94.0.0/22:443']);
  });

  test('custom audience, token lifetime and session duration land in the pods', () => {
    const custom = buildObjects(withOps({ objectStorage: { credentials: 'webIdentity', webIdentity: { ...webIdentity, audience: 'sts.minio.internal', tokenExpirationSeconds: 7200, sessionDurationSeconds: 14400 } } }), 'prod');
    const cron = find(custom, 'CronJob', 'pg-backup');
    expect(token(cron).sources[0].serviceAccountToken).toEqual({ audience: 'sts.minio.internal', expirationSeconds: 7200, path: 'token' });
    expect(value(containerOf(cron, 'pg-backup'), 'AWS_SESSION_DURATION_SECONDS')).toBe('14400');
  });

  const problems = (objectStorage: any) => () => resolveEnvironment('prod', withOps({ objectStorage }));
  test.each([
    [{ credentials: 'webIdentity' }, /ops\.objectStorage\.webIdentity[\s\S]*needs the roles and the token service[\s\S]*stsEndpoint/],
    [{ credentials: 'webIdentity', webIdentity: { ...webIdentity, readOnlyRoleArn: WRITE } }, /ops\.objectStorage\.webIdentity\.readOnlyRoleArn[\s\S]*must not be ops\.objectStorage\.webIdentity\.roleArn[\s\S]*superset-ops-read/],
    [{ credentials: 'webIdentity', webIdentity: { ...webIdentity, stsEndpoint: 'http://sts.eu-west-1.amazonaws.com' } }, /ops\.objectStorage\.webIdentity\.stsEndpoint[\s\S]*never plain HTTP/],
    [{ credentials: 'webIdentity', webIdentity: { ...webIdentity, roleArn: 'superset-backup' } }, /ops\.objectStorage\.webIdentity\.roleArn[\s\S]*IAM role ARN/],
    [{ credentials: 'webIdentity', webIdentity: { ...webIdentity, egress: [] } }, /ops\.objectStorage\.webIdentity\.egress[\s\S]*no job can get credentials/],
    [{ credentials: 'webIdentity', webIdentity: { ...webIdentity, tokenExpirationSeconds: 60 } }, /ops\.objectStorage\.webIdentity\.tokenExpirationSeconds[\s\S]*at least 600 seconds/],
    [{ credentials: 'webIdentity', webIdentity: { ...webIdentity, sessionDurationSeconds: 100000 } }, /ops\.objectStorage\.webIdentity\.sessionDurationSeconds[\s\S]*at most 43200 seconds/],
    [{ credentials: 'oidc' }, /ops\.objectStorage\.credentials[\s\S]*"accessKeys", "webIdentity"/],
  ])('rejects %j', (objectStorage, message) => {
    expect(problems(objectStorage)).toThrow(message);
  });

  test('a webIdentity block with stored keys, and the IRSA annotation next to webIdentity, are warnings', () => {
    const ignored = resolveEnvironment('prod', withOps({ objectStorage: { webIdentity } })).warnings.join('\n');
    expect(ignored).toMatch(/ops\.objectStorage\.webIdentity is set but ops\.objectStorage\.credentials is "accessKeys"/);
    const both = resolveEnvironment('prod', withOps({ objectStorage: { credentials: 'webIdentity', webIdentity }, serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': WRITE } } })).warnings.join('\n');
    expect(both).toMatch(/sets "eks\.amazonaws\.com\/role-arn" while ops\.objectStorage\.credentials is "webIdentity"[\s\S]*Remove the annotation/);
  });
});
