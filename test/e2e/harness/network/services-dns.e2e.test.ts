import * as net from 'node:net';
import { ADDRESSES } from '../contracts';
import { ObjectStore } from '../store';
import { connectFrom, listenIn, queryDnsFrom, type Listener } from './netns-probe';
import { NodeNetwork } from './node-network';
import { ensureNamespace, setReady, startTestPod } from './test-pods';

// Services, DNS and NetworkPolicies on real network namespaces and nftables (root, inside the
// node namespace of scripts/e2e.sh): npm run test:e2e -- test/e2e/harness/network

const NS = 'app';
const store = new ObjectStore();
const network = new NodeNetwork({ store, log: (l) => console.log(l) });
const listeners: Listener[] = [];
const figures: string[] = [];

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const t = process.hrtime.bigint();
  const result = await work();
  figures.push(`${label}: ${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(1)} ms`);
  return result;
}

function service(name: string, spec: Record<string, unknown>) {
  store.create({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec });
}

beforeAll(async () => {
  await timed('start (bridge, DNS pod, first sync)', () => network.start());
  ensureNamespace(store, NS);
});

afterAll(async () => {
  for (const l of listeners) await l.stop();
  await network.stop();
  console.log(`network figures:\n  ${figures.join('\n  ')}\n  syncs: ${network.figures.map((f) => `${f.milliseconds.toFixed(0)}ms/${f.applied}`).join(' ')}`);
});

