import { allowedGraph, connectionAllowed, Endpoint, inCidr } from '../../lib/policy/network-graph';
import { podsOf } from '../../lib/policy/pods';
import type { KubeObject } from '../../lib/policy';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';
import { buildObjects, find } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** One endpoint per workload (its pod template), plus the peers outside the namespace. */
function endpointsOf(objects: readonly KubeObject[]): Endpoint[] {
  const pods: Endpoint[] = podsOf(objects).map((p) => ({ name: p.owner.metadata.name.replace(/^superset-migrate-.*/, 'superset-migrate'), labels: p.labels, namespace: p.owner.metadata.namespace }));
  return [
    ...pods,
    { name: 'ingress-controller', namespace: 'nginx-ingress', labels: { 'app.kubernetes.io/name': 'nginx-ingress' } },
    { name: 'prometheus', namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } },
    { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
    { name: 'other-namespace-pod', namespace: 'default', labels: { 'app.kubernetes.io/name': 'superset', 'app.kubernetes.io/instance': 'superset', 'app.kubernetes.io/component': 'web' } },
    { name: 'warehouse', ip: '10.20.0.5' },
    { name: 'internet', ip: '203.0.113.9' },
  ];
}

const PODS = ['superset-web', 'superset-worker-interactive', 'superset-worker-reports', 'superset-beat', 'superset-migrate', 'pgbouncer', 'postgres', 'redis-cache', 'redis-queue', 'pg-backup', 'pg-restore-check', 'dashboard-export'];
/** The ops CronJobs reach object storage (default: anywhere on 443) and the Git server (anywhere on 22). */
const opsExternalFlows = ['internet', 'warehouse'].flatMap((host) => [
  `pg-backup -> ${host}:443/TCP`, `pg-restore-check -> ${host}:443/TCP`, `dashboard-export -> ${host}:22/TCP`,
]);
const dnsFlows = PODS.flatMap((p) => [`${p} -> kube-dns:53/TCP`, `${p} -> kube-dns:53/UDP`]);
/** Patroni reaches the API server; unknown per cluster, the default is anywhere on 443 and 6443. */
const kubernetesApiFlows = ['internet', 'warehouse'].flatMap((host) => [`postgres -> ${host}:443/TCP`, `postgres -> ${host}:6443/TCP`]);
/** The metadata database: Superset through PgBouncer, migrations and backups straight to Postgres. */
const databaseFlows = [
  'superset-web -> pgbouncer:6432/TCP',
  'superset-worker-interactive -> pgbouncer:6432/TCP',
  'superset-worker-reports -> pgbouncer:6432/TCP',
  'superset-beat -> pgbouncer:6432/TCP',
  'dashboard-export -> pgbouncer:6432/TCP',
  'pgbouncer -> postgres:5432/TCP',
  'superset-migrate -> postgres:5432/TCP',
  'pg-backup -> postgres:5432/TCP',
];
/** Caches on redis-cache; Celery and the rest on redis-queue, whose clients first ask a Sentinel (26379). */
const redisFlows = ['superset-web', 'superset-worker-interactive', 'superset-worker-reports', 'superset-beat', 'superset-migrate', 'dashboard-export'].flatMap((p) => [
  `${p} -> redis-cache:6379/TCP`, `${p} -> redis-queue:6379/TCP`, `${p} -> redis-queue:26379/TCP`,
]);

