import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { serviceAccountAnnotations } from '../workload/pod-extension';
import { OPS_READ_SERVICE_ACCOUNT, OPS_SERVICE_ACCOUNT, opsIdentity, opsMeta } from './ops-pod';
import type { OpsScriptsProps } from './ops-scripts';

/**
 * ServiceAccount `superset-ops`, and `superset-ops-read` for the restore check when the jobs use
 * a web identity (its read-only role trusts that name alone). The CronJobs never call the
 * Kubernetes API, so no API token.
 */
export class OpsServiceAccount extends Construct {
  constructor(scope: Construct, id: string, props: OpsScriptsProps) {
    super(scope, id);
    const { env } = props;
    const ops = env.config.ops;
    const names = [OPS_SERVICE_ACCOUNT, ...(ops.objectStorage.credentials === 'webIdentity' && ops.restoreCheck.enabled ? [OPS_READ_SERVICE_ACCOUNT] : [])];
    for (const name of names) {
      new k8s.KubeServiceAccount(this, name === OPS_SERVICE_ACCOUNT ? 'Resource' : name, {
        metadata: { ...opsMeta(env, name, opsIdentity(env, 'service-account')), annotations: serviceAccountAnnotations(ops.serviceAccount.annotations) },
        automountServiceAccountToken: false,
      });
    }
  }
}
