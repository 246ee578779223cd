import type { KubeObject, ObjectStore } from '../store';
import type { NodeNetwork } from './node-network';

// Pods for network tests: a Pod object in the store, attached to the network, with status as the
// kubelet would write it. No containers run; tests start listeners in the pod's namespace.

export interface TestPodSpec {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly ports?: ReadonlyArray<{ name?: string; containerPort: number; protocol?: string }>;
  readonly ready?: boolean;
  readonly hostname?: string;
  readonly subdomain?: string;
}

export function podObject(spec: TestPodSpec): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels },
    spec: {
      hostname: spec.hostname, subdomain: spec.subdomain,
      containers: [{ name: 'main', image: 'test', ports: (spec.ports ?? []).map((p) => ({ protocol: 'TCP', ...p })) }],
    },
  };
}

/** Writes the Ready condition (and the IP) as the kubelet does after a probe result. */
export function setReady(store: ObjectStore, namespace: string, name: string, ready: boolean, ip?: string): void {
  store.update('Pod', namespace, name, (p) => {
    p.status = {
      ...(p.status ?? {}), phase: 'Running', ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}),
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }, { type: 'ContainersReady', status: ready ? 'True' : 'False' }],
    };
  });
}

/** Creates, attaches and (by default) readies a pod; returns its network handle. */
export async function startTestPod(store: ObjectStore, network: NodeNetwork, spec: TestPodSpec): Promise<{ netns: string; ip: string }> {
  store.create(podObject(spec));
  const handle = await network.attachPod(store.get('Pod', spec.namespace, spec.name)!);
  setReady(store, spec.namespace, spec.name, spec.ready ?? true, handle.ip);
  return handle;
}

export function ensureNamespace(store: ObjectStore, name: string, labels: Record<string, string> = {}): void {
  if (!store.get('Namespace', undefined, name)) {
    store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...labels, 'kubernetes.io/metadata.name': name } } });
  }
}
