import { podOf } from '../pods';
import { describeObject, PolicyRule, PolicyViolation } from '../rule';

export const RECOMMENDED_LABELS = ['name', 'instance', 'component', 'part-of', 'version', 'managed-by'].map((l) => `app.kubernetes.io/${l}`);

export const recommendedLabels: PolicyRule = {
  id: 'recommended-labels',
  statement: 'Every object and pod template carries the recommended app.kubernetes.io/{name,instance,component,part-of,version,managed-by} labels.',
  fix: 'build metadata with recommendedLabels() from lib/workload/labels.ts',
  check(objects) {
    const out: PolicyViolation[] = [];
    for (const o of objects) {
      const missing = RECOMMENDED_LABELS.filter((l) => !o.metadata.labels?.[l]);
      if (missing.length) out.push({ rule: this.id, object: describeObject(o), message: `missing labels ${missing.join(', ')}` });
      const pod = podOf(o);
      const podMissing = pod ? RECOMMENDED_LABELS.filter((l) => !pod.labels[l]) : [];
      if (podMissing.length) out.push({ rule: this.id, object: describeObject(o), message: `pod template missing labels ${podMissing.join(', ')}` });
    }
    return out;
  },
};
