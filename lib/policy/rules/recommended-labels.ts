import { podOf } from '../pods';
import { describeObject, PolicyRule, PolicyViolation } from '../rule';

export const RECOMMENDED_LABELS = ['name', 'instance', 'component', 'part-of', 'version', 'managed-by'].map((l) => `app.kubernetes.io/${l}`);

const VERSION = 'app.kubernetes.io/version';
/** app.kubernetes.io/name of the objects of the whole platform (the Namespace, NetworkPolicies, ExternalSecrets). */
const PLATFORM_WIDE = 'superset-platform';
/** A version starts with a digit, optionally after "v" ("6.1.0-k8s.1", "v0.30.0", "18-ops.1"). */
const LOOKS_LIKE_A_VERSION = /^v?\d/;

function problems(labels: Record<string, string> | undefined, what: string): string[] {
  const l = labels ?? {};
  const platformWide = l['app.kubernetes.io/name'] === PLATFORM_WIDE;
  const required = RECOMMENDED_LABELS.filter((k) => !(platformWide && k === VERSION));
  const missing = required.filter((k) => !l[k]);
  const out = missing.length ? [`${what}missing labels ${missing.join(', ')}`] : [];
  if (platformWide && l[VERSION] !== undefined) out.push(`${what}${VERSION} on an object of the whole platform (it runs no versioned software)`);
  else if (l[VERSION] !== undefined && !LOOKS_LIKE_A_VERSION.test(l[VERSION])) out.push(`${what}${VERSION} "${l[VERSION]}" is not a version`);
  return out;
}

export const recommendedLabels: PolicyRule = {
  id: 'recommended-labels',
  statement: 'Every object and pod template carries the recommended app.kubernetes.io/{name,instance,component,part-of,version,managed-by} labels; the version is a real version, and objects of the whole platform (name superset-platform) carry none.',
  fix: 'build metadata with recommendedLabels() from lib/workload/labels.ts, with the version of the software the object belongs to (none for platform-wide objects)',
  check(objects) {
    const out: PolicyViolation[] = [];
    for (const o of objects) {
      for (const message of problems(o.metadata.labels, '')) out.push({ rule: this.id, object: describeObject(o), message });
      const pod = podOf(o);
      if (pod) for (const message of problems(pod.labels, 'pod template ')) out.push({ rule: this.id, object: describeObject(o), message });
    }
    return out;
  },
};
