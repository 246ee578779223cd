import * as fs from 'node:fs';
import * as path from 'node:path';
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

/** The user a container runs as: its own securityContext over the pod's. */
function userOf(pod: KubeObject, container: any): { uid?: number; groups: number[] } {
  const p = pod.spec.securityContext ?? {};
  const c = container.securityContext ?? {};
  const gid = c.runAsGroup ?? p.runAsGroup;
  return { uid: c.runAsUser ?? p.runAsUser, groups: [gid, p.fsGroup, ...(p.supplementalGroups ?? [])].filter((g) => g !== undefined) };
}

/** Can uid/groups list and enter a directory with these owner, group and mode bits? */
function canEnter(st: fs.Stats, uid: number, groups: readonly number[]): boolean {
  if (uid === 0) return true;
  if (st.uid === uid) return (st.mode & 0o500) === 0o500;
  if (groups.includes(st.gid)) return (st.mode & 0o050) === 0o050;
  return (st.mode & 0o005) === 0o005;
}

/**
 * Directories on the pod's persistent volumes that its containers' user cannot enter (`ls -la` of
 * the volume, as an operator would look): a data directory written by another uid.
 */
export function volumeAccessProblems(cluster: Cluster, pod: KubeObject): string[] {
  const out: string[] = [];
  for (const v of pod.spec.volumes ?? []) {
    if (!v.persistentVolumeClaim) continue;
    const root = path.join(cluster.options.runDir, 'persistent-volumes', pod.metadata.namespace!, v.persistentVolumeClaim.claimName);
    if (!fs.existsSync(root)) continue;
    for (const c of pod.spec.containers ?? []) {
      const mount = (c.volumeMounts ?? []).find((m: any) => m.name === v.name);
      const { uid, groups } = userOf(pod, c);
      if (!mount || uid === undefined) continue;
      const walk = (dir: string, depth: number): void => {
        let st: fs.Stats;
        try {
          st = fs.statSync(dir);
        } catch {
          return;
        }
        if (!st.isDirectory()) return;
        if (!canEnter(st, uid, groups)) {
          out.push(`container ${c.name} (uid ${uid}, groups ${groups.join(',')}) cannot enter ${path.join(mount.mountPath, path.relative(root, dir))} on volume ${v.name}: owner uid ${st.uid}, group ${st.gid}, mode ${(st.mode & 0o7777).toString(8)}`);
          return;
        }
        if (depth < 4) for (const e of fs.readdirSync(dir)) walk(path.join(dir, e), depth + 1);
      };
      walk(root, 0);
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
  for (const problem of volumeAccessProblems(cluster, pod)) lines.push(`  Permission denied: ${problem}`);
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
