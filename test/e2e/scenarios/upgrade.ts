import { deploymentComplete } from '../harness/controllers/deployment';
import { jobFinished } from '../harness/controllers/job';
import { explainPlatform } from '../harness/diagnose';
import { check, Scenario } from './scenario';
import { eventually } from './util';
import { Load } from './load';
import { synthesizedVariant } from './variant';

/** The next revision of an image tag: the last number in it plus one (6.1.0-k8s.1 -> 6.1.0-k8s.2). */
export function nextTag(tag: string): string {
  const m = tag.match(/^(.*?)(\d+)$/);
  return m ? `${m[1]}${Number(m[2]) + 1}` : `${tag}.1`;
}

/**
 * A new Superset image tag, applied the documented way: the migration Job of the new tag first,
 * waited for, then everything else; users keep requesting through the ingress all along and not
 * one request may fail.
 */
export const upgrade: Scenario = {
  name: 'upgrade',
  description: 'a new Superset image tag applied the documented way (its migration Job first, then the rest): no failed request on web',
  async run({ run, host, figure }) {
    const ns = run.namespace;
    const web = run.cluster.store.get('Deployment', ns, 'superset-web')!;
    const image: string = web.spec.template.spec.containers.find((c: { name: string }) => c.name === 'web').image;
    const tag = nextTag(image.slice(image.lastIndexOf(':') + 1));
    const files = synthesizedVariant(run.options.environment, { superset: { image: { tag } } });
    const migrationFile = files.find((f) => f.objects.some((o) => o.kind === 'Job'));
    check(migrationFile, 'the re-synthesized manifests have no migration Job');
    const job = migrationFile.objects.find((o) => o.kind === 'Job')!;
    check(!run.cluster.store.get('Job', ns, job.metadata.name), `the migration Job of tag ${tag} has the same name as the running one (${job.metadata.name}): it would never run`);

    const load = new Load(async () => {
      const r = await run.request(host, '/health', { timeoutMs: 30_000 });
      if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
    });
    load.start();
    const t0 = Date.now();
    run.cluster.apply(migrationFile.objects);
    const state = await eventually(`the migration Job ${job.metadata.name}`, 600_000, () => {
      const j = run.cluster.store.get('Job', ns, job.metadata.name);
      return j ? jobFinished(j) : undefined;
    });
    if (state !== 'Complete') throw new Error(`the migration Job of ${tag} failed\n${await explainPlatform(run.cluster, ns, run.parts.blocked)}`);
    figure('migration Job of the new tag', `${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const t1 = Date.now();
    run.cluster.apply(files.filter((f) => f !== migrationFile).flatMap((f) => f.objects).filter((o) => o.kind !== 'Namespace'));
    await eventually('every Deployment on the new tag', 900_000, () => {
      const deployments = run.cluster.store.list('Deployment', ns).filter((d) => d.metadata.name.startsWith('superset-'));
      return deployments.every((d) => deploymentComplete(d) && d.spec.template.spec.containers.every((c: { image: string }) => !c.image.includes('/superset:') || c.image.endsWith(`:${tag}`))) ? true : undefined;
    });
    figure('rollout of the rest', `${((Date.now() - t1) / 1000).toFixed(0)} s`);
    const summary = await load.stop();
    figure('requests during the upgrade', summary);
    check(load.failed === 0, `requests failed during the upgrade (${summary}): ${load.failures.join('; ')}`);
  },
};
