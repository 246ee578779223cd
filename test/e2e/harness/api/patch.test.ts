// Patch semantics: JSON merge patch (RFC 7386), strategic merge patch on ConfigMap and Pod fields
// (merge keys, directives), JSON patch (RFC 6902), and the Content-Type mapping.

import { applyPatch, mergePatch, patchTypeOf, strategicMergePatch } from './patch';
import { ApiError } from './status';

/* eslint-disable @typescript-eslint/no-explicit-any */

const pod = () => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'postgres-0', labels: { app: 'postgres', role: 'replica' }, finalizers: ['a'], ownerReferences: [{ uid: 'u1', kind: 'StatefulSet', name: 'postgres' }] },
  spec: {
    containers: [
      { name: 'patroni', image: 'spilo:1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 5432 }, { containerPort: 8008 }] },
      { name: 'walg', image: 'spilo:1' },
    ],
    tolerations: [{ key: 'x', operator: 'Exists' }],
  },
  status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'Initialized', status: 'True' }] },
});

function code(f: () => unknown): number {
  try {
    f();
  } catch (e) {
    if (e instanceof ApiError) return e.code;
    throw e;
  }
  return 0;
}

describe('JSON merge patch', () => {
  it('merges maps, deletes keys set to null, replaces lists and scalars', () => {
    const out = mergePatch({ a: { b: 1, c: 2 }, l: [1, 2], s: 'x' }, { a: { b: null, d: 3 }, l: [3], s: 'y', n: { m: null } });
    expect(out).toEqual({ a: { c: 2, d: 3 }, l: [3], s: 'y', n: {} });
  });

  it('does not change its input', () => {
    const original = { a: { b: 1 } };
    mergePatch(original, { a: { b: 2 } });
    expect(original).toEqual({ a: { b: 1 } });
  });
});

