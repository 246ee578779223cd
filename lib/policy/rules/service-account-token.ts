import { podsOf } from '../pods';
import { describeObject, PolicyRule } from '../rule';

export const serviceAccountToken: PolicyRule = {
  id: 'service-account-token',
  statement: 'Every pod states whether it mounts a Kubernetes API token, runs under a named ServiceAccount, and mounts none unless it calls the API.',
  fix: 'set automountServiceAccountToken: false and serviceAccountName on the pod (true only for components that call the API, e.g. Patroni)',
  check(objects) {
    return podsOf(objects).flatMap((pod) => {
      const at = describeObject(pod.owner);
      const problems: string[] = [];
      if (typeof pod.spec.automountServiceAccountToken !== 'boolean') problems.push('automountServiceAccountToken is not set explicitly');
      if (!pod.spec.serviceAccountName || pod.spec.serviceAccountName === 'default') problems.push('runs under the default ServiceAccount');
      return problems.map((message) => ({ rule: this.id, object: at, message }));
    });
  },
};
