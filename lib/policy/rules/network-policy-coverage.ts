import { podsOf } from '../pods';
import { describeObject, PolicyRule, PolicyViolation } from '../rule';

/* eslint-disable @typescript-eslint/no-explicit-any */

const matches = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);

export const networkPolicyCoverage: PolicyRule = {
  id: 'network-policy-coverage',
  statement: 'Every namespace with pods has a default-deny NetworkPolicy (ingress and egress), and every pod is selected by a policy that names its own allowed flows.',
  fix: 'add the component\'s flows to its flows.ts (e.g. lib/superset/flows.ts) and to the list in lib/platform.ts; NetworkPolicies then allows exactly those',
  check(objects) {
    const out: PolicyViolation[] = [];
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as any[];
    const pods = podsOf(objects);
    for (const ns of new Set(pods.map((p) => p.owner.metadata.namespace))) {
      const denyAll = policies.some((p) => p.metadata.namespace === ns && Object.keys(p.spec.podSelector?.matchLabels ?? {}).length === 0 &&
        ['Ingress', 'Egress'].every((t) => (p.spec.policyTypes ?? []).includes(t)) && !p.spec.ingress && !p.spec.egress);
      if (!denyAll) out.push({ rule: this.id, object: `Namespace ${ns}`, message: 'no default-deny NetworkPolicy for ingress and egress' });
    }
    for (const pod of pods) {
      const own = policies.filter((p) => p.metadata.namespace === pod.owner.metadata.namespace &&
        Object.keys(p.spec.podSelector?.matchLabels ?? {}).length > 0 && matches(p.spec.podSelector.matchLabels, pod.labels));
      if (own.length === 0) out.push({ rule: this.id, object: describeObject(pod.owner), message: 'its pods are selected by no component NetworkPolicy (all their traffic is denied)' });
    }
    return out;
  },
};