describe('NetworkPolicies: the allowed-flow graph equals the intended graph', () => {
  test('prod: ingress controller -> web, DNS for everyone, ops to object storage and Git, nothing else among the pods that exist', () => {
    const objects = buildObjects({}, 'prod');
    expect(allowedGraph(objects, endpointsOf(objects))).toEqual([
      'ingress-controller -> superset-web:8088/TCP',
      ...databaseFlows,
      ...redisFlows,
      ...dnsFlows,
      ...opsExternalFlows,
      ...kubernetesApiFlows,
    ].sort());
  });

  test('with a data source: web and workers (not beat or migrate) may reach it, on its port only', () => {
    const objects = buildObjects({ network: { dataSources: [{ cidr: '10.20.0.0/16', ports: [5432, 8123] }] } } as EnvironmentOverrides, 'prod');
    const graph = allowedGraph(objects, endpointsOf(objects));
    const warehouse = graph.filter((e) => e.includes('warehouse') && !opsExternalFlows.includes(e) && !kubernetesApiFlows.includes(e));
    expect(warehouse).toEqual(['superset-web', 'superset-worker-interactive', 'superset-worker-reports'].flatMap((p) => [`${p} -> warehouse:5432/TCP`, `${p} -> warehouse:8123/TCP`]).sort());
    expect(graph.some((e) => e.includes('internet') && !opsExternalFlows.includes(e) && !kubernetesApiFlows.includes(e))).toBe(false);
  });
});

describe('NetworkPolicies: alerts and reports', () => {
  test('with a delivery channel: the reports workers (only they) reach the web Service, and the relay, besides the prod graph', () => {
    const mail = { name: 'mail', purpose: 'smtp', cidr: '10.20.0.5/32', ports: [587], from: ['worker-reports'] };
    const objects = buildObjects({ superset: { reports: { smtp: { enabled: true, host: 'smtp.acme.io', user: '', mailFrom: 'superset@acme.io' } } }, network: { egress: [mail] } } as EnvironmentOverrides, 'prod');
    const base = allowedGraph(buildObjects({}, 'prod'), endpointsOf(buildObjects({}, 'prod')));
    const added = allowedGraph(objects, endpointsOf(objects)).filter((e) => !base.includes(e));
    expect(added).toEqual(['superset-worker-reports -> superset-web:8088/TCP', 'superset-worker-reports -> warehouse:587/TCP']);
  });

  test('thumbnails without delivery: the screenshot workers reach the web Service, nothing else is added', () => {
    const objects = buildObjects({ superset: { thumbnails: { enabled: true } } } as EnvironmentOverrides, 'prod');
    const base = allowedGraph(buildObjects({}, 'prod'), endpointsOf(buildObjects({}, 'prod')));
    expect(allowedGraph(objects, endpointsOf(objects)).filter((e) => !base.includes(e))).toEqual(['superset-worker-reports -> superset-web:8088/TCP']);
  });
});

