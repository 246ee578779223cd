import * as k8s from '../../imports/k8s';
import type { SchedulingConfig } from './schema';

/**
 * Spread a workload's pods across zones and nodes. `pod-template-hash` makes the scheduler
 * count only the current ReplicaSet, so a rollout does not skew against the old pods.
 */
export function topologySpread(
  selector: Record<string, string>,
  scheduling: SchedulingConfig,
  options: { readonly perReplicaSet?: boolean } = {},
): k8s.TopologySpreadConstraint[] {
  const matchLabelKeys = options.perReplicaSet === false ? undefined : ['pod-template-hash'];
  // The environment's own constraints replace the zone and node spread, on the same pods.
  if (scheduling.topologySpreadConstraints) {
    return scheduling.topologySpreadConstraints.map((c) => ({ ...c, labelSelector: { matchLabels: selector }, matchLabelKeys }));
  }
  return [
    {
      topologyKey: 'topology.kubernetes.io/zone',
      maxSkew: 1,
      whenUnsatisfiable: scheduling.zoneSpread,
      labelSelector: { matchLabels: selector },
      matchLabelKeys,
    },
    {
      topologyKey: 'kubernetes.io/hostname',
      maxSkew: 1,
      whenUnsatisfiable: scheduling.nodeSpread,
      labelSelector: { matchLabels: selector },
      matchLabelKeys,
    },
  ];
}
