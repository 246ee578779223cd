import { resolveEnvironment } from '../../lib/config/load';
import { generateSecrets } from '../../lib/config/platform-secrets';
import { CHARTS } from '../../lib/platform';
import { buildCharts, buildObjects, envVar, find, findAll, IDP_NETWORK } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */
const REPO = { image: { repository: 'ghcr.io/acme/superset' } };

describe('web', () => {
  test('defaults: gunicorn sized from the CPU request, probes on /health, drain on shutdown', () => {
    const web = find(buildObjects({ superset: REPO }), 'Deployment', 'superset-web');
    const c = web.spec.template.spec.containers[0];
    expect(c.command).toEqual(['/bin/sh', '/etc/superset/superset-web.sh']);
    expect(envVar(c, 'GUNICORN_KEEPALIVE').value).toBe('75');
    expect(envVar(c, 'SERVER_WORKER_AMOUNT').value).toBe('3'); // 1 CPU -> 2 x 1 + 1
    expect(envVar(c, 'SERVER_THREADS_AMOUNT').value).toBe('4');
    expect(envVar(c, 'SERVER_WORKER_CLASS').value).toBe('gthread');
    expect(envVar(c, 'GUNICORN_TIMEOUT').value).toBe('300');
    expect(envVar(c, 'WORKER_MAX_REQUESTS').value).toBe('1000');
    expect(envVar(c, 'WORKER_MAX_REQUESTS_JITTER').value).toBe('100');
    expect(envVar(c, 'GUNICORN_CMD_ARGS').value).toBe('--graceful-timeout 60 --worker-tmp-dir /dev/shm');
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(c[probe].httpGet).toEqual({ path: '/health', port: 'http' });
    }
    expect(c.lifecycle.preStop.exec.command).toEqual(['sleep', '10']);
    // preStop + graceful timeout + margin, so the kubelet never kills a draining gunicorn
    expect(web.spec.template.spec.terminationGracePeriodSeconds).toBe(80);
    expect(envVar(c, 'DATABASE_HOST').value).toBe('pgbouncer');
    expect(envVar(c, 'DATABASE_PORT').value).toBe('6432');
  });

  test('custom: explicit workers, more CPU, longer drain', () => {
    const web = find(buildObjects({ superset: { ...REPO, web: {
      resources: { cpuRequest: '2', cpuLimit: '2', memoryRequest: '4Gi', memoryLimit: '4Gi' },
      gunicorn: { workers: 4, threads: 2, gracefulTimeoutSeconds: 120 },
      preStopDelaySeconds: 20,
    } } }), 'Deployment', 'superset-web');
    const c = web.spec.template.spec.containers[0];
    expect(envVar(c, 'SERVER_WORKER_AMOUNT').value).toBe('4');
    expect(envVar(c, 'SERVER_THREADS_AMOUNT').value).toBe('2');
    expect(c.lifecycle.preStop.exec.command).toEqual(['sleep', '20']);
    expect(web.spec.template.spec.terminationGracePeriodSeconds).toBe(150);
    expect(c.resources).toEqual({ requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi' } });
  });

  test('the Service selects the web pods by their stable labels', () => {
    const objects = buildObjects({ superset: REPO });
    const svc = find(objects, 'Service', 'superset-web');
    const web = find(objects, 'Deployment', 'superset-web');
    expect(svc.spec.selector).toEqual(web.spec.selector.matchLabels);
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8088, protocol: 'TCP', targetPort: 'http' }]);
  });

  test('writable emptyDirs under a read-only root filesystem', () => {
    const spec = find(buildObjects({ superset: REPO }), 'Deployment', 'superset-web').spec.template.spec;
    expect(spec.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    expect(spec.containers[0].volumeMounts.map((m: any) => m.mountPath).sort()).toEqual(['/app/superset_home', '/etc/superset', '/run/secrets/superset', '/tmp']);
    expect(spec.volumes.filter((v: any) => v.emptyDir).map((v: any) => v.name).sort()).toEqual(['superset-home', 'tmp']);
  });
});

