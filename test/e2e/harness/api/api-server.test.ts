// The harness API server over real HTTPS on 127.0.0.1 (no root needed): authentication, RBAC
// answers, the ConfigMap and Pod verbs Patroni uses, Status objects and codes, watches.

import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { ObjectStore, type KubeObject } from '../store';
import { HarnessApiServer } from './api-server';
import { call, watch, type Target } from './test-client';

/* eslint-disable @typescript-eslint/no-explicit-any */

const NS = 'superset-dev';

function seed(store: ObjectStore): void {
  store.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'postgres', namespace: NS } });
  store.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader', namespace: NS } });
  store.create({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'postgres-patroni', namespace: NS },
    rules: [
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'get', 'list', 'patch', 'update', 'watch', 'delete', 'deletecollection'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'patch', 'update', 'watch', 'delete'] },
      { apiGroups: [''], resources: ['pods/log', 'endpoints'], verbs: ['get'] },
    ],
  });
  store.create({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'postgres-patroni', namespace: NS },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'postgres-patroni' },
    subjects: [{ kind: 'ServiceAccount', name: 'postgres', namespace: NS }],
  });
  // `reader` may read one ConfigMap by name only.
  store.create({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'one-config', namespace: NS },
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create'], resourceNames: ['postgres-config'] }],
  });
  store.create({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'one-config', namespace: NS },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'one-config' },
    subjects: [{ kind: 'ServiceAccount', name: 'reader' }],
  });
}

function pod(name: string, labels: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels },
    spec: { containers: [{ name: 'patroni', image: 'ghcr.io/zalando/spilo-18:4.1-p2' }], nodeName: 'node-1', serviceAccountName: 'postgres', terminationGracePeriodSeconds: 120 },
    status: { phase: 'Running', podIP: '10.244.1.5' },
  };
}

