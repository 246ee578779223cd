import { z } from 'zod';
import { imageOf } from '../config/primitives';

// The monitoring settings every component's monitoring objects read (plugged into the platform
// schema as `monitoring`).

const image = imageOf({
  repositoryExample: 'docker.io/prom/statsd-exporter',
  tagExample: 'v0.30.0',
  repositoryDescription: 'statsd_exporter image repository with its registry, without tag',
  tagDescription: 'statsd_exporter image tag; pinned, never "latest"',
});

/** Prometheus Operator objects and the exporters they scrape (optional: needs the Operator's CRDs). */
export const monitoringSchema = z.strictObject({
  enabled: z.boolean().describe('emit ServiceMonitors, PodMonitors and PrometheusRules (needs the Prometheus Operator CRDs) and the statsd exporter sidecars'),
  scrapeInterval: z.string().regex(/^\d+s$/, 'must be seconds such as "30s"').describe('how often Prometheus scrapes each target'),
  ruleLabels: z.record(z.string(), z.string()).describe('labels the Prometheus ruleSelector matches (e.g. {"release": "kube-prometheus-stack"})'),
  runbookBaseUrl: z.string().regex(/^https:\/\/[^\s#]+$/, 'must be an https:// URL without "#", such as "https://github.com/acme/superset-k8s/blob/main/docs/RUNBOOK.md"').optional()
    .describe('where docs/RUNBOOK.md is published; each alert\'s runbook_url is this URL plus the anchor of its section (unset: only the repository path in the runbook annotation)'),
  statsdExporterImage: image.describe('statsd_exporter sidecar: turns Superset\'s and gunicorn\'s statsd metrics into Prometheus metrics'),
  alerts: z.strictObject({
    errorRatePercent: z.number().min(0.01).max(100).describe('alert when this share of web responses are 5xx over 5 minutes'),
    p95LatencySeconds: z.number().min(0.1).max(300).describe('alert when the 95th percentile response time exceeds this for 10 minutes'),
    cpuSaturationPercent: z.number().int().min(50).max(100).describe('alert when a container uses this share of its CPU limit for 5 minutes'),
  }),
});

export type MonitoringConfig = z.infer<typeof monitoringSchema>;
