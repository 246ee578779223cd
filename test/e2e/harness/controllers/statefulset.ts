import type { KubeObject } from '../store';
import { Controller } from './controller';
import { isAvailable, podFromTemplate, templateHash } from './deployment';
import { deletePod, isReady, isTerminating, ownedPods, phaseOf } from './pods';

/* eslint-disable @typescript-eslint/no-explicit-any */

const ordinalOf = (pod: KubeObject) => Number(pod.metadata.name.slice(pod.metadata.name.lastIndexOf('-') + 1));

/**
 * StatefulSets: pods `<name>-<ordinal>` with stable hostnames under the governing Service
 * (`spec.hostname`, `spec.subdomain`), one PersistentVolumeClaim per claim template and ordinal
 * that outlives the pod, OrderedReady (one at a time, each Running and Ready before the next) or
 * Parallel pod management, and rolling updates from the highest ordinal down to the partition,
 * one pod at a time, each replacement Ready (and available for minReadySeconds) before the next.
 * A deleted pod comes back under the same name once the old one is gone.
 */
export class StatefulSetController extends Controller {
  constructor(store: ConstructorParameters<typeof Controller>[0], recorder: ConstructorParameters<typeof Controller>[1]) {
    super(store, recorder, 'StatefulSet');
  }

  protected reconcile(s: KubeObject): void {
    const name = s.metadata.name;
    const ns = s.metadata.namespace!;
    const replicas: number = s.spec.replicas ?? 1;
    const revision = `${name}-${templateHash(s.spec.template)}`;
    const minReady = s.spec.minReadySeconds ?? 0;
    const parallel = s.spec.podManagementPolicy === 'Parallel';
    const pods = ownedPods(this.store, s);
    const byOrdinal = new Map(pods.map((p) => [ordinalOf(p), p]));

    for (let i = 0; i < replicas; i++) {
      const existing = byOrdinal.get(i);
      if (existing) {
        // A pod that ended (a Job-like exit of a restartPolicy Never pod, or an eviction) is replaced.
        if (!isTerminating(existing) && ['Failed', 'Succeeded'].includes(phaseOf(existing))) deletePod(this.store, ns, existing.metadata.name);
        continue;
      }
      if (!parallel) {
        const earlier = [...Array(i).keys()].map((k) => byOrdinal.get(k));
        if (earlier.some((p) => !p || isTerminating(p) || !isReady(p))) break;
      }
      this.createPod(s, i, revision);
      if (!parallel) break;
    }
    // Scale down: the highest ordinals go first (one at a time unless Parallel).
    const extra = pods.filter((p) => ordinalOf(p) >= replicas && !isTerminating(p)).sort((a, b) => ordinalOf(b) - ordinalOf(a));
    for (const p of parallel ? extra : extra.slice(0, 1)) deletePod(this.store, ns, p.metadata.name);

    // Rolling update, as the StatefulSet controller does it: from the highest ordinal down to the
    // partition, the first pod of an old revision is deleted (to come back on the new one), and
    // the update stops at a pod that is not healthy yet. With OrderedReady, any pod that is not
    // Running and Ready stops it first (which is why reverting a broken template needs the broken
    // pod deleted by hand there); with Parallel, a broken pod of the old revision is replaced.
    const strategy = s.spec.updateStrategy?.type ?? 'RollingUpdate';
    const current = [...Array(replicas).keys()].map((i) => byOrdinal.get(i));
    const blocked = !parallel && current.some((p) => !p || isTerminating(p) || !isReady(p));
    if (strategy === 'RollingUpdate' && !blocked) {
      const partition = s.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
      for (let i = replicas - 1; i >= partition; i--) {
        const p = current[i];
        if (!p) break;
        if (!isTerminating(p) && p.metadata.labels?.['controller-revision-hash'] !== revision) {
          deletePod(this.store, ns, p.metadata.name);
          break;
        }
        if (isTerminating(p) || !isAvailable(p, minReady)) break;
      }
    }

    const live = pods.filter((p) => !isTerminating(p));
    const status = {
      observedGeneration: s.metadata.generation,
      replicas: live.length,
      readyReplicas: live.filter(isReady).length,
      availableReplicas: live.filter((p) => isAvailable(p, minReady)).length,
      currentRevision: revision,
      updateRevision: revision,
      updatedReplicas: live.filter((p) => p.metadata.labels?.['controller-revision-hash'] === revision).length,
    };
    if (JSON.stringify(s.status) !== JSON.stringify(status)) this.store.update('StatefulSet', ns, name, (o) => { o.status = status; });
  }

  private createPod(s: KubeObject, ordinal: number, revision: string): void {
    const name = `${s.metadata.name}-${ordinal}`;
    const claims: any[] = s.spec.volumeClaimTemplates ?? [];
    const volumes = [...(s.spec.template.spec.volumes ?? [])];
    for (const c of claims) {
      const claimName = `${c.metadata.name}-${name}`;
      if (!this.store.get('PersistentVolumeClaim', s.metadata.namespace, claimName)) {
        this.store.create({
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: claimName, namespace: s.metadata.namespace, labels: { ...(c.metadata.labels ?? {}) } },
          spec: structuredClone(c.spec),
          status: { phase: 'Bound' },
        });
      }
      if (!volumes.some((v) => v.name === c.metadata.name)) volumes.push({ name: c.metadata.name, persistentVolumeClaim: { claimName } });
    }
    const pod = podFromTemplate(s, name, {
      'controller-revision-hash': revision,
      'statefulset.kubernetes.io/pod-name': name,
      'apps.kubernetes.io/pod-index': String(ordinal),
    }, { hostname: name, subdomain: s.spec.serviceName, volumes });
    this.store.create(pod);
  }

  protected deleted(s: KubeObject): void {
    // PVCs stay (persistentVolumeClaimRetentionPolicy whenDeleted: Retain is what we render).
    for (const p of ownedPods(this.store, s)) deletePod(this.store, p.metadata.namespace!, p.metadata.name);
  }
}

/** Every replica exists, is of the current revision and is available. */
export function statefulSetComplete(s: KubeObject): boolean {
  const st = s.status ?? {};
  const replicas = s.spec.replicas ?? 1;
  return st.observedGeneration === s.metadata.generation && st.replicas === replicas && st.availableReplicas === replicas && st.updatedReplicas === replicas;
}
