import { selectorMatches, type KubeObject } from '../store';
import { podKey, type ClusterState, type PodView } from './cluster-state';
import { inCidr } from './ipv4';

// NetworkPolicies compiled for one pod, per the networking.k8s.io/v1 API: which directions are
// isolated, and for each allow rule the concrete peers (pod IPs, CIDRs) and ports. The nftables
// ruleset is rendered from this, and `decide` evaluates it to explain a blocked connection.

/* eslint-disable @typescript-eslint/no-explicit-any */

export type Direction = 'Ingress' | 'Egress';

/** A port range of one protocol; no port = every port of the protocol. */
export interface PortMatch {
  readonly protocol: string;
  readonly port?: number;
  readonly endPort?: number;
}

export type Peer =
  | { readonly kind: 'any' }
  | { readonly kind: 'pods'; readonly ips: readonly string[]; readonly pods: readonly string[] }
  | { readonly kind: 'cidr'; readonly cidr: string; readonly except: readonly string[] };

/** Traffic from/to `peer` on `ports` (undefined = all traffic). */
export interface Clause {
  readonly peer: Peer;
  readonly ports?: readonly PortMatch[];
}

export interface CompiledRule {
  /** The NetworkPolicy's name (its namespace is the pod's). */
  readonly policy: string;
  /** Index in spec.ingress / spec.egress. */
  readonly index: number;
  readonly clauses: readonly Clause[];
}

export interface DirectionPolicy {
  /** Names of the policies that select the pod and list this direction. */
  readonly isolatedBy: readonly string[];
  readonly rules: readonly CompiledRule[];
}

export interface PodPolicy {
  readonly pod: string;
  /** undefined: the pod is not isolated for ingress (everything may connect to it). */
  readonly ingress?: DirectionPolicy;
  /** undefined: the pod is not isolated for egress. */
  readonly egress?: DirectionPolicy;
  /** Named ports of the policies that no pod could resolve (for the report). */
  readonly unresolvedNamedPorts: readonly string[];
}

