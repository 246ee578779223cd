import { podOf, selects } from '../pods';
import { describeObject, KubeObject, PolicyRule, PolicyViolation } from '../rule';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Most replicas a workload can run: its HPA's maximum, else its replicas (Deployment default 1). */
function maxReplicas(o: KubeObject, objects: readonly KubeObject[]): number {
  const hpa = objects.find((h) => h.kind === 'HorizontalPodAutoscaler' && (h as any).spec.scaleTargetRef.name === o.metadata.name && (h as any).spec.scaleTargetRef.kind === o.kind);
  return hpa ? (hpa as any).spec.maxReplicas : ((o as any).spec.replicas ?? 1);
}

export const pdbCoverage: PolicyRule = {
  id: 'pdb-coverage',
  statement: 'Every workload that can run more than one pod has exactly one PodDisruptionBudget, and single-instance workloads (Celery beat) have none.',
  fix: 'use ScaledDeployment (lib/workload/scaled-deployment.ts), which adds a maxUnavailable: 1 PDB when maxReplicas > 1',
  check(objects) {
    const out: PolicyViolation[] = [];
    const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
    for (const o of objects.filter((w) => w.kind === 'Deployment' || w.kind === 'StatefulSet')) {
      const pod = podOf(o);
      if (!pod) continue;
      const covering = pdbs.filter((p) => selects((p as any).spec.selector?.matchLabels, pod.labels));
      const max = maxReplicas(o, objects);
      if (max > 1 && covering.length === 0) out.push({ rule: this.id, object: describeObject(o), message: `can run ${max} pods but no PodDisruptionBudget selects them` });
      if (covering.length > 1) out.push({ rule: this.id, object: describeObject(o), message: `${covering.length} PodDisruptionBudgets select its pods (eviction then fails)` });
      if (max === 1 && covering.length > 0) out.push({ rule: this.id, object: describeObject(o), message: 'runs a single pod but a PodDisruptionBudget selects it' });
    }
    return out;
  },
};
