import type { KubeObject } from '../store';
import { NotFoundError } from '../store';
import { Controller } from './controller';
import { podFromTemplate } from './deployment';
import { deletePod, isTerminating, ownedPods, ownerReference, phaseOf, randomSuffix } from './pods';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** The Job controller's back-off before a failed pod is replaced: 10 s, doubling, at most 6 minutes. */
export const JOB_BACKOFF = { initialMs: 10_000, maxMs: 360_000 };

/** What the podFailurePolicy says about a failed pod: its first matching rule's action, or Count. */
export function failureAction(job: KubeObject, pod: KubeObject): 'FailJob' | 'Ignore' | 'Count' | 'FailIndex' {
  for (const rule of job.spec.podFailurePolicy?.rules ?? []) {
    if (rule.onExitCodes) {
      const { containerName, operator, values } = rule.onExitCodes;
      const codes = (pod.status?.containerStatuses ?? [])
        .filter((c: any) => !containerName || c.name === containerName)
        .map((c: any): unknown => c.state?.terminated?.exitCode)
        .filter((c: unknown): c is number => typeof c === 'number' && c !== 0);
      const hit = operator === 'In' ? codes.some((c: number) => values.includes(c)) : codes.some((c: number) => !values.includes(c));
      if (hit) return rule.action;
    }
    for (const cond of rule.onPodConditions ?? []) {
      if ((pod.status?.conditions ?? []).some((c: any) => c.type === cond.type && c.status === (cond.status ?? 'True'))) return rule.action;
    }
  }
  return 'Count';
}

function condition(type: string, reason: string, message: string) {
  return { type, status: 'True', reason, message, lastTransitionTime: new Date().toISOString() };
}

/** A Job has finished: Complete or Failed. */
export function jobFinished(job: KubeObject): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  return undefined;
}

/**
 * Jobs: pods `<job>-<suffix>` until `completions` succeeded; a failed pod is replaced after the
 * back-off unless the podFailurePolicy fails the Job or the failures exceed backoffLimit;
 * activeDeadlineSeconds fails the Job and stops its pods; ttlSecondsAfterFinished deletes it.
 */
export class JobController extends Controller {
  constructor(store: ConstructorParameters<typeof Controller>[0], recorder: ConstructorParameters<typeof Controller>[1]) {
    super(store, recorder, 'Job');
  }

