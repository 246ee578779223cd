import { checkPolicies } from '../../lib/policy';
import { buildObjects, find, findAll } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

// app.kubernetes.io/version says which version of the software an object belongs to. Objects of
// the platform as a whole (the Namespace, the NetworkPolicies, the ExternalSecrets) run no
// software: a Superset version on them changes on every upgrade for nothing.

const VERSION = 'app.kubernetes.io/version';
const on = { monitoring: { enabled: true }, secrets: { externalSecrets: { enabled: true } }, superset: { image: { repository: 'ghcr.io/acme/superset', tag: '6.1.0-k8s.7' } } };
const objects = buildObjects(on, 'prod');

describe('version labels', () => {
  test('the Namespace, every NetworkPolicy and every ExternalSecret carry no version label', () => {
    const platformWide = [find(objects, 'Namespace', 'superset-prod'), ...findAll(objects, 'NetworkPolicy'), ...findAll(objects, 'ExternalSecret')];
    expect(platformWide.length).toBeGreaterThan(10);
    expect(platformWide.filter((o) => VERSION in (o.metadata.labels ?? {})).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
  });

  test('a Superset upgrade changes no label of the Namespace or the NetworkPolicies', () => {
    const upgraded = buildObjects({ ...on, superset: { image: { repository: 'ghcr.io/acme/superset', tag: '6.1.1-k8s.1' } } }, 'prod');
    const labelsOf = (list: readonly any[]) => list.filter((o) => o.kind === 'Namespace' || o.kind === 'NetworkPolicy').map((o) => o.metadata.labels);
    expect(labelsOf(upgraded)).toEqual(labelsOf(objects));
  });

  test('the Redis monitoring objects carry the Redis server version, not the engine name', () => {
    for (const o of [find(objects, 'PodMonitor', 'redis-cache'), find(objects, 'PodMonitor', 'redis-queue'), find(objects, 'PrometheusRule', 'redis')]) {
      expect([o.metadata.name, o.metadata.labels[VERSION]]).toEqual([o.metadata.name, find(objects, 'StatefulSet', 'redis-cache').metadata.labels[VERSION]]);
    }
    const redis = buildObjects({ ...on, redis: { engine: 'redis' } }, 'prod');
    expect(find(redis, 'PrometheusRule', 'redis').metadata.labels[VERSION]).toBe(find(redis, 'StatefulSet', 'redis-queue').metadata.labels[VERSION]);
  });

  test('every version label that is set looks like a version', () => {
    const labelled = objects.flatMap((o: any) => [o.metadata.labels?.[VERSION], o.spec?.template?.metadata?.labels?.[VERSION]]).filter((v) => v !== undefined);
    expect(labelled.length).toBeGreaterThan(50);
    expect(labelled.filter((v) => !/^v?\d/.test(v))).toEqual([]);
  });

  test('the recommended-labels rule rejects a version on a platform-wide object and a version that is not one', () => {
    const violations = (change: (list: any[]) => void) => {
      const copy: any[] = structuredClone(objects);
      change(copy);
      return checkPolicies(copy).filter((v) => v.rule === 'recommended-labels').map((v) => `${v.object}: ${v.message}`);
    };
    expect(violations(() => undefined)).toEqual([]);
    expect(violations((list) => { list.find((o) => o.kind === 'NetworkPolicy').metadata.labels[VERSION] = '6.1.0-k8s.7'; }))
      .toEqual(['NetworkPolicy superset-prod/default-deny: app.kubernetes.io/version on an object of the whole platform (it runs no versioned software)']);
    expect(violations((list) => { list.find((o) => o.kind === 'PodMonitor' && o.metadata.name === 'redis-cache').metadata.labels[VERSION] = 'valkey'; }))
      .toEqual(['PodMonitor superset-prod/redis-cache: app.kubernetes.io/version "valkey" is not a version']);
  });
});
