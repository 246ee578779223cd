import { allowedGraph } from '../../lib/policy/network-graph';
import { podsOf } from '../../lib/policy/pods';
import { buildObjects, envVar, find, findAll } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */
const on = { monitoring: { enabled: true, ruleLabels: { release: 'kube-prometheus-stack' } } };

describe('monitoring', () => {
  test('off by default: no sidecars, no monitoring objects, no statsd flags', () => {
    const objects = buildObjects({});
    expect(findAll(objects, 'PodMonitor')).toEqual([]);
    expect(findAll(objects, 'PrometheusRule')).toEqual([]);
    const web = find(objects, 'Deployment', 'superset-web');
    expect(web.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['web']);
    expect(envVar(web.spec.template.spec.containers[0], 'GUNICORN_CMD_ARGS').value).not.toMatch(/statsd/);
  });

  test('on: a statsd_exporter sidecar in web and worker pods (not beat or migrate), fed by gunicorn', () => {
    const objects = buildObjects(on);
    const withSidecar = podsOf(objects).filter((p) => p.spec.containers.some((c: any) => c.name === 'statsd-exporter')).map((p) => p.owner.metadata.name);
    expect(withSidecar).toEqual(['superset-web', 'superset-worker-interactive', 'superset-worker-reports']);
    const web = find(objects, 'Deployment', 'superset-web').spec.template.spec;
    // run-server.sh's own --statsd-host flag would override GUNICORN_CMD_ARGS: the web script takes these instead.
    expect(['SERVER_STATSD_HOST', 'SERVER_STATSD_PORT', 'SERVER_STATSD_PREFIX'].map((n) => envVar(web.containers[0], n).value)).toEqual(['127.0.0.1', '9125', 'superset.web']);
    const sidecar = web.containers[1];
    expect(sidecar.args).toContain('--statsd.listen-udp=127.0.0.1:9125');
    expect(sidecar.ports).toEqual([{ name: 'metrics', containerPort: 9102, protocol: 'TCP' }]);
    expect(find(objects, 'ConfigMap', 'statsd-mapping').data['mapping.yaml']).toMatch(/name: gunicorn_request_duration_seconds/);
  });

  test('on: one PodMonitor for the metrics ports, and alert rules with the Prometheus rule labels', () => {
    const objects = buildObjects(on, 'prod');
    const pm = find(objects, 'PodMonitor', 'superset');
    expect(pm.spec.podMetricsEndpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s' }]);
    const rules = find(objects, 'PrometheusRule', 'superset');
    expect(rules.metadata.labels.release).toBe('kube-prometheus-stack');
    const alerts = rules.spec.groups[0].rules;
    expect(alerts.map((r: any) => r.alert)).toEqual(['SupersetHigh5xxRate', 'SupersetSlowResponses', 'SupersetCpuSaturated', 'SupersetWebUnavailable', 'SupersetWorkersUnavailable', 'SupersetWorkersDegraded', 'SupersetBeatDown']);
    expect(alerts[0].expr).toMatch(/status=~"5\.\."[\s\S]*> 5$/);
    expect(alerts[1].expr).toMatch(/histogram_quantile\(0\.95,[\s\S]*> 2$/);
    expect(alerts[2].expr).toMatch(/> 99$/);
    for (const a of alerts) {
      expect(a.expr).toContain('namespace="superset-prod"');
      expect(a.annotations.runbook).toMatch(/^docs\/RUNBOOK\.md#/);
    }
  });

  test('on: Prometheus may scrape the metrics ports, and nothing else', () => {
    const objects = buildObjects(on, 'prod');
    const endpoints = [
      ...podsOf(objects).map((p) => ({ name: p.owner.metadata.name.replace(/^superset-migrate-.*/, 'superset-migrate'), labels: p.labels, namespace: p.owner.metadata.namespace })),
      { name: 'prometheus', namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } },
    ];
    expect(allowedGraph(objects, endpoints).filter((e) => e.startsWith('prometheus'))).toEqual([
      'prometheus -> pgbouncer:9127/TCP',
      'prometheus -> postgres:8008/TCP',
      'prometheus -> redis-cache:9121/TCP',
      'prometheus -> redis-queue:9121/TCP',
      'prometheus -> superset-web:9102/TCP',
      'prometheus -> superset-worker-interactive:9102/TCP',
      'prometheus -> superset-worker-reports:9102/TCP',
    ]);
  });
});

describe('database and operations monitoring', () => {
  const objects = buildObjects(on, 'prod');

  test('Patroni /metrics by PodMonitor, the PgBouncer exporter by ServiceMonitor', () => {
    expect(find(objects, 'PodMonitor', 'postgres').spec.podMetricsEndpoints).toEqual([{ port: 'patroni', path: '/metrics', interval: '30s' }]);
    const sm = find(objects, 'ServiceMonitor', 'pgbouncer');
    const svc = find(objects, 'Service', 'pgbouncer');
    for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) expect(svc.metadata.labels[k]).toBe(v);
    expect(svc.spec.ports.map((p: any) => p.name)).toContain(sm.spec.endpoints[0].port);
  });

  test('alerts: no leader, pool near its limit, waiting clients, backups that stopped', () => {
    const rules = find(objects, 'PrometheusRule', 'database').spec.groups[0].rules;
    expect(rules.map((r: any) => r.alert)).toEqual(['PatroniNoLeader', 'PatroniMemberDown', 'PgbouncerPoolNearLimit', 'PgbouncerClientsWaiting', 'PgBackupTooOld', 'PgBackupFailed', 'PgRestoreCheckTooOld', 'DashboardExportTooOld']);
    const backup = rules.find((r: any) => r.alert === 'PgBackupTooOld');
    expect(backup.expr).toMatch(/kube_cronjob_status_last_successful_time\{namespace="superset-prod",cronjob="pg-backup"\}\) > 93600 or absent/);
    expect(backup.labels.severity).toBe('critical');
  });

  test('backups off: no backup alerts', () => {
    const rules = find(buildObjects({ ...on, ops: { backup: { enabled: false }, restoreCheck: { enabled: false } } }, 'prod'), 'PrometheusRule', 'database').spec.groups[0].rules;
    expect(rules.some((r: any) => /PgBackup/.test(r.alert))).toBe(false);
  });

});

