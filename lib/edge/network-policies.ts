import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import type { Environment } from '../config/load';
import { recommendedLabels } from '../workload/labels';
import type { Component, Flow, Peer } from '../workload/flow';

export interface NetworkPoliciesProps {
  readonly env: Environment;
  /** The flows to allow; everything else is denied. */
  readonly flows: readonly Flow[];
}

function peerOf(peer: Peer): k8s.NetworkPolicyPeer {
  switch (peer.kind) {
    case 'component':
      return { podSelector: { matchLabels: { ...peer.component.selector } } };
    case 'namespace':
      return {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': peer.namespace } },
        podSelector: { matchLabels: { ...peer.podLabels } },
      };
    case 'cidr':
      return { ipBlock: { cidr: peer.cidr } };
  }
}

const portsOf = (f: Flow): k8s.NetworkPolicyPort[] => f.ports.map((port) => ({ port: k8s.IntOrString.fromNumber(port), protocol: f.protocol }));

/**
 * Default deny for every pod of the namespace (ingress and egress), then one policy per component
 * that lists what may reach it and what it may reach, from the platform's flows. Every pod may
 * query the DNS servers of `network.dns` (pods and addresses, e.g. NodeLocal DNSCache's).
 */
export class NetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, props: NetworkPoliciesProps) {
    super(scope, id);
    const { env, flows } = props;
    const meta = (name: string) => ({
      name,
      namespace: env.namespace,
      labels: recommendedLabels({ name: 'superset-platform', instance: env.config.instance, component: 'network-policy' }),
    });
    const dns = env.config.network.dns;

    new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: meta('default-deny'),
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    new k8s.KubeNetworkPolicy(this, 'Dns', {
      metadata: meta('allow-dns'),
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{
          to: [
            ...dns.pods.map((pods, i) => peerOf({ kind: 'namespace', name: `dns-${i + 1}`, ...pods })),
            ...dns.ipBlocks.map((cidr, i) => peerOf({ kind: 'cidr', name: `dns-address-${i + 1}`, cidr })),
          ],
          ports: [53].flatMap((port) => (['UDP', 'TCP'] as const).map((protocol) => ({ port: k8s.IntOrString.fromNumber(port), protocol }))),
        }],
      },
    });

    const components = new Map<string, Component>();
    for (const f of flows) for (const p of [f.from, f.to]) if (p.kind === 'component') components.set(p.component.name, p.component);
    for (const c of [...components.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      const isC = (p: Peer) => p.kind === 'component' && p.component.name === c.name;
      const ingress = flows.filter((f) => isC(f.to)).map((f) => ({ from: [peerOf(f.from)], ports: portsOf(f) }));
      const egress = flows.filter((f) => isC(f.from)).map((f) => ({ to: [peerOf(f.to)], ports: portsOf(f) }));
      new k8s.KubeNetworkPolicy(this, c.name, {
        metadata: meta(c.name),
        spec: {
          podSelector: { matchLabels: { ...c.selector } },
          policyTypes: ['Ingress', 'Egress'],
          ingress: ingress.length ? ingress : undefined,
          egress: egress.length ? egress : undefined,
        },
      });
    }
  }
}
