import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ClusterNetwork, ImageStandIns, KubeApiServer } from './contracts';
import { ObjectStore, KubeObject, NotFoundError } from './store';
import { Recorder } from './kubelet/recorder';
import { Kubelet } from './kubelet/kubelet';
import { Report } from './report';
import { nodeObjects, Scheduler, VirtualNodes } from './controllers/scheduler';
import { DeploymentController } from './controllers/deployment';
import { StatefulSetController } from './controllers/statefulset';
import { JobController, triggerCronJob } from './controllers/job';
import { deletePod } from './controllers/pods';
import { describe } from './manifests';
import type { ExecResult } from './kubelet/container';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface ClusterParts {
  readonly network: ClusterNetwork;
  readonly api: KubeApiServer;
  readonly images: ImageStandIns;
  /** An authority the images trust besides their own bundle (the outside world's stand-ins). */
  readonly trustedCaPem?: () => string;
}

export interface ClusterOptions {
  /** Directory of this run's files (pods, volumes, logs). */
  readonly runDir: string;
  readonly nodes: VirtualNodes;
  readonly log: (line: string) => void;
}

/** Namespaces that exist on every cluster, besides the platform's own. */
const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One cluster on this machine: the store, the scheduler and controllers, the kubelet, and the
 * network, API server and image stand-ins it is given. `apply` is `kubectl apply`.
 */
export class Cluster {
  readonly recorder: Recorder;
  readonly report = new Report();
  readonly kubelet: Kubelet;
  private readonly scheduler: Scheduler;
  private readonly controllers: Array<{ start(): void; stop(): void }>;
  private started = false;
  private stopServiceAccounts?: () => void;

  /** `store` is shared with the parts (the network and the API server watch it). */
  constructor(readonly parts: ClusterParts, readonly options: ClusterOptions, readonly store = new ObjectStore()) {
    this.recorder = new Recorder(options.log);
    fs.mkdirSync(options.runDir, { recursive: true });
    this.kubelet = new Kubelet({
      store: this.store,
      network: parts.network,
      images: parts.images,
      serviceAccounts: parts.api,
      runDir: options.runDir,
      recorder: this.recorder,
      trustedCaPem: parts.trustedCaPem,
    }, this.report);
    this.scheduler = new Scheduler(this.store, this.recorder);
    this.controllers = [
      new DeploymentController(this.store, this.recorder),
      new StatefulSetController(this.store, this.recorder),
      new JobController(this.store, this.recorder),
    ];
  }

  /** Namespaces, nodes, the `kubernetes` Service; then the network, the API server and the control loops. */
  async start(extraNamespaces: readonly string[] = []): Promise<void> {
    // The ServiceAccount controller: every namespace gets its `default` ServiceAccount.
    this.stopServiceAccounts = this.store.watch((e) => {
      if (e.type === 'ADDED' && e.object.kind === 'Namespace' && !this.store.get('ServiceAccount', e.object.metadata.name, 'default')) {
        this.store.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: e.object.metadata.name } });
      }
    });
    for (const ns of [...SYSTEM_NAMESPACES, ...extraNamespaces]) this.ensureNamespace(ns);
    for (const n of nodeObjects(this.options.nodes)) this.store.create(n);
    await this.parts.network.start();
    await this.parts.api.start();
    this.kubelet.start();
    this.scheduler.start();
    for (const c of this.controllers) c.start();
    this.started = true;
  }

  ensureNamespace(name: string, labels: Record<string, string> = {}): void {
    if (this.store.get('Namespace', undefined, name)) return;
    this.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } });
  }

  /**
   * `kubectl apply`: creates what is new, replaces what exists (keeping its status and the fields
   * the API server or controllers own). A Namespace gets its `kubernetes.io/metadata.name` label
   * as the API server adds it.
   */
  apply(objects: readonly KubeObject[]): void {
    for (const o of objects) {
      const copy = structuredClone(o);
      if (copy.kind === 'Namespace') copy.metadata.labels = { ...(copy.metadata.labels ?? {}), 'kubernetes.io/metadata.name': copy.metadata.name };
      const existing = this.store.get(copy.kind, copy.metadata.namespace, copy.metadata.name);
      if (!existing) {
        this.store.create(copy);
        continue;
      }
      copy.metadata = { ...copy.metadata, uid: existing.metadata.uid, resourceVersion: undefined };
      if (existing.status !== undefined) copy.status = existing.status;
      this.store.replace(copy);
    }
  }

  /**
   * `kubectl delete`: objects go; the controllers garbage-collect what they own. A Pod gets its
   * grace period (`gracePeriodSeconds` 0: `--grace-period=0 --force`, killed at once).
   */
  deleteObject(kind: string, namespace: string | undefined, name: string, gracePeriodSeconds?: number): void {
    if (kind === 'Pod') return deletePod(this.store, namespace!, name, gracePeriodSeconds);
    try {
      this.store.delete(kind, namespace, name);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
  }

  /** Keeps pods that `matches` selects from being scheduled for `ms` (as if their node were down). */
  hold(matches: (pod: KubeObject) => boolean, ms: number): void {
    this.scheduler.hold(matches, ms);
  }

  /** Starts a Job from a CronJob now (`kubectl create job --from=cronjob/<name>`). */
  triggerCronJob(namespace: string, name: string): KubeObject {
    const cj = this.store.get('CronJob', namespace, name);
    if (!cj) throw new Error(`CronJob ${namespace}/${name} does not exist`);
    return triggerCronJob(this.store, cj);
  }

  /** `kubectl exec`: runs a command in a running container. */
  exec(namespace: string, pod: string, container: string | undefined, argv: readonly string[], timeoutMs = 30_000, input?: string): Promise<ExecResult> {
    return this.kubelet.runner(namespace, pod).container(container).exec(argv, timeoutMs, input);
  }

  /** The container's log so far. */
  logs(namespace: string, pod: string, container?: string, lines = 50): string {
    return this.kubelet.runner(namespace, pod).container(container).tail(lines);
  }

  /** Polls until `check` returns a value (not undefined), or fails with `explain()` after the timeout. */
  async waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined | Promise<T | undefined>, explain?: () => string | Promise<string>): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const unsupported = this.kubelet.unsupported;
      if (unsupported.length) throw new Error(`the harness cannot run these pod specs:\n  ${unsupported.join('\n  ')}`);
      const got = await check();
      if (got !== undefined) return got;
      if (Date.now() > end) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${explain ? `\n${await explain()}` : ''}`);
      await sleep(500);
    }
  }

  /** Pods of a namespace matching a label predicate, for scenarios. */
  pods(namespace: string, labels: Record<string, string> = {}): KubeObject[] {
    return this.store.list('Pod', namespace).filter((p) => Object.entries(labels).every(([k, v]) => p.metadata.labels?.[k] === v));
  }

  describe(o: KubeObject): string {
    return describe(o);
  }

  /** Stops everything this cluster started, in reverse order. */
  async stop(): Promise<void> {
    if (!this.started) return;
    for (const c of this.controllers) c.stop();
    this.scheduler.stop();
    await this.kubelet.stop();
    await this.parts.api.stop();
    await this.parts.network.stop();
    this.stopServiceAccounts?.();
    this.started = false;
  }

  /** Where a run keeps its files. */
  static runDirFor(runId: string): string {
    return path.join('/var/tmp/superset-k8s-e2e', runId);
  }
}
