import type { PrometheusRuleSpecGroupsRules } from '../../imports/monitoring.coreos.com';
import type { MonitoringConfig } from './schema';

/** The runbook section of an alert: its own heading in docs/RUNBOOK.md, named after it. */
export function runbookAnchor(alertName: string): string {
  return alertName.toLowerCase();
}

/**
 * One alert with the runbook section an on-call engineer should open: `runbook` names the section
 * in the repository, `runbook_url` (when monitoring.runbookBaseUrl is set) is the link
 * Alertmanager shows.
 */
export function alert(
  monitoring: Pick<MonitoringConfig, 'runbookBaseUrl'>,
  name: string,
  expr: string,
  forDuration: string,
  severity: 'warning' | 'critical',
  summary: string,
): PrometheusRuleSpecGroupsRules {
  const anchor = runbookAnchor(name);
  return {
    alert: name,
    expr,
    for: forDuration,
    labels: { severity },
    annotations: {
      summary,
      runbook: `docs/RUNBOOK.md#${anchor}`,
      ...(monitoring.runbookBaseUrl ? { runbook_url: `${monitoring.runbookBaseUrl}#${anchor}` } : {}),
    },
  };
}
