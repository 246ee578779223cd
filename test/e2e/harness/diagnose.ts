import type { Cluster } from './cluster';
import type { KubeObject } from './store';
import { isReady, isTerminating, phaseOf } from './controllers/pods';
import { jobFinished } from './controllers/job';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Connections a pod's NetworkPolicies dropped, as the network reports them (one sentence each). */
export type BlockedConnections = (pod: KubeObject) => Promise<string[]>;

/** One line per container that is not ready, with the reason a human can act on. */
function containerLines(cluster: Cluster, pod: KubeObject): string[] {
  const out: string[] = [];
  const statuses: any[] = [...(pod.status?.initContainerStatuses ?? []).map((s: any) => ({ ...s, init: true })), ...(pod.status?.containerStatuses ?? [])];
  for (const s of statuses) {
    if (s.init ? s.state?.terminated?.exitCode === 0 : s.ready) continue;
    const kind = s.init ? 'init container' : 'container';
    let line = `${kind} ${s.name}:`;
    if (s.state?.waiting) line += ` waiting (${s.state.waiting.reason}${s.state.waiting.message && !String(s.state.waiting.message).startsWith('back-off') ? `: ${s.state.waiting.message}` : ''})`;
    else if (s.state?.running) line += ` running, not ready`;
    else if (s.state?.terminated) line += ` exited ${s.state.terminated.exitCode}`;
    if (s.restartCount) line += `, ${s.restartCount} restart(s)`;
    const last = s.lastState?.terminated ?? s.state?.terminated;
    if (last && last.exitCode !== 0) line += `, last exit code ${last.exitCode}`;
    out.push(line);
    try {
      const runner = cluster.kubelet.runner(pod.metadata.namespace!, pod.metadata.name);
      for (const [key, message] of runner.lastProbeFailure) if (key.startsWith(`${s.name}/`)) out.push(`  ${key.split('/')[1]} probe: ${message}`);
      const tail = runner.container(s.name).tail(6).split('\n').filter((l) => l && !l.startsWith('--- harness:'));
      if (tail.length) out.push(...tail.map((l) => `  | ${l.slice(0, 240)}`));
    } catch {
      // the pod is not on the node (pending or gone)
    }
  }
  return out;
}

/** Why a pod is not Ready: scheduling, volumes, containers, probes, logs, dropped connections. */
export async function explainPod(cluster: Cluster, pod: KubeObject, blocked?: BlockedConnections): Promise<string[]> {
  const head = `Pod ${pod.metadata.namespace}/${pod.metadata.name} (${phaseOf(pod)}${isTerminating(pod) ? ', terminating' : ''}${pod.status?.podIP ? `, ${pod.status.podIP}` : ''})`;
  const lines = [head];
  const scheduled = (pod.status?.conditions ?? []).find((c: any) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False') lines.push(`  unschedulable: ${scheduled.message}`);
  if (pod.status?.message) lines.push(`  ${pod.status.message}`);
  lines.push(...containerLines(cluster, pod).map((l) => `  ${l}`));
  for (const b of (await blocked?.(pod).catch(() => [])) ?? []) lines.push(`  blocked by NetworkPolicy: ${b}`);
  return lines;
}

/** Every workload that is not done yet, each with its pods explained: the message of a failed run. */
export async function explainPlatform(cluster: Cluster, namespace: string, blocked?: BlockedConnections): Promise<string> {
  const lines: string[] = [];
  const pods = cluster.store.list('Pod', namespace);
  const ownedBy = (o: KubeObject) => pods.filter((p) => (p.metadata.ownerReferences ?? []).some((r) => r.uid === o.metadata.uid));
  for (const job of cluster.store.list('Job', namespace)) {
    const state = jobFinished(job);
    if (state === 'Complete') continue;
    const condition = (job.status?.conditions ?? [])[0];
    lines.push(`Job ${namespace}/${job.metadata.name}: ${state ? `${state} (${condition?.reason}: ${condition?.message})` : `not complete (${job.status?.failed ?? 0} failed pod(s))`}`);
    for (const p of ownedBy(job)) if (phaseOf(p) !== 'Succeeded') lines.push(...(await explainPod(cluster, p, blocked)).map((l) => `  ${l}`));
  }
  for (const kind of ['StatefulSet', 'Deployment']) {
    for (const w of cluster.store.list(kind, namespace)) {
      const notReady = ownedBy(w).filter((p) => !isReady(p));
      const want = kind === 'Deployment' ? w.status?.desiredReplicas : w.spec.replicas ?? 1;
      if (notReady.length === 0 && (w.status?.readyReplicas ?? 0) >= (want ?? 1)) continue;
      lines.push(`${kind} ${namespace}/${w.metadata.name}: ${w.status?.readyReplicas ?? 0}/${want ?? '?'} ready`);
      for (const p of notReady) lines.push(...(await explainPod(cluster, p, blocked)).map((l) => `  ${l}`));
    }
  }
  return lines.join('\n');
}
