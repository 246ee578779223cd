import * as k8s from '../../imports/k8s';
import type { ResourcesConfig } from '../config/primitives';

/** Requests and limits for a container, from the typed config. */
export function resourceRequirements(r: ResourcesConfig): k8s.ResourceRequirements {
  return {
    requests: { cpu: k8s.Quantity.fromString(r.cpuRequest), memory: k8s.Quantity.fromString(r.memoryRequest) },
    limits: { cpu: k8s.Quantity.fromString(r.cpuLimit), memory: k8s.Quantity.fromString(r.memoryLimit) },
  };
}
