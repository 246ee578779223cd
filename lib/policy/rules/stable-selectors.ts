import { describeObject, PolicyRule, PolicyViolation } from '../rule';

/* eslint-disable @typescript-eslint/no-explicit-any */
const ALLOWED = new Set(['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component']);
const WITH_IMMUTABLE_SELECTOR = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

/**
 * Labels a process inside the pods rewrites at run time to say which pod currently holds a role
 * (Patroni's `role: primary|replica`). A Service may select on one, next to the stable labels,
 * to follow the role across failovers: a Service selector is mutable, and the pods keep their
 * stable labels. A workload selector never may (it would lose its own pods on the next failover).
 */
export const RUNTIME_ROLE_LABELS: ReadonlyMap<string, readonly string[]> = new Map([['role', ['primary', 'replica']]]);

export const stableSelectors: PolicyRule = {
  id: 'stable-selectors',
  statement: 'Workload and Service selectors use only app.kubernetes.io/{name,instance,component} (never the version or a generated label, since a workload selector is immutable); a Service may add a run-time role label (Patroni\'s role) next to all three.',
  fix: 'select with selectorLabels() from lib/workload/labels.ts',
  check(objects) {
    const out: PolicyViolation[] = [];
    for (const o of objects) {
      const x = o as any;
      let selector: Record<string, string> | undefined;
      if (WITH_IMMUTABLE_SELECTOR.has(o.kind)) {
        selector = x.spec?.selector?.matchLabels;
        if (x.spec?.selector?.matchExpressions?.length) out.push({ rule: this.id, object: describeObject(o), message: 'selector uses matchExpressions' });
      } else if (o.kind === 'Service' && x.spec?.selector) {
        selector = x.spec.selector;
      } else {
        continue;
      }
      const keys = Object.keys(selector ?? {});
      if (keys.length === 0) out.push({ rule: this.id, object: describeObject(o), message: 'empty selector' });
      const isService = o.kind === 'Service';
      const roleKeys = isService ? keys.filter((k) => RUNTIME_ROLE_LABELS.has(k)) : [];
      for (const k of roleKeys) {
        const value = selector?.[k] ?? '';
        if (!RUNTIME_ROLE_LABELS.get(k)?.includes(value)) out.push({ rule: this.id, object: describeObject(o), message: `selector ${k}=${value} is not a role the pods are given (${RUNTIME_ROLE_LABELS.get(k)?.join(', ')})` });
        if (![...ALLOWED].every((a) => keys.includes(a))) out.push({ rule: this.id, object: describeObject(o), message: `selector uses the run-time label ${k} without all of ${[...ALLOWED].join(', ')}` });
      }
      const extra = keys.filter((k) => !ALLOWED.has(k) && !roleKeys.includes(k));
      if (extra.length) out.push({ rule: this.id, object: describeObject(o), message: `selector uses ${extra.join(', ')}` });
    }
    return out;
  },
};
