import type { MonitoringConfig } from './schema';

/** Off by default: the objects need the Prometheus Operator's CRDs in the cluster. */
export const MONITORING_DEFAULTS: MonitoringConfig = {
  enabled: false,
  scrapeInterval: '30s',
  ruleLabels: {},
  // prometheus/statsd_exporter v0.30.0 (tag of 2026-05-28, security updates of its dependencies);
  // its release workflow pushes every tag to Docker Hub as prom/statsd-exporter (docs/images.md).
  statsdExporterImage: { repository: 'docker.io/prom/statsd-exporter', tag: 'v0.30.0' },
  alerts: { errorRatePercent: 5, p95LatencySeconds: 2, cpuSaturationPercent: 99 },
};
