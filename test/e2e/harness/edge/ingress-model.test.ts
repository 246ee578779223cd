import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import type { KubeObject } from '../store';
import type { ServiceView } from '../network/service-endpoints';
import { edgeModel } from './ingress-model';
import { renderNginxConf } from './nginx-conf';

const dist = (yaml.loadAll(fs.readFileSync(path.resolve(__dirname, '../../../../dist/prod/60-edge.yaml'), 'utf8')) as KubeObject[]).filter(Boolean);
const ingress = dist.find((o) => o.kind === 'Ingress')!;
const NS = ingress.metadata.namespace!;
const web = (backends: Array<[string, number]>): ServiceView => ({
  namespace: NS, name: 'superset-web', clusterIp: '10.96.9.9', addresses: [],
  ports: [{ name: 'http', port: 8088, protocol: 'TCP', backends: backends.map(([ip, port]) => ({ ip, port })) }],
});
const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'superset-tls', namespace: NS }, data: { 'tls.crt': Buffer.from('CERT').toString('base64'), 'tls.key': Buffer.from('KEY').toString('base64') } };
const CLASS = ingress.spec.ingressClassName;

describe('the F5 controller model of dist/prod\'s Ingress', () => {
  const model = edgeModel([ingress], [web([['10.244.1.7', 8088], ['10.244.1.3', 8088]])], [secret], CLASS);

  test('upstream: pod addresses (not the ClusterIP), sorted, with the annotations\' lb-method, max_fails, fail_timeout, keepalive', () => {
    expect(model.upstreams).toEqual([{ name: `${NS}-superset-superset.example.com-superset-web-http`, lbMethod: 'least_conn', servers: ['10.244.1.3:8088', '10.244.1.7:8088'], maxFails: 3, failTimeout: '30s', keepalive: 32 }]);
  });

  test('server: TLS from the Secret, redirect, HSTS, server_tokens off; nothing is left unemulated', () => {
    expect(model.servers[0]).toMatchObject({ host: 'superset.example.com', tlsSecret: `${NS}/superset-tls`, tlsRejectHandshake: false, serverTokens: 'off', sslRedirect: true, hsts: { maxAge: 31536000, includeSubdomains: true } });
    expect(model.certificates.get(`${NS}/superset-tls`)).toBe('CERT\nKEY\n');
    expect(model.notEmulated).toEqual([]);
  });

  test('nginx.conf carries the F5 template\'s directives for those settings', () => {
    const conf = renderNginxConf(model, { dir: '/run/x' });
    for (const line of [
      '        least_conn;',
      '        server 10.244.1.3:8088 max_fails=3 fail_timeout=30s max_conns=0;',
      '        keepalive 32;',
      '        listen 443 ssl;',
      `        ssl_certificate /run/x/secrets/${NS}-superset-tls;`,
      '        server_tokens off;',
      '        if ($https = on) {',
      '            set $hsts_header_val "max-age=31536000; includeSubDomains; preload";',
      '        add_header Strict-Transport-Security "$hsts_header_val" always;',
      '            return 301 https://$host:443$request_uri;',
      '            proxy_set_header Connection "";',
      '            proxy_connect_timeout 10s;',
      '            proxy_read_timeout 310s;',
      '            proxy_send_timeout 310s;',
      '            client_max_body_size 100m;',
      `            proxy_pass http://${NS}-superset-superset.example.com-superset-web-http;`,
    ]) expect(conf.split('\n')).toContain(line);
  });
});

describe('defaults and failures', () => {
  const plain: KubeObject = {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'plain', namespace: NS, annotations: { 'nginx.org/rewrites': 'x', 'argocd.argoproj.io/sync-wave': '1' } },
    spec: { ingressClassName: CLASS, rules: [{ host: 'a.example.com', http: { paths: [{ path: '/api', pathType: 'Exact', backend: { service: { name: 'superset-web', port: { number: 8088 } } } }] } }], tls: [{ hosts: ['a.example.com'], secretName: 'missing' }] },
  };

  test('the controller\'s defaults, Exact paths, no endpoints -> 127.0.0.1:8181, a missing TLS Secret rejects handshakes', () => {
    const m = edgeModel([plain], [web([])], [], CLASS);
    expect(m.upstreams[0]).toMatchObject({ lbMethod: 'random two least_conn', servers: ['127.0.0.1:8181'], maxFails: 1, failTimeout: '10s', keepalive: 0 });
    expect(m.servers[0]).toMatchObject({ serverTokens: 'on', sslRedirect: true, hsts: undefined, tlsRejectHandshake: true, locations: [{ path: '= /api', proxyReadTimeout: '60s', clientMaxBodySize: '1m', keepalive: false }] });
    expect(m.notEmulated).toEqual([`Ingress ${NS}/plain: annotation nginx.org/rewrites="x" is not emulated`]);
    expect(m.warnings).toEqual([`Ingress ${NS}/plain: no endpoints found for Service superset-web`, `Ingress ${NS}/plain: TLS Secret ${NS}/missing is missing or has no tls.crt/tls.key: TLS handshakes for a.example.com are rejected`]);
  });

  test('Ingresses of another class are ignored; a missing backend or a bad annotation is an error naming the Ingress', () => {
    expect(edgeModel([{ ...plain, spec: { ...plain.spec, ingressClassName: 'other' } }], [], [], CLASS).servers).toEqual([]);
    expect(() => edgeModel([plain], [], [], CLASS)).toThrow(`Ingress ${NS}/plain: backend Service ${NS}/superset-web port 8088 does not exist; fix spec.rules[].http.paths[].backend or create the Service`);
    expect(() => edgeModel([{ ...plain, metadata: { ...plain.metadata, annotations: { 'nginx.org/hsts': 'yes' } } }], [web([])], [], CLASS)).toThrow(`Ingress ${NS}/plain: annotation nginx.org/hsts="yes" must be "true" or "false"`);
  });
});
