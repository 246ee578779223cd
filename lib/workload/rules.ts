import type { ConfigProblem } from '../config/errors';
import type { PodOverride, PodsConfig } from './schema';

// Rules of the pod extensions (schema.ts) the schema cannot state field by field. The composition
// (lib/config/platform-rules.ts) runs them over the environment-wide `pods` and every component's `pod`.

/** The platform's own label namespace: selectors and the recommended labels are derived from it. */
const PLATFORM_LABEL = /^app\.kubernetes\.io\//;

/** Problems of one `pods` or `<component>.pod` object; `field` is its dotted path. */
export function podExtensionProblems(field: string, pod: PodOverride | PodsConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const key of Object.keys(pod.labels ?? {}).filter((k) => PLATFORM_LABEL.test(k))) {
    problems.push({
      field: `${field}.labels.${key}`,
      value: pod.labels![key],
      rule: 'must not be an app.kubernetes.io/ label: the platform sets those, and the selectors and NetworkPolicies are built from them',
      fix: `remove ${field}.labels.${key}, or use a key of your own such as "example.com/${key.slice('app.kubernetes.io/'.length)}"`,
    });
  }
  if (field !== 'pods') {
    const o = pod as PodOverride;
    const declared = new Set((o.volumes ?? []).map((v) => v.name));
    const sidecars = [...(o.initContainers ?? []).map((c, i) => ({ c, at: `initContainers.${i}` })), ...(o.sidecars ?? []).map((c, i) => ({ c, at: `sidecars.${i}` }))];
    for (const [i, m] of (o.volumeMounts ?? []).entries()) {
      if (!declared.has(m.name)) {
        problems.push({
          field: `${field}.volumeMounts.${i}.name`,
          value: m.name,
          rule: `must name a volume of ${field}.volumes: these mounts go into the platform's containers, whose own volumes are internal`,
          fix: `add a volume named "${m.name}" to ${field}.volumes, or correct the name`,
        });
      }
    }
    const names = new Map<string, string>();
    for (const { c, at } of sidecars) {
      const first = names.get(c.name);
      if (first) problems.push({ field: `${field}.${at}.name`, value: c.name, rule: `must be unique: ${field}.${first} has the same name`, fix: `rename one of the two containers` });
      else names.set(c.name, at);
    }
  }
  return problems;
}
