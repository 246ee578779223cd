import { podsOf } from '../pods';
import { describeObject, KubeObject, PolicyRule } from '../rule';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** ServiceAccounts a RoleBinding in the same objects grants API access to: only they may mount a token. */
function boundServiceAccounts(objects: readonly KubeObject[]): Set<string> {
  const bound = new Set<string>();
  for (const o of objects.filter((x) => x.kind === 'RoleBinding')) {
    for (const s of (o as any).subjects ?? []) {
      if (s.kind === 'ServiceAccount') bound.add(`${s.namespace ?? o.metadata.namespace}/${s.name}`);
    }
  }
  return bound;
}

/** Audiences the Kubernetes API server accepts by default: a token for one of them is an API token. */
const API_AUDIENCES = ['', 'api', 'https://kubernetes.default.svc', 'https://kubernetes.default.svc.cluster.local', 'kubernetes.default.svc'];

/**
 * A projected volume with a serviceAccountToken source for the API (no audience, or the API
 * server's): a token as much as the automount is. A token for another audience (a cloud token
 * service) is refused by the API server, so it is not one.
 */
function projectsToken(spec: any): boolean {
  return (spec.volumes ?? []).some((v: any) => (v.projected?.sources ?? []).some((s: any) => s.serviceAccountToken && API_AUDIENCES.includes(s.serviceAccountToken.audience ?? '')));
}

export const serviceAccountToken: PolicyRule = {
  id: 'service-account-token',
  statement: 'Every pod states whether it mounts a Kubernetes API token, runs under a named ServiceAccount, and mounts one (automount or a projected token) only when a RoleBinding gives that ServiceAccount API access (it calls the API).',
  fix: 'set automountServiceAccountToken: false and serviceAccountName on the pod (true only for components that call the API, e.g. Patroni)',
  check(objects) {
    const bound = boundServiceAccounts(objects);
    return podsOf(objects).flatMap((pod) => {
      const at = describeObject(pod.owner);
      const problems: string[] = [];
      if (typeof pod.spec.automountServiceAccountToken !== 'boolean') problems.push('automountServiceAccountToken is not set explicitly');
      if (!pod.spec.serviceAccountName || pod.spec.serviceAccountName === 'default') problems.push('runs under the default ServiceAccount');
      else if ((pod.spec.automountServiceAccountToken === true || projectsToken(pod.spec)) && !bound.has(`${pod.owner.metadata.namespace}/${pod.spec.serviceAccountName}`)) {
        problems.push(`mounts an API token but no RoleBinding grants ServiceAccount "${pod.spec.serviceAccountName}" anything: set automountServiceAccountToken: false and drop the projected token`);
      }
      return problems.map((message) => ({ rule: this.id, object: at, message }));
    });
  },
};
