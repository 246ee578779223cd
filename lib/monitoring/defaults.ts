import type { MonitoringConfig } from './schema';

/** Off by default: the objects need the Prometheus Operator's CRDs in the cluster. */
export const MONITORING_DEFAULTS: MonitoringConfig = {
  enabled: false,
  scrapeInterval: '30s',
  ruleLabels: {},
  statsdExporterImage: 'prom/statsd-exporter:v0.28.0',
  alerts: { errorRatePercent: 5, p95LatencySeconds: 2, cpuSaturationPercent: 99 },
};
