import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { serviceAccountAnnotations } from '../workload/pod-extension';
import { OPS_SERVICE_ACCOUNT, opsIdentity, opsMeta } from './ops-pod';
import type { OpsScriptsProps } from './ops-scripts';

/** ServiceAccount `superset-ops`: the CronJobs never call the Kubernetes API, so no token. */
export class OpsServiceAccount extends Construct {
  constructor(scope: Construct, id: string, props: OpsScriptsProps) {
    super(scope, id);
    const { env } = props;
    new k8s.KubeServiceAccount(this, 'Resource', {
      metadata: { ...opsMeta(env, OPS_SERVICE_ACCOUNT, opsIdentity(env, 'service-account')), annotations: serviceAccountAnnotations(env.config.ops.serviceAccount.annotations) },
      automountServiceAccountToken: false,
    });
  }
}
