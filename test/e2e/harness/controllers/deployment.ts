import { createHash } from 'node:crypto';
import type { KubeObject, WatchEvent } from '../store';
import { Controller } from './controller';
import { deletePod, isReady, isTerminating, ownedPods, ownerReference, phaseOf, randomSuffix } from './pods';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** A stable short hash of a pod template (the `pod-template-hash` label). */
export function templateHash(template: any): string {
  return BigInt(`0x${createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 15)}`).toString(36).slice(0, 10);
}

/** An IntOrString of a rolling update (`25%` or `1`) against a replica count. */
export function scaledValue(value: unknown, total: number, roundUp: boolean): number {
  if (value === undefined) return 0;
  const text = String(value);
  if (text.endsWith('%')) {
    const exact = (Number(text.slice(0, -1)) * total) / 100;
    return roundUp ? Math.ceil(exact) : Math.floor(exact);
  }
  return Number(text);
}

/** A pod counts as available once it has been Ready for minReadySeconds. */
export function isAvailable(pod: KubeObject, minReadySeconds: number, now = Date.now()): boolean {
  if (!isReady(pod) || isTerminating(pod)) return false;
  const ready = (pod.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
  const since = ready?.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : now;
  return now - since >= minReadySeconds * 1000;
}

/** Creates a pod from a workload's template (labels, annotations, spec; owner reference). */
export function podFromTemplate(owner: KubeObject, name: string, extraLabels: Record<string, string>, specChanges: Record<string, unknown> = {}): KubeObject {
  const t = owner.spec.template;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: owner.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}), ...extraLabels },
      annotations: { ...(t.metadata?.annotations ?? {}) },
      ownerReferences: [ownerReference(owner)],
    },
    spec: { ...structuredClone(t.spec), ...specChanges },
    status: { phase: 'Pending' },
  };
}

/**
 * Deployments (the ReplicaSet layer folded in): pods named `<deployment>-<template hash>-<suffix>`,
 * replicas from the spec or, when a HorizontalPodAutoscaler targets the Deployment, its
 * minReplicas (the harness has no metrics). A template change rolls out per the strategy:
 * RollingUpdate honours maxSurge, maxUnavailable and minReadySeconds; Recreate stops every old
 * pod before the first new one starts.
 */
export class DeploymentController extends Controller {
  constructor(store: ConstructorParameters<typeof Controller>[0], recorder: ConstructorParameters<typeof Controller>[1]) {
    super(store, recorder, 'Deployment');
  }

  protected related(e: WatchEvent): void {
    if (e.object.kind === 'HorizontalPodAutoscaler') {
      const target = e.object.spec?.scaleTargetRef;
      const d = target?.kind === 'Deployment' ? this.store.get('Deployment', e.object.metadata.namespace, target.name) : undefined;
      if (d) this.mark(d);
    }
  }

  /** Replicas wanted: the HPA's range applied to the spec (no metrics: it holds the minimum). */
  desiredReplicas(d: KubeObject): number {
    const hpa = this.store.list('HorizontalPodAutoscaler', d.metadata.namespace)
      .find((h) => h.spec?.scaleTargetRef?.kind === 'Deployment' && h.spec.scaleTargetRef.name === d.metadata.name);
    if (!hpa) return d.spec.replicas ?? 1;
    // The API defaults an absent replicas to 1; the HPA then keeps it within its range.
    return Math.min(hpa.spec.maxReplicas, Math.max(hpa.spec.minReplicas ?? 1, d.spec.replicas ?? 1));
  }

