import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KubeObject, ObjectStore, WatchEvent } from '../store';
import { HARNESS_POD_ANNOTATION, type NodeNetwork } from '../network/node-network';
import { inNetns, runCommand } from '../network/run-command';
import { edgeModel, type EdgeModel } from './ingress-model';
import { certificatePath, renderNginxConf } from './nginx-conf';

/**
 * The ingress controller: Debian's NGINX (installed on the host; harness infrastructure, not an
 * image of dist/) in a pod of namespace nginx-ingress labelled as the F5 NGINX Ingress
 * Controller's Helm chart labels its pods (selector labels app.kubernetes.io/name = the chart name
 * "nginx-ingress", app.kubernetes.io/instance = the release name), configured from the Ingress
 * objects of its class and the ready endpoints of their backends, reloaded gracefully (SIGHUP)
 * whenever the generated configuration changes.
 */
export const CONTROLLER_NAMESPACE = 'nginx-ingress';
export const CONTROLLER_LABELS = { 'app.kubernetes.io/name': 'nginx-ingress', 'app.kubernetes.io/instance': 'nginx-ingress' } as const;
const POD_NAME = 'nginx-ingress-controller-0';
const NGINX = '/usr/sbin/nginx';

export interface IngressControllerOptions {
  readonly store: ObjectStore;
  readonly network: NodeNetwork;
  /** spec.ingressClassName the controller serves (the environment's edge.ingressClassName). */
  readonly ingressClass: string;
  /** Directory for nginx.conf, logs, temp files and certificates (created; removed by stop). */
  readonly dir: string;
  readonly log?: (line: string) => void;
}

export class IngressController {
  private readonly store: ObjectStore;
  private readonly network: NodeNetwork;
  private readonly log: (line: string) => void;
  private nginx?: ChildProcess;
  private netns?: string;
  private podIp?: string;
  private unwatch?: () => void;
  private unsync?: () => void;
  private appliedConf = '';
  private pending: Promise<void> = Promise.resolve();
  private model?: EdgeModel;
  private lastError?: Error;
  private exitedUnexpectedly?: string;
  /** Milliseconds of each reload (config written, nginx -t, SIGHUP, new worker up). */
  readonly reloadFigures: number[] = [];

  constructor(private readonly options: IngressControllerOptions) {
    this.store = options.store;
    this.network = options.network;
    this.log = options.log ?? (() => undefined);
  }

  /** The controller pod's address (ports 80 and 443). */
  get address(): string {
    if (!this.podIp) throw new Error('IngressController: not started');
    return this.podIp;
  }

  /** Annotations and fields of the served Ingresses that are not emulated, for the report. */
  get notEmulated(): readonly string[] {
    return this.model?.notEmulated ?? [];
  }

  get warnings(): readonly string[] {
    return this.model?.warnings ?? [];
  }

