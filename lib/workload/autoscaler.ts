import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import type { AutoscalingConfig } from './schema';

export interface AutoscalerProps {
  /** Metadata of the HPA; its name is the Deployment's name. */
  readonly metadata: k8s.ObjectMeta & { readonly name: string };
  /** Replicas at rest. */
  readonly minReplicas: number;
  /** Replicas at peak; must be greater than minReplicas. */
  readonly maxReplicas: number;
  /** Targets and behaviour shared by every HPA of the environment. */
  readonly behaviour: AutoscalingConfig;
}

/**
 * An autoscaling/v2 HPA on CPU and memory for the Deployment of the same name: scale out fast
 * (one step per period, doubling or +4 pods), scale in slowly (one pod per minute after the
 * stabilization window), so a burst is absorbed and a lull does not drop capacity.
 */
export class Autoscaler extends Construct {
  constructor(scope: Construct, id: string, props: AutoscalerProps) {
    super(scope, id);
    if (props.maxReplicas <= props.minReplicas) {
      throw new Error(`${props.metadata.name}: an HPA needs maxReplicas (${props.maxReplicas}) > minReplicas (${props.minReplicas})`);
    }
    const b = props.behaviour;
    const utilisation = (name: string, averageUtilization: number): k8s.MetricSpecV2 => ({
      type: 'Resource',
      resource: { name, target: { type: 'Utilization', averageUtilization } },
    });
    new k8s.KubeHorizontalPodAutoscalerV2(this, 'Resource', {
      metadata: props.metadata,
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.metadata.name },
        minReplicas: props.minReplicas,
        maxReplicas: props.maxReplicas,
        metrics: [utilisation('cpu', b.targetCpuPercent), utilisation('memory', b.targetMemoryPercent)],
        behavior: {
          scaleUp: {
            stabilizationWindowSeconds: 0,
            selectPolicy: 'Max',
            policies: [
              { type: 'Percent', value: 100, periodSeconds: b.scaleUpPeriodSeconds },
              { type: 'Pods', value: 4, periodSeconds: b.scaleUpPeriodSeconds },
            ],
          },
          scaleDown: {
            stabilizationWindowSeconds: b.scaleDownStabilizationSeconds,
            selectPolicy: 'Min',
            policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
          },
        },
      },
    });
  }
}
