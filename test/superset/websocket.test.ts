import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveEnvironment } from '../../lib/config/load';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';
import { allowedGraph, Endpoint } from '../../lib/policy/network-graph';
import { podsOf } from '../../lib/policy/pods';
import { buildObjects, find, findAll } from '../helpers';
import { composeWebsocketConfig } from './websocket-compose';

/* eslint-disable @typescript-eslint/no-explicit-any */

// The "ws" transport of async queries: Superset's websocket server behind the edge at /ws, fed
// from the same event streams, JWT secret and cookie name as Superset's own settings.

const WS = { superset: { asyncQueries: { enabled: true, transport: 'ws' } } };
const objects = (overrides: object = WS, env = 'prod') => buildObjects(overrides as EnvironmentOverrides, env);
const spec = (o = objects()) => find(o, 'Deployment', 'superset-websocket').spec.template.spec;
const baseConfig = (o = objects()) => JSON.parse(find(o, 'ConfigMap', 'superset-websocket').data['config.base.json']);
const supersetConfig = (o = objects()) => find(o, 'ConfigMap', 'superset-config').data['superset_config.py'] as string;

const EXTERNAL_QUEUE = {
  redis: {
    queue: {
      mode: 'external',
      external: { host: 'queue.cache.example.com', port: 6380, tls: true, caBundle: { configMap: 'queue-ca', key: 'ca.pem' }, cidrs: ['10.9.0.0/24'], auth: { secret: 'managed-queue', passwordKey: 'token', usernameKey: 'user' } },
    },
  },
};

function graph(o: any[]): string[] {
  const pods: Endpoint[] = podsOf(o).map((p) => ({ name: p.owner.metadata.name.replace(/^superset-migrate-.*/, 'superset-migrate'), labels: p.labels, namespace: p.owner.metadata.namespace }));
  return allowedGraph(o, [...pods, { name: 'ingress-controller', namespace: 'nginx-ingress', labels: { 'app.kubernetes.io/name': 'nginx-ingress' } }, { name: 'managed-queue', ip: '10.9.0.7' }, { name: 'internet', ip: '203.0.113.9' }]);
}

const compose = composeWebsocketConfig;

