import { check, Scenario } from './scenario';
import { json } from './util';

const HOLD_SECONDS = 90;

/**
 * The migration Job on an empty platform whose Postgres and Redis come up late (their pods are
 * kept off the nodes for 90 s after apply): it must wait for them, however slowly they come, and
 * succeed; then the platform is ready as usual.
 */
export const slowStart: Scenario = {
  name: 'slow-start',
  description: `the migration Job succeeds although Postgres and both Redis come up ${HOLD_SECONDS} s after everything else`,
  freshStart: {
    hold: [
      { labels: { 'app.kubernetes.io/name': 'postgres' }, seconds: HOLD_SECONDS },
      { labels: { 'app.kubernetes.io/name': 'redis-cache' }, seconds: HOLD_SECONDS },
      { labels: { 'app.kubernetes.io/name': 'redis-queue' }, seconds: HOLD_SECONDS },
    ],
  },
  async run({ run, host, figure }) {
    const jobs = run.cluster.store.list('Job', run.namespace).filter((j) => j.metadata.labels?.['app.kubernetes.io/component'] === 'migrate');
    check(jobs.length === 1 && (jobs[0].status?.failed ?? 0) <= (jobs[0].spec.backoffLimit ?? 6), `the migration Job did not complete cleanly: ${JSON.stringify(jobs.map((j) => j.status))}`);
    figure('failed migration pods before it succeeded', String(jobs[0].status?.failed ?? 0));
    const round = await json(run, host, '/e2e/roundtrip', {});
    check(round.status === 200, `the platform does not work after the slow start: ${JSON.stringify(round.body).slice(0, 300)}`);
  },
};
