import { selectorMatches, type KubeObject } from '../store';
import { podKey, type ClusterState, type PodView } from './cluster-state';

// What the endpoints controller and kube-proxy derive from a Service: which pods back it, on
// which port each, and whether it gets a virtual IP at all.

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface Backend {
  readonly ip: string;
  readonly port: number;
  /** "namespace/name" of the pod, when the backend is a pod. */
  readonly pod?: string;
}

export interface ServicePortView {
  readonly name?: string;
  readonly port: number;
  readonly protocol: string;
  /** Ready backends (all selected pods with publishNotReadyAddresses). */
  readonly backends: readonly Backend[];
}

export interface ServiceView {
  readonly namespace: string;
  readonly name: string;
  /** undefined for a headless Service. */
  readonly clusterIp?: string;
  readonly ports: readonly ServicePortView[];
  /** Addresses the Service's DNS name returns when headless, with each pod's hostname when it has one under this Service. */
  readonly addresses: ReadonlyArray<{ readonly ip: string; readonly pod?: string; readonly hostname?: string }>;
}

/**
 * A pod's port for a Service port's `targetPort`: a number stands for itself, a name is looked
 * up among the pod's container ports of the same protocol (undefined when the pod has none: the
 * pod is then no backend for that port, as the endpoints controller does).
 */
export function resolveTargetPort(pod: PodView, targetPort: number | string | undefined, servicePort: number, protocol: string): number | undefined {
  if (targetPort === undefined || targetPort === '') return servicePort;
  if (typeof targetPort === 'number' || /^\d+$/.test(targetPort)) return Number(targetPort);
  return pod.ports.find((p) => p.name === targetPort && p.protocol === protocol)?.containerPort;
}

/** Does this pod receive the Service's traffic? Ready and not terminating, or any pod with publishNotReadyAddresses. */
export function isServiceBackend(pod: PodView, publishNotReadyAddresses: boolean): boolean {
  if (pod.finished) return false;
  return publishNotReadyAddresses || (pod.ready && !pod.terminating);
}

function selectedPods(service: KubeObject, state: ClusterState): PodView[] {
  const namespace = service.metadata.namespace ?? 'default';
  const selector: Record<string, string> = service.spec.selector;
  return state.pods.filter((p) => p.namespace === namespace && selectorMatches(selector, p.labels));
}

function fromSelector(service: KubeObject, state: ClusterState, clusterIp: string | undefined): ServiceView {
  const publish = service.spec.publishNotReadyAddresses === true;
  const pods = selectedPods(service, state).filter((p) => isServiceBackend(p, publish));
  const specPorts: any[] = service.spec.ports ?? [];
  const ports: ServicePortView[] = specPorts.map((sp) => {
    const protocol = sp.protocol ?? 'TCP';
    const backends: Backend[] = [];
    for (const pod of pods) {
      const port = resolveTargetPort(pod, sp.targetPort, Number(sp.port), protocol);
      if (port !== undefined) backends.push({ ip: pod.ip, port, pod: podKey(pod) });
    }
    return { name: sp.name, port: Number(sp.port), protocol, backends };
  });
  const withPort = new Set(ports.flatMap((p) => p.backends.map((b) => b.pod)));
  const addresses = pods
    .filter((p) => specPorts.length === 0 || withPort.has(podKey(p)))
    .map((p) => ({ ip: p.ip, pod: podKey(p), hostname: p.hostname && p.subdomain === service.metadata.name ? p.hostname : undefined }));
  return { namespace: service.metadata.namespace ?? 'default', name: service.metadata.name, clusterIp, ports, addresses };
}

/** A Service without a selector: its backends are whatever its Endpoints object of the same name lists. */
function fromEndpoints(service: KubeObject, endpoints: KubeObject | undefined, clusterIp: string | undefined): ServiceView {
  const specPorts: any[] = service.spec.ports ?? [];
  const subsets: any[] = endpoints?.subsets ?? [];
  const ports: ServicePortView[] = specPorts.map((sp) => {
    const protocol = sp.protocol ?? 'TCP';
    const backends: Backend[] = [];
    for (const subset of subsets) {
      const match = (subset.ports ?? []).find((ep: any) => (ep.name ?? '') === (sp.name ?? '') && (ep.protocol ?? 'TCP') === protocol);
      if (!match) continue;
      for (const address of subset.addresses ?? []) backends.push({ ip: address.ip, port: Number(match.port) });
    }
    return { name: sp.name, port: Number(sp.port), protocol, backends };
  });
  const ips = [...new Set(subsets.flatMap((s) => (s.addresses ?? []).map((a: any) => a.ip as string)))];
  return { namespace: service.metadata.namespace ?? 'default', name: service.metadata.name, clusterIp, ports, addresses: ips.map((ip) => ({ ip })) };
}

/** Every Service of the state with its backends; `clusterIpOf` assigns virtual IPs. */
export function serviceViews(state: ClusterState, clusterIpOf: (service: KubeObject) => string | undefined): ServiceView[] {
  const endpointsByKey = new Map(state.endpoints.map((e) => [`${e.metadata.namespace ?? 'default'}/${e.metadata.name}`, e]));
  return state.services
    .filter((s) => (s.spec?.type ?? 'ClusterIP') !== 'ExternalName')
    .map((s) => {
      const clusterIp = clusterIpOf(s);
      return s.spec?.selector && Object.keys(s.spec.selector).length > 0
        ? fromSelector(s, state, clusterIp)
        : fromEndpoints(s, endpointsByKey.get(`${s.metadata.namespace ?? 'default'}/${s.metadata.name}`), clusterIp);
    });
}
