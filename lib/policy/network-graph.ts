import type { KubeObject } from './rule';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Evaluates NetworkPolicies the way the API defines them, for tests and rules: a pod is isolated
 * for a direction when any policy selecting it lists that direction; a connection is allowed when
 * the source's egress and the destination's ingress both allow it.
 */
export interface Endpoint {
  /** Name used in the graph, e.g. "superset-web" or "ingress-controller". */
  readonly name: string;
  /** Pod labels, for pods; undefined for an address outside the cluster. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Namespace of a pod. */
  readonly namespace?: string;
  /** An IPv4 address, for an endpoint outside the cluster. */
  readonly ip?: string;
}

const matches = (selector: Record<string, string> | undefined, labels: Readonly<Record<string, string>>) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);

function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

export function inCidr(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/');
  const mask = Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0;
  return ((ipToNumber(ip) & mask) >>> 0) === ((ipToNumber(net) & mask) >>> 0);
}

function peerMatches(peer: any, other: Endpoint, policyNamespace: string): boolean {
  if (peer.ipBlock) {
    return other.ip !== undefined && inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c: string) => inCidr(other.ip!, c));
  }
  if (!other.labels) return false;
  if (peer.namespaceSelector) {
    const nsLabels = { 'kubernetes.io/metadata.name': other.namespace ?? '' };
    return matches(peer.namespaceSelector.matchLabels, nsLabels) && matches(peer.podSelector?.matchLabels, other.labels);
  }
  return other.namespace === policyNamespace && matches(peer.podSelector?.matchLabels, other.labels);
}

const portMatches = (ports: any[] | undefined, port: number, protocol: string) =>
  !ports || ports.length === 0 || ports.some((p) => (p.protocol ?? 'TCP') === protocol && (p.port === undefined || Number(p.port) === port));

function allows(policies: any[], self: Endpoint, other: Endpoint, port: number, protocol: string, direction: 'Ingress' | 'Egress'): boolean {
  if (!self.labels) return true; // outside the cluster: not governed by these policies
  const selecting = policies.filter((p) => p.metadata.namespace === self.namespace && matches(p.spec.podSelector?.matchLabels, self.labels!));
  const isolating = selecting.filter((p) => (p.spec.policyTypes ?? ['Ingress']).includes(direction));
  if (isolating.length === 0) return true;
  const key = direction === 'Ingress' ? 'ingress' : 'egress';
  const peers = direction === 'Ingress' ? 'from' : 'to';
  return isolating.some((p) => (p.spec[key] ?? []).some((rule: any) =>
    (!rule[peers] || rule[peers].some((peer: any) => peerMatches(peer, other, p.metadata.namespace))) && portMatches(rule.ports, port, protocol)));
}

/** Which side of a connection the policies allow: the egress of the source, the ingress of the destination. */
export function connectionVerdict(objects: readonly KubeObject[], src: Endpoint, dst: Endpoint, port: number, protocol = 'TCP'): { egress: boolean; ingress: boolean } {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  return { egress: allows(policies, src, dst, port, protocol, 'Egress'), ingress: allows(policies, dst, src, port, protocol, 'Ingress') };
}

/** Is a connection from `src` to `dst` on `port` allowed by the policies among `objects`? */
export function connectionAllowed(objects: readonly KubeObject[], src: Endpoint, dst: Endpoint, port: number, protocol = 'TCP'): boolean {
  const v = connectionVerdict(objects, src, dst, port, protocol);
  return v.egress && v.ingress;
}

/**
 * Every allowed `src -> dst:port/protocol` among the endpoints, for the ports the policies mention.
 * Only connections with at least one end governed (selected by some policy) are listed: traffic
 * between pods of other namespaces is none of these policies' business.
 */
export function allowedGraph(objects: readonly KubeObject[], endpoints: readonly Endpoint[]): string[] {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as any[];
  const governed = (e: Endpoint) => !!e.labels && policies.some((p) => p.metadata.namespace === e.namespace && matches(p.spec.podSelector?.matchLabels, e.labels!));
  const ports = new Set<string>();
  for (const p of policies) for (const r of [...(p.spec.ingress ?? []), ...(p.spec.egress ?? [])]) for (const port of r.ports ?? []) ports.add(`${port.port}/${port.protocol ?? 'TCP'}`);
  const out: string[] = [];
  for (const src of endpoints) {
    for (const dst of endpoints) {
      if (src === dst || (!governed(src) && !governed(dst))) continue;
      for (const pp of [...ports].sort()) {
        const [port, protocol] = pp.split('/');
        if (connectionAllowed(objects, src, dst, Number(port), protocol)) out.push(`${src.name} -> ${dst.name}:${pp}`);
      }
    }
  }
  return out.sort();
}
