import type { KubeObject, ObjectStore } from '../store';
import { NotFoundError } from '../store';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Deletes a pod the way the API server does: a pod that runs on a node gets a deletionTimestamp
 * and its grace period, and the kubelet removes it once its containers have stopped; a pod no node
 * runs yet goes at once.
 */
export function deletePod(store: ObjectStore, namespace: string, name: string, gracePeriodSeconds?: number): void {
  try {
    const pod = store.get('Pod', namespace, name);
    if (!pod) return;
    if (!pod.spec.nodeName) {
      store.delete('Pod', namespace, name);
      return;
    }
    store.update('Pod', namespace, name, (p) => {
      if (p.metadata.deletionTimestamp) {
        // A second delete may only shorten the grace period (kubectl delete --grace-period=0 --force).
        if (gracePeriodSeconds !== undefined && gracePeriodSeconds < Number(p.metadata.deletionGracePeriodSeconds ?? Infinity)) p.metadata.deletionGracePeriodSeconds = gracePeriodSeconds;
        return;
      }
      p.metadata.deletionTimestamp = new Date().toISOString();
      p.metadata.deletionGracePeriodSeconds = gracePeriodSeconds ?? p.spec.terminationGracePeriodSeconds ?? 30;
    });
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
  }
}

export const isTerminating = (pod: KubeObject) => pod.metadata.deletionTimestamp !== undefined;
export const isReady = (pod: KubeObject) => (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
export const phaseOf = (pod: KubeObject): string => pod.status?.phase ?? 'Pending';

/** Pods a controller owns (by owner reference uid). */
export function ownedPods(store: ObjectStore, owner: KubeObject): KubeObject[] {
  return store.list('Pod', owner.metadata.namespace).filter((p) => (p.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid));
}

export function ownerReference(owner: KubeObject) {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/** Five lower-case letters and digits, as the API's generateName suffix. */
export function randomSuffix(length = 5): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}