describe('Services as kube-proxy does them', () => {
  let client: { netns: string; ip: string };
  let a: { netns: string; ip: string };
  let b: { netns: string; ip: string };

  beforeAll(async () => {
    client = await timed('attach a pod', () => startTestPod(store, network, { namespace: NS, name: 'client', labels: { role: 'client' } }));
    // Two backends whose named port "web" is a different number each: targetPort resolves per pod.
    a = await startTestPod(store, network, { namespace: NS, name: 'web-a', labels: { app: 'web' }, ports: [{ name: 'web', containerPort: 8081 }] });
    b = await startTestPod(store, network, { namespace: NS, name: 'web-b', labels: { app: 'web' }, ports: [{ name: 'web', containerPort: 8082 }] });
    listeners.push(await listenIn(a.netns, 'web-a', [8081]), await listenIn(b.netns, 'web-b', [8082]));
    service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'web' }] });
    service('empty', { selector: { app: 'nothing' }, ports: [{ name: 'http', port: 80 }] });
    await timed('settle after creating pods and Services', () => network.settled());
  });

  async function whoAnswers(times: number): Promise<Set<string>> {
    const ip = network.serviceIp(NS, 'web')!;
    const results = await connectFrom(client.netns, Array.from({ length: times }, () => ({ ip, port: 80 })));
    return new Set(results.map((r) => (r.outcome === 'open' ? r.reply! : r.outcome)));
  }

  test('a ClusterIP reaches every ready endpoint on its own named target port', async () => {
    expect(await whoAnswers(24)).toEqual(new Set(['web-a:8081', 'web-b:8082']));
  });

  test('an endpoint that turns unready leaves the Service, and comes back when ready', async () => {
    setReady(store, NS, 'web-b', false);
    await timed('settle after a readiness flip', () => network.settled());
    expect(await whoAnswers(16)).toEqual(new Set(['web-a:8081']));
    setReady(store, NS, 'web-b', true);
    await network.settled();
    expect(await whoAnswers(24)).toEqual(new Set(['web-a:8081', 'web-b:8082']));
  });

  test('a terminating pod (deletionTimestamp set) is no endpoint even while Ready', async () => {
    store.update('Pod', NS, 'web-a', (p) => { p.metadata.deletionTimestamp = new Date().toISOString(); });
    await network.settled();
    expect(await whoAnswers(16)).toEqual(new Set(['web-b:8082']));
    store.update('Pod', NS, 'web-a', (p) => { delete p.metadata.deletionTimestamp; });
    await network.settled();
  });

  test('a label change moves a pod out of the Service and back in', async () => {
    store.update('Pod', NS, 'web-b', (p) => { p.metadata.labels = { app: 'other' }; });
    await network.settled();
    expect(await whoAnswers(16)).toEqual(new Set(['web-a:8081']));
    store.update('Pod', NS, 'web-b', (p) => { p.metadata.labels = { app: 'web' }; });
    await network.settled();
    expect(await whoAnswers(24)).toEqual(new Set(['web-a:8081', 'web-b:8082']));
  });

  test('a Service without endpoints refuses connections (kube-proxy rejects)', async () => {
    const [r] = await connectFrom(client.netns, [{ ip: network.serviceIp(NS, 'empty')!, port: 80 }]);
    expect(r.outcome).toBe('refused');
  });

  test('the kubernetes Service (selector-less, Endpoints object) reaches the API server port on the node', async () => {
    const server = net.createServer((s) => s.end('apiserver:6443\n'));
    await new Promise<void>((r) => server.listen(6443, ADDRESSES.nodeIp, r));
    try {
      const [r] = await connectFrom(client.netns, [{ ip: ADDRESSES.apiServiceIp, port: 443 }]);
      expect(r).toMatchObject({ outcome: 'open', reply: 'apiserver:6443' });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test('the node namespace (the harness itself) can use Service IPs', async () => {
    const ip = network.serviceIp(NS, 'web')!;
    const reply = await new Promise<string>((resolve, reject) => {
      const s = net.connect(80, ip);
      let data = '';
      s.on('data', (d) => (data += d));
      s.on('end', () => resolve(data.trim()));
      s.on('error', reject);
    });
    expect(['web-a:8081', 'web-b:8082']).toContain(reply);
  });
});

describe('cluster DNS', () => {
  let client: { netns: string; ip: string };
  const members: Array<{ netns: string; ip: string }> = [];
  const dns = ADDRESSES.dnsServiceIp;

  beforeAll(async () => {
    client = await startTestPod(store, network, { namespace: NS, name: 'dns-client', labels: { role: 'dns-client' } });
    service('db-members', { clusterIP: 'None', publishNotReadyAddresses: true, selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432 }] });
    service('db-ready', { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432 }] });
    for (const i of [0, 1]) {
      members.push(await startTestPod(store, network, {
        namespace: NS, name: `db-${i}`, labels: { app: 'db' }, ports: [{ name: 'pg', containerPort: 5432 }],
        hostname: `db-${i}`, subdomain: 'db-members', ready: i === 0,
      }));
    }
    await attachOutside();
    await network.settled();
  });

  let s3: { netns: string; ip: string };
  async function attachOutside() {
    s3 = await network.attachExternal('object-storage', ['s3.example.com']);
  }

  const a = async (name: string, transport: 'udp' | 'tcp' = 'udp') => {
    const r = await queryDnsFrom(client.netns, name, 'A', dns, transport);
    return { rcode: r.rcode, ips: r.answers.filter((x) => x.type === 'A').map((x) => x.data).sort() };
  };

  test('a ClusterIP Service resolves to its ClusterIP, over UDP and TCP', async () => {
    const ip = network.serviceIp(NS, 'web')!;
    expect(await a(`web.${NS}.svc.cluster.local`)).toEqual({ rcode: 'NOERROR', ips: [ip] });
    expect(await a(`web.${NS}.svc.cluster.local`, 'tcp')).toEqual({ rcode: 'NOERROR', ips: [ip] });
    expect(await a('kubernetes.default.svc.cluster.local')).toEqual({ rcode: 'NOERROR', ips: [ADDRESSES.apiServiceIp] });
  });

  test('a headless Service resolves to its endpoints: all pods with publishNotReadyAddresses, ready ones without', async () => {
    expect(await a(`db-members.${NS}.svc.cluster.local`)).toEqual({ rcode: 'NOERROR', ips: members.map((m) => m.ip).sort() });
    expect(await a(`db-ready.${NS}.svc.cluster.local`)).toEqual({ rcode: 'NOERROR', ips: [members[0].ip] });
    setReady(store, NS, 'db-1', true);
    await network.settled();
    expect(await a(`db-ready.${NS}.svc.cluster.local`)).toEqual({ rcode: 'NOERROR', ips: members.map((m) => m.ip).sort() });
  });

  test('StatefulSet-style pods get <hostname>.<subdomain>.<ns>.svc names', async () => {
    expect(await a(`db-1.db-members.${NS}.svc.cluster.local`)).toEqual({ rcode: 'NOERROR', ips: [members[1].ip] });
    // Only under the Service the pod's subdomain names.
    expect((await a(`db-1.db-ready.${NS}.svc.cluster.local`)).rcode).toBe('NXDOMAIN');
  });

  test('unknown names are NXDOMAIN (no upstream); AAAA of a known name is an empty NOERROR answer', async () => {
    expect((await a(`nope.${NS}.svc.cluster.local`)).rcode).toBe('NXDOMAIN');
    expect((await a('example.org')).rcode).toBe('NXDOMAIN');
    const aaaa = await queryDnsFrom(client.netns, `web.${NS}.svc.cluster.local`, 'AAAA', dns);
    expect(aaaa).toMatchObject({ rcode: 'NOERROR', answers: [] });
    expect(aaaa.authorities.map((x) => x.type)).toEqual(['SOA']);
  });

  test('external stand-ins resolve to their address outside the cluster', async () => {
    expect(await a('s3.example.com')).toEqual({ rcode: 'NOERROR', ips: [s3.ip] });
    listeners.push(await listenIn(s3.netns, 's3', [443]));
    const [r] = await connectFrom(client.netns, [{ ip: s3.ip, port: 443 }]);
    expect(r).toMatchObject({ outcome: 'open', reply: 's3:443' });
  });

  test('resolv.conf of a pod', () => {
    expect(network.resolvConf(NS)).toBe(`search ${NS}.svc.cluster.local svc.cluster.local cluster.local\nnameserver ${dns}\noptions ndots:5\n`);
  });
});

