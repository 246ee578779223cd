import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import type { Environment } from '../config/load';
import { MANAGED_BY, PART_OF } from '../workload/labels';

export interface PlatformNamespaceProps {
  readonly env: Environment;
}

/** Pod Security Standard version pinned with the API types we generate (Kubernetes 1.28). */
export const POD_SECURITY_VERSION = 'v1.28';

/**
 * The environment's namespace, enforcing the "restricted" Pod Security Standard. No version label:
 * the namespace belongs to no one version of anything.
 */
export class PlatformNamespace extends Construct {
  constructor(scope: Construct, id: string, props: PlatformNamespaceProps) {
    super(scope, id);
    const { env } = props;
    const podSecurity: Record<string, string> = {};
    for (const mode of ['enforce', 'audit', 'warn']) {
      podSecurity[`pod-security.kubernetes.io/${mode}`] = 'restricted';
      podSecurity[`pod-security.kubernetes.io/${mode}-version`] = POD_SECURITY_VERSION;
    }
    new k8s.KubeNamespace(this, 'Resource', {
      metadata: {
        name: env.namespace,
        labels: {
          'app.kubernetes.io/name': 'superset-platform',
          'app.kubernetes.io/instance': env.config.instance,
          'app.kubernetes.io/component': 'namespace',
          'app.kubernetes.io/part-of': PART_OF,
          'app.kubernetes.io/managed-by': MANAGED_BY,
          ...podSecurity,
        },
      },
    });
  }
}
