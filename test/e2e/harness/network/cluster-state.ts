import type { KubeObject } from '../store';

// One consistent reading of what the network needs from the store, joined with the addresses the
// network itself handed out. Every pure function of the network (endpoints, policies, DNS records,
// rulesets) takes this, so the same snapshot drives all of them.

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: string;
}

/** A pod that has a network namespace (pods without one have no IP and match nothing). */
export interface PodView {
  readonly namespace: string;
  readonly name: string;
  readonly ip: string;
  readonly netns: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Pod condition Ready=True. */
  readonly ready: boolean;
  /** metadata.deletionTimestamp is set. */
  readonly terminating: boolean;
  /** status.phase is Succeeded or Failed: the pod is done and no Service sends to it. */
  readonly finished: boolean;
  readonly ports: readonly ContainerPort[];
  readonly hostname?: string;
  readonly subdomain?: string;
}

/** An address outside every Kubernetes namespace (a stand-in of the outside world). */
export interface ExternalView {
  readonly name: string;
  readonly ip: string;
  readonly netns: string;
  readonly hostnames: readonly string[];
}

export interface ClusterState {
  readonly pods: readonly PodView[];
  readonly externals: readonly ExternalView[];
  readonly services: readonly KubeObject[];
  readonly endpoints: readonly KubeObject[];
  readonly policies: readonly KubeObject[];
  /** Labels of every namespace that has a Namespace object or a pod. */
  readonly namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** Where the network put a pod: the store's Pod plus the namespace and address handed out. */
export interface PodAttachment {
  readonly pod: KubeObject;
  readonly ip: string;
  readonly netns: string;
}

/** Labels of a namespace as the API server keeps them: `kubernetes.io/metadata.name` is always set. */
export function namespaceLabelsOf(name: string, object?: KubeObject): Record<string, string> {
  return { ...(object?.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name };
}

export function containerPortsOf(pod: KubeObject): ContainerPort[] {
  const out: ContainerPort[] = [];
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    for (const p of c.ports ?? []) out.push({ name: p.name, containerPort: Number(p.containerPort), protocol: p.protocol ?? 'TCP' });
  }
  return out;
}

export function podView(attachment: PodAttachment): PodView {
  const { pod, ip, netns } = attachment;
  const conditions: any[] = pod.status?.conditions ?? [];
  const phase = pod.status?.phase;
  return {
    namespace: pod.metadata.namespace ?? 'default',
    name: pod.metadata.name,
    ip,
    netns,
    labels: pod.metadata.labels ?? {},
    ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
    terminating: !!pod.metadata.deletionTimestamp,
    finished: phase === 'Succeeded' || phase === 'Failed',
    ports: containerPortsOf(pod),
    hostname: pod.spec?.hostname,
    subdomain: pod.spec?.subdomain,
  };
}

export interface StateInputs {
  readonly attachments: readonly PodAttachment[];
  readonly externals: readonly ExternalView[];
  readonly services: readonly KubeObject[];
  readonly endpoints: readonly KubeObject[];
  readonly policies: readonly KubeObject[];
  readonly namespaces: readonly KubeObject[];
}

export function clusterState(inputs: StateInputs): ClusterState {
  const pods = inputs.attachments.map(podView).sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  const namespaceLabels = new Map<string, Record<string, string>>();
  for (const ns of inputs.namespaces) namespaceLabels.set(ns.metadata.name, namespaceLabelsOf(ns.metadata.name, ns));
  for (const p of pods) if (!namespaceLabels.has(p.namespace)) namespaceLabels.set(p.namespace, namespaceLabelsOf(p.namespace));
  return {
    pods,
    externals: inputs.externals,
    services: inputs.services,
    endpoints: inputs.endpoints,
    policies: inputs.policies,
    namespaceLabels,
  };
}

export const podKey = (p: { namespace: string; name: string }) => `${p.namespace}/${p.name}`;