  async start(): Promise<void> {
    const { dir } = this.options;
    for (const sub of ['secrets', 'tmp']) fs.mkdirSync(path.join(dir, sub), { recursive: true, mode: 0o700 });
    fs.chmodSync(path.join(dir, 'tmp'), 0o700);
    fs.chownSync(path.join(dir, 'tmp'), 65534, 65534); // nginx workers run as nobody
    if (!this.store.get('Namespace', undefined, CONTROLLER_NAMESPACE)) {
      this.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: CONTROLLER_NAMESPACE, labels: { 'kubernetes.io/metadata.name': CONTROLLER_NAMESPACE } } });
    }
    this.store.create({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: POD_NAME, namespace: CONTROLLER_NAMESPACE, labels: { ...CONTROLLER_LABELS }, annotations: { [HARNESS_POD_ANNOTATION]: 'ingress-controller' } },
      spec: { containers: [{ name: 'nginx-ingress', image: 'harness/nginx (Debian)', ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }, { name: 'https', containerPort: 443, protocol: 'TCP' }] }] },
      status: { phase: 'Pending' },
    });
    const handle = await this.network.attachPod(this.store.get('Pod', CONTROLLER_NAMESPACE, POD_NAME)!);
    this.netns = handle.netns;
    this.podIp = handle.ip;
    this.store.create({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx-ingress-controller', namespace: CONTROLLER_NAMESPACE, labels: { ...CONTROLLER_LABELS } },
      spec: { selector: { ...CONTROLLER_LABELS }, ports: [{ name: 'http', port: 80, targetPort: 80, protocol: 'TCP' }, { name: 'https', port: 443, targetPort: 443, protocol: 'TCP' }] },
    });
    await this.network.settled();
    const conf = this.render();
    this.writeConf(conf);
    await runCommand(NGINX, ['-t', '-q', '-e', path.join(dir, 'error.log'), '-c', this.confPath]);
    const argv = [...inNetns(handle.netns), NGINX, '-e', path.join(dir, 'error.log'), '-c', this.confPath, '-g', 'daemon off;'];
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('exit', (code, signal) => {
      if (this.nginx === child) this.exitedUnexpectedly = `nginx exited (${code ?? signal}): ${stderr.trim()}`;
    });
    this.nginx = child;
    await this.waitForWorkers(new Set(), 'start');
    this.appliedConf = conf;
    const now = new Date().toISOString();
    this.store.update('Pod', CONTROLLER_NAMESPACE, POD_NAME, (p) => {
      p.status = { phase: 'Running', podIP: handle.ip, podIPs: [{ ip: handle.ip }], startTime: now,
        conditions: [{ type: 'ContainersReady', status: 'True' }, { type: 'Ready', status: 'True', lastTransitionTime: now }] };
    });
    this.unwatch = this.store.watch((e) => this.onEvent(e));
    this.unsync = this.network.onSynced(() => this.reconfigure());
  }

  /**
   * Why the controller does not yet route as the cluster now stands (undefined when it does): an
   * Ingress backend without a ready endpoint, or a reload still to come. The platform counts as
   * ready only then, so a first request never races the reload that adds the new pods (seen: 502s
   * right after every workload was ready).
   */
  notRouting(): string | undefined {
    if (!this.nginx) return 'the ingress controller is not running';
    const model = edgeModel(this.store.list('Ingress'), this.network.services(), this.store.list('Secret'), this.options.ingressClass);
    const missing = model.warnings.filter((w) => w.includes('no endpoints'));
    if (missing.length) return missing.join('; ');
    if (renderNginxConf(model, this.options) !== this.appliedConf) return 'the ingress controller to reload with the current endpoints';
    return undefined;
  }

  private get confPath(): string {
    return path.join(this.options.dir, 'nginx.conf');
  }

  private onEvent(e: WatchEvent): void {
    if (e.object.kind === 'Ingress' || e.object.kind === 'Secret') this.reconfigure();
  }

  /** Renders the configuration from the store and the network's current endpoints; throws naming the Ingress. */
  private render(): string {
    const model = edgeModel(this.store.list('Ingress'), this.network.services(), this.store.list('Secret'), this.options.ingressClass);
    this.model = model;
    for (const [secret, pem] of model.certificates) {
      const file = certificatePath(this.options, secret);
      fs.writeFileSync(file, pem, { mode: 0o600 });
    }
    return renderNginxConf(model, this.options);
  }

  private writeConf(conf: string): void {
    fs.writeFileSync(`${this.confPath}.new`, conf, { mode: 0o644 });
    fs.renameSync(`${this.confPath}.new`, this.confPath);
  }

  private reconfigure(): void {
    this.pending = this.pending.then(() => this.reload()).catch((e: Error) => {
      // Logged once per distinct problem: every network sync re-renders until it is fixed.
      if (this.lastError?.message !== e.message) this.log(`ingress controller: ${e.message}`);
      this.lastError = e;
    });
  }

  private async reload(): Promise<void> {
    if (!this.nginx) return;
    const started = process.hrtime.bigint();
    const conf = this.render();
    this.lastError = undefined;
    if (conf === this.appliedConf) return;
    this.writeConf(conf);
    await runCommand(NGINX, ['-t', '-q', '-e', path.join(this.options.dir, 'error.log'), '-c', this.confPath]);
    const before = this.workers();
    process.kill(this.nginx.pid!, 'SIGHUP');
    await this.waitForWorkers(before, 'reload');
    this.appliedConf = conf;
    this.reloadFigures.push(Number(process.hrtime.bigint() - started) / 1e6);
  }

  private workers(): Set<number> {
    const pid = this.nginx?.pid;
    if (!pid) return new Set();
    // nsenter execs nginx: the child is the master, its children the workers.
    const children = (p: number) => {
      try {
        return fs.readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        return [];
      }
    };
    return new Set(children(pid));
  }

  private titleOf(pid: number): string {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return 'gone';
    }
  }

  /** Waits until a worker that was not there before is up (the new configuration serves). */
  private async waitForWorkers(before: Set<number>, what: string): Promise<void> {
    const deadline = Date.now() + 10000;
    for (;;) {
      if (this.exitedUnexpectedly) throw new Error(`ingress controller ${what}: ${this.exitedUnexpectedly}`);
      const now = this.workers();
      // A new worker serves the new configuration; old ones stop accepting once they show
      // "is shutting down" in their title (or are gone).
      const oldAccepting = [...before].filter((p) => now.has(p) && !this.titleOf(p).includes('shutting down'));
      if ([...now].some((p) => !before.has(p)) && oldAccepting.length === 0) return;
      if (Date.now() > deadline) throw new Error(`ingress controller ${what}: no new nginx worker within 10 s (see ${path.join(this.options.dir, 'error.log')})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Resolves once nginx serves the configuration for the store and endpoints as of now; rejects with the last configuration error. */
  async settled(): Promise<void> {
    await this.network.settled();
    this.reconfigure();
    await this.pending;
    if (this.lastError) throw this.lastError;
  }

  async stop(): Promise<void> {
    this.unwatch?.();
    this.unsync?.();
    await this.pending.catch(() => undefined);
    const child = this.nginx;
    this.nginx = undefined;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGQUIT'); // nsenter passes it on; nginx shuts down gracefully
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (this.netns) {
      const pod = this.store.get('Pod', CONTROLLER_NAMESPACE, POD_NAME);
      if (pod) await this.network.detachPod(pod);
    }
    fs.rmSync(path.join(this.options.dir, 'secrets'), { recursive: true, force: true });
  }
}

export type { KubeObject };
