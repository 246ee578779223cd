import type { KubeObject } from './store';
import { isReady, isTerminating } from './controllers/pods';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** How long a condition may last before the run gives up on it (a cluster would just keep trying). */
export const HOPELESS_AFTER = {
  /** A container the kubelet cannot even create (a missing Secret key, a bad reference). */
  configErrorMs: 30_000,
  /** A pod no node can take. */
  unschedulableMs: 60_000,
  /** A pod that is not Ready (or a Job's pod) while its NetworkPolicies drop its connections. */
  blockedMs: 45_000,
  /** Restarts of one container (the back-off doubles each time: 10, 20, 40 s). */
  restarts: 3,
  /**
   * A pod whose containers all run but that is not Ready (a readiness probe that never passes).
   * Generous: with the machine's two cores shared by several platforms, Patroni's first
   * bootstrap once took over 120 s.
   */
  unreadyMs: 300_000,
};

/**
 * Conditions that will not fix themselves: a run that sees one for longer than its allowance
 * fails at once with the explanation, instead of waiting for its overall timeout. Each returns
 * the reason, or undefined while the pod may still come good.
 */
export class HopelessWatch {
  private readonly since = new Map<string, number>();

  /** Why `pod` will not come up by itself, given the connections its policies dropped. */
  check(pod: KubeObject, blocked: readonly string[], now = Date.now()): string | undefined {
    const seen = new Set<string>();
    const lasting = (key: string, allowanceMs: number): boolean => {
      seen.add(key);
      const first = this.since.get(key) ?? now;
      this.since.set(key, first);
      return now - first >= allowanceMs;
    };
    const where = `Pod ${pod.metadata.namespace}/${pod.metadata.name}`;
    let reason: string | undefined;
    if (!isTerminating(pod)) {
      for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
        if (s.state?.waiting?.reason === 'CreateContainerConfigError' && lasting(`${where}/${s.name}/config`, HOPELESS_AFTER.configErrorMs)) reason ??= `${where} container ${s.name} cannot be created: ${s.state.waiting.message}`;
        if ((s.restartCount ?? 0) >= HOPELESS_AFTER.restarts) reason ??= `${where} container ${s.name} has restarted ${s.restartCount} times`;
      }
      const scheduled = (pod.status?.conditions ?? []).find((c: any) => c.type === 'PodScheduled');
      if (scheduled?.status === 'False' && lasting(`${where}/unschedulable`, HOPELESS_AFTER.unschedulableMs)) reason ??= `${where} cannot be scheduled: ${scheduled.message}`;
      // A Job's pod is Ready while it runs (no readiness probe), so for it the drops alone count; a
      // drop the policies allow now was a new address reaching its peers' rules, not a lasting block.
      const jobPod = (pod.metadata.ownerReferences ?? []).some((r: any) => r.kind === 'Job');
      const lastingDrops = blocked.filter((b) => !b.includes('allowed now by'));
      if ((!isReady(pod) || jobPod) && lastingDrops.length > 0 && lasting(`${where}/blocked`, HOPELESS_AFTER.blockedMs)) {
        reason ??= jobPod ? `${where} (of a Job) has had its connections dropped by its NetworkPolicies for ${HOPELESS_AFTER.blockedMs / 1000} s` : `${where} is not Ready and its NetworkPolicies drop its connections`;
      }
      const mains: any[] = pod.status?.containerStatuses ?? [];
      const allRunning = mains.length > 0 && mains.every((c) => c.state?.running && c.started !== false);
      if (allRunning && !isReady(pod) && lasting(`${where}/unready`, HOPELESS_AFTER.unreadyMs)) reason ??= `${where} has been running for ${HOPELESS_AFTER.unreadyMs / 1000} s without becoming Ready`;
    }
    for (const key of [...this.since.keys()]) if (key.startsWith(`${where}/`) && !seen.has(key)) this.since.delete(key);
    return reason;
  }
}
