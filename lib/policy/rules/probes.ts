import { containersOf, podsOf, selects } from '../pods';
import { describeObject, KubeObject, PolicyRule, PolicyViolation } from '../rule';

/* eslint-disable @typescript-eslint/no-explicit-any */
function serviceSelectors(objects: readonly KubeObject[]): Record<string, string>[] {
  return objects.filter((o) => o.kind === 'Service').map((o) => (o as any).spec?.selector).filter(Boolean);
}

export const probes: PolicyRule = {
  id: 'probes',
  statement: 'Every long-running container has a liveness probe, and every container of a pod behind a Service has a readiness probe.',
  fix: 'add livenessProbe (and readinessProbe for served pods); a cheap check that fails only when a restart helps',
  check(objects) {
    const out: PolicyViolation[] = [];
    const selectors = serviceSelectors(objects);
    for (const pod of podsOf(objects).filter((p) => p.longRunning)) {
      const served = selectors.some((s) => selects(s, pod.labels));
      for (const c of containersOf(pod).filter((x) => !x.init)) {
        if (!c.container.livenessProbe) out.push({ rule: this.id, object: describeObject(pod.owner), message: `${c.label}: no livenessProbe` });
        if (served && !c.container.readinessProbe) out.push({ rule: this.id, object: describeObject(pod.owner), message: `${c.label}: behind a Service but no readinessProbe` });
      }
    }
    return out;
  },
};
