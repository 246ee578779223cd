import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import type { AutoscalingConfig } from './schema';
import { ComponentIdentity, selectorLabels } from './labels';
import { Autoscaler } from './autoscaler';
import { DisruptionBudget } from './disruption-budget';

export interface ScaledDeploymentProps {
  readonly metadata: k8s.ObjectMeta & { readonly name: string };
  readonly id: ComponentIdentity;
  readonly template: k8s.PodTemplateSpec;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly autoscaling: AutoscalingConfig;
}

/**
 * A Deployment with its HPA (when maxReplicas > minReplicas) and PDB (when it can run more than
 * one pod). Under an HPA the manifest omits `replicas`, so `kubectl apply` never resets the
 * count the HPA chose. Rolling updates add a pod before removing one (no capacity dip).
 */
export class ScaledDeployment extends Construct {
  public readonly selector: Record<string, string>;

  constructor(scope: Construct, id: string, props: ScaledDeploymentProps) {
    super(scope, id);
    this.selector = selectorLabels(props.id);
    const autoscaled = props.maxReplicas > props.minReplicas;
    new k8s.KubeDeployment(this, 'Resource', {
      metadata: props.metadata,
      spec: {
        replicas: autoscaled ? undefined : props.minReplicas,
        revisionHistoryLimit: 5,
        progressDeadlineSeconds: 900,
        selector: { matchLabels: this.selector },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: k8s.IntOrString.fromString('25%'), maxUnavailable: k8s.IntOrString.fromNumber(0) },
        },
        template: props.template,
      },
    });
    if (autoscaled) {
      new Autoscaler(this, 'Autoscaler', {
        metadata: props.metadata,
        minReplicas: props.minReplicas,
        maxReplicas: props.maxReplicas,
        behaviour: props.autoscaling,
      });
    }
    if (props.maxReplicas > 1) {
      new DisruptionBudget(this, 'DisruptionBudget', { metadata: props.metadata, selector: this.selector });
    }
  }
}
