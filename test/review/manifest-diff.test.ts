import { formatMarkdown, formatText } from '../../lib/review/format';
import { diffManifests, flatten, ManifestTree } from '../../lib/review/manifest-diff';

const deployment = (image: string, replicas: number, extraEnv = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: prod
spec:
  replicas: ${replicas}
  template:
    spec:
      containers:
        - name: web
          image: ${image}
          env:
            - name: A
              value: "1"${extraEnv}
`;
const configMap = (rows: number) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  namespace: prod
data:
  superset_config.py: |
    import os
    ROW_LIMIT = ${rows}
    LOG_LEVEL = "INFO"
`;
const tree = (envs: Record<string, Record<string, string>>): ManifestTree =>
  new Map(Object.entries(envs).map(([env, files]) => [env, new Map(Object.entries(files))]));

describe('semantic manifest diff', () => {
  const before = tree({ prod: { '50-web.yaml': deployment('superset:6.1.0', 3), '10-config.yaml': configMap(50000) }, dev: { '50-web.yaml': deployment('superset:6.1.0', 1) } });

  test('identical trees: every environment unchanged', () => {
    expect(diffManifests(before, before).map((d) => d.change)).toEqual(['unchanged', 'unchanged']);
    expect(formatText(diffManifests(before, before))).toBe('dev: no changes\nprod: no changes\n');
  });

  test('changed fields with old -> new, list items keyed by name, config files line by line', () => {
    const after = tree({
      prod: { '50-web.yaml': deployment('superset:6.1.1', 5, '\n            - name: B\n              value: "2"'), '10-config.yaml': configMap(10000) },
      dev: { '50-web.yaml': deployment('superset:6.1.0', 1) },
    });
    const [dev, prod] = diffManifests(before, after);
    expect(dev.change).toBe('unchanged');
    expect(prod.objects.map((o) => [o.object, o.change])).toEqual([['ConfigMap prod/cfg', 'changed'], ['Deployment prod/web', 'changed']]);
    expect(prod.objects[1].fields).toEqual([
      { path: 'spec.replicas', before: 3, after: 5 },
      { path: 'spec.template.spec.containers[web].env[B].name', before: undefined, after: 'B' },
      { path: 'spec.template.spec.containers[web].env[B].value', before: undefined, after: '2' },
      { path: 'spec.template.spec.containers[web].image', before: 'superset:6.1.0', after: 'superset:6.1.1' },
    ]);
    expect(prod.objects[0].fields).toEqual([{ path: 'data.superset_config.py', lines: [{ op: '-', text: 'ROW_LIMIT = 50000' }, { op: '+', text: 'ROW_LIMIT = 10000' }] }]);
    const text = formatText([prod]);
    expect(text).toMatch(/prod: 0 added, 2 changed, 0 removed/);
    expect(text).toMatch(/spec.template.spec.containers\[web\].image: superset:6.1.0 -> superset:6.1.1/);
    expect(text).toMatch(/ {8}- ROW_LIMIT = 50000\n {8}\+ ROW_LIMIT = 10000/);
    const md = formatMarkdown([dev, prod]);
    expect(md).toMatch(/\| prod \| changed \| 0 added, 2 changed, 0 removed \|/);
    expect(md).toMatch(/```diff\n {4}- ROW_LIMIT = 50000\n {4}\+ ROW_LIMIT = 10000\n {4}```/);
    expect(md).toMatch(/`spec.replicas`: `3` → `5`/);
  });

  test('objects and environments added and removed', () => {
    const after = tree({ prod: { '50-web.yaml': deployment('superset:6.1.0', 3) }, staging: { '50-web.yaml': deployment('superset:6.1.0', 2) } });
    const diffs = diffManifests(before, after);
    expect(diffs.map((d) => [d.environment, d.change])).toEqual([['dev', 'removed'], ['prod', 'changed'], ['staging', 'added']]);
    expect(diffs[1].objects).toEqual([{ object: 'ConfigMap prod/cfg', change: 'removed', fields: [] }]);
    expect(formatText(diffs)).toMatch(/staging: environment added \(1 added, 0 changed, 0 removed\)\n {2}\+ Deployment prod\/web/);
  });

  test('the output order is deterministic whatever the input order', () => {
    const a = tree({ prod: { 'b.yaml': configMap(1), 'a.yaml': deployment('x:1', 1) } });
    const b = tree({ prod: { 'a.yaml': deployment('x:2', 1), 'b.yaml': configMap(2) } });
    expect(formatText(diffManifests(a, b))).toBe(formatText(diffManifests(a, new Map([...b].reverse()))));
  });

  test('flatten keys named list items by name and keeps empty containers', () => {
    expect([...flatten({ a: [{ name: 'x', v: 1 }], b: [], c: {}, d: [1, 2] })]).toEqual([['a[x].name', 'x'], ['a[x].v', 1], ['b', []], ['c', {}], ['d[0]', 1], ['d[1]', 2]]);
  });
});
