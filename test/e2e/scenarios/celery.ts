import { check, Scenario } from './scenario';
import { eventually, json, workerQueues } from './util';

/** A task on every Celery queue round-trips; beat enqueues Superset's inherited schedule. */
export const celery: Scenario = {
  name: 'celery',
  description: 'a Celery task on every worker queue round-trips through redis-queue; beat enqueues reports.scheduler',
  async run({ run, host, figure }) {
    const queues = workerQueues(run);
    check(queues.length > 0, 'no worker Deployment consumes a queue (no --queues= argument found)');
    for (const queue of queues) {
      const t0 = Date.now();
      const r = await json(run, host, '/e2e/celery', { queue, timeout: 60 });
      check(r.status === 200 && r.body.ok, `a task on queue ${queue} did not round-trip: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 400)}`);
      check(String(r.body.result.worker).startsWith(`${queue}@`), `the task on queue ${queue} ran on ${r.body.result.worker}, not on a ${queue} worker`);
      figure(`task round trip on ${queue}`, `${Date.now() - t0} ms`);
    }
    const before = (await json(run, host, '/e2e/beat')).body?.['reports.scheduler']?.count ?? 0;
    const t0 = Date.now();
    // reports.scheduler runs every minute (crontab minute="*").
    const after = await eventually('beat to enqueue reports.scheduler', 150_000, async () => {
      const n = (await json(run, host, '/e2e/beat')).body?.['reports.scheduler']?.count ?? 0;
      return n > before ? n : undefined;
    });
    figure('beat: reports.scheduler ran', `${after} time(s), the new one ${Math.round((Date.now() - t0) / 1000)} s after we looked`);
  },
};