describe('websocket transport of async queries', () => {
  test('default (polling): no websocket server, no /ws route, Superset polls', () => {
    for (const overrides of [{}, { superset: { asyncQueries: { enabled: true } } }]) {
      const o = objects(overrides);
      expect(findAll(o, 'Deployment').map((d) => d.metadata.name)).not.toContain('superset-websocket');
      expect(findAll(o, 'Service').map((s) => s.metadata.name)).not.toEqual(expect.arrayContaining(['superset-websocket', 'redis-queue-readers']));
      expect(find(o, 'Ingress', 'superset').spec.rules[0].http.paths.map((p: any) => p.path)).toEqual(['/']);
      expect(find(o, 'Ingress', 'superset').metadata.annotations['nginx.org/websocket-services']).toBeUndefined();
      expect(supersetConfig(o)).not.toContain('GLOBAL_ASYNC_QUERIES_WEBSOCKET_URL');
    }
    expect(supersetConfig(objects({ superset: { asyncQueries: { enabled: true } } }))).toContain('GLOBAL_ASYNC_QUERIES_TRANSPORT = "polling"');
  });

  test('ws: Superset pushes through wss://<host>/ws/, with the cookie name the server reads, and the CSP allows the socket', () => {
    const py = supersetConfig(objects({ ...WS, edge: { host: 'bi.acme.io' } }));
    expect(py).toContain('GLOBAL_ASYNC_QUERIES_TRANSPORT = "ws"');
    expect(py).toContain('GLOBAL_ASYNC_QUERIES_WEBSOCKET_URL = "wss://bi.acme.io/ws/"');
    expect(py).toContain('GLOBAL_ASYNC_QUERIES_JWT_COOKIE_NAME = "async-token"');
    expect(py).toContain('GLOBAL_ASYNC_QUERIES_REDIS_STREAM_PREFIX = "async-events-"');
    expect(py).not.toContain('GLOBAL_ASYNC_QUERIES_POLLING_DELAY');
    expect(py).toMatch(/"connect-src": \[\n\s+"'self'",\n\s+"wss:\/\/bi\.acme\.io",/);
    const config = baseConfig(objects({ ...WS, edge: { host: 'bi.acme.io' } }));
    expect(config).toMatchObject({ jwtCookieName: 'async-token', redisStreamPrefix: 'async-events-', port: 8080 });
  });

  test('ws: Apache\'s websocket image as the node user, restricted, its config composed by an init container, no secret in the environment', () => {
    const s = spec();
    const [init] = s.initContainers;
    const [server] = s.containers;
    expect(server.image).toBe('docker.io/apache/superset:6.1.0-websocket');
    expect(init.image).toBe(server.image);
    expect(server.command).toBeUndefined();
    expect(init.command).toEqual(['node', '/etc/superset-websocket/compose-config.js', '/etc/superset-websocket/config.base.json', '/run/secrets/superset', '/run/superset-websocket/config.json']);
    for (const c of [init, server]) {
      expect(c.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect((c.env ?? []).filter((e: any) => e.valueFrom)).toEqual([]);
    }
    expect(server.volumeMounts).toContainEqual({ name: 'run', mountPath: '/home/superset-websocket/config.json', subPath: 'config.json', readOnly: true });
    expect(s.volumes.find((v: any) => v.name === 'run').emptyDir.medium).toBe('Memory');
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(server[probe].httpGet).toEqual({ path: '/health', port: 'http' });
    expect(s.automountServiceAccountToken).toBe(false);
    const secrets = s.volumes.find((v: any) => v.name === 'websocket-secrets').projected.sources.flatMap((x: any) => x.secret.items.map((i: any) => `${x.secret.name}/${i.key}:${i.path}`));
    expect(secrets.sort()).toEqual(['redis-queue-auth/password:REDIS_QUEUE_PASSWORD', 'superset-app/async-queries-jwt-secret:GLOBAL_ASYNC_QUERIES_JWT_SECRET']);
  });

  test('ws: two pods spread over zones and nodes, a PDB, no HPA, and a Service for the edge', () => {
    const o = objects();
    expect(find(o, 'Deployment', 'superset-websocket').spec.replicas).toBe(2);
    expect(find(o, 'PodDisruptionBudget', 'superset-websocket').spec.maxUnavailable).toBe(1);
    expect(findAll(o, 'HorizontalPodAutoscaler').map((h) => h.metadata.name)).not.toContain('superset-websocket');
    expect(spec(o).topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    expect(find(o, 'Service', 'superset-websocket').spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
  });

  test('ws: the Ingress sends /ws to the server and marks it a websocket Service; the Gateway route has a /ws rule without timeouts', () => {
    const ingress = find(objects(), 'Ingress', 'superset');
    expect(ingress.metadata.annotations['nginx.org/websocket-services']).toBe('superset-websocket');
    expect(ingress.spec.rules[0].http.paths.map((p: any) => [p.path, p.backend.service.name])).toEqual([['/ws', 'superset-websocket'], ['/', 'superset-web']]);
    const route = objects({ ...WS, edge: { mode: 'gateway' } }).find((x: any) => x.kind === 'HTTPRoute' && x.metadata.name === 'superset') as any;
    const rule = route.spec.rules.find((r: any) => r.matches[0].path.value === '/ws');
    expect(rule.backendRefs).toEqual([{ name: 'superset-websocket', port: 8080 }]);
    expect(rule.timeouts).toBeUndefined();
    expect(rule.filters[0].responseHeaderModifier.set[0].name).toBe('Strict-Transport-Security');
  });

  test('ws, sentinel mode: reads db 0 (where Superset\'s Sentinel backend writes) from any redis-queue server, through redis-queue-readers', () => {
    const o = objects();
    expect(baseConfig(o).redis).toEqual({ host: 'redis-queue-readers', port: 6379, db: 0, ssl: false });
    const readers = find(o, 'Service', 'redis-queue-readers');
    const queuePods = find(o, 'StatefulSet', 'redis-queue').spec.template.metadata.labels;
    for (const [k, v] of Object.entries(readers.spec.selector)) expect(queuePods[k]).toBe(v);
    expect(readers.spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 6379, protocol: 'TCP' }]);
    expect(graph(o).filter((e) => e.includes('superset-websocket'))).toEqual(['ingress-controller -> superset-websocket:8080/TCP', 'superset-websocket -> redis-queue:6379/TCP']);
  });

  test('ws, standalone redis-queue: the redis-queue Service and the async-queries db', () => {
    const o = objects({ ...WS, redis: { queue: { mode: 'standalone', replicas: 1 } } }, 'dev');
    expect(baseConfig(o).redis).toEqual({ host: 'redis-queue', port: 6379, db: 2, ssl: false });
    expect(findAll(o, 'Service').map((s) => s.metadata.name)).not.toContain('redis-queue-readers');
  });

  test('ws, managed Redis: TLS with the host name checked, its CA for Node.js, its ACL user, egress to its ranges only', () => {
    const o = objects({ ...WS, ...EXTERNAL_QUEUE });
    expect(baseConfig(o).redis).toEqual({ host: 'queue.cache.example.com', port: 6380, db: 2, ssl: true, validateHostname: true });
    const s = spec(o);
    expect(s.containers[0].env).toContainEqual({ name: 'NODE_EXTRA_CA_CERTS', value: '/etc/ssl/redis-queue-ca/ca.crt' });
    expect(find(o, 'ConfigMap', 'superset-websocket').data['compose-config.js']).toContain('["redis.username","REDIS_QUEUE_USERNAME"]');
    expect(graph(o).filter((e) => e.includes('superset-websocket'))).toEqual(['ingress-controller -> superset-websocket:8080/TCP', 'superset-websocket -> managed-queue:6380/TCP']);
  });

  test('compose-config.js, run with Node.js: writes config.json with the secrets, 0400, and only keys superset-websocket reads', () => {
    const r = compose(objects(), { GLOBAL_ASYNC_QUERIES_JWT_SECRET: 'j'.repeat(43) + '\n', REDIS_QUEUE_PASSWORD: 'p'.repeat(64) });
    expect(r.stderr).toBe('');
    expect(r.mode).toBe(0o400);
    expect(r.config.jwtSecret).toBe('j'.repeat(43));
    expect(r.config.redis).toEqual({ host: 'redis-queue-readers', port: 6379, db: 0, ssl: false, password: 'p'.repeat(64) });
    // The keys of superset-websocket's ConfigType (src/config.ts), its reading of config.json.
    const known = ['port', 'logLevel', 'logToFile', 'logFilename', 'statsd', 'redis', 'redisStreamPrefix', 'redisStreamReadCount', 'redisStreamReadBlockMs', 'jwtSecret', 'jwtCookieName', 'jwtChannelIdKey', 'jwtAlgorithms', 'socketResponseTimeoutMs', 'pingSocketsIntervalMs', 'gcChannelsIntervalMs'];
    for (const key of Object.keys(r.config)) expect(known).toContain(key);
    for (const key of Object.keys(r.config.redis)) expect(['host', 'port', 'password', 'username', 'db', 'ssl', 'validateHostname']).toContain(key);
  });

  test('compose-config.js fails, naming the file, when a secret file is empty or missing', () => {
    const empty = compose(objects(), { GLOBAL_ASYNC_QUERIES_JWT_SECRET: '\n', REDIS_QUEUE_PASSWORD: 'p' });
    expect(empty.status).not.toBe(0);
    expect(empty.stderr).toMatch(/GLOBAL_ASYNC_QUERIES_JWT_SECRET .*is empty; jwtSecret needs it/);
    const missing = compose(objects(), { GLOBAL_ASYNC_QUERIES_JWT_SECRET: 'j'.repeat(43) });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/REDIS_QUEUE_PASSWORD/);
  });

  test('custom: image, digest, replicas, resources, node pool', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const o = objects({ superset: { asyncQueries: { enabled: true, transport: 'ws', websocket: { image: { repository: 'registry.acme.io/superset', tag: '6.1.0-websocket', digest }, replicas: 3, resources: { cpuRequest: '200m', cpuLimit: '1', memoryRequest: '256Mi', memoryLimit: '512Mi' }, scheduling: { nodeSelector: { pool: 'edge' } } } } } });
    const s = spec(o);
    expect(s.containers[0].image).toBe(`registry.acme.io/superset:6.1.0-websocket@${digest}`);
    expect(find(o, 'Deployment', 'superset-websocket').spec.replicas).toBe(3);
    expect(s.containers[0].resources).toEqual({ requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    expect(s.nodeSelector).toEqual({ pool: 'edge' });
  });

  test('one pod: no PDB (it would block every drain)', () => {
    const o = objects({ superset: { asyncQueries: { enabled: true, transport: 'ws', websocket: { replicas: 1 } } } });
    expect(findAll(o, 'PodDisruptionBudget').map((p) => p.metadata.name)).not.toContain('superset-websocket');
  });

  const refused: Array<[string, object, RegExp]> = [
    ['transport "ws" while async queries are off', { superset: { asyncQueries: { enabled: false, transport: 'ws' } } }, /superset\.asyncQueries\.transport = "ws"\s+rule: the websocket server carries the events of async queries, which are off[\s\S]*fix: {2}set superset\.asyncQueries\.enabled to true/],
    ['an unknown transport', { superset: { asyncQueries: { enabled: true, transport: 'sse' } } }, /superset\.asyncQueries\.transport/],
    ['an image repository with a tag', { superset: { asyncQueries: { enabled: true, transport: 'ws', websocket: { image: { repository: 'apache/superset:6.1.0-websocket' } } } } }, /superset\.asyncQueries\.websocket\.image\.repository[\s\S]*must not contain a tag/],
    ['no replica', { superset: { asyncQueries: { enabled: true, transport: 'ws', websocket: { replicas: 0 } } } }, /superset\.asyncQueries\.websocket\.replicas/],
  ];
  test.each(refused)('refused: %s', (_what, overrides, expected) => {
    expect(() => resolveEnvironment('prod', overrides as EnvironmentOverrides)).toThrow(expected);
  });

  test('the managed example runs the websocket transport from its private registry', () => {
    const managed = fs.readFileSync(path.join(__dirname, '..', '..', 'dist', 'managed', '54-superset-websocket.yaml'), 'utf8');
    expect(managed).toContain('image: registry.internal.example.com/bi/superset:6.1.0-websocket');
    expect(execFileSync('grep', ['-c', 'kind: Deployment', path.join(__dirname, '..', '..', 'dist', 'managed', '54-superset-websocket.yaml')], { encoding: 'utf8' }).trim()).toBe('1');
  });
});
