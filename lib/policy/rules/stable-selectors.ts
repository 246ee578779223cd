import { describeObject, PolicyRule, PolicyViolation } from '../rule';

/* eslint-disable @typescript-eslint/no-explicit-any */
const ALLOWED = new Set(['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component']);
const WITH_IMMUTABLE_SELECTOR = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

export const stableSelectors: PolicyRule = {
  id: 'stable-selectors',
  statement: 'Workload and Service selectors use only app.kubernetes.io/{name,instance,component}: never the version or a generated label, since a workload selector is immutable.',
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
      const extra = keys.filter((k) => !ALLOWED.has(k));
      if (extra.length) out.push({ rule: this.id, object: describeObject(o), message: `selector uses ${extra.join(', ')}` });
    }
    return out;
  },
};
