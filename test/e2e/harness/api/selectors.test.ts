// Field and label selectors of list, watch and deletecollection requests, and the watch event a
// selector turns a store change into.

import type { KubeObject, WatchEvent } from '../store';
import { SERVED_RESOURCES } from './resources';
import { filterMatches, parseFieldSelector, requestFilter } from './selectors';
import { ApiError } from './status';
import { visibleEvent } from './watch';

const pods = SERVED_RESOURCES.find((r) => r.resource === 'pods')!;
const configMaps = SERVED_RESOURCES.find((r) => r.resource === 'configmaps')!;

const pod = (name: string, labels: Record<string, string>, phase = 'Running'): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', labels, resourceVersion: '5' }, spec: { nodeName: 'node-1' }, status: { phase } });

const query = (q: string) => new URLSearchParams(q);

describe('field selectors', () => {
  it('parses =, == and !=, with backslash escapes for , = and \\', () => {
    const s = parseFieldSelector('metadata.name=a\\,b,status.phase!=Failed,spec.nodeName==n\\=1');
    expect(s.requirements).toEqual([
      { field: 'metadata.name', operator: '=', value: 'a,b' },
      { field: 'status.phase', operator: '!=', value: 'Failed' },
      { field: 'spec.nodeName', operator: '=', value: 'n=1' },
    ]);
    expect(s.requiredEqual('metadata.name')).toBe('a,b');
    expect(s.requiredEqual('status.phase')).toBeUndefined();
    expect(s.matches({ 'metadata.name': 'a,b', 'status.phase': 'Running', 'spec.nodeName': 'n=1' })).toBe(true);
    expect(s.matches({ 'metadata.name': 'a,b', 'status.phase': 'Failed', 'spec.nodeName': 'n=1' })).toBe(false);
  });

  it('rejects terms without an operator and bad escapes', () => {
    expect(() => parseFieldSelector('metadata.name')).toThrow(/can't understand 'metadata.name'/);
    expect(() => parseFieldSelector('metadata.name=a\\b')).toThrow(/invalid escape sequence/);
  });

  it('lets each resource select only on its own fields (a 400 naming the field otherwise)', () => {
    expect(() => requestFilter(query('fieldSelector=status.phase%3DRunning'), configMaps.selectableFields)).toThrow(ApiError);
    expect(() => requestFilter(query('fieldSelector=status.phase%3DRunning'), configMaps.selectableFields)).toThrow('field label not supported: status.phase');
    const f = requestFilter(query('fieldSelector=status.phase%3DRunning,spec.nodeName%3Dnode-1'), pods.selectableFields);
    expect(filterMatches(f, pod('a', {}), pods.fieldsOf)).toBe(true);
    expect(filterMatches(f, pod('a', {}, 'Pending'), pods.fieldsOf)).toBe(false);
  });
});

describe('label selectors in requests', () => {
  it('supports equality, inequality, set and existence terms together', () => {
    const f = requestFilter(query(`labelSelector=${encodeURIComponent('app=postgres,role!=replica,tier in (db,cache),!legacy,cluster-name')}`), pods.selectableFields);
    expect(filterMatches(f, pod('a', { app: 'postgres', role: 'primary', tier: 'db', 'cluster-name': 'postgres' }), pods.fieldsOf)).toBe(true);
    expect(filterMatches(f, pod('a', { app: 'postgres', tier: 'db', 'cluster-name': 'postgres' }), pods.fieldsOf)).toBe(true);
    expect(filterMatches(f, pod('a', { app: 'postgres', role: 'replica', tier: 'db', 'cluster-name': 'postgres' }), pods.fieldsOf)).toBe(false);
    expect(filterMatches(f, pod('a', { app: 'postgres', tier: 'web', 'cluster-name': 'postgres' }), pods.fieldsOf)).toBe(false);
    expect(filterMatches(f, pod('a', { app: 'postgres', tier: 'db', 'cluster-name': 'postgres', legacy: 'yes' }), pods.fieldsOf)).toBe(false);
    expect(filterMatches(f, pod('a', { app: 'postgres', tier: 'db' }), pods.fieldsOf)).toBe(false);
  });

  it('answers 400 for a selector that does not parse', () => {
    expect(() => requestFilter(query(`labelSelector=${encodeURIComponent('a in b')}`), pods.selectableFields)).toThrow(/unable to parse requirement/);
  });
});

describe('watch events through a selector', () => {
  const request = { resource: pods, namespace: 'ns', filter: requestFilter(query('labelSelector=role%3Dprimary'), pods.selectableFields) };
  const modified = (before: Record<string, string>, after: Record<string, string>): WatchEvent => ({ type: 'MODIFIED', object: pod('a', after), old: pod('a', before) });

  it('passes changes of matching objects, and turns starting to match into ADDED and stopping into DELETED', () => {
    expect(visibleEvent(request, modified({ role: 'primary' }, { role: 'primary', x: '1' }))?.type).toBe('MODIFIED');
    expect(visibleEvent(request, modified({ role: 'replica' }, { role: 'primary' }))?.type).toBe('ADDED');
    expect(visibleEvent(request, modified({ role: 'primary' }, { role: 'replica' }))?.type).toBe('DELETED');
    expect(visibleEvent(request, modified({ role: 'replica' }, {}))).toBeUndefined();
  });

  it('skips other kinds and other namespaces', () => {
    expect(visibleEvent(request, { type: 'ADDED', object: { ...pod('a', { role: 'primary' }), kind: 'ConfigMap' } })).toBeUndefined();
    expect(visibleEvent(request, { type: 'ADDED', object: { ...pod('a', { role: 'primary' }), metadata: { name: 'a', namespace: 'other', labels: { role: 'primary' } } } })).toBeUndefined();
    expect(visibleEvent({ ...request, namespace: '' }, { type: 'ADDED', object: { ...pod('a', { role: 'primary' }), metadata: { name: 'a', namespace: 'other', labels: { role: 'primary' } } } })?.type).toBe('ADDED');
  });
});