/** spec.policyTypes with the API server's defaulting: Ingress, plus Egress when egress rules exist. */
export function effectivePolicyTypes(policy: KubeObject): Direction[] {
  const declared: Direction[] | undefined = policy.spec?.policyTypes;
  if (declared && declared.length > 0) return declared;
  return (policy.spec?.egress ?? []).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

const isNamedPort = (port: unknown): port is string => typeof port === 'string' && !/^\d+$/.test(port);

function peerPods(peer: any, policyNamespace: string, state: ClusterState): PodView[] {
  return state.pods.filter((p) => {
    if (peer.namespaceSelector) {
      if (!selectorMatches(peer.namespaceSelector, state.namespaceLabels.get(p.namespace))) return false;
    } else if (p.namespace !== policyNamespace) return false;
    return selectorMatches(peer.podSelector, p.labels);
  });
}

function compilePeer(peer: any, policyNamespace: string, state: ClusterState): Peer {
  if (peer.ipBlock) return { kind: 'cidr', cidr: peer.ipBlock.cidr, except: peer.ipBlock.except ?? [] };
  const pods = peerPods(peer, policyNamespace, state);
  return { kind: 'pods', ips: pods.map((p) => p.ip), pods: pods.map(podKey) };
}

function numericPort(p: any): PortMatch {
  return { protocol: p.protocol ?? 'TCP', port: p.port === undefined ? undefined : Number(p.port), endPort: p.endPort === undefined ? undefined : Number(p.endPort) };
}

/** A named port of the pod (the destination of the traffic), by name and protocol. */
const resolveNamed = (pod: PodView, name: string, protocol: string) => pod.ports.find((c) => c.name === name && c.protocol === protocol)?.containerPort;

function compileRule(policy: KubeObject, index: number, rule: any, direction: Direction, self: PodView, state: ClusterState, unresolved: Set<string>): CompiledRule {
  const namespace = policy.metadata.namespace ?? 'default';
  const peersSpec: any[] | undefined = direction === 'Ingress' ? rule.from : rule.to;
  const peers: Peer[] = peersSpec && peersSpec.length > 0 ? peersSpec.map((p) => compilePeer(p, namespace, state)) : [{ kind: 'any' }];
  const portsSpec: any[] | undefined = rule.ports && rule.ports.length > 0 ? rule.ports : undefined;
  const clauses: Clause[] = [];
  if (!portsSpec) {
    for (const peer of peers) clauses.push({ peer });
    return { policy: policy.metadata.name, index, clauses };
  }
  const numeric = portsSpec.filter((p) => !isNamedPort(p.port)).map(numericPort);
  const named = portsSpec.filter((p) => isNamedPort(p.port));
  if (numeric.length > 0) for (const peer of peers) clauses.push({ peer, ports: numeric });
  for (const p of named) {
    const protocol = p.protocol ?? 'TCP';
    if (direction === 'Ingress') {
      // Ingress: the named port is the protected pod's own.
      const port = resolveNamed(self, p.port, protocol);
      if (port === undefined) unresolved.add(`${policy.metadata.name}: port "${p.port}"/${protocol} is not a container port of ${podKey(self)}`);
      else for (const peer of peers) clauses.push({ peer, ports: [{ protocol, port }] });
      continue;
    }
    // Egress: resolved on each destination pod; an ipBlock peer matches only pods' named ports.
    for (const peer of peers) {
      const candidates = peer.kind === 'pods'
        ? state.pods.filter((d) => peer.ips.includes(d.ip))
        : state.pods.filter((d) => peer.kind === 'any' || (inCidr(d.ip, peer.cidr) && !peer.except.some((c) => inCidr(d.ip, c))));
      let resolvedAny = false;
      for (const d of candidates) {
        const port = resolveNamed(d, p.port, protocol);
        if (port === undefined) continue;
        resolvedAny = true;
        clauses.push({ peer: { kind: 'pods', ips: [d.ip], pods: [podKey(d)] }, ports: [{ protocol, port }] });
      }
      if (!resolvedAny) unresolved.add(`${policy.metadata.name}: no destination pod has a container port named "${p.port}"/${protocol}`);
    }
  }
  return { policy: policy.metadata.name, index, clauses };
}

/** The policies of the pod's namespace that select it, compiled against the state. */
export function compilePodPolicy(self: PodView, state: ClusterState): PodPolicy {
  const selecting = state.policies.filter((p) => (p.metadata.namespace ?? 'default') === self.namespace && selectorMatches(p.spec?.podSelector, self.labels));
  const unresolved = new Set<string>();
  const direction = (d: Direction): DirectionPolicy | undefined => {
    const isolating = selecting.filter((p) => effectivePolicyTypes(p).includes(d));
    if (isolating.length === 0) return undefined;
    const key = d === 'Ingress' ? 'ingress' : 'egress';
    const rules = isolating.flatMap((p) => ((p.spec?.[key] ?? []) as any[]).map((r, i) => compileRule(p, i, r, d, self, state, unresolved)));
    return { isolatedBy: isolating.map((p) => p.metadata.name), rules };
  };
  return { pod: podKey(self), ingress: direction('Ingress'), egress: direction('Egress'), unresolvedNamedPorts: [...unresolved].sort() };
}

export function peerMatchesIp(peer: Peer, ip: string): boolean {
  switch (peer.kind) {
    case 'any': return true;
    case 'pods': return peer.ips.includes(ip);
    case 'cidr': return inCidr(ip, peer.cidr) && !peer.except.some((c) => inCidr(ip, c));
  }
}

export function portsMatch(ports: readonly PortMatch[] | undefined, port: number, protocol: string): boolean {
  if (!ports) return true;
  return ports.some((p) => p.protocol === protocol && (p.port === undefined || (port >= p.port && port <= (p.endPort ?? p.port))));
}

/**
 * The rule that lets traffic through in one direction: `{ allowed: true, by }` naming the rule,
 * `{ allowed: true }` when the pod is not isolated, or `{ allowed: false, isolatedBy }`.
 */
export function decide(policy: PodPolicy, direction: Direction, peerIp: string, port: number, protocol: string):
  { allowed: true; by?: string } | { allowed: false; isolatedBy: readonly string[] } {
  const d = direction === 'Ingress' ? policy.ingress : policy.egress;
  if (!d) return { allowed: true };
  for (const rule of d.rules) {
    if (rule.clauses.some((c) => peerMatchesIp(c.peer, peerIp) && portsMatch(c.ports, port, protocol))) {
      return { allowed: true, by: `NetworkPolicy ${rule.policy} ${direction === 'Ingress' ? 'ingress' : 'egress'}[${rule.index}]` };
    }
  }
  return { allowed: false, isolatedBy: d.isolatedBy };
}
