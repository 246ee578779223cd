import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import type { Environment } from '../config/load';
import { OPS_SERVICE_ACCOUNT, opsIdentity, opsMeta } from './ops-pod';

export interface OpsServiceAccountProps {
  readonly env: Environment;
}

/** ServiceAccount `superset-ops`: the CronJobs never call the Kubernetes API, so no token. */
export class OpsServiceAccount extends Construct {
  constructor(scope: Construct, id: string, props: OpsServiceAccountProps) {
    super(scope, id);
    const { env } = props;
    new k8s.KubeServiceAccount(this, 'Resource', {
      metadata: opsMeta(env, OPS_SERVICE_ACCOUNT, opsIdentity(env, 'service-account')),
      automountServiceAccountToken: false,
    });
  }
}
