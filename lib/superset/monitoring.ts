import { Construct } from 'constructs';
import { PodMonitor, PrometheusRule } from '../../imports/monitoring.coreos.com';
import type { Environment } from '../config/load';
import { recommendedLabels } from '../workload/labels';
import { alert } from '../monitoring/alert-rule';

export interface SupersetMonitoringProps {
  readonly env: Environment;
}

/**
 * Scrapes the statsd_exporter sidecars of the web and worker pods (one PodMonitor: only pods with
 * a `metrics` port are scraped), and alerts on what users feel: 5xx rate, p95 latency, CPU
 * saturation and missing web, worker or beat pods (kube-state-metrics and cAdvisor metrics).
 */
export class SupersetMonitoring extends Construct {
  constructor(scope: Construct, id: string, props: SupersetMonitoringProps) {
    super(scope, id);
    const { env } = props;
    const m = env.config.monitoring;
    const ns = env.namespace;
    const labels = recommendedLabels({ name: 'superset', instance: env.config.instance, component: 'monitoring', version: env.config.superset.image.tag });

    new PodMonitor(this, 'PodMonitor', {
      metadata: { name: 'superset', namespace: ns, labels },
      spec: {
        jobLabel: 'app.kubernetes.io/component',
        selector: { matchLabels: { 'app.kubernetes.io/name': 'superset', 'app.kubernetes.io/instance': env.config.instance } },
        podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: m.scrapeInterval }],
      },
    });

    const responses = `gunicorn_responses_total{namespace="${ns}"}`;
    new PrometheusRule(this, 'Rules', {
      metadata: { name: 'superset', namespace: ns, labels: { ...labels, ...m.ruleLabels } },
      spec: {
        groups: [{
          name: 'superset',
          rules: [
            alert(m, 'SupersetHigh5xxRate',
              `100 * sum(rate(gunicorn_responses_total{namespace="${ns}",status=~"5.."}[5m])) / clamp_min(sum(rate(${responses}[5m])), 1e-9) > ${m.alerts.errorRatePercent}`,
              '5m', 'critical', `More than ${m.alerts.errorRatePercent} % of Superset responses are 5xx.`),
            alert(m, 'SupersetSlowResponses',
              `histogram_quantile(0.95, sum by (le) (rate(gunicorn_request_duration_seconds_bucket{namespace="${ns}"}[5m]))) > ${m.alerts.p95LatencySeconds}`,
              '10m', 'warning', `Superset's 95th percentile response time is above ${m.alerts.p95LatencySeconds} s.`),
            alert(m, 'SupersetCpuSaturated',
              `100 * max by (pod, container) (rate(container_cpu_usage_seconds_total{namespace="${ns}",container!="",container!="POD"}[5m]) / on (namespace, pod, container) kube_pod_container_resource_limits{namespace="${ns}",resource="cpu"}) > ${m.alerts.cpuSaturationPercent}`,
              '5m', 'warning', `A container has used ${m.alerts.cpuSaturationPercent} % of its CPU limit for 5 minutes.`),
            alert(m, 'SupersetWebUnavailable',
              `kube_deployment_status_replicas_available{namespace="${ns}",deployment="superset-web"} == 0`,
              '2m', 'critical', 'No Superset web pod is available.'),
            alert(m, 'SupersetWorkersUnavailable',
              `kube_deployment_status_replicas_available{namespace="${ns}",deployment=~"superset-worker-.*"} == 0`,
              '5m', 'critical', 'A Celery queue has no available worker: its tasks are not running.'),
            alert(m, 'SupersetWorkersDegraded',
              `kube_deployment_status_replicas_available{namespace="${ns}",deployment=~"superset-(web|worker-.*)"} < kube_deployment_spec_replicas{namespace="${ns}",deployment=~"superset-(web|worker-.*)"}`,
              '15m', 'warning', 'Fewer Superset pods are available than wanted for 15 minutes.'),
            alert(m, 'SupersetBeatDown',
              `kube_deployment_status_replicas_available{namespace="${ns}",deployment="superset-beat"} < 1`,
              '10m', 'critical', 'Celery beat is not running: scheduled reports and alerts are not sent.'),
          ],
        }],
      },
    });
  }
}
