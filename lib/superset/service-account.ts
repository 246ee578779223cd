import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import type { Environment } from '../config/load';
import { recommendedLabels } from '../workload/labels';
import { serviceAccountAnnotations } from '../workload/pod-extension';

export interface SupersetServiceAccountProps {
  readonly env: Environment;
}

/** Superset's own identity. It never calls the Kubernetes API, so no token is mounted. */
export class SupersetServiceAccount extends Construct {
  public readonly name = 'superset';

  constructor(scope: Construct, id: string, props: SupersetServiceAccountProps) {
    super(scope, id);
    const { env } = props;
    new k8s.KubeServiceAccount(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: env.namespace,
        labels: recommendedLabels({ name: 'superset', instance: env.config.instance, component: 'service-account', version: env.config.superset.image.tag }),
        annotations: serviceAccountAnnotations(env.config.superset.serviceAccount.annotations),
      },
      automountServiceAccountToken: false,
    });
  }
}
