import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { connectionAllowed, type Endpoint } from '../../../../lib/policy/network-graph';
import { ADDRESSES } from '../contracts';
import { ObjectStore, type KubeObject } from '../store';
import { connectFrom, listenIn, queryDnsFrom, type ConnectTarget, type Listener } from './netns-probe';
import { NodeNetwork } from './node-network';
import { ensureNamespace, startTestPod } from './test-pods';

// The strongest check of the NetworkPolicy translation: the real policies of dist/<env>, one pod
// per component with the labels and ports of its pod template, a listener on every port the
// policies mention in every pod, and the kernel's verdict for every (source, destination, port)
// compared with lib/policy/network-graph.ts's connectionAllowed. Two independent
// implementations of the same API must agree.

/* eslint-disable @typescript-eslint/no-explicit-any */

const REPO = path.resolve(__dirname, '../../../..');

function loadDist(env: string): KubeObject[] {
  const dir = path.join(REPO, 'dist', env);
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()
    .flatMap((f) => yaml.loadAll(fs.readFileSync(path.join(dir, f), 'utf8')) as KubeObject[])
    .filter(Boolean);
}

function podTemplateOf(o: KubeObject): any | undefined {
  if (['Deployment', 'StatefulSet', 'Job'].includes(o.kind)) return o.spec.template;
  if (o.kind === 'CronJob') return o.spec.jobTemplate.spec.template;
  return undefined;
}

interface Peer {
  readonly endpoint: Endpoint;
  readonly netns?: string;
  readonly dns?: boolean;
}