describe('HarnessApiServer', () => {
  let store: ObjectStore;
  let server: HarnessApiServer;
  let target: Target;
  let token: string;
  let readerToken: string;
  const logLines: string[] = [];
  const cmPath = `/api/v1/namespaces/${NS}/configmaps`;
  const podPath = `/api/v1/namespaces/${NS}/pods`;

  beforeAll(async () => {
    store = new ObjectStore();
    seed(store);
    server = new HarnessApiServer({ store, host: '127.0.0.1', port: 0, log: (l) => logLines.push(l), bookmarkIntervalSeconds: 0.2, resourceVersionWaitMs: 300 });
    await server.start();
    target = { url: server.url, ca: server.caCertPem };
    token = server.tokenFor(NS, 'postgres');
    readerToken = server.tokenFor(NS, 'reader');
  });

  afterAll(async () => {
    await server.stop();
  });

  const configMap = (name: string, labels: Record<string, string> = { 'cluster-name': 'postgres' }, annotations: Record<string, string> = {}) =>
    ({ metadata: { name, namespace: NS, labels, annotations } });

  describe('TLS and authentication', () => {
    it('serves a certificate for the kubernetes Service names, its ClusterIP and the listen address, signed by caCertPem', () => {
      const ca = new X509Certificate(server.caCertPem);
      expect(ca.ca).toBe(true);
      return new Promise<void>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: server.port, ca: server.caCertPem, servername: 'kubernetes.default.svc' }, () => {
          try {
            const cert = new X509Certificate(socket.getPeerX509Certificate()!.raw);
            expect(cert.verify(ca.publicKey)).toBe(true);
            for (const host of ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local']) expect(cert.checkHost(host)).toBe(host);
            expect(cert.checkIP('10.96.0.1')).toBe('10.96.0.1');
            expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
            expect(cert.checkHost('example.com')).toBeUndefined();
            socket.end();
            resolve();
          } catch (e) {
            reject(e);
          }
        });
        socket.on('error', reject);
      });
    });

    it('answers 401 with an Unauthorized Status without a token and with an unknown one, and records no token', async () => {
      const none = await call(target, undefined, 'GET', cmPath);
      expect(none.status).toBe(401);
      expect(none.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
      expect((await call(target, 'not-a-token', 'GET', cmPath)).status).toBe(401);
      expect(JSON.stringify(server.requests)).not.toContain(token);
      expect(logLines.join('\n')).not.toContain(token);
    });

    it('mints one stable token per ServiceAccount and refuses one for a ServiceAccount that does not exist', () => {
      expect(server.tokenFor(NS, 'postgres')).toBe(token);
      expect(token).not.toBe(readerToken);
      expect(token.length).toBeGreaterThanOrEqual(40);
      expect(() => server.tokenFor(NS, 'nobody')).toThrow(/ServiceAccount superset-dev\/nobody is not in the store/);
    });
  });

  describe('RBAC', () => {
    it('answers 403 with the real Forbidden Status for a verb the Role does not grant', async () => {
      const r = await call(target, token, 'GET', `/api/v1/namespaces/${NS}/secrets/postgres-credentials`);
      expect(r.status).toBe(403);
      expect(r.body).toEqual({
        kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
        message: 'secrets "postgres-credentials" is forbidden: User "system:serviceaccount:superset-dev:postgres" cannot get resource "secrets" in API group "" in the namespace "superset-dev"',
        reason: 'Forbidden', details: { name: 'postgres-credentials', kind: 'secrets' }, code: 403,
      });
      const list = await call(target, token, 'GET', `/api/v1/namespaces/other/configmaps`);
      expect(list.body.message).toBe('configmaps is forbidden: User "system:serviceaccount:superset-dev:postgres" cannot list resource "configmaps" in API group "" in the namespace "other"');
      expect(server.requests.filter((q) => q.status === 403).map((q) => `${q.verb} ${q.resource}`)).toEqual(expect.arrayContaining(['get secrets', 'list configmaps']));
    });

    it('applies resourceNames to get and to a list or watch with fieldSelector metadata.name, never to create', async () => {
      store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'postgres-config', namespace: NS } });
      store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'postgres-leader', namespace: NS } });
      expect((await call(target, readerToken, 'GET', `${cmPath}/postgres-config`)).status).toBe(200);
      expect((await call(target, readerToken, 'GET', `${cmPath}/postgres-leader`)).status).toBe(403);
      expect((await call(target, readerToken, 'GET', cmPath)).status).toBe(403);
      const named = await call(target, readerToken, 'GET', `${cmPath}?fieldSelector=metadata.name%3Dpostgres-config`);
      expect(named.status).toBe(200);
      expect(named.body.items.map((i: any) => i.metadata.name)).toEqual(['postgres-config']);
      const create = await call(target, readerToken, 'POST', cmPath, configMap('postgres-config'));
      expect(create.status).toBe(403);
      expect(create.body.message).toContain('cannot create resource "configmaps"');
      store.delete('ConfigMap', NS, 'postgres-config');
      store.delete('ConfigMap', NS, 'postgres-leader');
    });

    it('checks the token\'s ServiceAccount on every request: deleting it revokes the token', async () => {
      store.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'short-lived', namespace: NS } });
      const t = server.tokenFor(NS, 'short-lived');
      expect((await call(target, t, 'GET', cmPath)).status).toBe(403);
      store.delete('ServiceAccount', NS, 'short-lived');
      expect((await call(target, t, 'GET', cmPath)).status).toBe(401);
    });
  });

  describe('ConfigMaps', () => {
    afterEach(() => {
      for (const o of store.list('ConfigMap', NS)) store.delete('ConfigMap', NS, o.metadata.name);
    });

    it('creates (201, without kind or apiVersion, as Patroni sends it), refuses a second create with 409 AlreadyExists, gets and 404s', async () => {
      const created = await call(target, token, 'POST', cmPath, configMap('postgres-leader', undefined, { leader: 'postgres-0' }));
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'postgres-leader', namespace: NS, annotations: { leader: 'postgres-0' } } });
      expect(created.body.metadata.resourceVersion).toBe(store.get('ConfigMap', NS, 'postgres-leader')!.metadata.resourceVersion);
      expect(created.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);

      const again = await call(target, token, 'POST', cmPath, configMap('postgres-leader'));
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ reason: 'AlreadyExists', message: 'configmaps "postgres-leader" already exists', details: { name: 'postgres-leader', kind: 'configmaps' }, code: 409 });

      expect((await call(target, token, 'GET', `${cmPath}/postgres-leader`)).body.metadata.annotations).toEqual({ leader: 'postgres-0' });
      const missing = await call(target, token, 'GET', `${cmPath}/postgres-sync`);
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ reason: 'NotFound', message: 'configmaps "postgres-sync" not found', details: { name: 'postgres-sync', kind: 'configmaps' } });
    });

    it('rejects invalid objects with 422 naming the field, and a body for another namespace with 400', async () => {
      const bad = await call(target, token, 'POST', cmPath, { metadata: { name: 'Bad_Name' } });
      expect(bad.status).toBe(422);
      expect(bad.body.reason).toBe('Invalid');
      expect(bad.body.message).toMatch(/^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"/);
      const label = await call(target, token, 'POST', cmPath, { metadata: { name: 'x', labels: { role: 'not a label value' } } });
      expect(label.status).toBe(422);
      expect(label.body.message).toContain('metadata.labels: Invalid value: "not a label value"');
      const huge = await call(target, token, 'POST', cmPath, { metadata: { name: 'x', annotations: { status: 'x'.repeat(300 * 1024) } } });
      expect(huge.status).toBe(422);
      expect(huge.body.message).toContain('metadata.annotations: Too long');
      const otherNs = await call(target, token, 'POST', cmPath, { metadata: { name: 'x', namespace: 'elsewhere' } });
      expect(otherNs.status).toBe(400);
      expect(otherNs.body.message).toBe('the namespace of the provided object does not match the namespace sent on the request');
      expect(store.get('ConfigMap', NS, 'x')).toBeUndefined();
    });

    it('lists with labelSelector and fieldSelector, with the store resourceVersion and items without kind, and pages with limit/continue', async () => {
      for (const name of ['postgres-config', 'postgres-failover', 'postgres-leader']) store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS, labels: { 'cluster-name': 'postgres' } } });
      store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unrelated', namespace: NS, labels: { app: 'x' } } });
      const byLabel = await call(target, token, 'GET', `${cmPath}?labelSelector=${encodeURIComponent('cluster-name=postgres')}`);
      expect(byLabel.body.kind).toBe('ConfigMapList');
      expect(byLabel.body.metadata.resourceVersion).toBe(store.resourceVersion);
      expect(byLabel.body.items.map((i: any) => i.metadata.name)).toEqual(['postgres-config', 'postgres-failover', 'postgres-leader']);
      expect(byLabel.body.items[0].kind).toBeUndefined();

      const notIn = await call(target, token, 'GET', `${cmPath}?labelSelector=${encodeURIComponent('cluster-name notin (postgres)')}`);
      expect(notIn.body.items.map((i: any) => i.metadata.name)).toEqual(['unrelated']);
      const byField = await call(target, token, 'GET', `${cmPath}?fieldSelector=${encodeURIComponent('metadata.name!=unrelated,metadata.name!=postgres-config')}`);
      expect(byField.body.items.map((i: any) => i.metadata.name)).toEqual(['postgres-failover', 'postgres-leader']);
      const unsupported = await call(target, token, 'GET', `${cmPath}?fieldSelector=data.x%3Dy`);
      expect(unsupported.status).toBe(400);
      expect(unsupported.body.message).toBe('field label not supported: data.x');

      const page1 = await call(target, token, 'GET', `${cmPath}?limit=3`);
      expect(page1.body.items).toHaveLength(3);
      expect(page1.body.metadata.remainingItemCount).toBe(1);
      const page2 = await call(target, token, 'GET', `${cmPath}?limit=3&continue=${page1.body.metadata.continue}`);
      expect(page2.body.items.map((i: any) => i.metadata.name)).toEqual(['unrelated']);
      expect(page2.body.metadata.continue).toBeUndefined();
    });

    it('answers a list ahead of the store with 504 Too large resource version after waiting for it', async () => {
      const ahead = String(Number(store.resourceVersion) + 1000);
      const r = await call(target, token, 'GET', `${cmPath}?resourceVersion=${ahead}`);
      expect(r.status).toBe(504);
      expect(r.body.message).toBe(`Timeout: Too large resource version: ${ahead}, current: ${store.resourceVersion}`);
    });

    it('updates with PUT: a stale resourceVersion is a 409 Conflict, none is unconditional, a no-op keeps the resourceVersion', async () => {
      const created = (await call(target, token, 'POST', cmPath, configMap('postgres-config', undefined, { config: '{}' }))).body;
      const stale = { ...created, metadata: { ...created.metadata, resourceVersion: String(Number(created.metadata.resourceVersion) - 1), annotations: { config: '{"ttl":20}' } } };
      const conflict = await call(target, token, 'PUT', `${cmPath}/postgres-config`, stale);
      expect(conflict.status).toBe(409);
      expect(conflict.body).toMatchObject({
        reason: 'Conflict', code: 409, details: { name: 'postgres-config', kind: 'configmaps' },
        message: 'Operation cannot be fulfilled on configmaps "postgres-config": the object has been modified; please apply your changes to the latest version and try again',
      });
      const current = { ...created, metadata: { ...created.metadata, annotations: { config: '{"ttl":20}' } } };
      const ok = await call(target, token, 'PUT', `${cmPath}/postgres-config`, current);
      expect(ok.status).toBe(200);
      expect(Number(ok.body.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
      expect(ok.body.metadata.uid).toBe(created.metadata.uid);
      const unconditional = { metadata: { name: 'postgres-config', annotations: { config: '{"ttl":30}' } } };
      expect((await call(target, token, 'PUT', `${cmPath}/postgres-config`, unconditional)).body.metadata.annotations.config).toBe('{"ttl":30}');
      const before = store.get('ConfigMap', NS, 'postgres-config')!;
      const noop = await call(target, token, 'PUT', `${cmPath}/postgres-config`, before);
      expect(noop.body.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
      const renamed = await call(target, token, 'PUT', `${cmPath}/postgres-config`, { metadata: { name: 'other' } });
      expect(renamed.status).toBe(400);
      expect(renamed.body.message).toBe('the name of the object (other) does not match the name on the URL (postgres-config)');
      expect((await call(target, token, 'PUT', `${cmPath}/postgres-sync`, { metadata: { name: 'postgres-sync' } })).status).toBe(404);
    });

    it('patches with a strategic merge patch as Patroni does: annotations merge, null removes one, metadata.resourceVersion is a precondition', async () => {
      const created = (await call(target, token, 'POST', cmPath, configMap('postgres-leader', undefined, { leader: 'postgres-0', optime: '1', ttl: '20' }))).body;
      const smp = 'application/strategic-merge-patch+json';
      const renewed = await call(target, token, 'PATCH', `${cmPath}/postgres-leader`,
        { metadata: { name: 'postgres-leader', namespace: NS, resourceVersion: created.metadata.resourceVersion, annotations: { renewTime: 't1', optime: null } } }, smp);
      expect(renewed.status).toBe(200);
      expect(renewed.body.metadata.annotations).toEqual({ leader: 'postgres-0', ttl: '20', renewTime: 't1' });
      expect(renewed.body.metadata.labels).toEqual({ 'cluster-name': 'postgres' });

      const lost = await call(target, token, 'PATCH', `${cmPath}/postgres-leader`,
        { metadata: { resourceVersion: created.metadata.resourceVersion, annotations: { leader: 'postgres-1' } } }, smp);
      expect(lost.status).toBe(409);
      expect(lost.body.reason).toBe('Conflict');
      expect(store.get('ConfigMap', NS, 'postgres-leader')!.metadata.annotations!.leader).toBe('postgres-0');

      const rv = store.get('ConfigMap', NS, 'postgres-leader')!.metadata.resourceVersion;
      const noop = await call(target, token, 'PATCH', `${cmPath}/postgres-leader`, { metadata: { annotations: { leader: 'postgres-0' } } }, smp);
      expect(noop.body.metadata.resourceVersion).toBe(rv);
      const missing = await call(target, token, 'PATCH', `${cmPath}/postgres-failover`, { metadata: { annotations: { leader: 'x' } } }, smp);
      expect(missing.status).toBe(404);
    });

    it('patches with a JSON merge patch and a JSON patch; a failed JSON patch test is a 422; server-side apply is a logged 501; other types are 415', async () => {
      await call(target, token, 'POST', cmPath, { metadata: { name: 'postgres-config' }, data: { a: '1', b: '2' } });
      const merged = await call(target, token, 'PATCH', `${cmPath}/postgres-config`, { data: { a: null, c: '3' } }, 'application/merge-patch+json');
      expect(merged.body.data).toEqual({ b: '2', c: '3' });
      const json = await call(target, token, 'PATCH', `${cmPath}/postgres-config`, [{ op: 'test', path: '/data/b', value: '2' }, { op: 'replace', path: '/data/b', value: '20' }], 'application/json-patch+json');
      expect(json.status).toBe(200);
      expect(json.body.data).toEqual({ b: '20', c: '3' });
      const failedTest = await call(target, token, 'PATCH', `${cmPath}/postgres-config`, [{ op: 'test', path: '/data/b', value: '2' }, { op: 'remove', path: '/data/b' }], 'application/json-patch+json');
      expect(failedTest.status).toBe(422);
      expect(store.get('ConfigMap', NS, 'postgres-config')!.data.b).toBe('20');
      const apply = await call(target, token, 'PATCH', `${cmPath}/postgres-config`, 'metadata: {name: postgres-config}', 'application/apply-patch+yaml');
      expect(apply.status).toBe(501);
      expect(apply.body.message).toBe('server-side apply (PATCH with application/apply-patch+yaml) is not implemented by the e2e harness API server');
      expect(logLines.some((l) => l.includes('501 PATCH') && l.includes('server-side apply'))).toBe(true);
      expect((await call(target, token, 'PATCH', `${cmPath}/postgres-config`, '{}', 'text/plain')).status).toBe(415);
    });

    it('deletes: a preconditions.resourceVersion mismatch is a 409, then a Success Status; deletecollection takes a labelSelector', async () => {
      const created = (await call(target, token, 'POST', cmPath, configMap('postgres-sync'))).body;
      const stale = await call(target, token, 'DELETE', `${cmPath}/postgres-sync`, { preconditions: { resourceVersion: '1' } });
      expect(stale.status).toBe(409);
      expect(stale.body.message).toBe(`Operation cannot be fulfilled on configmaps "postgres-sync": Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: ${created.metadata.resourceVersion}`);
      const gone = await call(target, token, 'DELETE', `${cmPath}/postgres-sync`, { preconditions: { resourceVersion: created.metadata.resourceVersion } });
      expect(gone.status).toBe(200);
      expect(gone.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: 'postgres-sync', kind: 'configmaps', uid: created.metadata.uid } });
      expect(store.get('ConfigMap', NS, 'postgres-sync')).toBeUndefined();

      for (const name of ['postgres-config', 'postgres-leader']) await call(target, token, 'POST', cmPath, configMap(name));
      await call(target, token, 'POST', cmPath, configMap('keep', { app: 'other' }));
      const collection = await call(target, token, 'DELETE', `${cmPath}?labelSelector=cluster-name%3Dpostgres`);
      expect(collection.status).toBe(200);
      expect(collection.body.kind).toBe('ConfigMapList');
      expect(collection.body.items.map((i: any) => i.metadata.name)).toEqual(['postgres-config', 'postgres-leader']);
      expect(store.list('ConfigMap', NS).map((o) => o.metadata.name)).toEqual(['keep']);
    });

    it('marks an object with finalizers for deletion and removes it when its last finalizer goes', async () => {
      await call(target, token, 'POST', cmPath, { metadata: { name: 'held', finalizers: ['example.com/hold'] } });
      const marked = await call(target, token, 'DELETE', `${cmPath}/held`);
      expect(marked.status).toBe(200);
      expect(marked.body.metadata.deletionTimestamp).toBeDefined();
      expect(store.get('ConfigMap', NS, 'held')).toBeDefined();
      const released = await call(target, token, 'PATCH', `${cmPath}/held`, { metadata: { finalizers: null } }, 'application/merge-patch+json');
      expect(released.status).toBe(200);
      expect(store.get('ConfigMap', NS, 'held')).toBeUndefined();
    });

    it('answers what it does not serve with 404 or 501 that say so, and logs them', async () => {
      const log = await call(target, token, 'GET', `/api/v1/namespaces/${NS}/pods/postgres-0/log`);
      expect(log.status).toBe(404);
      expect(log.body.message).toContain('subresource pods/log is not served');
      const endpoints = await call(target, token, 'GET', `/api/v1/namespaces/${NS}/endpoints/postgres`);
      expect(endpoints.status).toBe(404);
      expect(endpoints.body.message).toBe('the server could not find the requested resource: v1 endpoints is not served by the e2e harness API server (it serves only core/v1 configmaps and pods)');
      expect(logLines.some((l) => l.includes('404 GET /api/v1/namespaces/superset-dev/endpoints/postgres'))).toBe(true);
      const dry = await call(target, token, 'POST', `${cmPath}?dryRun=All`, configMap('x'));
      expect(dry.status).toBe(501);
      expect(logLines.some((l) => l.includes('dryRun'))).toBe(true);
    });
  });

  describe('Pods (owned by the kubelet; clients patch metadata)', () => {
    beforeEach(() => {
      for (const o of store.list('Pod', NS)) store.delete('Pod', NS, o.metadata.name);
      store.create(pod('postgres-0', { 'cluster-name': 'postgres', 'app.kubernetes.io/name': 'postgres' }));
    });

    it('lets Patroni set its role label and status annotation with a strategic merge patch', async () => {
      const r = await call(target, token, 'PATCH', `${podPath}/postgres-0`,
        { metadata: { name: 'postgres-0', namespace: NS, labels: { role: 'primary' }, annotations: { status: '{"state":"running"}' } } }, 'application/strategic-merge-patch+json');
      expect(r.status).toBe(200);
      const stored = store.get('Pod', NS, 'postgres-0')!;
      expect(stored.metadata.labels).toEqual({ 'cluster-name': 'postgres', 'app.kubernetes.io/name': 'postgres', role: 'primary' });
      expect(stored.metadata.annotations).toEqual({ status: '{"state":"running"}' });
      const unset = await call(target, token, 'PATCH', `${podPath}/postgres-0`, { metadata: { labels: { role: null } } }, 'application/strategic-merge-patch+json');
      expect(unset.body.metadata.labels.role).toBeUndefined();
    });

    it('refuses spec changes the API refuses (422), allows an image change, and drops status written through the main resource', async () => {
      const nodeName = await call(target, token, 'PATCH', `${podPath}/postgres-0`, { spec: { nodeName: 'node-2' } }, 'application/strategic-merge-patch+json');
      expect(nodeName.status).toBe(422);
      expect(nodeName.body.message).toMatch(/^Pod "postgres-0" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\]\.image`.*\(this update changes spec.nodeName\)$/);
      const image = await call(target, token, 'PATCH', `${podPath}/postgres-0`, { spec: { containers: [{ name: 'patroni', image: 'ghcr.io/zalando/spilo-18:4.1-p3' }] } }, 'application/strategic-merge-patch+json');
      expect(image.status).toBe(200);
      expect(store.get('Pod', NS, 'postgres-0')!.spec.containers).toEqual([{ name: 'patroni', image: 'ghcr.io/zalando/spilo-18:4.1-p3' }]);
      const status = await call(target, token, 'PATCH', `${podPath}/postgres-0`, { status: { phase: 'Failed' } }, 'application/merge-patch+json');
      expect(status.status).toBe(200);
      expect(store.get('Pod', NS, 'postgres-0')!.status.phase).toBe('Running');
    });

    it('refuses creating Pods through the API (501) and marks a deleted Pod with a deletionTimestamp for the kubelet', async () => {
      const create = await call(target, token, 'POST', podPath, pod('postgres-9', {}));
      expect(create.status).toBe(403);
      store.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'pod-creator' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }] });
      store.create({
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'pod-creator' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'pod-creator' }, subjects: [{ kind: 'Group', name: `system:serviceaccounts:${NS}` }],
      });
      const allowed = await call(target, token, 'POST', podPath, pod('postgres-9', {}));
      expect(allowed.status).toBe(501);
      store.delete('ClusterRoleBinding', undefined, 'pod-creator');
      store.delete('ClusterRole', undefined, 'pod-creator');

      const deleted = await call(target, token, 'DELETE', `${podPath}/postgres-0`);
      expect(deleted.status).toBe(200);
      expect(deleted.body.kind).toBe('Pod');
      expect(deleted.body.metadata.deletionGracePeriodSeconds).toBe(120);
      expect(store.get('Pod', NS, 'postgres-0')!.metadata.deletionTimestamp).toBe(deleted.body.metadata.deletionTimestamp);
      const sooner = await call(target, token, 'DELETE', `${podPath}/postgres-0?gracePeriodSeconds=5`);
      expect(sooner.body.metadata.deletionGracePeriodSeconds).toBe(5);
    });

    it('selects Pods on status.phase and spec.nodeName', async () => {
      store.create({ ...pod('postgres-1', { 'cluster-name': 'postgres' }), status: { phase: 'Pending' } });
      const running = await call(target, token, 'GET', `${podPath}?fieldSelector=status.phase%3DRunning`);
      expect(running.body.items.map((i: any) => i.metadata.name)).toEqual(['postgres-0']);
      const onNode = await call(target, token, 'GET', `${podPath}?fieldSelector=spec.nodeName%3Dnode-1,status.phase!%3DRunning`);
      expect(onNode.body.items.map((i: any) => i.metadata.name)).toEqual(['postgres-1']);
    });
  });

  describe('watch', () => {
    afterEach(() => {
      for (const o of store.list('ConfigMap', NS)) store.delete('ConfigMap', NS, o.metadata.name);
    });

    it('without a resourceVersion starts with ADDED for what exists, then streams changes as chunked JSON lines', async () => {
      store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'postgres-config', namespace: NS, labels: { 'cluster-name': 'postgres' } } });
      const w = await watch(target, token, `${cmPath}?labelSelector=cluster-name%3Dpostgres&watch=True`);
      expect(w.status).toBe(200);
      await w.next(1);
      store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'postgres-leader', namespace: NS, labels: { 'cluster-name': 'postgres' } } });
      store.update('ConfigMap', NS, 'postgres-leader', (o) => { o.metadata.annotations = { leader: 'postgres-0' }; });
      store.delete('ConfigMap', NS, 'postgres-leader');
      const events = await w.next(4);
      expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED postgres-config', 'ADDED postgres-leader', 'MODIFIED postgres-leader', 'DELETED postgres-leader']);
      expect(events[2].object.metadata.annotations).toEqual({ leader: 'postgres-0' });
      expect(events[1].object.kind).toBe('ConfigMap');
      w.close();
    });

    it('resumes from a resourceVersion with the changes after it, and turns label changes into ADDED and DELETED for the selector', async () => {
      store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: NS, labels: { 'cluster-name': 'postgres' } } });
      const from = store.resourceVersion;
      store.update('ConfigMap', NS, 'a', (o) => { o.metadata.labels = { 'cluster-name': 'other' }; });
      store.update('ConfigMap', NS, 'a', (o) => { o.metadata.labels = { 'cluster-name': 'postgres' }; });
      store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: NS, labels: { 'cluster-name': 'other' } } });
      const w = await watch(target, token, `${cmPath}?labelSelector=cluster-name%3Dpostgres&watch=1&resourceVersion=${from}`);
      const events = await w.next(2);
      expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['DELETED a', 'ADDED a']);
      expect(Number(events[0].object.metadata.resourceVersion)).toBeGreaterThan(Number(from));
      w.close();
    });

    it('answers a watch from a resourceVersion older than the history with one ERROR event carrying a 410 Expired Status', async () => {
      const old = store.resourceVersion;
      store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'churn', namespace: NS } });
      for (let i = 0; i < 5001; i++) store.update('ConfigMap', NS, 'churn', (o) => { o.data = { i: String(i) }; });
      const w = await watch(target, token, `${cmPath}?watch=true&resourceVersion=${old}`);
      expect(w.status).toBe(200);
      await w.ended;
      expect(w.events).toHaveLength(1);
      expect(w.events[0].type).toBe('ERROR');
      expect(w.events[0].object).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
      expect(w.events[0].object.message).toMatch(new RegExp(`^too old resource version: ${old} \\(\\d+\\)$`));
      const record = server.requests.filter((r) => r.verb === 'watch').at(-1)!;
      expect(record.error).toMatch(/too old resource version/);
    });

    it('ends after timeoutSeconds and sends BOOKMARK events when allowed', async () => {
      const w = await watch(target, token, `${cmPath}?watch=1&resourceVersion=${store.resourceVersion}&timeoutSeconds=1&allowWatchBookmarks=true`);
      await w.ended;
      expect(w.events.length).toBeGreaterThanOrEqual(1);
      expect(w.events.every((e) => e.type === 'BOOKMARK' && e.object.kind === 'ConfigMap' && e.object.metadata.resourceVersion === store.resourceVersion)).toBe(true);
    });

    it('lets a pod watch filter on fieldSelector metadata.name', async () => {
      for (const o of store.list('Pod', NS)) store.delete('Pod', NS, o.metadata.name);
      store.create(pod('postgres-0', { 'cluster-name': 'postgres' }));
      store.create(pod('postgres-1', { 'cluster-name': 'postgres' }));
      const w = await watch(target, token, `${podPath}?watch=1&fieldSelector=metadata.name%3Dpostgres-1`);
      await w.next(1);
      store.update('Pod', NS, 'postgres-0', (o) => { o.metadata.labels!.role = 'primary'; });
      store.update('Pod', NS, 'postgres-1', (o) => { o.metadata.labels!.role = 'replica'; });
      const events = await w.next(2);
      expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED postgres-1', 'MODIFIED postgres-1']);
      w.close();
      for (const name of ['postgres-0', 'postgres-1']) store.delete('Pod', NS, name);
    });
  });
});
