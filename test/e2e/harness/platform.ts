import * as path from 'node:path';
import * as http from 'node:http';
import * as https from 'node:https';
import { execFileSync } from 'node:child_process';
import * as yaml from 'js-yaml';
import { Cluster, ClusterParts } from './cluster';
import { KubeObject, ObjectStore } from './store';
import { loadManifests } from './manifests';
import { explainPlatform, BlockedConnections } from './diagnose';
import { deploymentComplete, templateHash } from './controllers/deployment';
import { statefulSetComplete } from './controllers/statefulset';
import { jobFinished } from './controllers/job';
import { isReady } from './controllers/pods';
import { HopelessWatch } from './hopeless';
import { certificateRequests, certificateSecrets } from './database-certificates';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** The ingress controller the harness runs for the platform's Ingress objects. */
export interface IngressController {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Where it listens (its pod's address), for requests from the node. */
  readonly address: string;
  /** Why it does not route to the current endpoints yet; undefined when it does. */
  notRouting(): string | undefined;
}

/** Stand-ins of what lives outside the cluster (object storage, a Git server, a warehouse). */
export interface OutsideWorld {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Secrets an operator would create from what these services hand out (keys, known_hosts). */
  secrets(namespace: string): KubeObject[];
}

export interface PlatformParts extends ClusterParts {
  readonly ingress: IngressController;
  readonly outside?: OutsideWorld;
  /** An address outside the cluster for users' requests (see PlatformRun.userAddress). */
  readonly userAddress?: () => Promise<string>;
  /** Connections the NetworkPolicies dropped, per pod (for failure messages). */
  readonly blocked?: BlockedConnections;
}

export interface PlatformOptions {
  /** Environment name (environments/<name>.ts): the Secrets contract is generated for it. */
  readonly environment: string;
  /** The manifests to run: dist/<environment> or a copy. */
  readonly distDir: string;
  readonly runDir: string;
  readonly log: (line: string) => void;
  /** Virtual nodes (all this machine) the scheduler places pods on. */
  readonly nodes?: number;
  /** Pods (by labels) the scheduler keeps Pending for some seconds after apply. */
  readonly hold?: ReadonlyArray<{ readonly labels: Readonly<Record<string, string>>; readonly seconds: number }>;
}

/** The pod templates of the workloads in `objects` (for the images they need). */
export function podTemplates(objects: readonly KubeObject[]): any[] {
  return objects.flatMap((o) => {
    if (['Deployment', 'StatefulSet', 'Job', 'DaemonSet', 'ReplicaSet'].includes(o.kind)) return [o.spec.template];
    if (o.kind === 'CronJob') return [o.spec.jobTemplate.spec.template];
    if (o.kind === 'Pod') return [o];
    return [];
  });
}

export function imagesOf(objects: readonly KubeObject[]): string[] {
  const images = podTemplates(objects).flatMap((t) => [...(t.spec.initContainers ?? []), ...(t.spec.containers ?? [])].map((c: any) => c.image as string));
  return [...new Set(images)].sort();
}

/**
 * Secrets from `npm run --silent secrets -- <env>` (the documented pipe into `kubectl create -f -`),
 * as the API server stores them. Its stderr (the Secrets it cannot generate, such as the Ingress's
 * TLS certificate, which the platform adds itself) is not needed here.
 */
export function generatedSecrets(environment: string): KubeObject[] {
  const out = execFileSync('npm', ['run', '--silent', 'secrets', '--', environment], { cwd: path.join(__dirname, '../../..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return (yaml.loadAll(out) as KubeObject[]).filter(Boolean).map(toStoredSecret);
}

/** stringData becomes base64 data, as the API server stores a Secret. */
export function toStoredSecret(secret: KubeObject): KubeObject {
  const data: Record<string, string> = { ...(secret.data ?? {}) };
  for (const [k, v] of Object.entries<string>(secret.stringData ?? {})) data[k] = Buffer.from(v).toString('base64');
  const { stringData: _ignored, ...rest } = secret;
  return { ...rest, data };
}

/** A throwaway certificate for the Ingress hosts, as `kubectl create secret tls` stores it. */
export function tlsSecret(namespace: string, name: string, hosts: readonly string[], dir: string): KubeObject {
  const key = path.join(dir, `${name}.key`);
  const crt = path.join(dir, `${name}.crt`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${hosts[0]}`,
    '-addext', `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(',')}`, '-keyout', key, '-out', crt], { stdio: 'ignore' });
  const read = (f: string) => require('node:fs').readFileSync(f).toString('base64');
  return { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name, namespace }, data: { 'tls.crt': read(crt), 'tls.key': read(key) } };
}

/**
 * `dist/<env>` applied to a cluster on this machine, as an operator deploys it: the Namespace, the
 * Secrets (generated by the documented command, plus the TLS certificates of the Ingress and of
 * the database tier and what the outside services hand out), then every manifest in file order.
 */
export class PlatformRun {
  readonly objects: KubeObject[];
  readonly namespace: string;
  readonly cluster: Cluster;
  private appliedAt = 0;

  readonly parts: PlatformParts;

  /** `makeParts` builds the network, API server, images, ingress and outside world on the run's store. */
  constructor(makeParts: (store: ObjectStore) => PlatformParts, readonly options: PlatformOptions) {
    this.objects = loadManifests(options.distDir);
    const ns = this.objects.find((o) => o.kind === 'Namespace');
    if (!ns) throw new Error(`${options.distDir} has no Namespace object`);
    this.namespace = ns.metadata.name;
    const store = new ObjectStore();
    this.parts = makeParts(store);
    this.cluster = new Cluster(this.parts, { runDir: options.runDir, nodes: { count: options.nodes ?? 6, zones: 3 }, log: options.log }, store);
  }

  get log(): (line: string) => void {
    return this.options.log;
  }

  /** Roots, cluster, outside world, ingress; then the operator's steps. Does not wait for readiness. */
  async start(): Promise<void> {
    const started = Date.now();
    await this.parts.images.ensureRoots(imagesOf(this.objects), this.log);
    this.log(`image roots ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await this.cluster.start(['nginx-ingress', 'monitoring']);
    await this.parts.outside?.start();
    this.userAddress = await this.parts.userAddress?.();
    await this.parts.ingress.start();
    this.applyAll();
  }

  private applyAll(): void {
    this.cluster.apply(this.objects.filter((o) => o.kind === 'Namespace'));
    const secrets = [...generatedSecrets(this.options.environment), ...(this.parts.outside?.secrets(this.namespace) ?? [])];
    for (const ingress of this.objects.filter((o) => o.kind === 'Ingress')) {
      for (const tls of ingress.spec.tls ?? []) secrets.push(tlsSecret(this.namespace, tls.secretName, tls.hosts, this.options.runDir));
    }
    // postgres.tls: the database tier's certificates, as cert-manager issues them from the
    // Certificate objects or as an operator creates them from the contract (one CA for the run).
    secrets.push(...certificateSecrets(certificateRequests(this.objects, this.options.environment, this.namespace), this.namespace, this.options.runDir));
    this.cluster.apply(secrets.map((s) => ({ ...s, metadata: { ...s.metadata, namespace: this.namespace } })));
    this.appliedAt = Date.now();
    for (const h of this.options.hold ?? []) {
      this.cluster.hold((p) => Object.entries(h.labels).every(([k, v]) => p.metadata.labels?.[k] === v), h.seconds * 1000);
    }
    this.cluster.apply(this.objects.filter((o) => o.kind !== 'Namespace'));
    this.log(`applied ${this.objects.length} objects and ${secrets.length} Secrets to ${this.namespace}`);
  }

  /** Workloads of the manifests (or of `objects`) that are not finished yet (their names), empty when all are. */
  pending(objects: readonly KubeObject[] = this.objects): string[] {
    const out: string[] = [];
    for (const o of objects) {
      const live = this.cluster.store.get(o.kind, o.metadata.namespace, o.metadata.name);
      if (o.kind === 'Deployment' && !(live && deploymentComplete(live))) out.push(`Deployment ${o.metadata.name}`);
      if (o.kind === 'StatefulSet' && !(live && statefulSetComplete(live))) out.push(`StatefulSet ${o.metadata.name}`);
      if (o.kind === 'Job' && !(live && jobFinished(live) === 'Complete')) out.push(`Job ${o.metadata.name}`);
    }
    return out;
  }

  /** Is this pod of its workload's current template (not one that a rollout is about to replace)? */
  private ofCurrentTemplate(pod: KubeObject): boolean {
    const owner = pod.metadata.ownerReferences?.[0];
    if (!owner || (owner.kind !== 'Deployment' && owner.kind !== 'StatefulSet')) return true;
    const o = this.cluster.store.get(owner.kind, pod.metadata.namespace, owner.name);
    if (!o) return false;
    return owner.kind === 'Deployment'
      ? pod.metadata.labels?.['pod-template-hash'] === templateHash(o.spec.template)
      : pod.metadata.labels?.['controller-revision-hash'] === `${o.metadata.name}-${templateHash(o.spec.template)}`;
  }

  /** Why the platform is not up (every unfinished workload, its pods, their containers and drops). */
  explain(): Promise<string> {
    return explainPlatform(this.cluster, this.namespace, this.parts.blocked);
  }

  /**
   * Waits until every Deployment and StatefulSet is rolled out and every Job is Complete. Fails at
   * once when a Job fails (it will not run again by itself), otherwise after `timeoutMs`, with
   * the explanation. Returns the seconds from apply to ready.
   */
  async waitUntilReady(timeoutMs: number, objects: readonly KubeObject[] = this.objects): Promise<number> {
    let lastPending = '';
    const hopeless = new HopelessWatch();
    let lastHopelessCheck = 0;
    await this.cluster.waitFor('every workload to be ready', timeoutMs, async () => {
      for (const o of objects.filter((x) => x.kind === 'Job')) {
        const live = this.cluster.store.get('Job', o.metadata.namespace, o.metadata.name);
        if (live && jobFinished(live) === 'Failed') throw new Error(`Job ${o.metadata.namespace}/${o.metadata.name} failed: the platform cannot start\n${await this.explain()}`);
      }
      // Every few seconds: a pod stuck in a way that will not fix itself fails the run at once.
      if (Date.now() - lastHopelessCheck > 5000) {
        lastHopelessCheck = Date.now();
        for (const pod of this.cluster.store.list('Pod', this.namespace).filter((p) => this.ofCurrentTemplate(p))) {
          const jobPod = (pod.metadata.ownerReferences ?? []).some((r) => r.kind === 'Job');
          const blocked = isReady(pod) && !jobPod ? [] : ((await this.parts.blocked?.(pod).catch(() => [])) ?? []);
          const reason = hopeless.check(pod, blocked);
          if (reason) throw new Error(`${reason}: the platform cannot start\n${await this.explain()}`);
        }
      }
      const pending = this.pending(objects);
      const routing = pending.length === 0 ? this.parts.ingress.notRouting() : undefined;
      if (routing) pending.push(routing);
      const text = pending.join(', ');
      if (text !== lastPending) {
        lastPending = text;
        this.log(pending.length ? `waiting for ${text}` : 'every workload is ready');
      }
      return pending.length === 0 ? true : undefined;
    }, () => this.explain());
    return (Date.now() - this.appliedAt) / 1000;
  }

  /**
   * The address users' requests come from: outside the cluster and not the node's (kubelet probes
   * come from the node, and a per-client rate limit must not lump the two together).
   */
  userAddress?: string;

  /** An HTTPS request to a host of the Ingress, through the ingress controller (as a user's browser). */
  request(host: string, urlPath: string, options: { method?: string; body?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
    return this.requestOnce(host, urlPath, options).catch((e: Error & { reusedSocket?: boolean }) => {
      // A kept-alive connection the ingress closed as the request went out, before any answer (an
      // NGINX reload ends idle connections): a browser sends the request again on a new
      // connection, whatever its method (Chromium resends on a reused connection that was reset),
      // as Node's documentation advises for ECONNRESET on a reused socket.
      if (e.reusedSocket) return this.requestOnce(host, urlPath, options, true);
      throw e;
    });
  }

  private requestOnce(host: string, urlPath: string, options: { method?: string; body?: string; headers?: Record<string, string>; timeoutMs?: number }, newConnection = false): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
    return new Promise((resolve, reject) => {
      const req = https.request({
        host: this.parts.ingress.address, port: 443, servername: host, path: urlPath, method: options.method ?? 'GET', localAddress: this.userAddress,
        // The retry goes out on a new connection: the other kept-alive ones may be closing too.
        ...(newConnection ? { agent: false } : {}),
        headers: { Host: host, ...(options.headers ?? {}) }, rejectUnauthorized: false, timeout: options.timeoutMs ?? 30_000,
      }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('timeout', () => req.destroy(new Error(`request to https://${host}${urlPath} timed out`)));
      req.on('error', (e: Error & { code?: string; reusedSocket?: boolean }) => {
        if (req.reusedSocket && (e.code === 'ECONNRESET' || e.message === 'socket hang up')) e.reusedSocket = true;
        e.message = `${e.message} (${e.code ?? 'no code'}, ${req.reusedSocket ? 'a kept-alive connection' : 'a new connection'})`;
        reject(e);
      });
      req.end(options.body);
    });
  }

  /** A plain-HTTP request to the ingress controller (port 80). */
  requestHttp(host: string, urlPath: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: this.parts.ingress.address, port: 80, path: urlPath, headers: { Host: host }, timeout: 30_000, localAddress: this.userAddress }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('timeout', () => req.destroy(new Error(`request to http://${host}${urlPath} timed out`)));
      req.on('error', reject);
      req.end();
    });
  }

  /** The hosts of the platform's Ingress objects. */
  hosts(): string[] {
    return this.objects.filter((o) => o.kind === 'Ingress').flatMap((o) => (o.spec.rules ?? []).map((r: any) => r.host as string));
  }

  async stop(): Promise<void> {
    await this.parts.ingress.stop().catch(() => undefined);
    await this.parts.outside?.stop().catch(() => undefined);
    await this.cluster.stop();
  }
}
