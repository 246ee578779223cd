// The connections between workloads, as data: every component lists the flows it needs, and the
// NetworkPolicies (edge/network-policies.ts) allow exactly those on top of a default deny.

/** A workload of the namespace, by the labels its pods carry. */
export interface Component {
  readonly name: string;
  readonly selector: Readonly<Record<string, string>>;
}

/** One end of a flow: a component, pods of another namespace, or an address range. */
export type Peer =
  | { readonly kind: 'component'; readonly component: Component }
  | { readonly kind: 'namespace'; readonly name: string; readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> }
  | { readonly kind: 'cidr'; readonly name: string; readonly cidr: string };

/** A connection the platform needs: from, to, on which ports, and why. */
export interface Flow {
  readonly from: Peer;
  readonly to: Peer;
  readonly ports: readonly number[];
  readonly protocol: 'TCP' | 'UDP';
  readonly why: string;
}

export const component = (c: Component): Peer => ({ kind: 'component', component: c });

/** A TCP flow. */
export const tcp = (from: Peer, to: Peer, ports: readonly number[], why: string): Flow => ({ from, to, ports, protocol: 'TCP', why });

/** Components of the data tier, by the labels their manifests give their pods. */
export function dataComponent(instance: string, name: string): Component {
  return { name, selector: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': instance } };
}

/** An egress endpoint declared once in `network.egress` (edge/schema.ts), as the flows need it. */
export interface EgressEndpointRef {
  readonly name: string;
  readonly purpose: string;
  readonly cidr: string;
  readonly ports: readonly number[];
  readonly from: readonly string[];
}

/** The flows from `c` to every endpoint whose `from` names one of `sources` (e.g. "workers", "worker-reports"). */
export function egressEndpointFlows(endpoints: readonly EgressEndpointRef[], sources: readonly string[], c: Component): Flow[] {
  return endpoints
    .filter((e) => e.from.some((f) => sources.includes(f)))
    .map((e) => tcp(component(c), { kind: 'cidr', name: `egress-${e.name}`, cidr: e.cidr }, e.ports, `${e.purpose} "${e.name}", declared in network.egress`));
}

/** The connections a component's extra containers make (`<component>.pod.egress`), to address ranges. */
export function podEgressFlows(from: Component, egress: ReadonlyArray<{ readonly cidr: string; readonly ports: readonly number[] }> | undefined): Flow[] {
  return (egress ?? []).map((e, i) => tcp(component(from), { kind: 'cidr', name: `${from.name}-egress-${i + 1}`, cidr: e.cidr }, e.ports, 'declared in pod.egress for an extra container (sidecar or init container)'));
}
