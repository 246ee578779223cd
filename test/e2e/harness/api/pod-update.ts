// What an update or patch of a Pod may change through the API, as the real API's Pod validation
// allows it: any metadata a client owns (labels, annotations, ownerReferences, finalizers), and in
// the spec only container images, a shorter activeDeadlineSeconds, added tolerations and
// terminationGracePeriodSeconds from negative to 1. Status written through the main resource is
// dropped (the status subresource owns it), as the API does. The kubelet, not a client, owns the
// rest of the Pod; it writes the store directly.

import type { KubeObject } from '../store';
import { jsonEqual } from './json-equal';
import type { FieldProblem } from './validation';

/* eslint-disable @typescript-eslint/no-explicit-any */

export const POD_SPEC_UPDATE_RULE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,' +
  '`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

const same = (a: unknown, b: unknown) => jsonEqual(a, b);

function withImagesOf(containers: any[] | undefined, from: any[] | undefined): any[] | undefined {
  if (!Array.isArray(containers) || !Array.isArray(from) || containers.length !== from.length) return containers;
  return containers.map((c, i) => (c?.name === from[i]?.name ? { ...c, image: from[i].image } : c));
}

/** Keeps the old status (the status subresource owns it); called before validation. */
export function preparePodUpdate(old: KubeObject, updated: KubeObject): void {
  if (old.status === undefined) delete updated.status;
  else updated.status = structuredClone(old.status);
}

export function podUpdateProblems(old: KubeObject, updated: KubeObject): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const oldSpec = old.spec ?? {};
  const newSpec = structuredClone(updated.spec ?? {});

  // Every change that is allowed is copied back from the old spec; what still differs is not allowed.
  newSpec.containers = withImagesOf(newSpec.containers, oldSpec.containers);
  newSpec.initContainers = withImagesOf(newSpec.initContainers, oldSpec.initContainers);
  if (newSpec.containers === undefined) delete newSpec.containers;
  if (newSpec.initContainers === undefined) delete newSpec.initContainers;

  if (newSpec.activeDeadlineSeconds !== oldSpec.activeDeadlineSeconds) {
    const shortened = typeof newSpec.activeDeadlineSeconds === 'number' &&
      (oldSpec.activeDeadlineSeconds === undefined || newSpec.activeDeadlineSeconds <= oldSpec.activeDeadlineSeconds);
    if (shortened) {
      if (oldSpec.activeDeadlineSeconds === undefined) delete newSpec.activeDeadlineSeconds;
      else newSpec.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
    } else {
      problems.push({
        field: 'spec.activeDeadlineSeconds',
        message: `Invalid value: ${JSON.stringify(newSpec.activeDeadlineSeconds ?? null)}: must be less than or equal to previous value`,
      });
      newSpec.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
    }
  }

  const oldTolerations: any[] = oldSpec.tolerations ?? [];
  const newTolerations: any[] = newSpec.tolerations ?? [];
  if (oldTolerations.every((t) => newTolerations.some((n) => same(n, t)))) {
    if (oldSpec.tolerations === undefined) delete newSpec.tolerations;
    else newSpec.tolerations = oldSpec.tolerations;
  }

  if (typeof oldSpec.terminationGracePeriodSeconds === 'number' && oldSpec.terminationGracePeriodSeconds < 0 && newSpec.terminationGracePeriodSeconds === 1) {
    newSpec.terminationGracePeriodSeconds = oldSpec.terminationGracePeriodSeconds;
  }

  const changed = [...new Set([...Object.keys(oldSpec), ...Object.keys(newSpec)])].filter((k) => !same(oldSpec[k], newSpec[k])).sort();
  if (changed.length > 0) {
    problems.push({ field: 'spec', message: `Forbidden: ${POD_SPEC_UPDATE_RULE} (this update changes ${changed.map((k) => `spec.${k}`).join(', ')})`, reason: 'FieldValueForbidden' });
  }
  return problems;
}
