import type { KubeObject, ObjectStore } from '../store';
import { NotFoundError, selectorMatches } from '../store';
import type { Recorder } from '../kubelet/recorder';
import { isTerminating, phaseOf } from './pods';
import { HARNESS_POD_ANNOTATION } from '../contracts';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface VirtualNodes {
  /** How many nodes the cluster pretends to have (all of them are this machine). */
  readonly count: number;
  /** How many zones they are spread over. */
  readonly zones: number;
}

/** Node objects: `e2e-node-<n>` in zones `zone-a`, `zone-b`, ... */
export function nodeObjects(nodes: VirtualNodes): KubeObject[] {
  return Array.from({ length: nodes.count }, (_, i) => {
    const name = `e2e-node-${i + 1}`;
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'topology.kubernetes.io/zone': `zone-${String.fromCharCode(97 + (i % nodes.zones))}`,
        },
      },
      spec: {},
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    };
  });
}

/** Pods that occupy a node for scheduling: assigned and not finished. */
function placed(store: ObjectStore): KubeObject[] {
  return store.list('Pod').filter((p) => p.spec.nodeName && !['Succeeded', 'Failed'].includes(phaseOf(p)));
}

function requiredAntiAffinity(pod: KubeObject): any[] {
  return pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
}

function termMatches(term: any, termOwner: KubeObject, other: KubeObject): boolean {
  const namespaces: string[] = term.namespaces ?? [termOwner.metadata.namespace];
  return namespaces.includes(other.metadata.namespace!) && selectorMatches(term.labelSelector ?? {}, other.metadata.labels);
}

/** Why `pod` cannot go to `node`, or undefined when it can. */
export function unfit(pod: KubeObject, node: KubeObject, nodes: readonly KubeObject[], others: readonly KubeObject[]): string | undefined {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries<string>(pod.spec.nodeSelector ?? {})) if (labels[k] !== v) return "didn't match Pod's node affinity/selector";
  const domainOf = (nodeName: string, key: string) => nodes.find((n) => n.metadata.name === nodeName)?.metadata.labels?.[key];
  for (const term of requiredAntiAffinity(pod)) {
    const domain = labels[term.topologyKey];
    if (domain === undefined) continue;
    if (others.some((o) => domainOf(o.spec.nodeName, term.topologyKey) === domain && termMatches(term, pod, o))) return "didn't match pod anti-affinity rules";
  }
  // Symmetry: a placed pod's own anti-affinity keeps this pod away too.
  for (const o of others) {
    for (const term of requiredAntiAffinity(o)) {
      const domain = domainOf(o.spec.nodeName, term.topologyKey);
      if (domain !== undefined && labels[term.topologyKey] === domain && termMatches(term, o, pod)) return "didn't satisfy existing pods anti-affinity rules";
    }
  }
  return undefined;
}

/**
 * The scheduler: every pod without a node gets the least busy virtual node that satisfies its
 * nodeSelector and required pod anti-affinity (and the anti-affinity of the pods already placed).
 * A pod that fits nowhere stays Pending with the reason, as on a cluster, and is retried.
 */
export class Scheduler {
  private timer?: NodeJS.Timeout;
  private stopWatch?: () => void;
  /** Pods kept off every node until a time (a node that is down, a slow start on purpose). */
  private readonly holds: Array<{ readonly matches: (pod: KubeObject) => boolean; readonly until: number }> = [];

  /** Keeps pods that `matches` selects Pending for `ms` (scenarios: a node failure, a late start). */
  hold(matches: (pod: KubeObject) => boolean, ms: number): void {
    this.holds.push({ matches, until: Date.now() + ms });
  }

  constructor(private readonly store: ObjectStore, private readonly recorder: Recorder) {}

  start(): void {
    this.stopWatch = this.store.watch((e) => {
      if (e.object.kind === 'Pod' && (!e.object.spec?.nodeName || e.type === 'DELETED')) this.kick();
    });
    this.timer = setInterval(() => this.scheduleAll(), 2000);
    this.kick();
  }

  stop(): void {
    this.stopWatch?.();
    if (this.timer) clearInterval(this.timer);
  }

  private pending = false;
  private kick(): void {
    if (this.pending) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      this.scheduleAll();
    });
  }

  scheduleAll(): void {
    const nodes = this.store.list('Node');
    const now = Date.now();
    const held = (p: KubeObject) => this.holds.some((h) => h.until > now && h.matches(p));
    for (const pod of this.store.list('Pod').filter((p) => !p.spec.nodeName && !isTerminating(p) && !p.metadata.annotations?.[HARNESS_POD_ANNOTATION] && !held(p))) {
      const others = placed(this.store);
      const reasons = new Map<string, number>();
      const candidates = nodes.filter((n) => {
        const why = unfit(pod, n, nodes, others);
        if (why) reasons.set(why, (reasons.get(why) ?? 0) + 1);
        return !why;
      });
      if (candidates.length === 0) {
        const message = `0/${nodes.length} nodes are available: ${[...reasons.entries()].map(([why, n]) => `${n} node(s) ${why}`).join(', ')}.`;
        this.recorder.event(pod, 'FailedScheduling', message, true);
        this.setCondition(pod, message);
        continue;
      }
      const load = (n: KubeObject) => others.filter((o) => o.spec.nodeName === n.metadata.name).length;
      const node = candidates.sort((a, b) => load(a) - load(b) || a.metadata.name.localeCompare(b.metadata.name))[0];
      try {
        this.store.update('Pod', pod.metadata.namespace, pod.metadata.name, (p) => {
          p.spec.nodeName = node.metadata.name;
          p.status = { ...(p.status ?? {}), phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] };
        });
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
      }
    }
  }

  private setCondition(pod: KubeObject, message: string): void {
    const current = (pod.status?.conditions ?? []).find((c: any) => c.type === 'PodScheduled');
    if (current?.message === message) return;
    try {
      this.store.update('Pod', pod.metadata.namespace, pod.metadata.name, (p) => {
        p.status = { ...(p.status ?? {}), phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }] };
      });
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
  }
}
