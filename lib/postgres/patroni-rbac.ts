import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import type { Environment } from '../config/load';
import { meta, POSTGRES_NAMES, postgresIdentity } from './database-pod';
import { serviceAccountAnnotations } from '../workload/pod-extension';

export interface PatroniRbacProps {
  readonly env: Environment;
}

/**
 * Patroni's identity: it keeps the cluster state in ConfigMaps (leader lock, config, failover)
 * and labels its own pods with their role, so it needs exactly these verbs, in this namespace only.
 */
export const PATRONI_RULES: readonly k8s.PolicyRule[] = [
  { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'get', 'list', 'patch', 'update', 'watch', 'delete', 'deletecollection'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'patch', 'update', 'watch'] },
];

export class PatroniRbac extends Construct {
  public readonly serviceAccountName = POSTGRES_NAMES.serviceAccount;

  constructor(scope: Construct, id: string, props: PatroniRbacProps) {
    super(scope, id);
    const { env } = props;
    const identity = postgresIdentity(env);
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { ...meta(env, this.serviceAccountName, identity), annotations: serviceAccountAnnotations(env.config.postgres.serviceAccount.annotations) },
      // The pods opt in to the token (they call the API); nothing else using this account gets one.
      automountServiceAccountToken: false,
    });
    new k8s.KubeRole(this, 'Role', { metadata: meta(env, POSTGRES_NAMES.role, identity), rules: [...PATRONI_RULES] });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: meta(env, POSTGRES_NAMES.role, identity),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: POSTGRES_NAMES.role },
      subjects: [{ kind: 'ServiceAccount', name: this.serviceAccountName, namespace: env.namespace }],
    });
  }
}
