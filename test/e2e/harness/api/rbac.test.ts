// RBAC decisions: every object of dist/dev and dist/prod loaded into a store, then what the
// Patroni ServiceAccount may and may not do (the calls Patroni 4.1 makes, and what it must not be
// able to), plus the authorizer's rules (bindings, subjects, resourceNames, wildcards,
// subresources) on small hand-made policies.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadAll } from 'js-yaml';
import { ObjectStore, type KubeObject } from '../store';
import { authorize, forbiddenMessage, serviceAccountUser, type UserInfo } from './rbac';
import { requestAttributes } from './request-info';

/* eslint-disable @typescript-eslint/no-explicit-any */

const ROOT = path.join(__dirname, '..', '..', '..', '..');

function distStore(env: string): ObjectStore {
  const store = new ObjectStore();
  const dir = path.join(ROOT, 'dist', env);
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of loadAll(fs.readFileSync(path.join(dir, file), 'utf8')) as KubeObject[]) if (doc) store.create(doc);
  }
  return store;
}

function can(store: ObjectStore, user: UserInfo, method: string, url: string): boolean {
  return authorize(store, user, requestAttributes(method, new URL(url, 'https://kubernetes.default.svc'))).allowed;
}

// The requests Patroni's Kubernetes DCS makes with use_endpoints: false (patroni/dcs/kubernetes.py,
// 4.1.0 and 4.1.5), with the scope `postgres` and our labels.
const SELECTOR = encodeURIComponent('app.kubernetes.io/name=postgres,app.kubernetes.io/component=database,cluster-name=postgres');
const patroniCalls = (ns: string): Array<[string, string, string]> => [
  ['list pods (ObjectCache)', 'GET', `/api/v1/namespaces/${ns}/pods?labelSelector=${SELECTOR}`],
  ['watch pods', 'GET', `/api/v1/namespaces/${ns}/pods?labelSelector=${SELECTOR}&watch=True&resourceVersion=10`],
  ['patch own pod (touch_member: role label, status annotation)', 'PATCH', `/api/v1/namespaces/${ns}/pods/postgres-0`],
  ['list configmaps (ObjectCache)', 'GET', `/api/v1/namespaces/${ns}/configmaps?labelSelector=${SELECTOR}`],
  ['watch configmaps', 'GET', `/api/v1/namespaces/${ns}/configmaps?labelSelector=${SELECTOR}&watch=True&resourceVersion=10`],
  ['create postgres-leader/-config/-failover/-sync', 'POST', `/api/v1/namespaces/${ns}/configmaps`],
  ['patch postgres-leader (update_leader, attempt_to_acquire_leader)', 'PATCH', `/api/v1/namespaces/${ns}/configmaps/postgres-leader`],
  ['read postgres-leader after a 409', 'GET', `/api/v1/namespaces/${ns}/configmaps/postgres-leader`],
  ['patch postgres-config (initialize, history, config)', 'PATCH', `/api/v1/namespaces/${ns}/configmaps/postgres-config`],
  ['patch postgres-failover (manual_failover)', 'PATCH', `/api/v1/namespaces/${ns}/configmaps/postgres-failover`],
];

