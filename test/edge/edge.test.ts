import { buildObjects, find, findAll } from '../helpers';
import { resolveEnvironment } from '../../lib/config/load';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';

/* eslint-disable @typescript-eslint/no-explicit-any */
const base: EnvironmentOverrides = { superset: { image: { repository: 'ghcr.io/acme/superset' } }, edge: { host: 'bi.acme.com' } };

describe('ingress (F5 NGINX Ingress Controller)', () => {
  test('defaults: least_conn, passive health checks, keep-alive, timeouts above gunicorn, uploads, HTTPS + HSTS', () => {
    const ing = find(buildObjects(base), 'Ingress', 'superset');
    expect(ing.spec.ingressClassName).toBe('nginx-f5');
    expect(ing.metadata.annotations).toMatchObject({
      'nginx.org/lb-method': 'least_conn',
      'nginx.org/max-fails': '3',
      'nginx.org/fail-timeout': '30s',
      'nginx.org/keepalive': '32',
      'nginx.org/proxy-read-timeout': '310s', // gunicorn 300 s + 10 s
      'nginx.org/proxy-send-timeout': '310s',
      'nginx.org/client-max-body-size': '100m',
      'ingress.kubernetes.io/ssl-redirect': 'true',
      'nginx.org/hsts': 'true',
      'nginx.org/hsts-max-age': '31536000',
      'nginx.org/hsts-include-subdomains': 'true',
    });
    expect(ing.metadata.annotations['cert-manager.io/cluster-issuer']).toBeUndefined();
    expect(ing.spec.tls).toEqual([{ hosts: ['bi.acme.com'], secretName: 'superset-tls' }]);
    expect(ing.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'superset-web', port: { name: 'http' } });
  });

  test('custom: class, cert-manager issuer, longer timeouts follow the web timeout', () => {
    const ing = find(buildObjects({ ...base, edge: { host: 'bi.acme.com', ingressClassName: 'nginx-public', tls: { certManagerClusterIssuer: 'letsencrypt' }, maxBodySize: '500m' }, superset: { image: { repository: 'ghcr.io/acme/superset' }, webserverTimeoutSeconds: 600 } }), 'Ingress', 'superset');
    expect(ing.spec.ingressClassName).toBe('nginx-public');
    expect(ing.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt');
    expect(ing.metadata.annotations['nginx.org/proxy-read-timeout']).toBe('610s');
    expect(ing.metadata.annotations['nginx.org/client-max-body-size']).toBe('500m');
  });
});

describe('Gateway API alternative', () => {
  const objects = buildObjects({ ...base, edge: { host: 'bi.acme.com', mode: 'gateway', gateway: { name: 'edge', namespace: 'gw' } } });

  test('no Ingress; an HTTPS route with HSTS and timeouts, and an HTTP route that redirects', () => {
    expect(findAll(objects, 'Ingress')).toEqual([]);
    const route = find(objects, 'HTTPRoute', 'superset');
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge', namespace: 'gw', sectionName: 'https' }]);
    expect(route.spec.hostnames).toEqual(['bi.acme.com']);
    expect(route.spec.rules[0].timeouts).toEqual({ request: '310s', backendRequest: '310s' });
    expect(route.spec.rules[0].filters[0].responseHeaderModifier.set).toEqual([{ name: 'Strict-Transport-Security', value: 'max-age=31536000; includeSubDomains' }]);
    const redirect = find(objects, 'HTTPRoute', 'superset-https-redirect');
    expect(redirect.spec.parentRefs[0].sectionName).toBe('http');
    expect(redirect.spec.rules[0].filters[0]).toEqual({ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } });
  });

  test('NGINX Gateway Fabric policies: least_conn + keep-alive on the Service, body size on the route', () => {
    const upstream = find(objects, 'UpstreamSettingsPolicy', 'superset-web');
    expect(upstream.apiVersion).toBe('gateway.nginx.org/v1alpha1');
    expect(upstream.spec).toEqual({ targetRefs: [{ group: '', kind: 'Service', name: 'superset-web' }], loadBalancingMethod: 'least_conn', keepAlive: { connections: 32 } });
    const client = find(objects, 'ClientSettingsPolicy', 'superset');
    expect(client.spec).toEqual({ targetRef: { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'superset' }, body: { maxSize: '100m', timeout: '310s' } });
  });
});

describe('edge validation', () => {
  const cases: Array<[string, EnvironmentOverrides, RegExp]> = [
    ['host not fully qualified', { edge: { host: 'superset' } }, /edge\.host = "superset"\s+rule: must be a fully qualified lower-case host name/],
    ['HSTS under a year', { edge: { hstsMaxAgeSeconds: 86400 } }, /edge\.hstsMaxAgeSeconds = 86400\s+rule: must be at least 31536000 \(one year\)/],
    ['body size unit', { edge: { maxBodySize: '100MB' } }, /edge\.maxBodySize = "100MB"\s+rule: must be an nginx size/],
    ['unknown mode', { edge: { mode: 'haproxy' as never } }, /edge\.mode = "haproxy"\s+rule: must be one of "ingress", "gateway"/],
    ['CSP origin over http', { edge: { cspConnectSources: ['http://tiles.example.com'] } }, /edge\.cspConnectSources\.0 = "http:\/\/tiles\.example\.com"\s+rule: must be an https:\/\/ or wss:\/\/ origin/],
    ['rate limit wording', { edge: { rateLimits: { login: '5/s' } } }, /edge\.rateLimits\.login = "5\/s"\s+rule: must read like "5 per minute"/],
  ];
  test.each(cases)('%s', (_what, override, expected) => {
    expect(() => resolveEnvironment('prod', override)).toThrow(expected);
  });
});
