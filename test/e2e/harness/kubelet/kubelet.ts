import type { KubeObject } from '../store';
import { inspectPodSpec, Report } from '../report';
import { KubeletDeps, PodRunner } from './pod-runner';
import { HARNESS_POD_ANNOTATION } from '../contracts';

/** How long a ConfigMap or Secret update takes to reach the mounted files. */
export const VOLUME_SYNC_DELAY_MS = 10_000;

/**
 * The kubelet of every virtual node (they are all this machine): runs each pod the scheduler has
 * placed, and stops it when its deletion is requested. Pod specs are checked first: a field the
 * harness cannot emulate fails that pod with a message naming it, never silently.
 */
export class Kubelet {
  private readonly runners = new Map<string, PodRunner>();
  private stopWatch?: () => void;
  /** Specs the harness cannot run, by pod: the run fails on any. */
  readonly unsupported: string[] = [];

  constructor(private readonly deps: KubeletDeps, private readonly report: Report) {}

  start(): void {
    this.stopWatch = this.deps.store.watch((e) => {
      if (e.object.kind === 'Pod' && e.type !== 'DELETED') this.sync(e.object);
      if ((e.object.kind === 'Secret' || e.object.kind === 'ConfigMap') && e.type === 'MODIFIED') this.projectLater(e.object);
    });
    for (const pod of this.deps.store.list('Pod')) this.sync(pod);
  }

  private sync(pod: KubeObject): void {
    if (pod.metadata.annotations?.[HARNESS_POD_ANNOTATION]) return;
    const uid = pod.metadata.uid!;
    const runner = this.runners.get(uid);
    if (pod.metadata.deletionTimestamp) {
      if (runner) {
        runner.object = pod;
        void runner.terminate().finally(() => this.runners.delete(uid));
      }
      return;
    }
    if (runner || !pod.spec.nodeName) return;
    const where = `Pod ${pod.metadata.namespace}/${pod.metadata.name}`;
    const findings = inspectPodSpec(pod.spec, where);
    this.report.addNotEmulated(findings.notEmulated);
    const next = new PodRunner(this.deps, pod);
    this.runners.set(uid, next);
    if (findings.errors.length) {
      this.unsupported.push(...findings.errors);
      for (const e of findings.errors) this.deps.recorder.event(pod, 'Unsupported', e);
      return;
    }
    void next.start();
  }

  /**
   * A changed ConfigMap or Secret reaches the files of the pods that mount it after the kubelet's
   * sync delay (on a node: up to the sync period plus the cache's TTL, about a minute; here a
   * fixed VOLUME_SYNC_DELAY_MS, so a procedure that waits for the update is exercised).
   */
  private projectLater(object: KubeObject): void {
    const { kind } = object;
    const { namespace, name } = object.metadata;
    const timer = setTimeout(() => {
      for (const r of this.runners.values()) if (r.namespace === namespace) r.refreshVolumes(kind as 'ConfigMap' | 'Secret', name);
    }, VOLUME_SYNC_DELAY_MS);
    timer.unref();
  }

  /** The runner of a pod (for exec, signals and logs in scenarios). */
  runner(namespace: string, name: string): PodRunner {
    for (const r of this.runners.values()) if (r.namespace === namespace && r.name === name && !r.terminating) return r;
    throw new Error(`no running pod ${namespace}/${name} on the node`);
  }

  /** Every runner, terminating ones included. */
  all(): PodRunner[] {
    return [...this.runners.values()];
  }

  /** Stops every pod at once (SIGKILL: the run is over) and waits for them to be gone. */
  async stop(): Promise<void> {
    this.stopWatch?.();
    await Promise.all([...this.runners.values()].map((r) => {
      r.object.metadata.deletionGracePeriodSeconds = 0;
      return r.terminate();
    }));
    this.runners.clear();
  }
}