describe.each(['dev', 'prod'])('the Role and RoleBinding of dist/%s', (env) => {
  const ns = `superset-${env}`;
  const store = distStore(env);
  const patroni = serviceAccountUser(ns, 'postgres');

  it.each(patroniCalls(ns))('allows Patroni to %s', (_what, method, url) => {
    expect(can(store, patroni, method, url)).toBe(true);
  });

  it.each([
    ['read Secrets (its passwords come as env, not through the API)', 'GET', `/api/v1/namespaces/${ns}/secrets/postgres-credentials`],
    ['list Secrets', 'GET', `/api/v1/namespaces/${ns}/secrets`],
    ['create Pods', 'POST', `/api/v1/namespaces/${ns}/pods`],
    ['delete Pods', 'DELETE', `/api/v1/namespaces/${ns}/pods/postgres-0`],
    ['write Pod status', 'PATCH', `/api/v1/namespaces/${ns}/pods/postgres-0/status`],
    ['exec into Pods', 'POST', `/api/v1/namespaces/${ns}/pods/postgres-0/exec`],
    ['touch Endpoints (only needed with use_endpoints: true)', 'PATCH', `/api/v1/namespaces/${ns}/endpoints/postgres`],
    ['create Services (only needed with use_endpoints: true)', 'POST', `/api/v1/namespaces/${ns}/services`],
    ['read the kubernetes Endpoints in default (only needed with bypass_api_service: true)', 'GET', '/api/v1/namespaces/default/endpoints/kubernetes'],
    ['touch ConfigMaps of another namespace', 'PATCH', '/api/v1/namespaces/kube-system/configmaps/postgres-leader'],
    ['list ConfigMaps across all namespaces', 'GET', '/api/v1/configmaps'],
    ['change its own Role', 'PUT', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/postgres-patroni`],
    ['read StatefulSets', 'GET', `/apis/apps/v1/namespaces/${ns}/statefulsets/postgres`],
    // Least privilege: only its own ConfigMaps and pods, and only the verbs Patroni uses.
    ['patch superset-config (Python every Superset pod runs)', 'PATCH', `/api/v1/namespaces/${ns}/configmaps/superset-config`],
    ['replace superset-config', 'PUT', `/api/v1/namespaces/${ns}/configmaps/superset-config`],
    ['read another ConfigMap by name', 'GET', `/api/v1/namespaces/${ns}/configmaps/superset-config`],
    ['update (PUT) its leader ConfigMap (never used)', 'PUT', `/api/v1/namespaces/${ns}/configmaps/postgres-leader`],
    ['delete its leader ConfigMap', 'DELETE', `/api/v1/namespaces/${ns}/configmaps/postgres-leader`],
    ['deletecollection (patronictl remove needs a temporary grant)', 'DELETE', `/api/v1/namespaces/${ns}/configmaps?labelSelector=${SELECTOR}`],
    ['patch a pod that is not a member (re-image Superset)', 'PATCH', `/api/v1/namespaces/${ns}/pods/superset-web-0`],
    ['replace (PUT) a member pod', 'PUT', `/api/v1/namespaces/${ns}/pods/postgres-0`],
    ['get a pod by name (never used)', 'GET', `/api/v1/namespaces/${ns}/pods/postgres-0`],
  ])('denies Patroni to %s', (_what, method, url) => {
    expect(can(store, patroni, method, url)).toBe(false);
  });

  it('grants nothing to the other ServiceAccounts of the environment, nor to an unknown user', () => {
    const others = store.list('ServiceAccount', ns).map((s) => s.metadata.name).filter((n) => n !== 'postgres');
    expect(others.length).toBeGreaterThan(0);
    for (const name of [...others, 'default']) {
      for (const [, method, url] of patroniCalls(ns)) expect(can(store, serviceAccountUser(ns, name), method, url)).toBe(false);
    }
    expect(can(store, { name: 'system:anonymous', groups: ['system:unauthenticated'] }, 'GET', `/api/v1/namespaces/${ns}/configmaps`)).toBe(false);
  });

  it('says which binding allowed a request, and the denial message names user, verb, resource, group and namespace', () => {
    const a = requestAttributes('PATCH', new URL(`https://x/api/v1/namespaces/${ns}/configmaps/postgres-leader`));
    expect(authorize(store, patroni, a).reason).toBe(`RBAC: allowed by RoleBinding "postgres-patroni/${ns}" of Role "postgres-patroni" to ServiceAccount "postgres/${ns}"`);
    const s = requestAttributes('GET', new URL(`https://x/api/v1/namespaces/${ns}/secrets/postgres-credentials`));
    expect(forbiddenMessage(patroni, s)).toBe(`User "system:serviceaccount:${ns}:postgres" cannot get resource "secrets" in API group "" in the namespace "${ns}"`);
  });
});

describe('the RBAC authorizer', () => {
  const NS = 'team';
  const alice = serviceAccountUser(NS, 'alice');
  const rbac = 'rbac.authorization.k8s.io/v1';

  function storeWith(...objects: KubeObject[]): ObjectStore {
    const store = new ObjectStore();
    for (const o of objects) store.create(o);
    return store;
  }
  // namespace null: cluster-scoped (ClusterRole, ClusterRoleBinding).
  const role = (name: string, rules: any[], namespace: string | null = NS): KubeObject =>
    ({ apiVersion: rbac, kind: namespace ? 'Role' : 'ClusterRole', metadata: { name, ...(namespace ? { namespace } : {}) }, rules });
  const binding = (name: string, roleKind: string, roleName: string, subjects: any[], namespace: string | null = NS): KubeObject => ({
    apiVersion: rbac, kind: namespace ? 'RoleBinding' : 'ClusterRoleBinding', metadata: { name, ...(namespace ? { namespace } : {}) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: roleName }, subjects,
  });
  const alicesSubject = [{ kind: 'ServiceAccount', name: 'alice', namespace: NS }];

  it('maps HTTP methods and paths to verbs: get, list, watch, create, update, patch, delete, deletecollection', () => {
    const verb = (m: string, u: string) => requestAttributes(m, new URL(u, 'https://x')).verb;
    expect(verb('GET', '/api/v1/namespaces/a/configmaps/x')).toBe('get');
    expect(verb('GET', '/api/v1/namespaces/a/configmaps')).toBe('list');
    expect(verb('GET', '/api/v1/namespaces/a/configmaps?watch=True')).toBe('watch');
    expect(verb('GET', '/api/v1/namespaces/a/configmaps?watch=1')).toBe('watch');
    expect(verb('GET', '/api/v1/namespaces/a/configmaps?watch=false')).toBe('list');
    expect(verb('GET', '/api/v1/watch/namespaces/a/configmaps')).toBe('watch');
    expect(verb('POST', '/api/v1/namespaces/a/configmaps')).toBe('create');
    expect(verb('PUT', '/api/v1/namespaces/a/configmaps/x')).toBe('update');
    expect(verb('PATCH', '/api/v1/namespaces/a/configmaps/x')).toBe('patch');
    expect(verb('DELETE', '/api/v1/namespaces/a/configmaps/x')).toBe('delete');
    expect(verb('DELETE', '/api/v1/namespaces/a/configmaps')).toBe('deletecollection');
  });

  it('reads namespace, group, resource, subresource and name from the path; a namespace itself is resource namespaces', () => {
    const parse = (u: string) => requestAttributes('GET', new URL(u, 'https://x'));
    expect(parse('/apis/apps/v1/namespaces/a/statefulsets/pg/scale')).toMatchObject({ apiGroup: 'apps', apiVersion: 'v1', namespace: 'a', resource: 'statefulsets', name: 'pg', subresource: 'scale' });
    expect(parse('/api/v1/namespaces/a')).toMatchObject({ namespace: 'a', resource: 'namespaces', name: 'a' });
    expect(parse('/api/v1/pods')).toMatchObject({ namespace: '', resource: 'pods', verb: 'list' });
    expect(parse('/version')).toMatchObject({ isResourceRequest: false, verb: 'get', path: '/version' });
    expect(parse('/api/v1/namespaces/a/configmaps?fieldSelector=metadata.name%3Dx')).toMatchObject({ name: 'x', namedInPath: false });
    expect(parse('/api/v1/namespaces/a/configmaps?fieldSelector=metadata.name!%3Dx').name).toBe('');
  });

  it('allows nothing without a binding, and a RoleBinding only in its own namespace', () => {
    const store = storeWith(role('cm', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }]), binding('cm', 'Role', 'cm', alicesSubject));
    expect(can(storeWith(), alice, 'GET', `/api/v1/namespaces/${NS}/configmaps/x`)).toBe(false);
    expect(can(store, alice, 'GET', `/api/v1/namespaces/${NS}/configmaps/x`)).toBe(true);
    expect(can(store, alice, 'GET', '/api/v1/namespaces/other/configmaps/x')).toBe(false);
    expect(can(store, alice, 'GET', '/api/v1/configmaps')).toBe(false);
  });

  it('lets a RoleBinding grant a ClusterRole in its namespace only, and a ClusterRoleBinding everywhere', () => {
    const reader = role('reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }], null);
    const local = storeWith(reader, binding('r', 'ClusterRole', 'reader', alicesSubject));
    expect(can(local, alice, 'GET', `/api/v1/namespaces/${NS}/pods`)).toBe(true);
    expect(can(local, alice, 'GET', '/api/v1/namespaces/other/pods')).toBe(false);
    const global = storeWith(reader, binding('r', 'ClusterRole', 'reader', alicesSubject, null));
    expect(can(global, alice, 'GET', '/api/v1/namespaces/other/pods')).toBe(true);
    expect(can(global, alice, 'GET', '/api/v1/pods')).toBe(true);
  });

  it('matches ServiceAccount subjects by namespace (a RoleBinding defaults it to its own), Users by name and the serviceaccounts groups', () => {
    const r = role('cm', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }]);
    const url = `/api/v1/namespaces/${NS}/configmaps/x`;
    expect(can(storeWith(r, binding('b', 'Role', 'cm', [{ kind: 'ServiceAccount', name: 'alice' }])), alice, 'GET', url)).toBe(true);
    expect(can(storeWith(r, binding('b', 'Role', 'cm', [{ kind: 'ServiceAccount', name: 'alice', namespace: 'other' }])), alice, 'GET', url)).toBe(false);
    expect(can(storeWith(r, binding('b', 'Role', 'cm', [{ kind: 'User', name: 'system:serviceaccount:team:alice' }])), alice, 'GET', url)).toBe(true);
    expect(can(storeWith(r, binding('b', 'Role', 'cm', [{ kind: 'Group', name: 'system:serviceaccounts:team' }])), alice, 'GET', url)).toBe(true);
    expect(can(storeWith(r, binding('b', 'Role', 'cm', [{ kind: 'Group', name: 'system:serviceaccounts' }])), alice, 'GET', url)).toBe(true);
    expect(can(storeWith(r, binding('b', 'Role', 'cm', [{ kind: 'Group', name: 'system:serviceaccounts:other' }])), alice, 'GET', url)).toBe(false);
  });

  it('applies resourceNames to named requests and field-selected lists only: never to create, list without a name, or deletecollection', () => {
    const store = storeWith(
      role('named', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['*'], resourceNames: ['postgres-leader'] }]),
      binding('named', 'Role', 'named', alicesSubject),
    );
    const base = `/api/v1/namespaces/${NS}/configmaps`;
    expect(can(store, alice, 'GET', `${base}/postgres-leader`)).toBe(true);
    expect(can(store, alice, 'PATCH', `${base}/postgres-leader`)).toBe(true);
    expect(can(store, alice, 'DELETE', `${base}/postgres-leader`)).toBe(true);
    expect(can(store, alice, 'GET', `${base}/postgres-config`)).toBe(false);
    expect(can(store, alice, 'POST', base)).toBe(false);
    expect(can(store, alice, 'GET', base)).toBe(false);
    expect(can(store, alice, 'GET', `${base}?watch=1`)).toBe(false);
    expect(can(store, alice, 'GET', `${base}?watch=1&fieldSelector=metadata.name%3Dpostgres-leader`)).toBe(true);
    expect(can(store, alice, 'GET', `${base}?labelSelector=cluster-name%3Dpostgres`)).toBe(false);
    expect(can(store, alice, 'DELETE', base)).toBe(false);
  });

  it('matches `*` in verbs, apiGroups and resources, and subresources only when named (or by */sub)', () => {
    const store = storeWith(
      role('all', [{ apiGroups: ['*'], resources: ['*'], verbs: ['get'] }, { apiGroups: [''], resources: ['*/status'], verbs: ['patch'] }, { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['*'] }]),
      binding('all', 'Role', 'all', alicesSubject),
    );
    expect(can(store, alice, 'GET', `/apis/batch/v1/namespaces/${NS}/jobs/j`)).toBe(true);
    expect(can(store, alice, 'GET', `/api/v1/namespaces/${NS}/pods/p/log`)).toBe(true);
    expect(can(store, alice, 'PATCH', `/api/v1/namespaces/${NS}/pods/p/status`)).toBe(true);
    expect(can(store, alice, 'PATCH', `/api/v1/namespaces/${NS}/pods/p`)).toBe(false);
    expect(can(store, alice, 'DELETE', `/apis/apps/v1/namespaces/${NS}/statefulsets/pg`)).toBe(true);
    expect(can(store, alice, 'PATCH', `/apis/apps/v1/namespaces/${NS}/statefulsets/pg/scale`)).toBe(false);
    expect(can(store, alice, 'DELETE', `/apis/apps/v1/namespaces/${NS}/deployments/web`)).toBe(false);
  });

  it('authorizes non-resource URLs by nonResourceURLs rules of ClusterRoles, with a trailing * as a prefix', () => {
    const store = storeWith(
      role('health', [{ nonResourceURLs: ['/healthz', '/version/*'], verbs: ['get'] }], null),
      binding('health', 'ClusterRole', 'health', [{ kind: 'Group', name: 'system:authenticated' }], null),
    );
    expect(can(store, alice, 'GET', '/healthz')).toBe(true);
    expect(can(store, alice, 'GET', '/version/x')).toBe(true);
    expect(can(store, alice, 'GET', '/metrics')).toBe(false);
    expect(can(store, alice, 'POST', '/healthz')).toBe(false);
  });

  it('reports bindings to roles that do not exist in the denial reason, as the real authorizer does', () => {
    const store = storeWith(binding('dangling', 'Role', 'gone', alicesSubject));
    const d = authorize(store, alice, requestAttributes('GET', new URL(`https://x/api/v1/namespaces/${NS}/configmaps/x`)));
    expect(d).toEqual({ allowed: false, reason: 'RBAC: role.rbac.authorization.k8s.io "gone" not found' });
  });
});