for (const env of ['dev', 'prod']) {
  describe(`dist/${env}: the kernel enforces exactly what network-graph.ts computes`, () => {
    const objects = loadDist(env);
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    const platformNs = objects.find((o) => o.kind === 'Namespace')!.metadata.name;
    const store = new ObjectStore();
    const network = new NodeNetwork({ store, runId: `${process.env.E2E_RUN_ID}`, log: (l) => console.log(l) });
    const listeners: Listener[] = [];
    const nodeServers: net.Server[] = [];
    const peers: Peer[] = [];
    const tcpPorts = new Set<number>([9999, 53]); // 9999: mentioned by no policy
    for (const p of policies) for (const r of [...(p.spec.ingress ?? []), ...(p.spec.egress ?? [])]) for (const port of r.ports ?? []) if ((port.protocol ?? 'TCP') === 'TCP') tcpPorts.add(Number(port.port));
    const figures: string[] = [];

    beforeAll(async () => {
      await network.start();
      store.create(objects.find((o) => o.kind === 'Namespace')!);
      for (const p of policies) store.create(p);
      for (const ns of ['nginx-ingress', 'monitoring', 'other']) ensureNamespace(store, ns);
      const t = process.hrtime.bigint();
      const pods: Array<{ namespace: string; name: string; labels: Record<string, string>; ports: any[] }> = [];
      for (const o of objects) {
        const template = podTemplateOf(o);
        if (!template) continue;
        const ports = [...(template.spec.initContainers ?? []), ...template.spec.containers].flatMap((c: any) => c.ports ?? []);
        pods.push({ namespace: platformNs, name: `${o.metadata.name}-0`.slice(0, 50), labels: template.metadata.labels, ports });
      }
      // Peers outside the platform namespace that its policies name, and one they do not.
      pods.push({ namespace: 'nginx-ingress', name: 'nginx-ingress-controller-0', labels: { 'app.kubernetes.io/name': 'nginx-ingress', 'app.kubernetes.io/instance': 'nginx-ingress' }, ports: [] });
      pods.push({ namespace: 'monitoring', name: 'prometheus-0', labels: { 'app.kubernetes.io/name': 'prometheus' }, ports: [] });
      pods.push({ namespace: 'other', name: 'stranger', labels: { 'app.kubernetes.io/name': 'superset' }, ports: [] });
      for (const p of pods) {
        const handle = await startTestPod(store, network, { ...p, ports: p.ports });
        peers.push({ endpoint: { name: `${p.namespace}/${p.name}`, namespace: p.namespace, labels: p.labels, ip: handle.ip }, netns: handle.netns });
      }
      figures.push(`attach ${pods.length} pods: ${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(0)} ms`);
      const dnsPod = store.get('Pod', 'kube-system', 'cluster-dns')!;
      peers.push({ endpoint: { name: 'kube-system/cluster-dns', namespace: 'kube-system', labels: dnsPod.metadata.labels, ip: dnsPod.status.podIP }, netns: network.handleOf('kube-system', 'cluster-dns')!.netns, dns: true });
      const outside = await network.attachExternal('outside', ['outside.example.com']);
      peers.push({ endpoint: { name: 'external', ip: outside.ip }, netns: outside.netns });
      peers.push({ endpoint: { name: 'node', ip: ADDRESSES.nodeIp } });
      const settleStart = process.hrtime.bigint();
      await network.settled();
      figures.push(`settle with all pods: ${(Number(process.hrtime.bigint() - settleStart) / 1e6).toFixed(0)} ms`);
      for (const p of peers) {
        if (p.dns) listeners.push(await listenIn(p.netns!, p.endpoint.name, [...tcpPorts].filter((port) => port !== 53)));
        else if (p.netns) listeners.push(await listenIn(p.netns, p.endpoint.name, [...tcpPorts], [53]));
      }
      for (const port of tcpPorts) {
        const server = net.createServer((s) => s.end(`node:${port}\n`));
        await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, ADDRESSES.nodeIp, resolve));
        nodeServers.push(server);
      }
    });

    afterAll(async () => {
      for (const l of listeners) await l.stop();
      for (const s of nodeServers) await new Promise((r) => s.close(r));
      await network.stop();
      console.log(`dist/${env} policy check figures:\n  ${figures.join('\n  ')}`);
    });

    test('every (source, destination, port) verdict of nftables equals connectionAllowed', async () => {
      const mismatches: string[] = [];
      let checked = 0;
      let allowed = 0;
      const t = process.hrtime.bigint();
      const sources = peers.filter((p) => p.netns);
      const checkSource = async (src: Peer) => {
        const targets: ConnectTarget[] = [];
        for (const dst of peers) {
          if (dst === src) continue;
          for (const port of tcpPorts) targets.push({ ip: dst.endpoint.ip!, port, protocol: 'TCP' });
          if (!dst.dns && dst.netns) targets.push({ ip: dst.endpoint.ip!, port: 53, protocol: 'UDP' });
        }
        const results = await connectFrom(src.netns!, targets, 1500);
        const dnsPeer = peers.find((p) => p.dns)!;
        if (src !== dnsPeer) {
          const answer = await queryDnsFrom(src.netns!, 'kubernetes.default.svc.cluster.local', 'A', dnsPeer.endpoint.ip!);
          results.push({ ip: dnsPeer.endpoint.ip!, port: 53, protocol: 'UDP', outcome: answer.rcode === 'NOERROR' ? 'open' : 'timeout' });
        }
        for (const r of results) {
          const dst = peers.find((p) => p.endpoint.ip === r.ip)!;
          const protocol = r.protocol ?? 'TCP';
          if (r.outcome === 'refused' || r.outcome === 'error') {
            mismatches.push(`${src.endpoint.name} -> ${dst.endpoint.name}:${r.port}/${protocol}: ${r.outcome} ${r.detail ?? ''} (the test's listener is missing)`);
            continue;
          }
          const kernel = r.outcome === 'open';
          const graph = connectionAllowed(objects, src.endpoint, dst.endpoint, r.port, protocol);
          checked++;
          if (kernel) allowed++;
          if (kernel !== graph) mismatches.push(`${src.endpoint.name} -> ${dst.endpoint.name}:${r.port}/${protocol}: nftables ${kernel ? 'allowed' : 'dropped'}, network-graph ${graph ? 'allows' : 'denies'}`);
        }
      };
      for (let i = 0; i < sources.length; i += 4) await Promise.all(sources.slice(i, i + 4).map(checkSource));
      figures.push(`${checked} connections checked (${allowed} allowed) in ${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(0)} ms`);
      expect(mismatches).toEqual([]);
      // The check must have seen both verdicts in quantity, or it proved nothing.
      expect(allowed).toBeGreaterThan(50);
      expect(checked - allowed).toBeGreaterThan(500);
    });

    test('figures: pods at the manifests\' replica counts, the Services of dist, a readiness flip', async () => {
      for (const o of objects) if (o.kind === 'Service') store.create(o);
      const hpaMin = new Map(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((h) => [h.spec.scaleTargetRef.name, h.spec.minReplicas ?? 1]));
      const t = process.hrtime.bigint();
      let added = 0;
      for (const o of objects.filter((x) => x.kind === 'Deployment' || x.kind === 'StatefulSet')) {
        const replicas = o.spec.replicas ?? hpaMin.get(o.metadata.name) ?? 1;
        const template = podTemplateOf(o);
        const ports = template.spec.containers.flatMap((c: any) => c.ports ?? []);
        for (let i = 1; i < replicas; i++) {
          await startTestPod(store, network, { namespace: platformNs, name: `${o.metadata.name}-${i}`, labels: template.metadata.labels, ports });
          added++;
        }
      }
      const attachMs = Number(process.hrtime.bigint() - t) / 1e6;
      await network.settled();
      const pods = store.list('Pod').length;
      const flip = async (ready: boolean) => {
        const before = network.figures.length;
        const start = process.hrtime.bigint();
        store.update('Pod', platformNs, 'pgbouncer-0', (p) => { p.status.conditions = [{ type: 'Ready', status: ready ? 'True' : 'False' }]; });
        await network.settled();
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        const applied = network.figures.slice(before).reduce((n, f) => n + f.applied, 0);
        return `${ms.toFixed(0)} ms (${applied} namespaces re-applied)`;
      };
      const down = await flip(false);
      const up = await flip(true);
      figures.push(`${pods} pods in the store (${added} replicas added in ${attachMs.toFixed(0)} ms, ${(attachMs / Math.max(added, 1)).toFixed(0)} ms each)`);
      figures.push(`readiness flip of pgbouncer-0 until settled: unready ${down}, ready ${up}`);
      expect(network.services().find((v) => v.name === 'pgbouncer')!.ports[0].backends.some((b) => b.pod === `${platformNs}/pgbouncer-0`)).toBe(true);
    });

    test('a dropped connection is explained with the pod, the peer and the policies', async () => {
      // Web may reach PgBouncer only, never a Postgres member directly.
      const web = peers.find((p) => p.endpoint.labels?.['app.kubernetes.io/component'] === 'web')!;
      const postgres = peers.find((p) => p.endpoint.labels?.['app.kubernetes.io/name'] === 'postgres')!;
      const [r] = await connectFrom(web.netns!, [{ ip: postgres.endpoint.ip!, port: 5432 }], 800);
      expect(r.outcome).toBe('timeout');
      const [namespace, name] = web.endpoint.name.split('/');
      const blocked = await network.blockedConnections(namespace, name);
      const messages = blocked.filter((b) => b.peerIp === postgres.endpoint.ip && b.port === 5432).map((b) => b.message);
      expect(messages).toEqual([
        `Pod ${web.endpoint.name} could not reach ${postgres.endpoint.ip}:5432/TCP (Pod ${postgres.endpoint.name}): no egress rule of NetworkPolicies allow-dns, default-deny, superset-web allows it`,
      ]);
    });
  });
}
