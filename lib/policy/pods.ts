import type { KubeObject } from './rule';

// Reads pod specs out of workload objects, whatever their kind.

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface PodOf {
  readonly owner: KubeObject;
  readonly spec: any;
  readonly labels: Record<string, string>;
  /** True for Deployments, StatefulSets and DaemonSets: containers that should run forever. */
  readonly longRunning: boolean;
}

const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

export function podOf(o: KubeObject): PodOf | undefined {
  const x = o as any;
  if (o.kind === 'Pod') return { owner: o, spec: x.spec, labels: o.metadata.labels ?? {}, longRunning: true };
  if (o.kind === 'CronJob') {
    const t = x.spec?.jobTemplate?.spec?.template;
    return t ? { owner: o, spec: t.spec, labels: t.metadata?.labels ?? {}, longRunning: false } : undefined;
  }
  const t = x.spec?.template;
  if (!t?.spec?.containers) return undefined;
  return { owner: o, spec: t.spec, labels: t.metadata?.labels ?? {}, longRunning: LONG_RUNNING.has(o.kind) };
}

export function podsOf(objects: readonly KubeObject[]): PodOf[] {
  return objects.map(podOf).filter((p): p is PodOf => p !== undefined);
}

export interface ContainerOf {
  readonly pod: PodOf;
  readonly container: any;
  readonly init: boolean;
  /** `container "web"`, `init container "wait"` or `native sidecar "proxy"` (an init container with restartPolicy Always), for messages. */
  readonly label: string;
}

export function containersOf(pod: PodOf): ContainerOf[] {
  const kind = (c: any, init: boolean): string => (!init ? 'container' : c.restartPolicy === 'Always' ? 'native sidecar' : 'init container');
  const make = (c: any, init: boolean): ContainerOf => ({ pod, container: c, init, label: `${kind(c, init)} "${c.name}"` });
  return [...(pod.spec.initContainers ?? []).map((c: any) => make(c, true)), ...(pod.spec.containers ?? []).map((c: any) => make(c, false))];
}

/** True when every label of `selector` is on `labels`. */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
