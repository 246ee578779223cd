import { explainDenied, parseDeniedSets } from './blocked-connections';
import { pod, policy, stateOf } from './fixtures';

// `nft -j list table inet sk8s_policy` as nftables 1.0.6 prints it (trimmed to the sets).
const JSON_OUTPUT = JSON.stringify({ nftables: [
  { metainfo: { version: '1.0.6', json_schema_version: 1 } },
  { set: { family: 'inet', name: 'denied_in', table: 'sk8s_policy', type: ['ipv4_addr', 'inet_proto', 'inet_service'], elem: [{ elem: { val: { concat: ['10.244.1.9', 'tcp', 5432] }, counter: { packets: 3, bytes: 180 } } }] } },
  { set: { family: 'inet', name: 'denied_out', table: 'sk8s_policy', type: ['ipv4_addr', 'inet_proto', 'inet_service'], elem: [{ elem: { val: { concat: ['10.244.1.5', 'tcp', 6379] }, counter: { packets: 2, bytes: 120 } } }] } },
  { chain: { family: 'inet', table: 'sk8s_policy', name: 'input' } },
] });

test('denied sets are read and explained with the isolating policies and the peer', () => {
  const entries = parseDeniedSets(JSON_OUTPUT);
  expect(entries).toEqual([
    { set: 'denied_in', peerIp: '10.244.1.9', protocol: 'TCP', port: 5432, packets: 3 },
    { set: 'denied_out', peerIp: '10.244.1.5', protocol: 'TCP', port: 6379, packets: 2 },
  ]);
  const state = stateOf([[pod('p', 'migrate', { app: 'migrate' }), '10.244.1.4']], {
    policies: [policy('p', 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }), policy('p', 'superset-migrate', { podSelector: { matchLabels: { app: 'migrate' } }, policyTypes: ['Egress'], egress: [] })],
  });
  const names: Record<string, string> = { '10.244.1.5': 'Pod p/redis-cache-0', '10.244.1.9': 'Pod p/stranger' };
  expect(explainDenied('p/migrate', entries, state, (ip) => names[ip]).map((b) => b.message)).toEqual([
    'Pod p/stranger (10.244.1.9) could not connect to Pod p/migrate on port 5432/TCP: no ingress rule of NetworkPolicy default-deny allows it',
    'Pod p/migrate could not reach 10.244.1.5:6379/TCP (Pod p/redis-cache-0): no egress rule of NetworkPolicies default-deny, superset-migrate allows it',
  ]);
});
