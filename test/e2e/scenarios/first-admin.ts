import { jobFinished } from '../harness/controllers/job';
import { explainPlatform } from '../harness/diagnose';
import type { PlatformRun } from '../harness/platform';
import type { KubeObject } from '../harness/store';
import { check, Scenario } from './scenario';
import { eventually, jobLogs, json } from './util';

/** The value of one key of a Secret the platform was given. */
function secretValue(secret: KubeObject, key: string): string {
  const data = secret.data?.[key];
  if (data !== undefined) return Buffer.from(data, 'base64').toString('utf8');
  const plain = secret.stringData?.[key];
  check(plain !== undefined, `Secret ${secret.metadata.name} has no key ${key}`);
  return plain;
}

/** The admin Secret the migration Job reads (`ADMIN_USERNAME` etc. from its env), if any. */
function adminSecret(run: PlatformRun, job: KubeObject): KubeObject | undefined {
  const containers: Array<{ env?: Array<{ name: string; valueFrom?: { secretKeyRef?: { name: string } } }> }> = job.spec.template.spec.containers;
  const ref = containers.flatMap((c) => c.env ?? []).find((e) => e.name === 'ADMIN_USERNAME')?.valueFrom?.secretKeyRef;
  return ref ? run.cluster.store.get('Secret', run.namespace, ref.name) : undefined;
}

async function runJob(run: PlatformRun, job: KubeObject): Promise<void> {
  const ns = run.namespace;
  run.cluster.apply([job]);
  const state = await eventually(`the migration Job ${job.metadata.name}`, 600_000, () => {
    const j = run.cluster.store.get('Job', ns, job.metadata.name);
    return j ? jobFinished(j) : undefined;
  });
  if (state !== 'Complete') throw new Error(`the migration Job ${job.metadata.name} failed\n${await explainPlatform(run.cluster, ns, run.parts.blocked)}`);
}

/**
 * A fresh install has a user who can log in: the first admin, created by the migration Job from
 * its Secret. Logging in through the ingress works with the Secret's password and not with another;
 * running the migration Job again (a documented retry) changes nothing and says so.
 */
export const firstAdmin: Scenario = {
  name: 'first-admin',
  description: 'the first admin from its Secret logs in through the ingress; a re-run of the migration Job changes nothing and says so',
  async run({ run, host, figure }) {
    const ns = run.namespace;
    const job = run.objects.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('superset-migrate'));
    check(job, 'dist/ has no migration Job');
    const secret = adminSecret(run, job);
    check(secret, `the migration Job ${job.metadata.name} reads no admin Secret (ADMIN_USERNAME): a fresh install has no user who can log in`);
    const username = secretValue(secret, 'username');
    const password = secretValue(secret, 'password');
    check(jobLogs(run, job.metadata.name).includes(`created the first admin "${username}"`), `the migration Job's logs do not say it created the first admin "${username}"`);

    const ok = await json(run, host, '/login/', { username, password });
    check(ok.status === 200, `the first admin cannot log in through the ingress: HTTP ${ok.status} ${JSON.stringify(ok.body)}`);
    const wrong = await json(run, host, '/login/', { username, password: `${password}-wrong` });
    check(wrong.status === 401, `a wrong password was not refused: HTTP ${wrong.status}`);

    // The documented retry of a migration Job: delete it and apply it again.
    run.cluster.deleteObject('Job', ns, job.metadata.name, 0);
    await eventually(`the migration Job ${job.metadata.name} to be deleted`, 60_000, () => (run.cluster.store.get('Job', ns, job.metadata.name) ? undefined : true));
    const t0 = Date.now();
    await runJob(run, job);
    figure('migration Job re-run', `${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const logs = jobLogs(run, job.metadata.name);
    check(/already exists: nothing changed/.test(logs), `the re-run of the migration Job does not say the admin already exists:\n${logs.split('\n').slice(-10).join('\n')}`);
    const again = await json(run, host, '/login/', { username, password });
    check(again.status === 200, `after the re-run the first admin cannot log in: HTTP ${again.status}`);
  },
};
