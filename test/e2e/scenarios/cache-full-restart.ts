import { isTerminating } from '../harness/controllers/pods';
import { statefulSetComplete } from '../harness/controllers/statefulset';
import type { PlatformRun } from '../harness/platform';
import { check, Scenario } from './scenario';
import { eventually, json, SUPERSET } from './util';

/** The metadata database, seen from the workers as a data source (through PgBouncer, as they may reach it). */
async function registerMetadataDatabase(run: PlatformRun, host: string): Promise<void> {
  const web = run.cluster.store.list('Deployment', run.namespace).find((d) => d.metadata.name === 'superset-web')!;
  const env = (name: string) => web.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === name);
  // The password is a file of the projected Secret volume (never an env var): find its Secret and key.
  const sources: Array<{ secret?: { name: string; items: Array<{ key: string; path: string }> } }> = web.spec.template.spec.volumes
    .find((v: { name: string }) => v.name === 'superset-secrets').projected.sources;
  const source = sources.find((s) => s.secret?.items.some((i) => i.path === 'DATABASE_PASSWORD'))!.secret!;
  const secret = run.cluster.store.get('Secret', run.namespace, source.name)!;
  const password = Buffer.from(secret.data[source.items.find((i) => i.path === 'DATABASE_PASSWORD')!.key], 'base64').toString();
  const uri = `postgresql+psycopg2://${env('DATABASE_USER').value}:${encodeURIComponent(password)}@${env('DATABASE_HOST').value}:${env('DATABASE_PORT').value}/${env('DATABASE_NAME').value}`;
  const r = await json(run, host, '/e2e/databases', { database_name: 'metadata', sqlalchemy_uri: uri });
  check(r.status === 200 || r.status === 201, `registering the metadata database as a data source failed: HTTP ${r.status}`);
}

/** SQL Lab on a worker: the result goes through RESULTS_BACKEND (redis-cache). */
async function sqlLab(run: PlatformRun, host: string): Promise<{ status: number; body: unknown }> {
  return json(run, host, '/e2e/sql-lab', { database: 'metadata', sql: 'SELECT count(*) AS n FROM ab_role', timeout: 20 }, 60_000);
}

// Running workers only: a pod of an earlier rollout may still be finishing its warm shutdown.
const restarts = (run: PlatformRun) => run.cluster.pods(run.namespace, SUPERSET('worker-interactive')).filter((p) => !isTerminating(p))
  .map((p) => `${p.metadata.name}:${(p.status?.containerStatuses ?? []).map((c: { restartCount: number }) => c.restartCount).join(',')}`).join(' ');

/**
 * Every redis-cache pod restarted at once, so each comes back at a new address, while the
 * workers and web keep running: the long-lived clients must recover by themselves (no pod
 * restart) once the cluster has healed.
 */
export const cacheFullRestart: Scenario = {
  name: 'redis-cache-full-restart',
  description: 'every redis-cache pod restarted at once (new addresses) while long-lived workers use the caches: they recover without a restart',
  async run({ run, host, figure }) {
    const ns = run.namespace;
    await registerMetadataDatabase(run, host);
    const first = await sqlLab(run, host);
    check(first.status === 200, `SQL Lab through a worker fails before the restart: HTTP ${first.status} ${JSON.stringify(first.body).slice(0, 300)}`);
    const before = restarts(run);
    const oldIps = new Set(run.cluster.pods(ns, { 'app.kubernetes.io/name': 'redis-cache' }).map((p) => p.status?.podIP));
    const t0 = Date.now();
    for (const p of run.cluster.pods(ns, { 'app.kubernetes.io/name': 'redis-cache' })) run.cluster.deleteObject('Pod', ns, p.metadata.name);
    await eventually('redis-cache back at new addresses and healed', 600_000, () => {
      const s = run.cluster.store.get('StatefulSet', ns, 'redis-cache');
      const pods = run.cluster.pods(ns, { 'app.kubernetes.io/name': 'redis-cache' });
      return s && statefulSetComplete(s) && pods.every((p) => !oldIps.has(p.status?.podIP)) ? true : undefined;
    });
    figure('full restart of redis-cache -> healed', `${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const t1 = Date.now();
    await eventually('SQL Lab through the same workers to work again', 120_000, async () => ((await sqlLab(run, host)).status === 200 ? true : undefined));
    figure('long-lived clients working again', `${((Date.now() - t1) / 1000).toFixed(0)} s after the cluster healed`);
    const round = await json(run, host, '/e2e/roundtrip', {});
    check(round.status === 200, `web's caches do not work after the restart: ${JSON.stringify(round.body).slice(0, 300)}`);
    check(restarts(run) === before, `worker pods restarted to recover (before: ${before}; after: ${restarts(run)})`);
  },
};
