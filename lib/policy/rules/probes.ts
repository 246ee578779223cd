import { containersOf, podsOf, selects } from '../pods';
import { describeObject, KubeObject, PolicyRule, PolicyViolation } from '../rule';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Ports (names or numbers) each Service sends traffic to, with its selector. */
function serviceTargets(objects: readonly KubeObject[]): { selector: Record<string, string>; targets: (string | number)[] }[] {
  return objects
    .filter((o) => o.kind === 'Service' && (o as any).spec?.selector)
    .map((o) => {
      const spec = (o as any).spec;
      return { selector: spec.selector, targets: (spec.ports ?? []).map((p: any) => p.targetPort ?? p.port) };
    });
}

/** Does the container declare the port a Service targets (by name or number)? */
function declares(container: any, target: string | number): boolean {
  return (container.ports ?? []).some((p: any) => p.name === target || p.containerPort === target);
}

export const probes: PolicyRule = {
  id: 'probes',
  statement: 'Every long-running container has a liveness probe, and every container that receives a Service\'s traffic has a readiness probe (when a Service targets a port no container declares, every container of the pod counts as receiving it).',
  fix: 'add livenessProbe (and readinessProbe for served containers); a cheap check that fails only when a restart helps',
  check(objects) {
    const out: PolicyViolation[] = [];
    const services = serviceTargets(objects);
    for (const pod of podsOf(objects).filter((p) => p.longRunning)) {
      const containers = containersOf(pod).filter((x) => !x.init);
      const targets = services.filter((s) => selects(s.selector, pod.labels)).flatMap((s) => s.targets);
      const undeclared = targets.some((t) => !containers.some((c) => declares(c.container, t)));
      for (const c of containers) {
        if (!c.container.livenessProbe) out.push({ rule: this.id, object: describeObject(pod.owner), message: `${c.label}: no livenessProbe` });
        const served = undeclared ? targets.length > 0 : targets.some((t) => declares(c.container, t));
        if (served && !c.container.readinessProbe) out.push({ rule: this.id, object: describeObject(pod.owner), message: `${c.label}: behind a Service but no readinessProbe` });
      }
    }
    return out;
  },
};
