import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';

export interface DisruptionBudgetProps {
  readonly metadata: k8s.ObjectMeta & { readonly name: string };
  /** Labels of the pods it protects (the workload's selector). */
  readonly selector: Record<string, string>;
  /**
   * A quorum store (Patroni, Redis Cluster, Sentinel): evict an unhealthy pod only while the budget
   * holds, so a drain never takes a second member while one is already down.
   * @default false (AlwaysAllow: a drain may evict pods that are already unhealthy)
   */
  readonly quorum?: boolean;
}

/**
 * At most one pod of the workload evicted at a time. `maxUnavailable` (not `minAvailable`) keeps
 * node drains possible at any replica count; `AlwaysAllow` lets a drain evict pods that are
 * already unhealthy instead of blocking on them, except for quorum stores (`IfHealthyBudget`):
 * there an unhealthy member may be the one still catching up, and evicting another loses quorum.
 */
export class DisruptionBudget extends Construct {
  constructor(scope: Construct, id: string, props: DisruptionBudgetProps) {
    super(scope, id);
    new k8s.KubePodDisruptionBudget(this, 'Resource', {
      metadata: props.metadata,
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: props.selector },
        unhealthyPodEvictionPolicy: props.quorum ? 'IfHealthyBudget' : 'AlwaysAllow',
      },
    });
  }
}
