import { buildObjects, find } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */
const REPO = { superset: { image: { repository: 'ghcr.io/acme/superset' } } };

describe('PodDisruptionBudgets', () => {
  const objects = buildObjects(REPO);
  const policy = (name: string) => find(objects, 'PodDisruptionBudget', name).spec.unhealthyPodEvictionPolicy;

  test.each(['postgres', 'redis-cache', 'redis-queue'])('quorum store %s: an unhealthy member is evicted only while the budget holds (IfHealthyBudget)', (name) => {
    expect(policy(name)).toBe('IfHealthyBudget');
  });

  test.each(['superset-web', 'pgbouncer'])('stateless %s: a drain may evict an already unhealthy pod (AlwaysAllow)', (name) => {
    expect(policy(name)).toBe('AlwaysAllow');
  });
});
