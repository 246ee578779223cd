import type { MonitoringConfig } from './schema';

/** Soft problems of `monitoring`: alerts whose runbook is only a path in this repository. */
export function monitoringWarnings(config: { readonly monitoring: MonitoringConfig }): string[] {
  const m = config.monitoring;
  if (!m.enabled || m.runbookBaseUrl) return [];
  return ['monitoring.runbookBaseUrl is not set: alerts name their runbook section only as a repository path (docs/RUNBOOK.md#...); set it to the URL where docs/RUNBOOK.md is published, so each alert carries a runbook_url.'];
}