describe('Redis monitoring', () => {
  const objects = buildObjects(on, 'prod');

  test('one PodMonitor per Redis deployment, on the exporter sidecars', () => {
    for (const name of ['redis-cache', 'redis-queue']) {
      const pm = find(objects, 'PodMonitor', name);
      expect(pm.spec.selector.matchLabels['app.kubernetes.io/name']).toBe(name);
      const pod = find(objects, 'StatefulSet', name).spec.template;
      expect(pod.spec.containers.find((c: any) => c.name === 'metrics').ports[0].name).toBe(pm.spec.podMetricsEndpoints[0].port);
    }
  });

  test('no exporter serves /scrape (multi-target) or exports key values, only lengths', () => {
    for (const name of ['redis-cache', 'redis-queue']) {
      const exporter = find(objects, 'StatefulSet', name).spec.template.spec.containers.find((c: any) => c.name === 'metrics');
      expect(envVar(exporter, 'REDIS_EXPORTER_DISABLE_SCRAPE_ENDPOINT').value).toBe('true');
      expect(envVar(exporter, 'REDIS_EXPORTER_DISABLE_EXPORTING_KEY_VALUES').value).toBe('true');
      // Key patterns (SCAN) would reach cache entries: only the named queue keys are measured.
      expect(envVar(exporter, 'REDIS_EXPORTER_CHECK_KEYS')).toBeUndefined();
    }
  });

  test('the queue exporter measures the Celery queues (redis_key_size), one key per worker queue', () => {
    const exporter = find(objects, 'StatefulSet', 'redis-queue').spec.template.spec.containers.find((c: any) => c.name === 'metrics');
    expect(envVar(exporter, 'REDIS_EXPORTER_CHECK_SINGLE_KEYS').value).toBe('db0=interactive,db0=reports');
  });

  test('alerts: down, memory over 80 %, hit rate under 50 %, queue depth over 100, cluster failed, no queue primary', () => {
    const rules = find(objects, 'PrometheusRule', 'redis').spec.groups[0].rules;
    expect(rules.map((r: any) => r.alert)).toEqual(['RedisDown', 'RedisMemoryHigh', 'RedisCacheHitRateLow', 'CeleryQueueBacklog', 'RedisCacheClusterFailed', 'RedisQueueNoPrimary']);
    const expr = (name: string) => rules.find((r: any) => r.alert === name).expr;
    expect(expr('RedisMemoryHigh')).toMatch(/> 0\.8 or [\s\S]*> 0\.8$/);
    expect(expr('RedisCacheHitRateLow')).toMatch(/< 0\.5$/);
    expect(expr('CeleryQueueBacklog')).toMatch(/redis_key_size\{namespace="superset-prod",pod=~"redis-queue-\.\*",db="db0"\}\) > 100$/);
  });

  test('standalone redis-queue (dev): no Sentinel primary alert', () => {
    const rules = find(buildObjects({ ...on, redis: { queue: { mode: 'standalone', replicas: 1 } } }, 'prod'), 'PrometheusRule', 'redis').spec.groups[0].rules;
    expect(rules.some((r: any) => r.alert === 'RedisQueueNoPrimary')).toBe(false);
  });
});
