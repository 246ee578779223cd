import type { KubeObject } from '../store';

/** One event about an object, as `kubectl get events` shows them (repeats are counted). */
export interface RecordedEvent {
  readonly object: string;
  readonly reason: string;
  readonly message: string;
  count: number;
  readonly first: Date;
  last: Date;
}

/** Events of the run: what the kubelet and the controllers did and why, for logs and failure reports. */
export class Recorder {
  readonly events: RecordedEvent[] = [];

  constructor(private readonly log: (line: string) => void) {}

  /** Records an event; with `aggregate`, a repeat of the last identical event only bumps its count. */
  event(object: KubeObject | string, reason: string, message: string, aggregate = false): void {
    const ref = typeof object === 'string' ? object : `${object.kind}/${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
    const now = new Date();
    if (aggregate) {
      const same = [...this.events].reverse().find((e) => e.object === ref && e.reason === reason);
      if (same && same.message === message) {
        same.count++;
        same.last = now;
        return;
      }
    }
    this.events.push({ object: ref, reason, message, count: 1, first: now, last: now });
    this.log(`${ref} ${reason}: ${message}`);
  }

  /** Events about objects whose reference contains `name` (a pod, or every pod of a workload). */
  about(name: string): RecordedEvent[] {
    return this.events.filter((e) => e.object.includes(name));
  }
}
