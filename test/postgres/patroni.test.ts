import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ENVIRONMENTS } from '../../environments';
import { CHARTS } from '../../lib/platform';
import { POSTGRES_CONFIG_HASH_ANNOTATION } from '../../lib/postgres/patroni-statefulset';
import { MAX_PATRONI_MEMBERS } from '../../lib/postgres/patroni-rbac';
import { buildCharts, buildObjects, envVar, find, findAll } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */
const REPO = { superset: { image: { repository: 'ghcr.io/acme/superset' } } };

const patroniYaml = (objects: any[]) => parse(find(objects, 'ConfigMap', 'postgres-patroni').data['patroni.yml']);
const container = (objects: any[]) => find(objects, 'StatefulSet', 'postgres').spec.template.spec.containers[0];

describe('Patroni StatefulSet', () => {
  test('defaults: 3 members of the pinned Spilo image running our patroni.yml, non-root, PVC per member, PDB', () => {
    const objects = buildObjects(REPO);
    const sts = find(objects, 'StatefulSet', 'postgres');
    const spec = sts.spec.template.spec;
    const c = container(objects);
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.serviceName).toBe('postgres-members');
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(c.image).toBe('ghcr.io/zalando/spilo-18:4.1-p2');
    // The start script makes PGDATA 0700 before it execs patroni (test/integration/database/patroni.test.ts).
    expect(c.command).toEqual(['/etc/patroni/scripts/patroni-start.sh', '/etc/patroni/patroni.yml']);
    expect(envVar(c, 'PGDATA').value).toBe(patroniYaml(objects).postgresql.data_dir);
    expect(find(objects, 'ConfigMap', 'postgres-patroni').data['patroni-start.sh']).toMatch(/^#!\/bin\/sh/);
    // Only a volume whose root does not fit yet gets the kubelet's recursive fsGroup walk.
    expect(spec.securityContext).toMatchObject({ runAsUser: 101, runAsGroup: 103, fsGroup: 103, fsGroupChangePolicy: 'OnRootMismatch', runAsNonRoot: true });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(sts.spec.volumeClaimTemplates[0].spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } });
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(find(objects, 'PodDisruptionBudget', 'postgres').spec.maxUnavailable).toBe(1);
    expect(spec.terminationGracePeriodSeconds).toBe(120);
    expect(c.resources).toEqual({ requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi' } });
  });

  test('custom: one member (dev) has no PDB; storage class, size and preferred anti-affinity are honoured', () => {
    const objects = buildObjects({ ...REPO, postgres: { members: 1, nodeAntiAffinity: 'preferred', storage: { size: '5Gi', storageClassName: 'fast-ssd' } } });
    const sts = find(objects, 'StatefulSet', 'postgres');
    expect(sts.spec.replicas).toBe(1);
    expect(objects.some((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'postgres')).toBe(false);
    expect(sts.spec.volumeClaimTemplates[0].spec.storageClassName).toBe('fast-ssd');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('5Gi');
    expect(sts.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight).toBe(100);
    expect(sts.spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  test('members never share a node (required anti-affinity) and spread across zones', () => {
    const spec = find(buildObjects(REPO), 'StatefulSet', 'postgres').spec.template.spec;
    const term = spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
    expect(term.topologyKey).toBe('kubernetes.io/hostname');
    expect(term.labelSelector.matchLabels['app.kubernetes.io/name']).toBe('postgres');
    expect(spec.topologySpreadConstraints[0].topologyKey).toBe('topology.kubernetes.io/zone');
    expect(spec.topologySpreadConstraints[0].matchLabelKeys).toBeUndefined(); // no pod-template-hash on StatefulSets
  });

  test('PATRONI_NAME is the pod name, addresses are the pod IP, passwords come from Secrets', () => {
    const c = container(buildObjects(REPO));
    expect(envVar(c, 'PATRONI_NAME').valueFrom.fieldRef.fieldPath).toBe('metadata.name');
    expect(envVar(c, 'PATRONI_KUBERNETES_NAMESPACE').valueFrom.fieldRef.fieldPath).toBe('metadata.namespace');
    expect(envVar(c, 'PATRONI_KUBERNETES_POD_IP').valueFrom.fieldRef.fieldPath).toBe('status.podIP');
    expect(envVar(c, 'PATRONI_POSTGRESQL_CONNECT_ADDRESS').value).toBe('$(PATRONI_KUBERNETES_POD_IP):5432');
    expect(envVar(c, 'PATRONI_RESTAPI_CONNECT_ADDRESS').value).toBe('$(PATRONI_KUBERNETES_POD_IP):8008');
    expect(envVar(c, 'PATRONI_SUPERUSER_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'postgres-credentials', key: 'superuser-password' });
    expect(envVar(c, 'PATRONI_REPLICATION_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'postgres-credentials', key: 'replication-password' });
    expect(envVar(c, 'PATRONI_RESTAPI_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'postgres-credentials', key: 'restapi-password' });
    expect(envVar(c, 'SUPERSET_DATABASE_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'superset-database', key: 'password' });
    expect(envVar(c, 'AWS_ACCESS_KEY_ID')).toBeUndefined();
  });

  test('post-bootstrap also creates the backup role, with the password of the backup Secret; not when backups are off; never as the superuser', () => {
    const c = container(buildObjects(REPO));
    expect(envVar(c, 'BACKUP_DATABASE_USER').value).toBe('superset_backup');
    expect(envVar(c, 'BACKUP_DATABASE_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'postgres-backup', key: 'password' });
    const custom = container(buildObjects({ ...REPO, ops: { backup: { credentials: { user: 'dumper', secretName: 'dump-creds', passwordKey: 'pw' } } } }));
    expect(envVar(custom, 'BACKUP_DATABASE_USER').value).toBe('dumper');
    expect(envVar(custom, 'BACKUP_DATABASE_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'dump-creds', key: 'pw' });
    // The superuser never logs in over TCP (pg_hba rejects it), so backups cannot run as it.
    expect(() => buildObjects({ ...REPO, ops: { backup: { credentials: { user: 'postgres', secretName: 'postgres-credentials', passwordKey: 'superuser-password' } } } }))
      .toThrow(/ops\.backup\.credentials\.user = "postgres"[\s\S]*must not be the superuser "postgres": pg_hba.conf rejects the superuser over TCP/);
    const off = container(buildObjects({ ...REPO, ops: { backup: { enabled: false }, restoreCheck: { enabled: false } } }));
    expect([envVar(off, 'BACKUP_DATABASE_USER'), envVar(off, 'BACKUP_DATABASE_PASSWORD')]).toEqual([undefined, undefined]);
  });

  test('probes on the Patroni REST API; the pod carries the labels Patroni selects on; only the patroni container gets an API token', () => {
    const sts = find(buildObjects(REPO), 'StatefulSet', 'postgres');
    const c = sts.spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readiness', port: 'patroni' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/liveness', port: 'patroni' });
    expect(sts.spec.template.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/component': 'database', 'cluster-name': 'postgres' });
    expect(sts.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': 'superset', 'app.kubernetes.io/component': 'database' });
    // No automount (it would reach every container); a projected token in the patroni container only.
    expect(sts.spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(sts.spec.template.spec.serviceAccountName).toBe('postgres');
    const tokenVolume = sts.spec.template.spec.volumes.find((v: any) => v.projected);
    expect(tokenVolume.projected.sources.map((s: any) => Object.keys(s)[0])).toEqual(['serviceAccountToken', 'configMap', 'downwardAPI']);
    expect(c.volumeMounts).toContainEqual({ name: tokenVolume.name, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true });
    const archiving = find(buildObjects({ ...REPO, postgres: { walArchive: { bucket: 'wal-bucket', endpoint: 'https://s3.acme.internal' } } }), 'StatefulSet', 'postgres');
    const containers = archiving.spec.template.spec.containers;
    expect(containers.length).toBe(2);
    expect(containers.filter((x: any) => (x.volumeMounts ?? []).some((m: any) => m.name === tokenVolume.name)).map((x: any) => x.name)).toEqual(['patroni']);
  });

  test('the pod template carries the config hash, so a config change rolls the members', () => {
    const hash = (o: any) => find(o, 'StatefulSet', 'postgres').spec.template.metadata.annotations[POSTGRES_CONFIG_HASH_ANNOTATION];
    const a = hash(buildObjects(REPO));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(hash(buildObjects(REPO))).toBe(a);
    expect(hash(buildObjects({ ...REPO, postgres: { parameters: { work_mem: '16MB' } } }))).not.toBe(a);
  });
});

describe('patroni.yml', () => {
  test('defaults: Kubernetes DCS on ConfigMaps, Patroni 4 role labels, fast failover with failsafe mode', () => {
    const y = patroniYaml(buildObjects(REPO));
    expect(y.scope).toBe('postgres');
    expect(y.kubernetes).toEqual({
      labels: { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/component': 'database' },
      scope_label: 'cluster-name', role_label: 'role', leader_label_value: 'primary', follower_label_value: 'replica',
      standby_leader_label_value: 'primary', use_endpoints: false, bypass_api_service: false,
      // Patroni 4.1.0 demotes at once on a 403 of the leader update; retried within retry_timeout instead.
      retriable_http_codes: [403],
    });
    // Patroni's reload_config reads the codes from the root, its DCS constructor from kubernetes: both.
    expect(y.retriable_http_codes).toEqual([403]);
    expect(y.bootstrap.dcs).toMatchObject({ ttl: 20, loop_wait: 5, retry_timeout: 5, failsafe_mode: true, maximum_lag_on_failover: 1048576 });
    expect(y.bootstrap.post_bootstrap).toBe('/etc/patroni/scripts/post-bootstrap.sh');
    expect(y.postgresql.bin_dir).toBe('/usr/lib/postgresql/18/bin');
    expect(y.postgresql.authentication).toEqual({ superuser: { username: 'postgres' }, replication: { username: 'standby' }, rewind: { username: 'rewind' } });
    expect(y.watchdog.mode).toBe('off');
  });

  test('parameters are derived from the memory request; cluster-wide ones are seeded into the DCS', () => {
    const y = patroniYaml(buildObjects(REPO)); // 2Gi
    expect(y.bootstrap.dcs.postgresql.parameters).toMatchObject({ max_connections: 100, wal_level: 'replica', wal_log_hints: 'on', max_wal_senders: 10 });
    expect(y.postgresql.parameters).toMatchObject({ shared_buffers: '512MB', effective_cache_size: '1536MB', work_mem: '5MB', maintenance_work_mem: '128MB', password_encryption: 'scram-sha-256', archive_mode: 'off' });
    expect(y.postgresql.parameters.max_connections).toBeUndefined();
  });

  test('custom: overrides win over derived values, and land where Patroni reads them', () => {
    const y = patroniYaml(buildObjects({ ...REPO, postgres: { resources: { cpuRequest: '2', cpuLimit: '2', memoryRequest: '8Gi', memoryLimit: '8Gi' }, parameters: { max_connections: 300, work_mem: '32MB' } } }));
    expect(y.bootstrap.dcs.postgresql.parameters.max_connections).toBe(300);
    expect(y.postgresql.parameters).toMatchObject({ shared_buffers: '2048MB', work_mem: '32MB' });
  });

  test('custom: ttl, loop_wait, retry_timeout, failsafe mode and the Postgres major are configurable', () => {
    const y = patroniYaml(buildObjects({ ...REPO, ops: { image: { tag: '17-ops.1' } }, postgres: { majorVersion: 17, patroni: { ttlSeconds: 30, loopWaitSeconds: 10, retryTimeoutSeconds: 10, failsafeMode: false } } }));
    expect(y.bootstrap.dcs).toMatchObject({ ttl: 30, loop_wait: 10, retry_timeout: 10, failsafe_mode: false });
    expect(y.postgresql.bin_dir).toBe('/usr/lib/postgresql/17/bin');
  });

  test('on/off values are quoted, so Patroni\'s YAML 1.1 parser reads strings, not booleans', () => {
    const text = find(buildObjects(REPO), 'ConfigMap', 'postgres-patroni').data['patroni.yml'];
    expect(text).toMatch(/wal_log_hints: "on"/);
    expect(text).toMatch(/mode: "off"/);
    expect(text).not.toMatch(/password:/);
  });

  test('WAL archiving: off by default; with a bucket, WAL-G pushes every segment with credentials from a Secret', () => {
    const objects = buildObjects({ ...REPO, postgres: { walArchive: { bucket: 'acme-superset-wal', endpoint: 'https://minio.storage:9000' } } });
    const y = patroniYaml(objects);
    expect(y.postgresql.parameters).toMatchObject({ archive_mode: 'on', archive_command: 'wal-g wal-push "%p"', archive_timeout: 60 });
    expect(y.postgresql.recovery_conf.restore_command).toBe('wal-g wal-fetch "%f" "%p"');
    const c = container(objects);
    expect(envVar(c, 'WALG_S3_PREFIX').value).toBe('s3://acme-superset-wal/superset-test/postgres');
    expect(envVar(c, 'AWS_ENDPOINT').value).toBe('https://minio.storage:9000');
    expect(envVar(c, 'AWS_S3_FORCE_PATH_STYLE').value).toBe('true');
    expect(envVar(c, 'AWS_ACCESS_KEY_ID').valueFrom.secretKeyRef).toEqual({ name: 'postgres-wal-archive', key: 'access-key-id' });
    expect(envVar(c, 'AWS_SECRET_ACCESS_KEY').valueFrom.secretKeyRef).toEqual({ name: 'postgres-wal-archive', key: 'secret-access-key' });
    expect(envVar(container(buildObjects({ ...REPO, postgres: { walArchive: { bucket: 'b-wal', prefix: '/x/y/' } } })), 'WALG_S3_PREFIX').value).toBe('s3://b-wal/x/y');
  });

  test('WAL archiving encrypts client-side with the libsodium key of its own Secret, mounted as a file in both containers', () => {
    const objects = buildObjects({ ...REPO, postgres: { walArchive: { bucket: 'acme-superset-wal', endpoint: 'https://minio.storage:9000' } } });
    const pod = find(objects, 'StatefulSet', 'postgres').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'walg-key', secret: { secretName: 'postgres-wal-encryption', defaultMode: 0o440, items: [{ key: 'libsodium-key', path: 'libsodium-key' }] } });
    for (const c of pod.containers) {
      expect([c.name, envVar(c, 'WALG_LIBSODIUM_KEY_PATH')?.value, envVar(c, 'WALG_LIBSODIUM_KEY_TRANSFORM')?.value]).toEqual([c.name, '/etc/walg/libsodium-key', 'hex']);
      expect(c.volumeMounts).toContainEqual({ name: 'walg-key', mountPath: '/etc/walg', readOnly: true });
      expect(envVar(c, 'WALG_LIBSODIUM_KEY')).toBeUndefined(); // never the key itself in the environment
    }
    expect(pod.containers.map((c: any) => c.name)).toEqual(['patroni', 'walg-basebackup']);
  });

  test('WAL archiving: the Patroni pods never delete; walg-retention does, with the only WAL-G key allowed to, on its own schedule', () => {
    const objects = buildObjects({ ...REPO, postgres: { walArchive: { bucket: 'acme-superset-wal', endpoint: 'https://minio.storage:9000', baseBackupRetainFull: 4, retentionSchedule: '0 5 * * *' } } });
    const pod = find(objects, 'StatefulSet', 'postgres').spec.template.spec;
    expect(JSON.stringify(pod)).not.toMatch(/postgres-wal-retention|BASEBACKUP_RETAIN_FULL/);
    const cron = find(objects, 'CronJob', 'walg-retention');
    expect(cron.spec).toMatchObject({ schedule: '0 5 * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid' });
    const job = cron.spec.jobTemplate.spec.template.spec;
    expect(job).toMatchObject({ serviceAccountName: 'walg-retention', automountServiceAccountToken: false, restartPolicy: 'Never' });
    const c = job.containers[0];
    expect(c.image).toBe(pod.containers[0].image);
    expect(c.command).toEqual(['/bin/bash', '/opt/walg-retention/walg-retention.sh']);
    expect(envVar(c, 'WALG_S3_PREFIX').value).toBe('s3://acme-superset-wal/superset-test/postgres');
    expect(envVar(c, 'BASEBACKUP_RETAIN_FULL').value).toBe('4');
    expect(envVar(c, 'AWS_ACCESS_KEY_ID').valueFrom.secretKeyRef).toEqual({ name: 'postgres-wal-retention', key: 'access-key-id' });
    expect(JSON.stringify(job)).not.toMatch(/LIBSODIUM|postgres-wal-archive|postgres-wal-encryption/);
    expect(find(objects, 'ConfigMap', 'postgres-patroni').data['walg-retention.sh']).toMatch(/wal-g delete retain FULL/);
    // Its only connection is object storage.
    const policy = find(objects, 'NetworkPolicy', 'walg-retention');
    expect(policy.spec.egress.map((r: any) => r.to[0].ipBlock?.cidr)).toEqual(expect.arrayContaining([expect.any(String)]));
    expect(policy.spec.ingress).toBeUndefined();
    // Off without archiving.
    expect(findAll(buildObjects(REPO), 'CronJob').map((j) => j.metadata.name)).not.toContain('walg-retention');
  });

  test.each([
    [{ retentionSchedule: '@daily' }, /postgres\.walArchive\.retentionSchedule[\s\S]*five cron fields/],
    [{ retentionSchedule: '0 3 * *' }, /postgres\.walArchive\.retentionSchedule[\s\S]*five cron fields/],
  ])('rejects postgres.walArchive %j', (walArchive, message) => {
    expect(() => buildObjects({ ...REPO, postgres: { walArchive: { bucket: 'acme-superset-wal', ...walArchive } } } as any)).toThrow(message);
  });

  test.each([
    [{ walRetention: 'Bad_Name' }, /secrets\.walRetention/],
    [{ walEncryption: 'x'.repeat(70) }, /secrets\.walEncryption/],
  ])('rejects secrets %j', (secrets, message) => {
    expect(() => buildObjects({ ...REPO, secrets } as any)).toThrow(message);
  });

  // A failing archive_command keeps every WAL segment: pg_wal fills the volume and the primary stops.
  test.each([
    ['the defaults\' placeholder', 'https://s3.example.com'],
    ['a host under a documentation domain', 'https://minio.example.org:9000'],
    ['the .invalid top-level domain', 'http://store.invalid'],
  ])('WAL archiving is never enabled toward a placeholder endpoint: %s', (_what, endpoint) => {
    const objects = buildObjects({ ...REPO, postgres: { walArchive: { bucket: 'acme-superset-wal', endpoint } } });
    const y = patroniYaml(objects);
    expect(y.postgresql.parameters.archive_mode).toBe('off');
    expect(y.postgresql.parameters.archive_command).toBeUndefined();
    expect(y.postgresql.recovery_conf).toBeUndefined();
    const sts = find(objects, 'StatefulSet', 'postgres');
    expect(sts.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['patroni']);
    expect((container(objects).env as any[]).filter((e) => /^(WALG_|AWS_)/.test(e.name))).toEqual([]);
    // No egress to object storage for a flow that does not exist.
    const egress = find(objects, 'NetworkPolicy', 'postgres').spec.egress ?? [];
    expect(JSON.stringify(egress)).not.toMatch(/object-storage|WAL-G/i);
  });

  test('the committed prod keeps its placeholder WAL endpoint, so its Patroni archives nothing', () => {
    const prod = parseAllDocuments(fs.readFileSync(path.join(__dirname, '..', '..', 'dist', 'prod', '20-postgres.yaml'), 'utf8')).map((d) => d.toJS());
    expect(patroniYaml(prod).postgresql.parameters.archive_mode).toBe('off');
    expect(find(prod, 'StatefulSet', 'postgres').spec.template.spec.containers.map((c: any) => c.name)).toEqual(['patroni']);
  });
});

describe('Postgres Services and RBAC', () => {
  test('the primary Service selects the role label Patroni writes; replicas and headless members too', () => {
    const objects = buildObjects(REPO);
    const stable = { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': 'superset', 'app.kubernetes.io/component': 'database' };
    expect(find(objects, 'Service', 'postgres').spec.selector).toEqual({ ...stable, role: 'primary' });
    expect(find(objects, 'Service', 'postgres').spec.ports).toEqual([{ name: 'postgresql', port: 5432, protocol: 'TCP', targetPort: 'postgresql' }]);
    expect(find(objects, 'Service', 'postgres-replicas').spec.selector).toEqual({ ...stable, role: 'replica' });
    const members = find(objects, 'Service', 'postgres-members').spec;
    expect([members.clusterIP, members.publishNotReadyAddresses, members.selector]).toEqual(['None', true, stable]);
  });

  test('a namespaced Role with only what Patroni 4.1 calls, by name where RBAC can, bound to its ServiceAccount', () => {
    const objects = buildObjects(REPO);
    const role = find(objects, 'Role', 'postgres-patroni');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['configmaps'], verbs: ['list', 'watch'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'patch'], resourceNames: ['postgres-config', 'postgres-leader', 'postgres-failover', 'postgres-sync'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['patch'], resourceNames: ['postgres-0', 'postgres-1', 'postgres-2', 'postgres-3', 'postgres-4', 'postgres-5', 'postgres-6'] },
    ]);
    const verbs = role.rules.flatMap((r: any) => r.verbs);
    for (const never of ['update', 'delete', 'deletecollection', '*']) expect(verbs).not.toContain(never);
    // Every pod name the StatefulSet can have (kubectl scale needs no Role change), and no other.
    expect(() => buildObjects({ ...REPO, postgres: { members: MAX_PATRONI_MEMBERS + 1 } })).toThrow(/postgres\.members = 8[\s\S]*must be at most 7/);
    expect(buildObjects({ ...REPO, postgres: { members: MAX_PATRONI_MEMBERS } })).toBeTruthy();
    expect(findAll(objects, 'ClusterRole')).toEqual([]);
    const binding = find(objects, 'RoleBinding', 'postgres-patroni');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'postgres-patroni' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'postgres', namespace: 'superset-test' }]);
  });

  test('create cannot be limited by name: a ResourceQuota bounds the ConfigMaps of the namespace', () => {
    const objects = buildObjects(REPO);
    const shipped = findAll(objects, 'ConfigMap').length;
    const quota = find(objects, 'ResourceQuota', 'configmap-count');
    // the platform's own + Patroni's four + kube-root-ca.crt + spareConfigMaps (4)
    expect(quota.spec.hard).toEqual({ 'count/configmaps': shipped + 4 + 1 + 4 });
    const none = find(buildObjects({ ...REPO, postgres: { patroni: { spareConfigMaps: 0 } } }), 'ResourceQuota', 'configmap-count');
    expect(none.spec.hard['count/configmaps']).toBe(shipped + 5);
  });

  test('the database tier lives in 20-postgres and 25-pgbouncer, applied before the Superset tier', () => {
    const charts = buildCharts(REPO);
    expect(charts.get(CHARTS.postgres)!.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/postgres', 'Role/postgres-patroni', 'RoleBinding/postgres-patroni', 'ConfigMap/postgres-patroni',
      'Service/postgres', 'Service/postgres-replicas', 'Service/postgres-members', 'StatefulSet/postgres', 'PodDisruptionBudget/postgres',
      'ResourceQuota/configmap-count',
    ]);
    expect(CHARTS.postgres < CHARTS.pgbouncer && CHARTS.pgbouncer < CHARTS.supersetMigrate).toBe(true);
  });
});

describe('GitOps tools never own what Patroni creates at run time', () => {
  // Labels by which a GitOps tool claims an object: Argo CD's label tracking (default key
  // app.kubernetes.io/instance, or the documented argocd.argoproj.io/instance) and Flux's
  // kustomize-controller and helm-controller labels.
  const tracking = (key: string) => key === 'app.kubernetes.io/instance' || key === 'argocd.argoproj.io/instance' || /^(kustomize|helm)\.toolkit\.fluxcd\.io\//.test(key);
  const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
  const committed = (env: string) => parseAllDocuments(fs.readFileSync(path.join(__dirname, '..', '..', 'dist', env, '20-postgres.yaml'), 'utf8')).map((d) => d.toJS());

  // Only the environments that run Patroni (postgres.mode "external" renders none of it).
  const withPatroni = Object.keys(ENVIRONMENTS).filter((e) => (ENVIRONMENTS[e].postgres?.mode ?? 'patroni') === 'patroni');
  test.each(withPatroni)('%s: no label Patroni stamps on its ConfigMaps is a tracking label; every selector still selects the members', (env) => {
    const objects = committed(env);
    const y = patroniYaml(objects);
    // Patroni writes kubernetes.labels plus scope_label=scope on the ConfigMaps it creates.
    const stamped: Record<string, string> = { ...y.kubernetes.labels, [y.kubernetes.scope_label]: y.scope };
    expect(Object.keys(stamped).filter(tracking)).toEqual([]);
    expect(Object.keys(stamped).length).toBeGreaterThanOrEqual(2);

    const sts = find(objects, 'StatefulSet', 'postgres');
    const podLabels = sts.spec.template.metadata.labels;
    // Patroni lists its members by the same labels: every pod must carry them.
    expect(matches(stamped, podLabels)).toBe(true);
    expect(matches(sts.spec.selector.matchLabels, podLabels)).toBe(true);
    expect(matches(find(objects, 'Service', 'postgres').spec.selector, { ...podLabels, [y.kubernetes.role_label]: y.kubernetes.leader_label_value })).toBe(true);
    expect(matches(find(objects, 'Service', 'postgres-replicas').spec.selector, { ...podLabels, [y.kubernetes.role_label]: y.kubernetes.follower_label_value })).toBe(true);
    expect(matches(find(objects, 'Service', 'postgres-members').spec.selector, podLabels)).toBe(true);
    const pdb = objects.find((o: any) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'postgres');
    if (sts.spec.replicas > 1) expect(matches(pdb.spec.selector.matchLabels, podLabels)).toBe(true);
    // The objects we apply keep the instance label (kubectl, Argo CD's informational label).
    expect(sts.metadata.labels['app.kubernetes.io/instance']).toBe('superset');
  });
});
