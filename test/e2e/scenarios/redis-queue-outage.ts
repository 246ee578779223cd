import { isReady, isTerminating } from '../harness/controllers/pods';
import { statefulSetComplete } from '../harness/controllers/statefulset';
import { deploymentComplete } from '../harness/controllers/deployment';
import { check, Scenario } from './scenario';
import { eventually, SUPERSET } from './util';
import { Load } from './load';

const QUEUE = { 'app.kubernetes.io/name': 'redis-queue' };
const OUTAGE_SECONDS = 45;

/**
 * Every redis-queue pod gone for 45 s (as in a failover gone wrong, or NOREPLICAS under
 * min-replicas-to-write): web's health checks must not depend on it. /health through the ingress
 * keeps answering 200, and no web pod becomes unready or restarts (the rate limiter's storage is
 * redis-queue; its errors must not reach the health endpoints).
 */
export const redisQueueOutage: Scenario = {
  name: 'redis-queue-outage',
  description: 'every redis-queue pod down for 45 s: /health keeps answering 200 through the ingress, no web pod turns unready or restarts',
  async run({ run, host, figure }) {
    const ns = run.namespace;
    const web = () => run.cluster.pods(ns, SUPERSET('web')).filter((p) => !isTerminating(p));
    const restarts = () => web().map((p) => (p.status?.containerStatuses ?? []).reduce((n: number, c: { restartCount?: number }) => n + (c.restartCount ?? 0), 0)).reduce((a, b) => a + b, 0);
    const before = restarts();
    const load = new Load(async () => {
      const r = await run.request(host, '/health', { timeoutMs: 30_000 });
      if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
    });
    let unready = 0;
    const watch = setInterval(() => { unready = Math.max(unready, web().filter((p) => !isReady(p)).length); }, 500);
    load.start();
    try {
      run.cluster.hold((p) => p.metadata.namespace === ns && Object.entries(QUEUE).every(([k, v]) => p.metadata.labels?.[k] === v), OUTAGE_SECONDS * 1000);
      for (const p of run.cluster.pods(ns, QUEUE)) run.cluster.deleteObject('Pod', ns, p.metadata.name, 0);
      await eventually('every redis-queue pod to be gone', 60_000, () => (run.cluster.pods(ns, QUEUE).filter((p) => !isTerminating(p) && isReady(p)).length === 0 ? true : undefined));
      await new Promise((r) => setTimeout(r, OUTAGE_SECONDS * 1000));
    } finally {
      clearInterval(watch);
    }
    const summary = await load.stop();
    figure('health requests while redis-queue was down', summary);
    check(load.failed === 0, `/health failed while redis-queue was down (${summary}): ${load.failures.join('; ')}`);
    check(unready === 0, `${unready} web pod(s) became unready while redis-queue was down`);
    check(restarts() === before, `web containers restarted while redis-queue was down (${restarts() - before} restarts)`);
    const t0 = Date.now();
    await eventually('redis-queue to be back', 300_000, () => {
      const sts = run.cluster.store.get('StatefulSet', ns, 'redis-queue');
      return sts && statefulSetComplete(sts) ? true : undefined;
    });
    figure('redis-queue back after the hold', `${((Date.now() - t0) / 1000).toFixed(0)} s`);
    // The workers and beat lost their broker: they must be ready again on their own.
    await eventually('every Superset Deployment ready again', 300_000, () => (run.cluster.store.list('Deployment', ns).every((d) => deploymentComplete(d)) ? true : undefined));
  },
};
