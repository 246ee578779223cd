import { containersOf, podsOf } from '../pods';
import { describeObject, PolicyRule, PolicyViolation } from '../rule';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * What the API server would reject, caught at synth: extra volumes, mounts and sidecars from the
 * configuration meet the platform's own here, and a clash or a dangling name must fail before
 * anything is applied.
 */
export const podReferences: PolicyRule = {
  id: 'pod-references',
  statement: 'In every pod, container and volume names are unique, every volumeMount names a volume of the pod, and no container mounts two volumes at one path.',
  fix: 'rename the extra container or volume (pod.sidecars, pod.initContainers, pod.volumes) so it does not clash with the platform\'s, and mount only volumes the pod declares',
  check(objects) {
    const out: PolicyViolation[] = [];
    for (const pod of podsOf(objects)) {
      const at = describeObject(pod.owner);
      const add = (message: string) => out.push({ rule: this.id, object: at, message });
      const volumes = (pod.spec.volumes ?? []).map((v: any) => v.name as string);
      const claims = ((pod.owner as any).spec?.volumeClaimTemplates ?? []).map((c: any) => c.metadata?.name as string);
      for (const name of duplicates(volumes)) add(`volume "${name}" is declared more than once`);
      const containers = containersOf(pod);
      for (const name of duplicates(containers.map((c) => c.container.name))) add(`container name "${name}" is used more than once`);
      const known = new Set([...volumes, ...claims]);
      for (const c of containers) {
        const mounts: any[] = c.container.volumeMounts ?? [];
        for (const m of mounts) if (!known.has(m.name)) add(`${c.label}: mounts volume "${m.name}", which the pod does not declare`);
        for (const p of duplicates(mounts.map((m) => m.mountPath))) add(`${c.label}: two volumes are mounted at ${p}`);
      }
    }
    return out;
  },
};

function duplicates(names: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const n of names) (seen.has(n) ? twice : seen).add(n);
  return [...twice];
}
