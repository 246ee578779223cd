import type { KubeObject, ObjectStore, WatchEvent } from '../store';
import type { Recorder } from '../kubelet/recorder';

/**
 * The shape of every controller: it watches the store, reconciles an object of its kind whenever
 * that object or a pod it owns changes (coalesced), and once a second anyway (for time-based
 * rules such as minReadySeconds, back-off delays and deadlines).
 */
export abstract class Controller {
  private stopWatch?: () => void;
  private timer?: NodeJS.Timeout;
  private readonly dirty = new Set<string>();
  private scheduled = false;

  constructor(protected readonly store: ObjectStore, protected readonly recorder: Recorder, protected readonly kind: string) {}

  start(): void {
    this.stopWatch = this.store.watch((e) => this.onEvent(e));
    this.timer = setInterval(() => {
      for (const o of this.store.list(this.kind)) this.mark(o);
    }, 1000);
    for (const o of this.store.list(this.kind)) this.mark(o);
  }

  stop(): void {
    this.stopWatch?.();
    if (this.timer) clearInterval(this.timer);
  }

  private onEvent(e: WatchEvent): void {
    if (e.object.kind === this.kind) {
      if (e.type === 'DELETED') this.deleted(e.object);
      else this.mark(e.object);
      return;
    }
    for (const ref of e.object.metadata.ownerReferences ?? []) {
      if (ref.kind === this.kind) {
        const owner = this.store.get(this.kind, e.object.metadata.namespace, ref.name);
        if (owner) this.mark(owner);
      }
    }
    this.related(e);
  }

  /** Other events that should wake an object up (e.g. an HPA for a Deployment). */
  protected related(_e: WatchEvent): void {}

  protected mark(o: KubeObject): void {
    this.dirty.add(`${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const keys = [...this.dirty];
      this.dirty.clear();
      for (const key of keys) {
        const [ns, name] = key.split('/');
        const current = this.store.get(this.kind, ns || undefined, name);
        if (!current) continue;
        try {
          this.reconcile(current);
        } catch (e) {
          this.recorder.event(current, 'ReconcileError', String((e as Error).message ?? e), true);
        }
      }
    });
  }

  protected abstract reconcile(o: KubeObject): void;

  /** The object is gone: its dependents are garbage-collected. */
  protected abstract deleted(o: KubeObject): void;
}
