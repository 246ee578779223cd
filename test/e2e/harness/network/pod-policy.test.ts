import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { connectionAllowed } from '../../../../lib/policy/network-graph';
import type { KubeObject } from '../store';
import { pod, policy, stateOf } from './fixtures';
import { compilePodPolicy, decide, effectivePolicyTypes } from './pod-policy';

const A = '10.244.1.1';
const B = '10.244.1.2';
const C = '10.244.1.3';

describe('NetworkPolicy compilation', () => {
  test('policyTypes default to Ingress, plus Egress when egress rules exist', () => {
    expect(effectivePolicyTypes(policy('x', 'p', { podSelector: {} }))).toEqual(['Ingress']);
    expect(effectivePolicyTypes(policy('x', 'p', { podSelector: {}, egress: [{}] }))).toEqual(['Ingress', 'Egress']);
    expect(effectivePolicyTypes(policy('x', 'p', { podSelector: {}, policyTypes: ['Egress'] }))).toEqual(['Egress']);
  });

  test('a pod no policy selects is not isolated; one selected by an empty ingress list denies all ingress', () => {
    const state = stateOf([[pod('x', 'a', { app: 'a' }), A], [pod('x', 'b', { app: 'b' }), B]], { policies: [policy('x', 'deny', { podSelector: { matchLabels: { app: 'a' } } })] });
    const a = compilePodPolicy(state.pods[0], state);
    expect(a.egress).toBeUndefined();
    expect(decide(a, 'Ingress', B, 80, 'TCP')).toEqual({ allowed: false, isolatedBy: ['deny'] });
    expect(compilePodPolicy(state.pods[1], state).ingress).toBeUndefined();
  });

  test('podSelector peers are in the policy namespace; namespaceSelector peers match Namespace labels (metadata.name always set)', () => {
    const state = stateOf([[pod('x', 'a', { app: 'a' }), A], [pod('x', 'b', { role: 'client' }), B], [pod('y', 'c', { role: 'client' }), C]], {
      policies: [policy('x', 'p', {
        podSelector: { matchLabels: { app: 'a' } },
        ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }], ports: [{ port: 80 }] },
          { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'y' } }, podSelector: { matchExpressions: [{ key: 'role', operator: 'In', values: ['client'] }] } }], ports: [{ port: 81 }] }],
      })],
    });
    const a = compilePodPolicy(state.pods[0], state);
    expect(decide(a, 'Ingress', B, 80, 'TCP')).toEqual({ allowed: true, by: 'NetworkPolicy p ingress[0]' });
    expect(decide(a, 'Ingress', C, 80, 'TCP').allowed).toBe(false);
    expect(decide(a, 'Ingress', C, 81, 'TCP')).toEqual({ allowed: true, by: 'NetworkPolicy p ingress[1]' });
    expect(decide(a, 'Ingress', B, 80, 'UDP').allowed).toBe(false);
  });

  test('ipBlock with except, endPort ranges, empty peers and ports', () => {
    const state = stateOf([[pod('x', 'a', {}), A]], {
      policies: [policy('x', 'p', {
        podSelector: {}, policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '172.31.0.0/24', except: ['172.31.0.128/25'] } }], ports: [{ protocol: 'TCP', port: 8000, endPort: 8010 }] }, { ports: [{ protocol: 'UDP', port: 53 }] }],
      })],
    });
    const a = compilePodPolicy(state.pods[0], state);
    expect(decide(a, 'Egress', '172.31.0.5', 8005, 'TCP').allowed).toBe(true);
    expect(decide(a, 'Egress', '172.31.0.5', 8011, 'TCP').allowed).toBe(false);
    expect(decide(a, 'Egress', '172.31.0.200', 8005, 'TCP').allowed).toBe(false);
    expect(decide(a, 'Egress', '8.8.8.8', 53, 'UDP').allowed).toBe(true);
    expect(decide(a, 'Ingress', '8.8.8.8', 1, 'TCP')).toEqual({ allowed: true });
  });

  test('named ports: ingress on the protected pod, egress on each destination pod', () => {
    const state = stateOf([
      [pod('x', 'client', { app: 'client' }), A],
      [pod('x', 'redis-a', { app: 'redis' }, { ports: [{ name: 'redis', containerPort: 6379 }] }), B],
      [pod('x', 'redis-b', { app: 'redis' }, { ports: [{ name: 'redis', containerPort: 7000 }] }), C],
    ], {
      policies: [
        policy('x', 'client', { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'redis' } } }], ports: [{ port: 'redis' }] }] }),
        policy('x', 'redis', { podSelector: { matchLabels: { app: 'redis' } }, ingress: [{ ports: [{ port: 'redis' }, { port: 'missing' }] }] }),
      ],
    });
    const client = compilePodPolicy(state.pods[0], state);
    expect(decide(client, 'Egress', B, 6379, 'TCP').allowed).toBe(true);
    expect(decide(client, 'Egress', B, 7000, 'TCP').allowed).toBe(false);
    expect(decide(client, 'Egress', C, 7000, 'TCP').allowed).toBe(true);
    const redisB = compilePodPolicy(state.pods[2], state);
    expect(decide(redisB, 'Ingress', A, 7000, 'TCP').allowed).toBe(true);
    expect(decide(redisB, 'Ingress', A, 6379, 'TCP').allowed).toBe(false);
    expect(redisB.unresolvedNamedPorts).toEqual(['redis: port "missing"/TCP is not a container port of x/redis-b']);
  });
});

describe('the compiled policies of dist/prod agree with network-graph.ts (the kernel test does the same on nftables)', () => {
  const dir = path.resolve(__dirname, '../../../../dist/prod');
  const objects = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).flatMap((f) => yaml.loadAll(fs.readFileSync(path.join(dir, f), 'utf8')) as KubeObject[]).filter(Boolean);
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const templates = objects.flatMap((o) => (o.kind === 'CronJob' ? [o.spec.jobTemplate.spec.template] : ['Deployment', 'StatefulSet', 'Job'].includes(o.kind) ? [o.spec.template] : []));
  const ns = policies[0].metadata.namespace!;
  const pods: Array<[KubeObject, string]> = templates.map((t, i) => [pod(ns, `p${i}`, t.metadata.labels), `10.244.1.${i + 1}`]);
  pods.push([pod('nginx-ingress', 'ic', { 'app.kubernetes.io/name': 'nginx-ingress' }), '10.244.2.1'], [pod('monitoring', 'prom', { 'app.kubernetes.io/name': 'prometheus' }), '10.244.2.2'], [pod('kube-system', 'dns', { 'k8s-app': 'kube-dns' }), '10.244.2.3']);
  const state = stateOf(pods, { policies });

  test('every pair and port', () => {
    const ports = [22, 53, 443, 5432, 6379, 6432, 6443, 8008, 8088, 9102, 9121, 9127, 16379, 26379, 9999];
    const mismatches: string[] = [];
    const endpoints = state.pods.map((p) => ({ name: p.name, namespace: p.namespace, labels: p.labels, ip: p.ip }));
    const compiled = state.pods.map((p) => compilePodPolicy(p, state));
    for (const [i, src] of endpoints.entries()) for (const [j, dst] of endpoints.entries()) {
      if (i === j) continue;
      for (const port of ports) for (const protocol of ['TCP', 'UDP']) {
        const ours = decide(compiled[i], 'Egress', dst.ip, port, protocol).allowed && decide(compiled[j], 'Ingress', src.ip, port, protocol).allowed;
        if (ours !== connectionAllowed(objects, src, dst, port, protocol)) mismatches.push(`${src.name} -> ${dst.name}:${port}/${protocol}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
