import { connectionVerdict, Endpoint } from '../network-graph';
import { namedEndpoints, resolveEndpoint } from '../named-endpoints';
import type { PodOf } from '../pods';
import { describeObject, PolicyRule, PolicyViolation } from '../rule';

const endpointOf = (pod: PodOf): Endpoint => ({ name: pod.owner.metadata.name, labels: pod.labels, namespace: pod.owner.metadata.namespace });

export const namedEndpointsAllowed: PolicyRule = {
  id: 'named-endpoints-allowed',
  statement: 'Every in-cluster host:port a pod\'s env, command or mounted ConfigMap files name resolves to a Service or StatefulSet pod of the manifests, and the NetworkPolicies allow it (egress of the pod and ingress of the target).',
  fix: 'declare the connection in the flows.ts of the component that makes it (e.g. lib/superset/flows.ts), or correct the host or port the configuration names',
  check(objects) {
    const out: PolicyViolation[] = [];
    for (const named of namedEndpoints(objects)) {
      const source = named.pod.owner;
      const resolution = resolveEndpoint(objects, source.metadata.namespace ?? '', named.host, named.port);
      const what = `${named.container} names ${named.host}:${named.port} (${named.where})`;
      if (resolution.kind === 'outside') continue;
      if (resolution.kind === 'unresolved') {
        out.push({ rule: this.id, object: describeObject(source), message: `${what}, but ${resolution.why}` });
        continue;
      }
      for (const target of resolution.pods) {
        const v = connectionVerdict(objects, endpointOf(named.pod), endpointOf(target), resolution.port);
        const denied = [
          v.egress ? '' : `its NetworkPolicies deny egress to ${describeObject(target.owner)} on port ${resolution.port}`,
          v.ingress ? '' : `the NetworkPolicies of ${describeObject(target.owner)} deny ingress from it on port ${resolution.port}`,
        ].filter(Boolean);
        if (denied.length) out.push({ rule: this.id, object: describeObject(source), message: `${what}, but ${denied.join(' and ')}` });
      }
    }
    return out;
  },
};
