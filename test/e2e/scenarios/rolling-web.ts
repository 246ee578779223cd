import { randomBytes } from 'node:crypto';
import { deploymentComplete } from '../harness/controllers/deployment';
import { check, Scenario } from './scenario';
import { eventually } from './util';
import { Load } from './load';

/**
 * A rolling update of the web Deployment (its config hash annotation changed, as a config change
 * does) while users keep requesting through the ingress: not one request may fail.
 */
export const rollingWeb: Scenario = {
  name: 'rolling-web',
  description: 'rolling update of web (config hash changed) under client load through the ingress: 0 failed requests',
  async run({ run, host, figure }) {
    const ns = run.namespace;
    const load = new Load(async () => {
      const r = await run.request(host, '/health', { timeoutMs: 30_000 });
      if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${r.body.slice(0, 120)}`);
    });
    load.start();
    await new Promise((r) => setTimeout(r, 3000));
    const t0 = Date.now();
    const web = run.cluster.store.get('Deployment', ns, 'superset-web')!;
    const changed = structuredClone(web);
    changed.spec.template.metadata.annotations = { ...(changed.spec.template.metadata.annotations ?? {}), 'superset-k8s.io/config-sha256': randomBytes(32).toString('hex') };
    delete changed.metadata.resourceVersion;
    run.cluster.apply([changed]);
    await eventually('the web rollout to complete', 600_000, () => {
      const d = run.cluster.store.get('Deployment', ns, 'superset-web');
      return d && d.metadata.generation !== web.metadata.generation && deploymentComplete(d) && run.cluster.pods(ns, { 'app.kubernetes.io/component': 'web' }).every((p) => p.metadata.annotations?.['superset-k8s.io/config-sha256'] === changed.spec.template.metadata.annotations['superset-k8s.io/config-sha256']) ? true : undefined;
    });
    figure('rollout of web', `${((Date.now() - t0) / 1000).toFixed(0)} s`);
    await new Promise((r) => setTimeout(r, 3000));
    const summary = await load.stop();
    figure('requests during the rollout', summary);
    check(load.failed === 0, `requests failed during the rolling update of web (${summary}): ${load.failures.join('; ')}`);
  },
};
