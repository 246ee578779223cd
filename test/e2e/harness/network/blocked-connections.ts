import type { ClusterState } from './cluster-state';
import { compilePodPolicy, decide } from './pod-policy';
import { DENIED_IN, DENIED_OUT } from './nft-ruleset';

// Turns the denied_in / denied_out sets of a pod's ruleset (what its policies dropped) into
// sentences a failing scenario can print.

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface DeniedEntry {
  readonly set: typeof DENIED_IN | typeof DENIED_OUT;
  readonly peerIp: string;
  readonly protocol: string;
  readonly port: number;
  readonly packets: number;
}

export interface BlockedConnection {
  /** egress: the pod could not reach the peer; ingress: the peer could not reach the pod. */
  readonly direction: 'egress' | 'ingress';
  readonly pod: string;
  readonly peerIp: string;
  /** "Pod ns/name", "external s3", "node" or "unknown address". */
  readonly peer: string;
  readonly protocol: string;
  readonly port: number;
  readonly packets: number;
  readonly message: string;
}

const PROTOCOLS: Record<string, string> = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP', icmp: 'ICMP', '6': 'TCP', '17': 'UDP', '132': 'SCTP', '1': 'ICMP' };

/** Elements of the two sets in `nft -j list table inet sk8s_policy` output. */
export function parseDeniedSets(json: string): DeniedEntry[] {
  const out: DeniedEntry[] = [];
  for (const item of JSON.parse(json).nftables ?? []) {
    const set = item.set;
    if (!set || (set.name !== DENIED_IN && set.name !== DENIED_OUT)) continue;
    for (const e of set.elem ?? []) {
      const element = e.elem ?? e;
      const [peerIp, protocol, port] = element.val?.concat ?? [];
      out.push({ set: set.name, peerIp: String(peerIp), protocol: PROTOCOLS[String(protocol)] ?? String(protocol).toUpperCase(), port: Number(port), packets: Number(element.counter?.packets ?? 0) });
    }
  }
  return out;
}

/** A human name for an address, from the pods and externals the network ever attached. */
export type AddressNamer = (ip: string) => string;

function policyList(names: readonly string[]): string {
  return names.length === 1 ? `NetworkPolicy ${names[0]}` : `NetworkPolicies ${names.join(', ')}`;
}

/** Sentences for what the pod's rules dropped, explained with the policies as they are now. */
export function explainDenied(podKey: string, entries: readonly DeniedEntry[], state: ClusterState, nameOf: AddressNamer): BlockedConnection[] {
  const self = state.pods.find((p) => `${p.namespace}/${p.name}` === podKey);
  const policy = self && compilePodPolicy(self, state);
  return entries.map((e) => {
    const direction = e.set === DENIED_OUT ? 'egress' as const : 'ingress' as const;
    const peer = nameOf(e.peerIp);
    const verdict = policy && decide(policy, direction === 'egress' ? 'Egress' : 'Ingress', e.peerIp, e.port, e.protocol);
    const why = !verdict ? 'the pod is gone'
      : verdict.allowed ? `allowed now by ${verdict.by ?? 'no isolation'} (the policies or labels changed since)`
        : `no ${direction} rule of ${policyList(verdict.isolatedBy)} allows it`;
    const message = direction === 'egress'
      ? `Pod ${podKey} could not reach ${e.peerIp}:${e.port}/${e.protocol} (${peer}): ${why}`
      : `${peer} (${e.peerIp}) could not connect to Pod ${podKey} on port ${e.port}/${e.protocol}: ${why}`;
    return { direction, pod: podKey, peerIp: e.peerIp, peer, protocol: e.protocol, port: e.port, packets: e.packets, message };
  });
}