  protected reconcile(d: KubeObject): void {
    const desired = this.desiredReplicas(d);
    const hash = templateHash(d.spec.template);
    const minReady = d.spec.minReadySeconds ?? 0;
    const pods = ownedPods(this.store, d);
    const live = pods.filter((p) => !isTerminating(p));
    // Pods that ended (evicted, or failed outright) are replaced.
    for (const p of live.filter((x) => ['Failed', 'Succeeded'].includes(phaseOf(x)))) deletePod(this.store, p.metadata.namespace!, p.metadata.name);
    const running = live.filter((p) => !['Failed', 'Succeeded'].includes(phaseOf(p)));
    const current = running.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash);
    const old = running.filter((p) => p.metadata.labels?.['pod-template-hash'] !== hash);
    const create = (n: number) => {
      for (let i = 0; i < n; i++) {
        this.store.create(podFromTemplate(d, `${d.metadata.name}-${hash}-${randomSuffix()}`, { 'pod-template-hash': hash }));
      }
    };
    const remove = (list: KubeObject[], n: number) => {
      // Not-ready pods go first, then the newest.
      const order = [...list].sort((a, b) => Number(isReady(a)) - Number(isReady(b)) || (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''));
      for (const p of order.slice(0, n)) deletePod(this.store, p.metadata.namespace!, p.metadata.name);
    };

    const strategy = d.spec.strategy?.type ?? 'RollingUpdate';
    if (strategy === 'Recreate') {
      if (old.length > 0) {
        remove(old, old.length);
      } else if (pods.every((p) => p.metadata.labels?.['pod-template-hash'] === hash)) {
        // Only once every old pod is gone (terminating ones included).
        if (current.length < desired) create(desired - current.length);
        if (current.length > desired) remove(current, current.length - desired);
      }
    } else {
      const ru = d.spec.strategy?.rollingUpdate ?? {};
      let maxSurge = scaledValue(ru.maxSurge ?? '25%', desired, true);
      const maxUnavailable = scaledValue(ru.maxUnavailable ?? '25%', desired, false);
      if (maxSurge === 0 && maxUnavailable === 0) maxSurge = 1;
      // Scale up the new pods within the surge budget (terminating pods do not count, as in the API).
      const room = desired + maxSurge - running.length;
      if (current.length < desired && room > 0) create(Math.min(room, desired - current.length));
      if (old.length > 0) {
        // As the deployment controller scales old ReplicaSets down: never below desired -
        // maxUnavailable available pods, counting new pods that are not available yet against it;
        // old pods that serve nothing go first.
        const minAvailable = desired - maxUnavailable;
        const newUnavailable = current.filter((p) => !isAvailable(p, minReady)).length;
        let budget = running.length - minAvailable - newUnavailable;
        const unhealthyOld = old.filter((p) => !isAvailable(p, minReady));
        const healthyOld = old.filter((p) => isAvailable(p, minReady));
        const first = Math.min(Math.max(0, budget), unhealthyOld.length);
        remove(unhealthyOld, first);
        budget -= first;
        if (budget > 0) remove(healthyOld, Math.min(budget, healthyOld.length));
      } else if (current.length > desired) {
        remove(current, current.length - desired);
      }
    }

    const ready = running.filter(isReady).length;
    const available = running.filter((p) => isAvailable(p, minReady)).length;
    const status = {
      observedGeneration: d.metadata.generation,
      replicas: running.length,
      updatedReplicas: current.length,
      readyReplicas: ready,
      availableReplicas: available,
      unavailableReplicas: Math.max(0, desired - available),
      desiredReplicas: desired,
      conditions: [
        { type: 'Available', status: available >= desired - scaledValue(d.spec.strategy?.rollingUpdate?.maxUnavailable ?? '25%', desired, false) ? 'True' : 'False' },
        { type: 'Progressing', status: current.length === desired && old.length === 0 && available >= desired ? 'True' : 'Unknown', reason: current.length === desired && old.length === 0 ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated' },
      ],
    };
    if (JSON.stringify(d.status) !== JSON.stringify(status)) this.store.update('Deployment', d.metadata.namespace, d.metadata.name, (o) => { o.status = status; });
  }

  protected deleted(d: KubeObject): void {
    for (const p of ownedPods(this.store, d)) deletePod(this.store, p.metadata.namespace!, p.metadata.name);
  }
}

/** A Deployment is rolled out: every replica is of the current template, none other, all available. */
export function deploymentComplete(d: KubeObject): boolean {
  const s = d.status ?? {};
  return s.observedGeneration === d.metadata.generation && s.updatedReplicas === s.desiredReplicas && s.replicas === s.desiredReplicas && s.availableReplicas === s.desiredReplicas;
}
