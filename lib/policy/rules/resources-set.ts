import { containersOf, podsOf } from '../pods';
import { describeObject, PolicyRule, PolicyViolation } from '../rule';

export const resourcesSet: PolicyRule = {
  id: 'resources-set',
  statement: 'Every container and init container requests and limits both CPU and memory, and no limit is below its request.',
  fix: 'set resources for the component in its config (see resourceRequirements() in lib/workload/resources.ts)',
  check(objects) {
    const out: PolicyViolation[] = [];
    for (const pod of podsOf(objects)) {
      for (const c of containersOf(pod)) {
        const r = c.container.resources ?? {};
        for (const kind of ['requests', 'limits'] as const) {
          for (const res of ['cpu', 'memory']) {
            if (r[kind]?.[res] === undefined) out.push({ rule: this.id, object: describeObject(pod.owner), message: `${c.label}: no ${res} ${kind === 'requests' ? 'request' : 'limit'}` });
          }
        }
      }
    }
    return out;
  },
};