describe('strategic merge patch', () => {
  it('merges labels and annotations like a merge patch (what Patroni sends for its pod and ConfigMaps)', () => {
    const out = strategicMergePatch(pod(), { metadata: { labels: { role: 'primary' }, annotations: { status: '{}' } } });
    expect(out.metadata.labels).toEqual({ app: 'postgres', role: 'primary' });
    expect(out.metadata.annotations).toEqual({ status: '{}' });
    expect(out.spec).toEqual(pod().spec);
    expect(strategicMergePatch(pod(), { metadata: { labels: { role: null } } }).metadata.labels).toEqual({ app: 'postgres' });
  });

  it('merges containers by name, env by name and ports by containerPort, keeping the elements it does not name', () => {
    const out = strategicMergePatch(pod(), { spec: { containers: [{ name: 'patroni', image: 'spilo:2', env: [{ name: 'B', value: '20' }, { name: 'C', value: '3' }] }] } });
    expect(out.spec.containers.map((c: any) => `${c.name}=${c.image}`)).toEqual(['patroni=spilo:2', 'walg=spilo:1']);
    expect(out.spec.containers[0].env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '20' }, { name: 'C', value: '3' }]);
    expect(out.spec.containers[0].ports).toEqual([{ containerPort: 5432 }, { containerPort: 8008 }]);
  });

  it('deletes a keyed element with $patch: delete and replaces a keyed list with $patch: replace', () => {
    expect(strategicMergePatch(pod(), { spec: { containers: [{ name: 'walg', $patch: 'delete' }] } }).spec.containers.map((c: any) => c.name)).toEqual(['patroni']);
    const replaced = strategicMergePatch(pod(), { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'x' }] } });
    expect(replaced.spec.containers).toEqual([{ name: 'only', image: 'x' }]);
  });

  it('replaces lists without a patch strategy (tolerations) and unions merge primitive lists (finalizers)', () => {
    const out = strategicMergePatch(pod(), { spec: { tolerations: [{ key: 'y', operator: 'Exists' }] }, metadata: { finalizers: ['b', 'a'] } });
    expect(out.spec.tolerations).toEqual([{ key: 'y', operator: 'Exists' }]);
    expect(out.metadata.finalizers).toEqual(['a', 'b']);
    expect(strategicMergePatch(pod(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }).metadata.finalizers).toEqual([]);
  });

  it('merges ownerReferences by uid and conditions by type', () => {
    const out = strategicMergePatch(pod(), {
      metadata: { ownerReferences: [{ uid: 'u2', kind: 'Job', name: 'j' }] },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
    expect(out.metadata.ownerReferences.map((o: any) => o.uid)).toEqual(['u1', 'u2']);
    expect(out.status.conditions).toEqual([{ type: 'Ready', status: 'True' }, { type: 'Initialized', status: 'True' }]);
  });

  it('replaces a map with $patch: replace, deletes one with $patch: delete, keeps only $retainKeys, orders by $setElementOrder', () => {
    expect(strategicMergePatch(pod(), { metadata: { labels: { $patch: 'replace', only: 'this' } } }).metadata.labels).toEqual({ only: 'this' });
    expect(strategicMergePatch(pod(), { status: { $patch: 'delete' } }).status).toBeUndefined();
    expect(strategicMergePatch({ s: { a: 1, b: 2, c: 3 } }, { s: { $retainKeys: ['a', 'd'], d: 4 } }).s).toEqual({ a: 1, d: 4 });
    const ordered = strategicMergePatch(pod(), { spec: { '$setElementOrder/containers': [{ name: 'walg' }, { name: 'patroni' }] } });
    expect(ordered.spec.containers.map((c: any) => c.name)).toEqual(['walg', 'patroni']);
  });

  it('answers 400 for unknown directives, keyed elements without their key, and a patch that is not an object', () => {
    expect(code(() => strategicMergePatch(pod(), { metadata: { $patch: 'frobnicate' } }))).toBe(400);
    expect(code(() => strategicMergePatch(pod(), { metadata: { $unknown: 1 } }))).toBe(400);
    expect(code(() => strategicMergePatch(pod(), { spec: { containers: [{ image: 'no-name' }] } }))).toBe(400);
    expect(code(() => strategicMergePatch(pod(), [1]))).toBe(400);
  });
});

describe('JSON patch', () => {
  it('applies add, replace, remove and test operations', () => {
    const out = applyPatch('json', { data: { a: '1' } }, [
      { op: 'test', path: '/data/a', value: '1' }, { op: 'add', path: '/data/b', value: '2' }, { op: 'replace', path: '/data/a', value: '10' }, { op: 'remove', path: '/data/b' },
    ]);
    expect(out).toEqual({ data: { a: '10' } });
  });

  it('answers 422 when an operation does not apply (failed test, missing path) and 400 for a malformed one', () => {
    expect(code(() => applyPatch('json', { data: {} }, [{ op: 'test', path: '/data/a', value: 'x' }]))).toBe(422);
    expect(code(() => applyPatch('json', { data: {} }, [{ op: 'remove', path: '/data/missing/deeper' }]))).toBe(422);
    expect(code(() => applyPatch('json', { data: {} }, [{ op: 'frobnicate', path: '/data' }]))).toBe(400);
    expect(code(() => applyPatch('json', { data: {} }, { op: 'add' }))).toBe(400);
  });
});

describe('patch Content-Type', () => {
  it('maps the three patch media types (with parameters), 501s server-side apply and 415s anything else', () => {
    expect(patchTypeOf('application/strategic-merge-patch+json')).toBe('strategic');
    expect(patchTypeOf('application/merge-patch+json; charset=utf-8')).toBe('merge');
    expect(patchTypeOf('application/json-patch+json')).toBe('json');
    expect(code(() => patchTypeOf('application/apply-patch+yaml'))).toBe(501);
    expect(code(() => patchTypeOf('application/json'))).toBe(415);
    expect(code(() => patchTypeOf(undefined))).toBe(415);
  });
});
