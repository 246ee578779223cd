import { z } from 'zod';
import { percent, positiveInt, seconds } from '../config/primitives';

// The settings of the pod-level helpers in this folder, shared by every workload of the
// platform. Plugged into the platform schema as `scheduling` and `autoscaling`.

const whenUnsatisfiable = z.enum(['ScheduleAnyway', 'DoNotSchedule']);

/** Where pods go: topology spread (topology.ts) and the nodeSelector of every pod. */
export const schedulingSchema = z.strictObject({
  zoneSpread: whenUnsatisfiable.describe('topology spread across topology.kubernetes.io/zone when a zone is short of room'),
  nodeSpread: whenUnsatisfiable.describe('topology spread across kubernetes.io/hostname when a node is short of room'),
  nodeSelector: z.record(z.string(), z.string()).describe('nodeSelector added to every pod'),
});

/** Targets and behaviour of every HorizontalPodAutoscaler (autoscaler.ts). */
export const autoscalingSchema = z.strictObject({
  targetCpuPercent: percent.describe('HPA average CPU utilisation target, percent of the request'),
  targetMemoryPercent: percent.describe('HPA average memory utilisation target, percent of the request'),
  scaleUpPeriodSeconds: positiveInt.max(1800, 'must be at most 1800 seconds').describe('scale out at most once per this many seconds (100 % or 4 pods per step, whichever is more)'),
  scaleDownStabilizationSeconds: seconds.max(3600, 'must be at most 3600 seconds').describe('scale-in waits for this window of lower recommendations (slow scale-in)'),
});

export type SchedulingConfig = z.infer<typeof schedulingSchema>;
export type AutoscalingConfig = z.infer<typeof autoscalingSchema>;
