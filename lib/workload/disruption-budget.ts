import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';

export interface DisruptionBudgetProps {
  readonly metadata: k8s.ObjectMeta & { readonly name: string };
  /** Labels of the pods it protects (the workload's selector). */
  readonly selector: Record<string, string>;
}

/**
 * At most one pod of the workload evicted at a time. `maxUnavailable` (not `minAvailable`) keeps
 * node drains possible at any replica count; `AlwaysAllow` lets a drain evict pods that are
 * already unhealthy instead of blocking on them.
 */
export class DisruptionBudget extends Construct {
  constructor(scope: Construct, id: string, props: DisruptionBudgetProps) {
    super(scope, id);
    new k8s.KubePodDisruptionBudget(this, 'Resource', {
      metadata: props.metadata,
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: props.selector },
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });
  }
}
