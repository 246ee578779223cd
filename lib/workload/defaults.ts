import type { AutoscalingConfig, PodsConfig, SchedulingConfig } from './schema';

/** Spread when there is room, never refuse to schedule: small clusters have one zone. */
export const SCHEDULING_DEFAULTS: SchedulingConfig = {
  zoneSpread: 'ScheduleAnyway',
  nodeSpread: 'ScheduleAnyway',
  nodeSelector: {},
  tolerations: [],
  affinity: {},
};

/** Nothing added to the pods unless an environment asks. */
export const PODS_DEFAULTS: PodsConfig = {
  annotations: {},
  labels: {},
  imagePullSecrets: [],
};

/** Scale out at 70 % CPU within a minute, scale in after five quiet minutes. */
export const AUTOSCALING_DEFAULTS: AutoscalingConfig = {
  targetCpuPercent: 70,
  targetMemoryPercent: 80,
  scaleUpPeriodSeconds: 60,
  scaleDownStabilizationSeconds: 300,
};
