import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import type { Environment } from '../config/load';
import { meta, PATRONI_SCOPE, POSTGRES_NAMES, postgresIdentity } from './database-pod';
import { serviceAccountAnnotations } from '../workload/pod-extension';

export interface PatroniRbacProps {
  readonly env: Environment;
}

/** The DCS ConfigMaps Patroni 4.1 keeps for `scope` (patroni/dcs/kubernetes.py: config, leader, failover, sync paths). */
export function patroniConfigMapNames(): string[] {
  return ['config', 'leader', 'failover', 'sync'].map((suffix) => `${PATRONI_SCOPE}-${suffix}`);
}

/** The most members postgres.members allows: the Role names every pod the StatefulSet can have. */
// Keep equal to the maximum of postgres.members in schema.ts (a test checks).
export const MAX_PATRONI_MEMBERS = 7;

/**
 * The member pods Patroni patches (its own: PATRONI_NAME is the pod name). Every ordinal up to
 * the schema's maximum, so `kubectl scale` never leaves a new member unable to label itself.
 */
export function patroniPodNames(): string[] {
  return Array.from({ length: MAX_PATRONI_MEMBERS }, (_, i) => `${POSTGRES_NAMES.statefulSet}-${i}`);
}

/**
 * The verbs Patroni 4.1's Kubernetes DCS really uses (read in patroni/dcs/kubernetes.py; recorded
 * from the real daemons in test/e2e/harness/api/patroni.e2e.test.ts), by name wherever RBAC can:
 * - list/watch go by label selector: RBAC never applies resourceNames to such a list;
 * - create cannot be limited by name (the name is in the body): it cannot overwrite an existing
 *   object, and the namespace ResourceQuota (patroni-configmap-quota.ts) bounds how many it adds;
 * - get/patch only on the four DCS ConfigMaps; patch only on the member pods (role label, status).
 * No update, no delete: only `patronictl remove` deletes (deletecollection), with a temporary
 * grant (docs/RUNBOOK.md). Pods get/update are never used.
 */
export function patroniRules(): k8s.PolicyRule[] {
  return [
    { apiGroups: [''], resources: ['configmaps'], verbs: ['list', 'watch'] },
    { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
    { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'patch'], resourceNames: patroniConfigMapNames() },
    { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['patch'], resourceNames: patroniPodNames() },
  ];
}

export class PatroniRbac extends Construct {
  public readonly serviceAccountName = POSTGRES_NAMES.serviceAccount;

  constructor(scope: Construct, id: string, props: PatroniRbacProps) {
    super(scope, id);
    const { env } = props;
    const identity = postgresIdentity(env);
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { ...meta(env, this.serviceAccountName, identity), annotations: serviceAccountAnnotations(env.config.postgres.serviceAccount.annotations) },
      // Only the patroni container gets a token (a projected volume): nothing else using this account does.
      automountServiceAccountToken: false,
    });
    new k8s.KubeRole(this, 'Role', { metadata: meta(env, POSTGRES_NAMES.role, identity), rules: patroniRules() });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: meta(env, POSTGRES_NAMES.role, identity),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: POSTGRES_NAMES.role },
      subjects: [{ kind: 'ServiceAccount', name: this.serviceAccountName, namespace: env.namespace }],
    });
  }
}
