import type { KubeObject } from '../harness/store';
import { jobFinished } from '../harness/controllers/job';
import { explainPlatform } from '../harness/diagnose';
import type { Outside } from '../harness/outside/outside-world';
import type { PlatformRun } from '../harness/platform';
import { check, Scenario } from './scenario';
import { connectFrom, ensureWarehouse, eventually, jobLogs, json, podOf, SUPERSET } from './util';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Runs a CronJob now (`kubectl create job --from=cronjob/<name>`) and waits for its Job to finish. */
async function runCronJob(run: PlatformRun, name: string, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  const job = run.cluster.triggerCronJob(run.namespace, name);
  lastJob.set(name, job.metadata.name);
  const state = await eventually(`Job ${job.metadata.name} to finish`, timeoutMs, () => {
    const j = run.cluster.store.get('Job', run.namespace, job.metadata.name);
    return j ? jobFinished(j) : undefined;
  });
  if (state !== 'Complete') throw new Error(`CronJob ${name}: its Job ${job.metadata.name} failed\n${await explainPlatform(run.cluster, run.namespace, run.parts.blocked)}`);
  return (Date.now() - t0) / 1000;
}

const lastJob = new Map<string, string>();

function env(cronJob: KubeObject | undefined, name: string): string | undefined {
  const containers = [...(cronJob?.spec.jobTemplate.spec.template.spec.initContainers ?? []), ...(cronJob?.spec.jobTemplate.spec.template.spec.containers ?? [])];
  for (const c of containers) for (const e of c.env ?? []) if (e.name === name) return e.value;
  return undefined;
}

/**
 * The operations CronJobs against the outside world's stand-ins, each through its own
 * NetworkPolicy: pg-backup uploads a dump to object storage, pg-restore-check restores that
 * backup, dashboard-export pushes the dashboards as YAML to the Git server over SSH.
 */
export const cronJobs: Scenario = {
  name: 'cronjobs',
  description: 'pg-backup (age-encrypted, signed) to the object storage stand-in, pg-restore-check of that backup with the read-only key, dashboard-export to a bare Git repository over a real sshd',
  async run({ run, host, figure }) {
    const outside = run.parts.outside as Outside;
    const cron = (name: string) => run.cluster.store.get('CronJob', run.namespace, name);
    if (cron('pg-backup')) {
      const seconds = await runCronJob(run, 'pg-backup', 600_000);
      const prefix = env(cron('pg-backup'), 'S3_PREFIX') ?? '';
      const keys = outside.s3!.keys(`${prefix}/pg-dump/`);
      const dumps = keys.filter((k) => k.endsWith('.dump.age') && keys.includes(`${k}.sha256`) && keys.includes(`${k}.sha256.sig`));
      check(dumps.length > 0, `pg-backup completed but object storage has no complete .dump.age (+ .sha256, .sig) under ${prefix}/pg-dump/ (keys: ${outside.s3!.keys().join(', ') || 'none'})`);
      const newest = outside.s3!.objects.get(dumps[dumps.length - 1])!.body;
      // Encrypted at rest with the recipient `npm run secrets` generated.
      check(newest.subarray(0, 21).toString() === 'age-encryption.org/v1', `${dumps[dumps.length - 1]} is not an age file: the dump was stored unencrypted`);
      figure('pg-backup', `${seconds.toFixed(0)} s, ${dumps[dumps.length - 1]} (${newest.length} bytes, age-encrypted, signed checksum)`);
    }
    if (cron('pg-restore-check')) {
      const before = outside.s3!.requests.length;
      const seconds = await runCronJob(run, 'pg-restore-check', 900_000);
      // Its key is read-only: it only read, and the bucket refused it nothing.
      const own = outside.s3!.requests.slice(before);
      const writes = own.filter((q) => !['GET', 'HEAD'].includes(q.method) || q.status === 403);
      check(writes.length === 0, `pg-restore-check wrote to or was refused by the bucket: ${JSON.stringify(writes.slice(0, 3))}`);
      check(new Set(own.map((q) => q.accessKeyId)).size === 1, 'pg-restore-check signed with more than one access key');
      figure('pg-restore-check', `${seconds.toFixed(0)} s, ${own.length} read-only requests`);
    }
    if (cron('dashboard-export')) {
      await ensureWarehouse(run, host, outside.warehouseUri());
      const made = await json(run, host, '/e2e/dashboards', { title: 'E2E Orders', database: 'warehouse', table: 'orders' });
      check(made.status === 200 || made.status === 201, `creating a dashboard to export failed: HTTP ${made.status} ${JSON.stringify(made.body).slice(0, 300)}`);
      const seconds = await runCronJob(run, 'dashboard-export', 600_000);
      const branch = env(cron('dashboard-export'), 'GIT_BRANCH') ?? 'main';
      const commits = outside.gitLog(branch);
      check(commits.length > 0, `dashboard-export completed but branch ${branch} of the Git stand-in has no commit:\n${jobLogs(run, lastJob.get('dashboard-export')!, 30)}`);
      figure('dashboard-export', `${seconds.toFixed(0)} s, ${commits.length} commit(s) on ${branch}`);
    }
    // Each CronJob reaches its service through its own NetworkPolicy only: the pods that answer
    // users (web, a worker) get no connection to the object storage or the Git server.
    const targets: Array<[string, string, number]> = [];
    const s3 = env(cron('pg-backup') ?? cron('pg-restore-check'), 'S3_ENDPOINT');
    if (s3) targets.push(['object storage', new URL(s3).hostname, Number(new URL(s3).port || 443)]);
    const repository = env(cron('dashboard-export'), 'GIT_REPOSITORY')?.match(/^(?:ssh:\/\/)?[^@/]+@([^:/]+)[:/]/);
    if (repository) targets.push(['the Git server', repository[1], 22]);
    for (const [component, container] of [['web', 'web'], ['worker-interactive', 'worker']] as const) {
      const pod = podOf(run, SUPERSET(component));
      for (const [what, target, port] of targets) {
        const r = await connectFrom(run, pod, container, target, port);
        check(r === 'timeout', `${pod.metadata.name} reached ${what} ${target}:${port} (${r}): only its CronJob's NetworkPolicy may allow that`);
      }
    }
    figure('object storage and the Git server from web and a worker', targets.length ? `dropped (${targets.map(([, t, p]) => `${t}:${p}`).join(', ')})` : 'no target');
  },
};