describe('NetworkPolicies follow the store', () => {
  let locked: { netns: string; ip: string };
  let target: { netns: string; ip: string };

  beforeAll(async () => {
    target = await startTestPod(store, network, { namespace: NS, name: 'cache', labels: { app: 'cache' }, ports: [{ name: 'redis', containerPort: 6379 }] });
    locked = await startTestPod(store, network, { namespace: NS, name: 'locked', labels: { app: 'locked' } });
    listeners.push(await listenIn(target.netns, 'cache', [6379, 7000]));
    store.create({
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'locked', namespace: NS },
      spec: { podSelector: { matchLabels: { app: 'locked' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { role: 'cache' } } }], ports: [{ port: 'redis' }] }] },
    });
    await network.settled();
  });

  test('DNS is blocked for a pod whose egress policy does not allow it, and the block is explained', async () => {
    const r = await queryDnsFrom(locked.netns, `web.${NS}.svc.cluster.local`, 'A', ADDRESSES.dnsServiceIp);
    expect(r.rcode).toBe('TIMEOUT');
    const blocked = await network.blockedConnections(NS, 'locked');
    const dnsBlock = blocked.find((b) => b.port === 53 && b.protocol === 'UDP');
    expect(dnsBlock?.message).toMatch(/^Pod app\/locked could not reach 10\.244\.\d+\.\d+:53\/UDP \(Pod kube-system\/cluster-dns\): no egress rule of NetworkPolicy locked allows it$/);
  });

  test('a label change moves the destination into the policy\'s peers (named port resolved on the destination)', async () => {
    expect((await connectFrom(locked.netns, [{ ip: target.ip, port: 6379 }], 800))[0].outcome).toBe('timeout');
    store.update('Pod', NS, 'cache', (p) => { p.metadata.labels = { ...p.metadata.labels, role: 'cache' }; });
    await timed('settle after a label change', () => network.settled());
    const [redis, other] = await connectFrom(locked.netns, [{ ip: target.ip, port: 6379 }, { ip: target.ip, port: 7000 }], 800);
    expect(redis).toMatchObject({ outcome: 'open', reply: 'cache:6379' });
    expect(other.outcome).toBe('timeout');
  });

  test('egress is checked after Service translation: allowing the DNS pods (as allow-dns does) lets queries to the kube-dns ClusterIP through', async () => {
    store.create({
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-dns', namespace: NS },
      spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }] }] },
    });
    await network.settled();
    const r = await queryDnsFrom(locked.netns, `web.${NS}.svc.cluster.local`, 'A', ADDRESSES.dnsServiceIp);
    expect(r).toMatchObject({ rcode: 'NOERROR', answers: [{ data: network.serviceIp(NS, 'web') }] });
    // TCP 53 is not in that rule.
    expect((await queryDnsFrom(locked.netns, `web.${NS}.svc.cluster.local`, 'A', ADDRESSES.dnsServiceIp, 'tcp')).rcode).toBe('TIMEOUT');
    store.delete('NetworkPolicy', NS, 'allow-dns');
  });

  test('deleting the policy lifts the isolation', async () => {
    store.delete('NetworkPolicy', NS, 'locked');
    await network.settled();
    const [other] = await connectFrom(locked.netns, [{ ip: target.ip, port: 7000 }]);
    expect(other.outcome).toBe('open');
  });

  test('a detached pod\'s namespace is gone and a pod that comes back gets a new IP', async () => {
    const before = network.handleOf(NS, 'cache')!;
    await network.detachPod(store.get('Pod', NS, 'cache')!);
    store.delete('Pod', NS, 'cache');
    const again = await startTestPod(store, network, { namespace: NS, name: 'cache', labels: { app: 'cache' } });
    expect(again.ip).not.toBe(before.ip);
    expect(again.netns).not.toBe(before.netns);
  });
});
