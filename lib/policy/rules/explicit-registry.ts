import { containersOf, podsOf } from '../pods';
import { describeObject, PolicyRule, PolicyViolation } from '../rule';

/**
 * The registry host of an image reference, or undefined when the reference names none. A
 * container runtime reads a first path component without "." or ":" (and not "localhost") as a
 * Docker Hub namespace: "prom/statsd-exporter" is docker.io/prom/statsd-exporter, "postgres" is
 * docker.io/library/postgres.
 */
export function imageRegistry(image: string): string | undefined {
  const slash = image.indexOf('/');
  if (slash === -1) return undefined;
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : undefined;
}

export const explicitRegistry: PolicyRule = {
  id: 'explicit-registry',
  statement: 'Every container image names its registry (docker.io/valkey/valkey, quay.io/..., ghcr.io/...), so mirrors, pull-through caches and admission policies see exactly where it comes from.',
  fix: 'write the image repository with its registry host, e.g. "docker.io/prom/statsd-exporter" instead of "prom/statsd-exporter"',
  check(objects) {
    const out: PolicyViolation[] = [];
    for (const pod of podsOf(objects)) {
      for (const c of containersOf(pod)) {
        const image: string = c.container.image ?? '';
        if (!imageRegistry(image)) out.push({ rule: this.id, object: describeObject(pod.owner), message: `${c.label}: image "${image}" names no registry` });
      }
    }
    return out;
  },
};