describe('NetworkPolicies: DNS servers (network.dns)', () => {
  const dnsEdges = (objects: readonly KubeObject[], extra: Endpoint[]) =>
    allowedGraph(objects, [...endpointsOf(objects), ...extra]).filter((e) => /:53\/(UDP|TCP)$/.test(e));
  // NodeLocal DNSCache: hostNetwork pods listening on a link-local address on every node.
  const nodeLocal: Endpoint = { name: 'node-local-dns', ip: '169.254.20.10' };

  test('defaults: every pod may query CoreDNS and NodeLocal DNSCache (169.254.20.10), on 53 only', () => {
    const objects = buildObjects({}, 'prod');
    expect(dnsEdges(objects, [nodeLocal])).toEqual([...dnsFlows, ...PODS.flatMap((p) => [`${p} -> node-local-dns:53/TCP`, `${p} -> node-local-dns:53/UDP`])].sort());
    const edges = allowedGraph(objects, [...endpointsOf(objects), nodeLocal]).filter((e) => e.includes('node-local-dns'));
    // Only the 0.0.0.0/0 defaults of kubernetesApi, objectStorage and Git match it besides DNS.
    expect(edges.filter((e) => !/:(53|443|6443|22)\//.test(e))).toEqual([]);
  });

  test('custom: other DNS pods and addresses (e.g. the kube-dns Service IP that NodeLocal DNSCache intercepts); no other DNS server', () => {
    const objects = buildObjects({ network: { dns: { pods: [{ namespace: 'dns-system', podLabels: { app: 'unbound' } }], ipBlocks: ['10.96.0.10/32'] } } } as EnvironmentOverrides, 'prod');
    const unbound: Endpoint = { name: 'unbound', namespace: 'dns-system', labels: { app: 'unbound' } };
    const serviceIp: Endpoint = { name: 'kube-dns-service-ip', ip: '10.96.0.10' };
    const edges = dnsEdges(objects, [nodeLocal, unbound, serviceIp]);
    expect(edges).toEqual(PODS.flatMap((p) => ['kube-dns-service-ip', 'unbound'].flatMap((d) => [`${p} -> ${d}:53/TCP`, `${p} -> ${d}:53/UDP`])).sort());
    expect(find(objects, 'NetworkPolicy', 'allow-dns').spec.egress).toEqual([{
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns-system' } }, podSelector: { matchLabels: { app: 'unbound' } } }, { ipBlock: { cidr: '10.96.0.10/32' } }],
      ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
    }]);
  });

  test('no DNS server at all is a clear error', () => {
    expect(() => buildObjects({ network: { dns: { pods: [], ipBlocks: [] } } } as EnvironmentOverrides, 'prod')).toThrow(/network\.dns[\s\S]*must list at least one DNS server/);
    expect(() => buildObjects({ network: { dns: { pods: [], ipBlocks: ['169.254.20.10'] } } } as EnvironmentOverrides, 'prod')).toThrow(/network\.dns\.ipBlocks\.0 = "169\.254\.20\.10"[\s\S]*must be a CIDR/);
  });
});

describe('NetworkPolicies: objects', () => {
  const objects = buildObjects({}, 'prod');

  test('default deny for ingress and egress of every pod', () => {
    const deny = find(objects, 'NetworkPolicy', 'default-deny');
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  test('the data tier already has its policies, keyed on the names it will use', () => {
    const pgbouncer = find(objects, 'NetworkPolicy', 'pgbouncer');
    expect(pgbouncer.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'pgbouncer', 'app.kubernetes.io/instance': 'superset' });
    expect(pgbouncer.spec.ingress.map((r: any) => r.from[0].podSelector.matchLabels['app.kubernetes.io/component'])).toEqual(['web', 'worker-interactive', 'worker-reports', 'beat', 'dashboard-export']);
    expect(pgbouncer.spec.ingress[0].ports).toEqual([{ port: 6432, protocol: 'TCP' }]);
  });
});

describe('NetworkPolicy evaluator', () => {
  const policy = (spec: any): KubeObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'n' }, spec } as KubeObject);
  const a: Endpoint = { name: 'a', namespace: 'n', labels: { app: 'a' } };
  const b: Endpoint = { name: 'b', namespace: 'n', labels: { app: 'b' } };

  test('no policy: everything allowed; a deny-all isolates both directions', () => {
    expect(connectionAllowed([], a, b, 80)).toBe(true);
    expect(connectionAllowed([policy({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] })], a, b, 80)).toBe(false);
  });

  test('both the egress of the source and the ingress of the destination must allow', () => {
    const egress = policy({ podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'b' } } }], ports: [{ port: 80, protocol: 'TCP' }] }] });
    const denyIngress = policy({ podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'] });
    expect(connectionAllowed([egress], a, b, 80)).toBe(true);
    expect(connectionAllowed([egress], a, b, 81)).toBe(false);
    expect(connectionAllowed([egress, denyIngress], a, b, 80)).toBe(false);
  });

  test('a podSelector alone only matches pods of the policy\'s namespace', () => {
    const ingress = policy({ podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } } }] }] });
    expect(connectionAllowed([ingress], a, b, 80)).toBe(true);
    expect(connectionAllowed([ingress], { ...a, namespace: 'other' }, b, 80)).toBe(false);
  });

  test.each([['10.20.0.5', '10.20.0.0/16', true], ['10.21.0.5', '10.20.0.0/16', false], ['1.2.3.4', '0.0.0.0/0', true], ['192.168.1.1', '192.168.1.1/32', true]])('%s in %s: %s', (ip, cidr, inside) => {
    expect(inCidr(ip, cidr)).toBe(inside);
  });
});
