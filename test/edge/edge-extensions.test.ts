import { resolveEnvironment } from '../../lib/config/load';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';
import { checkPolicies } from '../../lib/policy';
import { buildObjects, find } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

// The edge's extension points: more hosts with TLS per host, the controller's annotation set and
// arbitrary annotations, and the superset-web Service type (internal load balancer).

const ingress = (o: EnvironmentOverrides): any => find(buildObjects(o), 'Ingress', 'superset');

describe('edge extensions', () => {
  test('default: one host, one TLS entry, the F5 NGINX annotations, a ClusterIP Service without annotations', () => {
    const objects = buildObjects({ edge: { host: 'bi.example.org' } });
    const i = find(objects, 'Ingress', 'superset');
    expect(i.spec.rules.map((r: any) => r.host)).toEqual(['bi.example.org']);
    expect(i.spec.tls).toEqual([{ hosts: ['bi.example.org'], secretName: 'superset-tls' }]);
    expect(i.metadata.annotations['nginx.org/lb-method']).toBe('least_conn');
    const svc = find(objects, 'Service', 'superset-web');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.metadata.annotations).toBeUndefined();
  });

  test('more hosts: a rule each; hosts without a certificate of their own share tls.secretName, the others get their own TLS entry', () => {
    const i = ingress({ edge: { host: 'bi.example.org', extraHosts: [{ host: 'superset.example.org' }, { host: 'bi.example.net', tlsSecretName: 'bi-example-net-tls' }] } });
    expect(i.spec.rules.map((r: any) => r.host)).toEqual(['bi.example.org', 'superset.example.org', 'bi.example.net']);
    expect(i.spec.tls).toEqual([
      { hosts: ['bi.example.org', 'superset.example.org'], secretName: 'superset-tls' },
      { hosts: ['bi.example.net'], secretName: 'bi-example-net-tls' },
    ]);
  });

  test('controller "generic" renders none of the nginx.org annotations; edge.annotations are added and win on a key', () => {
    const generic = ingress({ edge: { controller: 'generic', ingressClassName: 'nginx', annotations: { 'nginx.ingress.kubernetes.io/load-balance': 'ewma' } } });
    expect(Object.keys(generic.metadata.annotations).filter((k) => k.startsWith('nginx.org/'))).toEqual([]);
    expect(generic.metadata.annotations['nginx.ingress.kubernetes.io/load-balance']).toBe('ewma');
    expect(generic.spec.ingressClassName).toBe('nginx');
    const f5 = ingress({ edge: { annotations: { 'nginx.org/client-max-body-size': '500m' } } });
    expect(f5.metadata.annotations['nginx.org/client-max-body-size']).toBe('500m');
    expect(f5.metadata.annotations['nginx.org/lb-method']).toBe('least_conn');
  });

  test('gateway mode keeps working: every host on both routes, annotations on the routes', () => {
    const objects = buildObjects({ edge: { mode: 'gateway', extraHosts: [{ host: 'superset.example.org' }], annotations: { 'example.com/owner': 'bi' } } });
    const routes = objects.filter((o) => o.kind === 'HTTPRoute') as any[];
    expect(routes).toHaveLength(2);
    for (const r of routes) {
      expect(r.spec.hostnames).toEqual(['superset.example.com', 'superset.example.org']);
      expect(r.metadata.annotations).toEqual({ 'example.com/owner': 'bi' });
    }
    expect(objects.some((o) => o.kind === 'Ingress')).toBe(false);
  });

  test('an internal load balancer: type, annotations, source ranges, and a NetworkPolicy rule for exactly those ranges', () => {
    const objects = buildObjects({ edge: { service: { type: 'LoadBalancer', annotations: { 'service.beta.kubernetes.io/aws-load-balancer-internal': 'true' }, allowFrom: ['10.0.0.0/8'] } } });
    const svc = find(objects, 'Service', 'superset-web');
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.spec.loadBalancerSourceRanges).toEqual(['10.0.0.0/8']);
    expect(svc.metadata.annotations).toEqual({ 'service.beta.kubernetes.io/aws-load-balancer-internal': 'true' });
    const web = (objects.filter((o) => o.kind === 'NetworkPolicy') as any[]).find((p) => p.spec.podSelector.matchLabels?.['app.kubernetes.io/component'] === 'web');
    expect(JSON.stringify(web.spec.ingress)).toContain('10.0.0.0/8');
    expect(checkPolicies(objects)).toEqual([]);
  });

  test.each([
    ['an extra host equal to edge.host', { edge: { host: 'bi.example.org', extraHosts: [{ host: 'bi.example.org' }] } }, /edge\.extraHosts\.0\.host[\s\S]*must differ from edge\.host/],
    ['a per-host certificate in gateway mode', { edge: { mode: 'gateway', extraHosts: [{ host: 'bi.example.net', tlsSecretName: 'x' }] } }, /edge\.extraHosts\.0\.tlsSecretName[\s\S]*TLS terminates on the shared Gateway/],
    ['a LoadBalancer Service nobody may reach', { edge: { service: { type: 'LoadBalancer' } } }, /edge\.service\.allowFrom[\s\S]*must list the client or load-balancer address ranges/],
    ['allowFrom on a ClusterIP Service', { edge: { service: { allowFrom: ['10.0.0.0/8'] } } }, /edge\.service\.allowFrom[\s\S]*applies only to edge\.service\.type/],
    ['an annotation key with spaces', { edge: { annotations: { 'my annotation': 'x' } } }, /edge\.annotations[\s\S]*must be a Kubernetes label or annotation key/],
    ['an unknown controller', { edge: { controller: 'haproxy' } }, /edge\.controller[\s\S]*must be one of "f5-nginx", "generic"/],
  ])('rejects %s', (_what, o, message) => {
    expect(() => resolveEnvironment('test', o as EnvironmentOverrides)).toThrow(message);
  });
});
