import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { ObjectStore, type KubeObject } from '../store';
import { NodeNetwork } from '../network/node-network';
import { inNetns, runCommand } from '../network/run-command';
import { setReady, startTestPod } from '../network/test-pods';
import { IngressController } from './ingress-controller';

// The ingress controller with dist/prod's real Ingress, superset-web Service and NetworkPolicies:
// HTTPS with a throwaway certificate, the HTTP->HTTPS redirect, HSTS, least_conn with a slow
// backend, endpoints following readiness. npm run test:e2e -- test/e2e/harness/edge

/* eslint-disable @typescript-eslint/no-explicit-any */

const REPO = path.resolve(__dirname, '../../../..');
const docs = (file: string) => (yaml.loadAll(fs.readFileSync(path.join(REPO, 'dist/prod', file), 'utf8')) as KubeObject[]).filter(Boolean);
const ingress = docs('60-edge.yaml').find((o) => o.kind === 'Ingress')!;
const webObjects = docs('50-superset-web.yaml');
const webService = webObjects.find((o) => o.kind === 'Service')!;
const webTemplate = webObjects.find((o) => o.kind === 'Deployment')!.spec.template;
const NS = ingress.metadata.namespace!;
const HOST: string = ingress.spec.rules[0].host;

const store = new ObjectStore();
const network = new NodeNetwork({ store, log: (l) => console.log(l) });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sk8s-${process.env.E2E_RUN_ID}-edge-`));
const controller = new IngressController({ store, network, ingressClass: ingress.spec.ingressClassName, dir, log: (l) => console.log(l) });
const backends: ChildProcess[] = [];
let certPem = '';

const BACKEND = `
const http = require('node:http');
const [name, port, delay] = process.argv.slice(1);
http.createServer((req, res) => setTimeout(() => res.end(JSON.stringify({ name, headers: req.headers })), Number(delay)))
  .listen(Number(port), '0.0.0.0', () => process.stdout.write('listening\\n'));
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
`;

async function startBackend(netns: string, name: string, delayMs: number): Promise<void> {
  const argv = [...inNetns(netns), process.execPath, '-e', BACKEND, name, '8088', String(delayMs)];
  const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
  backends.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => String(d).includes('listening') && resolve());
    child.on('exit', (c) => reject(new Error(`backend ${name} exited ${c}`)));
  });
}

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string }

function request(scheme: 'http' | 'https', urlPath = '/'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const options = { host: controller.address, port: scheme === 'https' ? 443 : 80, path: urlPath, headers: { host: HOST }, servername: HOST, ca: certPem, agent: false as const };
    const req = (scheme === 'https' ? https : http).get(options, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('request timed out')));
  });
}

const backendOf = async () => JSON.parse((await request('https')).body).name as string;

beforeAll(async () => {
  await network.start();
  store.create(docs('00-namespace.yaml')[0]);
  for (const p of docs('02-network-policies.yaml')) store.create(p);
  store.create(webService);
  const key = path.join(dir, 'throwaway.key');
  const crt = path.join(dir, 'throwaway.crt');
  await runCommand('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${HOST}`, '-addext', `subjectAltName=DNS:${HOST}`, '-keyout', key, '-out', crt]);
  certPem = fs.readFileSync(crt, 'utf8');
  store.create({
    apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: ingress.spec.tls[0].secretName, namespace: NS },
    data: { 'tls.crt': Buffer.from(certPem).toString('base64'), 'tls.key': fs.readFileSync(key).toString('base64') },
  });
  fs.rmSync(key);
  const ports = webTemplate.spec.containers.flatMap((c: any) => c.ports ?? []);
  for (const [name, delay] of [['web-fast-a', 0], ['web-fast-b', 0], ['web-slow', 400]] as const) {
    const h = await startTestPod(store, network, { namespace: NS, name, labels: webTemplate.metadata.labels, ports });
    await startBackend(h.netns, name, delay);
  }
  store.create(ingress);
  await controller.start();
  await controller.settled();
});

afterAll(async () => {
  for (const b of backends) { b.stdin!.end(); b.kill(); }
  await controller.stop();
  await network.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`ingress controller reloads (ms): ${controller.reloadFigures.map((f) => f.toFixed(0)).join(', ')}`);
});

test('HTTPS with the Secret\'s certificate reaches a superset-web pod through its NetworkPolicy, with HSTS and no version in Server', async () => {
  const r = await request('https', '/health');
  expect(r.status).toBe(200);
  expect(['web-fast-a', 'web-fast-b', 'web-slow']).toContain(JSON.parse(r.body).name);
  expect(r.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains; preload');
  expect(r.headers.server).toBe('nginx');
  expect(JSON.parse(r.body).headers['x-forwarded-proto']).toBe('https');
});

test('plain HTTP is redirected to HTTPS (301) and carries no HSTS header', async () => {
  const r = await request('http', '/dashboard/list/?x=1');
  expect(r.status).toBe(301);
  expect(r.headers.location).toBe(`https://${HOST}:443/dashboard/list/?x=1`);
  expect(r.headers['strict-transport-security']).toBeUndefined();
});

test('least_conn sends fewer requests to the slow backend than to each fast one', async () => {
  const counts: Record<string, number> = {};
  const worker = async () => {
    for (let i = 0; i < 15; i++) {
      const name = await backendOf();
      counts[name] = (counts[name] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  console.log(`least_conn distribution over 60 requests, 4 at a time: ${JSON.stringify(counts)}`);
  expect(counts['web-slow'] ?? 0).toBeLessThan(counts['web-fast-a'] ?? 0);
  expect(counts['web-slow'] ?? 0).toBeLessThan(counts['web-fast-b'] ?? 0);
});

test('an endpoint that turns unready leaves the upstream after a graceful reload', async () => {
  setReady(store, NS, 'web-fast-b', false);
  setReady(store, NS, 'web-slow', false);
  await controller.settled();
  const seen = new Set<string>();
  for (let i = 0; i < 12; i++) seen.add(await backendOf());
  expect(seen).toEqual(new Set(['web-fast-a']));
  setReady(store, NS, 'web-fast-b', true);
  setReady(store, NS, 'web-slow', true);
  await controller.settled();
});

test('the dist Ingress uses only emulated annotations; another one is listed as not emulated', async () => {
  expect(controller.notEmulated).toEqual([]);
  store.update('Ingress', NS, ingress.metadata.name, (i) => { i.metadata.annotations = { ...i.metadata.annotations, 'nginx.org/rewrites': 'serviceName=superset-web rewrite=/' }; });
  await controller.settled();
  expect(controller.notEmulated).toEqual([`Ingress ${NS}/${ingress.metadata.name}: annotation nginx.org/rewrites="serviceName=superset-web rewrite=/" is not emulated`]);
});

test('a backend Service that does not exist is an error naming the Ingress', async () => {
  store.update('Ingress', NS, ingress.metadata.name, (i) => { i.spec.rules[0].http.paths[0].backend.service.name = 'no-such-service'; });
  await expect(controller.settled()).rejects.toThrow(`Ingress ${NS}/${ingress.metadata.name}: backend Service ${NS}/no-such-service port http does not exist`);
  store.update('Ingress', NS, ingress.metadata.name, (i) => { i.spec.rules[0].http.paths[0].backend.service.name = webService.metadata.name; });
  await controller.settled();
  expect((await request('https')).status).toBe(200);
});