  protected reconcile(job: KubeObject): void {
    const ns = job.metadata.namespace!;
    const name = job.metadata.name;
    const status = { ...(job.status ?? {}) };
    const finished = jobFinished(job);
    if (finished) {
      const ttl = job.spec.ttlSecondsAfterFinished;
      if (ttl !== undefined && Date.now() - Date.parse(status.completionTime ?? status.failedTime ?? new Date().toISOString()) >= ttl * 1000) {
        this.recorder.event(job, 'Deleted', `ttlSecondsAfterFinished (${ttl} s) has passed`);
        this.store.delete('Job', ns, name);
        this.deleted(job);
      }
      return;
    }
    status.startTime ??= new Date().toISOString();
    const pods = ownedPods(this.store, job);
    const succeeded = pods.filter((p) => phaseOf(p) === 'Succeeded').length;
    const failedPods = pods.filter((p) => phaseOf(p) === 'Failed');
    const counted = failedPods.filter((p) => failureAction(job, p) === 'Count').length;
    const active = pods.filter((p) => !isTerminating(p) && !['Succeeded', 'Failed'].includes(phaseOf(p)));
    const completions = job.spec.completions ?? 1;
    const backoffLimit = job.spec.backoffLimit ?? 6;

    const fail = (reason: string, message: string) => {
      for (const p of active) deletePod(this.store, ns, p.metadata.name);
      status.conditions = [condition('Failed', reason, message)];
      status.failedTime = new Date().toISOString();
      this.recorder.event(job, reason, message);
    };

    const fatal = failedPods.find((p) => failureAction(job, p) === 'FailJob');
    if (fatal) {
      fail('PodFailurePolicy', `Container of pod ${fatal.metadata.name} failed with an exit code the podFailurePolicy maps to FailJob`);
    } else if (counted > backoffLimit) {
      fail('BackoffLimitExceeded', `Job has reached the specified backoff limit (${backoffLimit}); last pod ${failedPods[failedPods.length - 1]?.metadata.name}`);
    } else if (job.spec.activeDeadlineSeconds !== undefined && Date.now() - Date.parse(status.startTime) > job.spec.activeDeadlineSeconds * 1000) {
      fail('DeadlineExceeded', `Job was active longer than specified deadline (${job.spec.activeDeadlineSeconds} s)`);
    } else if (succeeded >= completions) {
      status.conditions = [condition('Complete', 'Completed', `${succeeded} of ${completions} completions`)];
      status.completionTime = new Date().toISOString();
      this.recorder.event(job, 'Completed', `Job completed (${succeeded} of ${completions})`);
    } else {
      const parallelism = job.spec.parallelism ?? 1;
      const want = Math.min(parallelism, completions - succeeded) - active.length;
      const lastFailure = failedPods.map((p) => Date.parse(p.status?.containerStatuses?.[0]?.state?.terminated?.finishedAt ?? p.metadata.creationTimestamp!)).sort((a, b) => b - a)[0];
      const delay = counted === 0 ? 0 : Math.min(JOB_BACKOFF.initialMs * 2 ** (counted - 1), JOB_BACKOFF.maxMs);
      if (want > 0 && (lastFailure === undefined || Date.now() - lastFailure >= delay)) {
        for (let i = 0; i < want; i++) {
          this.store.create(podFromTemplate(job, `${name}-${randomSuffix()}`, {
            'batch.kubernetes.io/controller-uid': job.metadata.uid!,
            'batch.kubernetes.io/job-name': name,
            'controller-uid': job.metadata.uid!,
            'job-name': name,
          }));
        }
      }
    }
    status.active = active.length;
    status.succeeded = succeeded;
    status.failed = failedPods.length;
    if (JSON.stringify(job.status) !== JSON.stringify(status)) {
      try {
        this.store.update('Job', ns, name, (o) => { o.status = status; });
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
      }
    }
  }

  protected deleted(job: KubeObject): void {
    for (const p of ownedPods(this.store, job)) deletePod(this.store, p.metadata.namespace!, p.metadata.name);
  }
}

/**
 * CronJobs run on demand (the harness does not wait for the schedule): a Job named as the CronJob
 * controller names it, from the jobTemplate. concurrencyPolicy Forbid refuses while one is active.
 */
export function triggerCronJob(store: ConstructorParameters<typeof Controller>[0], cronJob: KubeObject): KubeObject {
  const ns = cronJob.metadata.namespace!;
  const active = store.list('Job', ns).filter((j) => (j.metadata.ownerReferences ?? []).some((r) => r.uid === cronJob.metadata.uid) && !jobFinished(j));
  if (active.length > 0 && cronJob.spec.concurrencyPolicy === 'Forbid') {
    throw new Error(`CronJob ${ns}/${cronJob.metadata.name}: concurrencyPolicy Forbid and Job ${active[0].metadata.name} is still active`);
  }
  const minutes = Math.floor(Date.now() / 60000);
  let jobName = `${cronJob.metadata.name}-${minutes}`;
  while (store.get('Job', ns, jobName)) jobName = `${cronJob.metadata.name}-${minutes}-${randomSuffix(3)}`;
  const t = cronJob.spec.jobTemplate;
  return store.create({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName,
      namespace: ns,
      labels: { ...(t.metadata?.labels ?? {}) },
      annotations: { ...(t.metadata?.annotations ?? {}), 'batch.kubernetes.io/cronjob-scheduled-timestamp': new Date().toISOString() },
      ownerReferences: [ownerReference(cronJob)],
    },
    spec: structuredClone(t.spec),
  });
}
