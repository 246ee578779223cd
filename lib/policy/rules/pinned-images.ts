import { containersOf, podsOf } from '../pods';
import { describeObject, PolicyRule, PolicyViolation } from '../rule';

const MUTABLE = new Set(['latest', 'main', 'master', 'nightly', 'dev', 'edge', 'stable']);

/** The tag of an image reference, or undefined (ignores a registry port such as host:5000/x). */
export function imageTag(image: string): string | undefined {
  const withoutDigest = image.split('@')[0];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? undefined : withoutDigest.slice(colon + 1);
}

export const pinnedImages: PolicyRule = {
  id: 'pinned-images',
  statement: 'Every container image is pinned to a version tag or digest (never a moving tag such as latest) and states its imagePullPolicy.',
  fix: 'set a versioned tag (or a sha256 digest) for the image in the config, and imagePullPolicy',
  check(objects) {
    const out: PolicyViolation[] = [];
    for (const pod of podsOf(objects)) {
      for (const c of containersOf(pod)) {
        const image: string = c.container.image ?? '';
        const tag = imageTag(image);
        const at = describeObject(pod.owner);
        if (!image.includes('@sha256:') && (tag === undefined || MUTABLE.has(tag.toLowerCase()))) {
          out.push({ rule: this.id, object: at, message: `${c.label}: image "${image}" is not pinned` });
        }
        if (!c.container.imagePullPolicy) out.push({ rule: this.id, object: at, message: `${c.label}: imagePullPolicy is not set` });
      }
    }
    return out;
  },
};