describe('autoscaling and disruption budgets', () => {
  test('default: HPA on CPU and memory, fast out / slow in, and a PDB; no replicas field under the HPA', () => {
    const objects = buildObjects({ superset: REPO });
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'superset-web');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([2, 4]);
    expect(hpa.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([['cpu', 70], ['memory', 80]]);
    expect(hpa.spec.behavior.scaleUp.stabilizationWindowSeconds).toBe(0);
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    expect(find(objects, 'Deployment', 'superset-web').spec.replicas).toBeUndefined();
    expect(find(objects, 'PodDisruptionBudget', 'superset-web').spec.maxUnavailable).toBe(1);
  });

  test('custom: min == max gives fixed replicas and no HPA; a single replica gets no PDB', () => {
    const objects = buildObjects({ superset: { ...REPO, web: { minReplicas: 1, maxReplicas: 1 } }, autoscaling: { targetCpuPercent: 60 } });
    expect(find(objects, 'Deployment', 'superset-web').spec.replicas).toBe(1);
    expect(objects.some((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'superset-web')).toBe(false);
    expect(objects.some((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'superset-web')).toBe(false);
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'superset-worker-interactive');
    expect(hpa.spec.metrics[0].resource.target.averageUtilization).toBe(60);
  });

  test('replicas spread across zones and nodes, counting only the current ReplicaSet', () => {
    const spec = find(buildObjects({ superset: REPO }), 'Deployment', 'superset-web').spec.template.spec;
    expect(spec.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    expect(spec.topologySpreadConstraints[0].matchLabelKeys).toEqual(['pod-template-hash']);
  });
});

describe('workers', () => {
  test('defaults: one Deployment per queue, consuming only its queue', () => {
    const objects = buildObjects({ superset: REPO });
    const workers = findAll(objects, 'Deployment').filter((d) => d.metadata.name.startsWith('superset-worker-'));
    expect(workers.map((w) => w.metadata.name)).toEqual(['superset-worker-interactive', 'superset-worker-reports']);
    const cmd = workers[1].spec.template.spec.containers[0].command;
    expect(cmd.slice(0, 3)).toEqual(['celery', '--app=superset.tasks.celery_app:app', 'worker']);
    expect(cmd).toEqual(expect.arrayContaining(['--queues=reports', '--concurrency=2', '--max-tasks-per-child=20', '--prefetch-multiplier=1', '--time-limit=600', '--soft-time-limit=540']));
  });

  test('liveness reads the heartbeat file, never celery inspect ping; grace period covers a task', () => {
    const w = find(buildObjects({ superset: REPO }), 'Deployment', 'superset-worker-interactive');
    const c = w.spec.template.spec.containers[0];
    const probe = c.livenessProbe.exec.command.join(' ');
    expect(probe).toMatch(/celery-worker-heartbeat/);
    expect(probe).not.toMatch(/inspect|ping/);
    expect(c.startupProbe.exec.command).toEqual(c.livenessProbe.exec.command);
    // The interactive queue runs SQL Lab: Superset's own per-task limit (3600 + 60 s) overrides --time-limit=300.
    expect(w.spec.template.spec.terminationGracePeriodSeconds).toBe(3600 + 60 + 30);
    expect(find(buildObjects({ superset: REPO }), 'Deployment', 'superset-worker-reports').spec.template.spec.terminationGracePeriodSeconds).toBe(600 + 30);
  });

  test('the grace period of the workers that run SQL Lab follows SQLLAB_ASYNC_TIME_LIMIT_SEC, wherever the task is routed', () => {
    const grace = (o: any, d: string) => find(buildObjects({ superset: { ...REPO, ...o } }), 'Deployment', d).spec.template.spec.terminationGracePeriodSeconds;
    expect(grace({ sqlLabAsyncTimeLimitSeconds: 7200 }, 'superset-worker-interactive')).toBe(7200 + 90);
    const moved = { workers: { interactive: { routes: ['load_chart_data_into_cache'] }, reports: { routes: ['reports.*', 'sql_lab.get_sql_results'] } } };
    expect(grace(moved, 'superset-worker-reports')).toBe(3600 + 90);
    expect(grace(moved, 'superset-worker-interactive')).toBe(300 + 30);
    // A limit below the queue's own --time-limit leaves the grace period at the queue's.
    expect(grace({ sqlLabAsyncTimeLimitSeconds: 60 }, 'superset-worker-interactive')).toBe(300 + 30);
  });

  test('custom: an added queue gets its own Deployment, HPA and PDB', () => {
    const objects = buildObjects({ superset: { ...REPO, workers: { thumbnails: { routes: ['thumbnail.*'], minReplicas: 1, maxReplicas: 3, concurrency: 6 } } } });
    const w = find(objects, 'Deployment', 'superset-worker-thumbnails');
    expect(w.spec.template.spec.containers[0].command).toContain('--concurrency=6');
    expect(w.spec.selector.matchLabels['app.kubernetes.io/component']).toBe('worker-thumbnails');
    expect(find(objects, 'HorizontalPodAutoscaler', 'superset-worker-thumbnails').spec.maxReplicas).toBe(3);
    expect(find(objects, 'PodDisruptionBudget', 'superset-worker-thumbnails')).toBeDefined();
  });
});

describe('beat', () => {
  test('exactly one, Recreate, no HPA or PDB, schedule and pid in /tmp', () => {
    const objects = buildObjects({ superset: REPO });
    const beat = find(objects, 'Deployment', 'superset-beat');
    expect(beat.spec.replicas).toBe(1);
    expect(beat.spec.strategy).toEqual({ type: 'Recreate' });
    expect(objects.filter((o) => o.metadata.name === 'superset-beat').map((o) => o.kind).sort()).toEqual(['Deployment', 'NetworkPolicy']);
    const c = beat.spec.template.spec.containers[0];
    expect(c.command).toEqual(expect.arrayContaining(['beat', '--pidfile=/tmp/celerybeat.pid', '--schedule=/tmp/celerybeat-schedule']));
    expect(c.livenessProbe.exec.command.join(' ')).toMatch(/celerybeat-schedule/);
    expect(beat.spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });
});

describe('migration Job', () => {
  const jobOf = (overrides = {}) => findAll(buildObjects({ superset: { ...REPO, ...overrides } }), 'Job')[0];

  test('defaults: waits for its dependencies (bounded below the deadline), then upgrade and init, straight to the primary, with backoff, deadline and TTL', () => {
    const job = jobOf();
    expect(job.metadata.name).toMatch(/^superset-migrate-6-1-0-k8s-3-[0-9a-f]{8}$/);
    const c = job.spec.template.spec.containers[0];
    expect(c.command).toEqual(['/bin/sh', '/etc/superset/superset-migrate.sh']);
    expect(Number(envVar(c, 'WAIT_TIMEOUT_SECONDS').value)).toBe(900);
    expect(Number(envVar(c, 'WAIT_TIMEOUT_SECONDS').value)).toBeLessThan(job.spec.activeDeadlineSeconds);
    expect(envVar(c, 'DATABASE_HOST').value).toBe('postgres');
    expect(envVar(c, 'DATABASE_PORT').value).toBe('5432');
    expect([job.spec.backoffLimit, job.spec.activeDeadlineSeconds, job.spec.ttlSecondsAfterFinished]).toEqual([2, 1800, 604800]);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.spec.template.spec.initContainers).toBeUndefined();
    expect(job.spec.template.metadata.annotations).toBeUndefined();
  });

  test('the name changes with the image and not with the config, so an immutable Job is never re-applied changed', () => {
    const base = jobOf().metadata.name;
    expect(jobOf({ image: { repository: 'ghcr.io/acme/superset', tag: '6.1.1-k8s.1' } }).metadata.name).toMatch(/^superset-migrate-6-1-1-k8s-1-/);
    expect(jobOf({ image: { repository: 'ghcr.io/acme/superset', digest: `sha256:${'a'.repeat(64)}` } }).metadata.name).not.toBe(base);
    expect(jobOf({ cache: { dataTimeoutSeconds: 60 }, web: { maxReplicas: 9 } }).metadata.name).toBe(base);
  });

  test('long-running pods wait for the migration (bounded, small), and roll when superset_config.py changes', () => {
    const hashOf = (o = {}) => find(buildObjects({ superset: { ...REPO, ...o } }), 'Deployment', 'superset-web').spec.template.metadata.annotations['superset-k8s.io/config-sha256'];
    expect(hashOf()).not.toBe(hashOf({ rowLimit: 10 }));
    const spec = find(buildObjects({ superset: REPO }), 'Deployment', 'superset-worker-reports').spec.template.spec;
    const wait = spec.initContainers[0];
    expect(wait.name).toBe('wait-for-migrations');
    expect(wait.command).toEqual(['/bin/sh', '/etc/superset/superset-wait.sh', 'head']);
    expect(envVar(wait, 'WAIT_TIMEOUT_SECONDS').value).toBe('900');
    expect(envVar(wait, 'MIGRATION_JOB').value).toBe(jobOf().metadata.name);
    // Small requests: an init container's request is reserved for the pod while it waits.
    expect(wait.resources.requests).toEqual({ cpu: '50m', memory: '256Mi' });
    expect(wait.resources.limits).toEqual({ cpu: '500m', memory: '768Mi' });
    expect(envVar(find(buildObjects({ superset: { ...REPO, migrations: { waitTimeoutSeconds: 120 } } }), 'Deployment', 'superset-beat').spec.template.spec.initContainers[0], 'WAIT_TIMEOUT_SECONDS').value).toBe('120');
    const noWait = find(buildObjects({ superset: { ...REPO, migrations: { waitInPods: false } } }), 'Deployment', 'superset-web');
    expect(noWait.spec.template.spec.initContainers).toBeUndefined();
  });
});

describe('first login', () => {
  const OIDC = { type: 'oauth' as const, oauth: { providers: [{ name: 'okta', serverMetadataUrl: 'https://acme.okta.example/.well-known/openid-configuration', scope: 'openid', icon: 'fa-key' }] } };
  const migrateOf = (objects: any[]) => findAll(objects, 'Job')[0].spec.template.spec.containers[0];
  const exportOf = (objects: any[]) => find(objects, 'CronJob', 'dashboard-export').spec.jobTemplate.spec.template.spec.initContainers[0];

  test('AUTH_DB: only the migration Job reads the admin Secret (username, email, password), and the export runs as its username', () => {
    const objects = buildObjects({ superset: REPO });
    const m = migrateOf(objects);
    expect(['ADMIN_USERNAME', 'ADMIN_EMAIL', 'ADMIN_PASSWORD'].map((n) => envVar(m, n).valueFrom.secretKeyRef)).toEqual([
      { name: 'superset-admin', key: 'username' }, { name: 'superset-admin', key: 'email' }, { name: 'superset-admin', key: 'password' },
    ]);
    for (const d of ['superset-web', 'superset-worker-interactive', 'superset-beat']) {
      const pod = find(objects, 'Deployment', d).spec.template.spec;
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) expect((c.env ?? []).map((e: any) => e.name)).not.toContain('ADMIN_PASSWORD');
    }
    expect(envVar(exportOf(objects), 'EXPORT_USER').valueFrom.secretKeyRef).toEqual({ name: 'superset-admin', key: 'username' });
    expect(envVar(exportOf(objects), 'ADMIN_PASSWORD')).toBeUndefined();
  });

  test('OIDC: no admin Secret and no local admin', () => {
    const objects = buildObjects({ superset: { ...REPO, auth: OIDC }, network: IDP_NETWORK } as any);
    expect(envVar(migrateOf(objects), 'ADMIN_USERNAME')).toBeUndefined();
    expect(envVar(exportOf(objects), 'EXPORT_USER').value).toBe('admin');
  });

  test('npm run secrets generates the admin Secret: username "admin", a placeholder email, a random password', () => {
    const env = resolveEnvironment('prod', { superset: REPO });
    const admin = generateSecrets(env.config, env.namespace, (n: number) => Buffer.alloc(n, 7)).manifests.find((m: any) => m.metadata.name === 'superset-admin') as any;
    expect(admin.stringData).toEqual({ username: 'admin', email: 'admin@example.invalid', password: '07'.repeat(24) });
    const sso = resolveEnvironment('prod', { superset: { ...REPO, auth: OIDC }, network: IDP_NETWORK });
    expect(generateSecrets(sso.config, sso.namespace).manifests.map((m: any) => m.metadata.name)).not.toContain('superset-admin');
  });
});

describe('secrets as files, by reference', () => {
  const web = (o: any = {}, top: any = {}) => find(buildObjects({ superset: { ...REPO, ...o }, ...top }), 'Deployment', 'superset-web').spec.template.spec;
  // Secret file name (the setting it feeds) -> Secret and key, from the projected volume.
  const files = (spec: any) => Object.fromEntries(spec.volumes.find((v: any) => v.name === 'superset-secrets').projected.sources
    .flatMap((s: any) => s.secret.items.map((i: any) => [i.path, `${s.secret.name}/${i.key}`])));
  const secretEnv = (spec: any) => [...(spec.initContainers ?? []), ...spec.containers].flatMap((c: any) => (c.env ?? []).filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => `${c.name}:${e.name}`));

  test('every key superset_config.py reads is a file of a projected Secret volume, never an env var; the async JWT only when async queries are on', () => {
    const spec = web();
    expect(files(spec)).toEqual({
      SUPERSET_SECRET_KEY: 'superset-app/secret-key',
      DATABASE_PASSWORD: 'superset-database/password',
      REDIS_CACHE_PASSWORD: 'redis-cache-auth/password',
      REDIS_QUEUE_PASSWORD: 'redis-queue-auth/password',
    });
    expect(spec.volumes.find((v: any) => v.name === 'superset-secrets').projected.defaultMode).toBe(0o440);
    for (const c of [...spec.initContainers, ...spec.containers.filter((x: any) => x.name === 'web')]) {
      expect(c.volumeMounts).toContainEqual({ name: 'superset-secrets', mountPath: '/run/secrets/superset', readOnly: true });
    }
    expect(secretEnv(spec)).toEqual([]);
    expect(files(web({ asyncQueries: { enabled: true } })).GLOBAL_ASYNC_QUERIES_JWT_SECRET).toBe('superset-app/async-queries-jwt-secret');
    for (const name of ['superset-beat', 'superset-worker-interactive']) {
      expect(secretEnv(find(buildObjects({ superset: REPO }), 'Deployment', name).spec.template.spec)).toEqual([]);
    }
  });

  test('OAuth client credentials come from the OAuth Secret', () => {
    const auth = { type: 'oauth' as const, oauth: { providers: [{ name: 'azure', serverMetadataUrl: 'https://login.example.com/.well-known/openid-configuration', scope: 'openid', icon: 'fa-windows' }] } };
    expect(files(web({ auth }, { network: IDP_NETWORK }))).toMatchObject({ OAUTH_AZURE_CLIENT_ID: 'superset-oauth/azure-client-id', OAUTH_AZURE_CLIENT_SECRET: 'superset-oauth/azure-client-secret' });
  });

  test('Secret names are configurable', () => {
    expect(files(web({}, { secrets: { database: 'pg-creds' } })).DATABASE_PASSWORD).toBe('pg-creds/password');
  });
});

describe('charts', () => {
  test('one chart per component, in apply order, namespace first', () => {
    const ids = [...buildCharts({ superset: REPO }).keys()];
    const known: string[] = Object.values(CHARTS);
    expect(ids.every((id) => known.includes(id))).toBe(true);
    expect(ids).toEqual([...ids].sort()); // file-name order is apply order
    expect(ids[0]).toBe(CHARTS.namespace);
    const ns = buildCharts({ superset: REPO }).get(CHARTS.namespace)![0] as any;
    expect(ns.kind).toBe('Namespace');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });
});
