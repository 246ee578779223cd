import type { PrometheusRuleSpecGroupsRules } from '../../imports/monitoring.coreos.com';

/** One alert, with the runbook section an on-call engineer should open. */
export function alert(
  name: string,
  expr: string,
  forDuration: string,
  severity: 'warning' | 'critical',
  summary: string,
  runbookSection: string,
): PrometheusRuleSpecGroupsRules {
  return {
    alert: name,
    expr,
    for: forDuration,
    labels: { severity },
    annotations: { summary, runbook: `docs/RUNBOOK.md#${runbookSection}` },
  };
}
