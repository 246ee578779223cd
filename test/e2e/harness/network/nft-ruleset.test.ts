import { pod, policy, service, stateOf } from './fixtures';
import { renderRuleset } from './nft-ruleset';
import { compilePodPolicy } from './pod-policy';
import { serviceViews } from './service-endpoints';

describe('nftables ruleset of a pod', () => {
  const state = stateOf([
    [pod('x', 'web', { app: 'web' }, { ports: [{ name: 'http', containerPort: 8088 }] }), '10.244.1.1'],
    [pod('x', 'web2', { app: 'web' }, { ports: [{ name: 'http', containerPort: 8089 }] }), '10.244.1.2'],
    [pod('x', 'client', { app: 'client' }), '10.244.1.3'],
  ], {
    services: [
      service('x', 'web', { clusterIP: '10.96.5.5', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }),
      service('x', 'one', { clusterIP: '10.96.5.6', selector: { app: 'client' }, ports: [{ port: 9000, protocol: 'UDP' }] }),
      service('x', 'none', { clusterIP: '10.96.5.7', selector: { app: 'nobody' }, ports: [{ port: 80 }] }),
    ],
    policies: [policy('x', 'web', {
      podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }, { ipBlock: { cidr: '172.31.0.0/24', except: ['172.31.0.9/32'] } }], ports: [{ port: 'http' }, { protocol: 'UDP', port: 5000, endPort: 5010 }] }],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'ghost' } } }] }],
    })],
  });
  const views = serviceViews(state, (s) => s.spec.clusterIP);
  const byName = (name: string) => state.pods.find((p) => p.name === name)!;
  const text = renderRuleset({ policy: compilePodPolicy(byName('web'), state), services: views, nodeIp: '10.244.0.1' });

  test('Services: DNAT to a random ready backend on its own target port, a single backend directly, reject without backends', () => {
    expect(text).toContain('ip daddr 10.96.5.5 tcp dport 80 dnat to numgen random mod 2 map { 0 : 10.244.1.1 . 8088, 1 : 10.244.1.2 . 8089 } comment "Service x/web:http"');
    expect(text).toContain('ip daddr 10.96.5.6 udp dport 9000 dnat to 10.244.1.3:9000 comment "Service x/one"');
    expect(text).toContain('ip daddr 10.96.5.7 tcp dport 80 reject comment "Service x/none"');
  });

  test('ingress: always loopback, replies and the node; each peer with its ports; the rest dropped and recorded', () => {
    const input = text.slice(text.lastIndexOf('chain input {'), text.lastIndexOf('chain output {'));
    expect(input.split('\n').map((l) => l.trim()).filter(Boolean)).toEqual([
      'chain input {',
      'iif lo accept',
      'ct state established,related accept',
      'ip saddr 10.244.0.1 accept comment "kubelet probes from the node"',
      'meta nfproto ipv6 drop comment "IPv4-only cluster"',
      'ip saddr { 10.244.1.3 } meta l4proto udp th dport { 5000-5010 } accept comment "NetworkPolicy web ingress[0]"',
      'ip saddr 172.31.0.0/24 ip saddr != { 172.31.0.9/32 } meta l4proto udp th dport { 5000-5010 } accept comment "NetworkPolicy web ingress[0]"',
      'ip saddr { 10.244.1.3 } meta l4proto tcp th dport { 8088 } accept comment "NetworkPolicy web ingress[0]"',
      'ip saddr 172.31.0.0/24 ip saddr != { 172.31.0.9/32 } meta l4proto tcp th dport { 8088 } accept comment "NetworkPolicy web ingress[0]"',
      'update @denied_in { ip saddr . meta l4proto . th dport } drop comment "isolated for ingress by web"',
      '}',
    ]);
  });

  test('egress whose peer matches no pod allows nothing (a comment says so)', () => {
    expect(text).toContain('# NetworkPolicy web egress[0]: no pod matches this peer now');
    expect(text).toContain('update @denied_out { ip daddr . meta l4proto . th dport } drop comment "isolated for egress by web"');
  });

  test('an unisolated pod and the node get Service translation only', () => {
    const client = renderRuleset({ policy: compilePodPolicy(byName('client'), state), services: views, nodeIp: '10.244.0.1' });
    expect(client).toMatch(/chain input \{\n {2}\}/);
    expect(renderRuleset({ services: views, nodeIp: '10.244.0.1' })).not.toContain('sk8s_policy');
  });

  test('every chain is flushed and refilled in the same transaction, keeping the denied sets', () => {
    expect(text).toContain('flush chain ip sk8s_svc output\nflush chain ip sk8s_svc no_endpoints');
    expect(text).toContain('flush chain inet sk8s_policy input\nflush chain inet sk8s_policy output');
    expect(text).not.toContain('flush ruleset');
  });
});
