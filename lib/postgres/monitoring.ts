import { Construct } from 'constructs';
import { PodMonitor, PodMonitorSpecPodMetricsEndpointsScheme, PrometheusRule, ServiceMonitor } from '../../imports/monitoring.coreos.com';
import type { PodMonitorSpecPodMetricsEndpoints } from '../../imports/monitoring.coreos.com';
import type { Environment } from '../config/load';
import { recommendedLabels } from '../workload/labels';
import { alert } from '../monitoring/alert-rule';
import { internalCaBundle, patroniApiScheme, POSTGRES_PRIMARY } from './endpoints';

export interface DatabaseMonitoringProps {
  readonly env: Environment;
}

/**
 * Metrics and alerts of the metadata database and its operations: Patroni's own /metrics (leader,
 * members), the PgBouncer exporter (pool use, waiting clients), and the backup CronJobs'
 * last success (kube-state-metrics): a backup that silently stopped is the classic failure.
 */
export class DatabaseMonitoring extends Construct {
  constructor(scope: Construct, id: string, props: DatabaseMonitoringProps) {
    super(scope, id);
    const { env } = props;
    const m = env.config.monitoring;
    const ns = env.namespace;
    const instance = env.config.instance;
    const labels = recommendedLabels({ name: 'postgres', instance, component: 'monitoring', version: env.config.postgres.image.tag });
    const sel = (name: string) => ({ matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': instance } });

    // A managed server is monitored by its provider: only what runs here is scraped and alerted on.
    const patroni = env.config.postgres.mode === 'patroni';
    const pgbouncer = env.config.pgbouncer.enabled;
    if (patroni) {
      new PodMonitor(this, 'Patroni', {
        metadata: { name: 'postgres', namespace: ns, labels },
        spec: { jobLabel: 'app.kubernetes.io/name', selector: sel('postgres'), podMetricsEndpoints: [{ port: 'patroni', path: '/metrics', interval: m.scrapeInterval, ...patroniScrapeTls(env) }] },
      });
    }
    if (pgbouncer) {
      new ServiceMonitor(this, 'Pgbouncer', {
        metadata: { name: 'pgbouncer', namespace: ns, labels },
        spec: { jobLabel: 'app.kubernetes.io/name', selector: sel('pgbouncer'), endpoints: [{ port: 'metrics', path: '/metrics', interval: m.scrapeInterval }] },
      });
    }

    const cronAge = (cronjob: string, hours: number, severity: 'warning' | 'critical', what: string) =>
      alert(m, `${cronjob.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase())}TooOld`,
        `time() - max(kube_cronjob_status_last_successful_time{namespace="${ns}",cronjob="${cronjob}"}) > ${hours * 3600} or absent(kube_cronjob_status_last_successful_time{namespace="${ns}",cronjob="${cronjob}"})`,
        '15m', severity, `${what} has not succeeded for ${hours} hours.`);
    const ops = env.config.ops;
    const cronRules = [
      ...(ops.backup.enabled ? [
        cronAge('pg-backup', 26, 'critical', 'The daily database backup'),
        alert(m, 'PgBackupFailed', `max(kube_job_status_failed{namespace="${ns}",job_name=~"pg-backup-.*"}) > 0`, '5m', 'warning', 'A database backup Job failed; older backups are kept.'),
      ] : []),
      ...(ops.restoreCheck.enabled ? [cronAge('pg-restore-check', 8 * 24, 'warning', 'The weekly restore check')] : []),
      ...(ops.dashboardExport.enabled ? [cronAge('dashboard-export', 26, 'warning', 'The dashboard export')] : []),
    ];

    new PrometheusRule(this, 'Rules', {
      metadata: { name: 'database', namespace: ns, labels: { ...labels, ...m.ruleLabels } },
      spec: {
        groups: [{
          name: 'database',
          rules: [
            ...(patroni ? [alert(m, 'PatroniNoLeader',
              `(max(patroni_primary{namespace="${ns}"}) or max(patroni_master{namespace="${ns}"}) or vector(0)) < 1`,
              '1m', 'critical', 'No Patroni member is the primary: Superset cannot write.'),
            alert(m, 'PatroniMemberDown',
              `kube_statefulset_status_replicas_ready{namespace="${ns}",statefulset="postgres"} < kube_statefulset_replicas{namespace="${ns}",statefulset="postgres"}`,
              '10m', 'warning', 'A Patroni member is not ready: the cluster survives one more failure less.')] : []),
            ...(pgbouncer ? [alert(m, 'PgbouncerPoolNearLimit',
              `sum by (pod) (pgbouncer_pools_server_active_connections{namespace="${ns}"}) / sum by (pod) (pgbouncer_databases_pool_size{namespace="${ns}"}) > 0.9`,
              '10m', 'warning', 'PgBouncer uses over 90 % of its server pool: database connections are near the limit.'),
            alert(m, 'PgbouncerClientsWaiting',
              `max(pgbouncer_pools_client_waiting_connections{namespace="${ns}"}) > 0`,
              '5m', 'warning', 'Clients have waited for a database connection for 5 minutes.')] : []),
            ...cronRules,
          ],
        }],
      },
    });
  }
}

/**
 * HTTPS toward Patroni's /metrics (postgres.tls): Prometheus scrapes the pod IP, so it checks the
 * certificate against the CA the clients trust and against the primary Service's name, which the
 * members' certificate carries.
 */
function patroniScrapeTls(env: Environment): Pick<PodMonitorSpecPodMetricsEndpoints, 'scheme' | 'tlsConfig'> {
  if (patroniApiScheme(env.config) === 'http') return {};
  const ca = internalCaBundle(env.config);
  return {
    scheme: PodMonitorSpecPodMetricsEndpointsScheme.HTTPS,
    tlsConfig: {
      ca: ca.secret ? { secret: { name: ca.secret, key: ca.key } } : { configMap: { name: ca.configMap, key: ca.key } },
      serverName: `${POSTGRES_PRIMARY.host}.${env.namespace}.svc`,
    },
  };
}
