import { HopelessWatch, HOPELESS_AFTER } from './hopeless';
import type { KubeObject } from './store';

const pod = (owner: string, ready: boolean): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { namespace: 'ns', name: `${owner.toLowerCase()}-pod`, ownerReferences: [{ kind: owner, name: 'x', uid: 'u', apiVersion: 'v1' }] },
  spec: {},
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }], containerStatuses: [{ name: 'c', restartCount: 0, state: { running: {} }, ready }] },
});
const BLOCKED = 'Pod ns/job-pod could not reach 10.0.0.1:6379/TCP (Pod ns/redis-0): no egress rule of NetworkPolicies default-deny allows it';
const TRANSIENT = 'Pod ns/job-pod could not connect to Pod ns/redis-0 on port 6379/TCP: allowed now by NetworkPolicy redis ingress[0] (the policies or labels changed since)';

describe('HopelessWatch: connections dropped by NetworkPolicies', () => {
  test('a running Job pod (Ready without a readiness probe) whose connections stay dropped is hopeless after the allowance', () => {
    const w = new HopelessWatch();
    const p = pod('Job', true);
    expect(w.check(p, [BLOCKED], 0)).toBeUndefined();
    expect(w.check(p, [BLOCKED], HOPELESS_AFTER.blockedMs)).toMatch(/^Pod ns\/job-pod \(of a Job\) has had its connections dropped by its NetworkPolicies for 45 s$/);
  });

  test('drops the policies allow now (a new address reaching its peers) never count', () => {
    const w = new HopelessWatch();
    const p = pod('Job', true);
    w.check(p, [TRANSIENT], 0);
    expect(w.check(p, [TRANSIENT], HOPELESS_AFTER.blockedMs * 2)).toBeUndefined();
  });

  test('a Ready pod of a Deployment is not judged by its drops; an unready one is', () => {
    const w = new HopelessWatch();
    w.check(pod('ReplicaSet', true), [BLOCKED], 0);
    expect(w.check(pod('ReplicaSet', true), [BLOCKED], HOPELESS_AFTER.blockedMs)).toBeUndefined();
    w.check(pod('StatefulSet', false), [BLOCKED], 0);
    expect(w.check(pod('StatefulSet', false), [BLOCKED], HOPELESS_AFTER.blockedMs)).toMatch(/is not Ready and its NetworkPolicies drop its connections$/);
  });
});
