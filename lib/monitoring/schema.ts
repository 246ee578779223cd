import { z } from 'zod';

// The monitoring settings every component's monitoring objects read (plugged into the platform
// schema as `monitoring`).

const image = z.string().regex(/^[a-z0-9]([a-z0-9._\-/]*[a-z0-9])?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be an image with a pinned tag, such as "prom/statsd-exporter:v0.28.0"');

/** Prometheus Operator objects and the exporters they scrape (optional: needs the Operator's CRDs). */
export const monitoringSchema = z.strictObject({
  enabled: z.boolean().describe('emit ServiceMonitors, PodMonitors and PrometheusRules (needs the Prometheus Operator CRDs) and the statsd exporter sidecars'),
  scrapeInterval: z.string().regex(/^\d+s$/, 'must be seconds such as "30s"').describe('how often Prometheus scrapes each target'),
  ruleLabels: z.record(z.string(), z.string()).describe('labels the Prometheus ruleSelector matches (e.g. {"release": "kube-prometheus-stack"})'),
  statsdExporterImage: image.describe('statsd_exporter sidecar: turns Superset\'s and gunicorn\'s statsd metrics into Prometheus metrics'),
  alerts: z.strictObject({
    errorRatePercent: z.number().min(0.01).max(100).describe('alert when this share of web responses are 5xx over 5 minutes'),
    p95LatencySeconds: z.number().min(0.1).max(300).describe('alert when the 95th percentile response time exceeds this for 10 minutes'),
    cpuSaturationPercent: z.number().int().min(50).max(100).describe('alert when a container uses this share of its CPU limit for 5 minutes'),
  }),
});

export type MonitoringConfig = z.infer<typeof monitoringSchema>;
