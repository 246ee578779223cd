import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';
import { formatMarkdown, formatText } from '../../lib/review/format';
import { diffManifests, flatten, ManifestTree } from '../../lib/review/manifest-diff';
import { treeInFolder } from '../../scripts/diff';
import { synthToRoot } from '../../scripts/synth';

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

describe('a change that migrates the schema', () => {
  const job = (name: string, image: string, command = 'superset db upgrade') => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
  namespace: prod
  labels:
    app.kubernetes.io/component: migrate
spec:
  template:
    spec:
      containers:
        - name: migrate
          image: ${image}
          command: ["/bin/sh", "-c", "${command}"]
`;
  const env = (files: Record<string, string>) => tree({ prod: files });
  const web = deployment('superset:6.1.0', 3);

  test('a new Superset image: a new migration Job, said first, with the command that applies it in order', () => {
    const diffs = diffManifests(env({ '40-migrate.yaml': job('superset-migrate-6-1-0-aaaa', 'superset:6.1.0'), '50-web.yaml': web }),
      env({ '40-migrate.yaml': job('superset-migrate-6-1-1-bbbb', 'superset:6.1.1'), '50-web.yaml': deployment('superset:6.1.1', 3) }));
    expect(diffs[0].migration).toEqual({
      job: 'superset-migrate-6-1-1-bbbb', previousJob: 'superset-migrate-6-1-0-aaaa', imageBefore: 'superset:6.1.0', imageAfter: 'superset:6.1.1',
      reason: 'the Superset image changes: superset:6.1.0 -> superset:6.1.1',
    });
    expect(formatText(diffs)).toMatch(/^prod: 1 added, 1 changed, 1 removed\n {2}! includes a database migration: Job superset-migrate-6-1-1-bbbb runs superset db upgrade \(the Superset image changes: superset:6\.1\.0 -> superset:6\.1\.1\)\. Apply it and wait for it before the rest, and downgrade with the new image before any rollback: npm run upgrade -- prod/);
    expect(formatMarkdown(diffs)).toMatch(/### prod\n\n> \*\*Includes a database migration\.\*\* Job `superset-migrate-6-1-1-bbbb` runs [^\n]*`npm run upgrade -- prod`/);
  });

  test('the same image with a new Job template is a migration too', () => {
    const [d] = diffManifests(env({ 'j.yaml': job('superset-migrate-6-1-0-aaaa', 'superset:6.1.0') }), env({ 'j.yaml': job('superset-migrate-6-1-0-cccc', 'superset:6.1.0', 'superset db upgrade; superset init') }));
    expect(d.migration?.reason).toBe('the migration Job\'s pod template changes');
  });

  test('no new migration Job, no migration: other changes say nothing about it', () => {
    const same = job('superset-migrate-6-1-0-aaaa', 'superset:6.1.0');
    const [d] = diffManifests(env({ 'j.yaml': same, '50-web.yaml': web }), env({ 'j.yaml': same, '50-web.yaml': deployment('superset:6.1.0', 5) }));
    expect(d.change).toBe('changed');
    expect(d.migration).toBeUndefined();
    expect(formatText([d])).not.toMatch(/migration/);
    expect(formatMarkdown([d])).not.toMatch(/migration/);
  });
});

describe('migration detection on synthesized manifests', () => {
  test('a new Superset tag is reported as a migration, a replica change is not', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-migration-'));
    try {
      // Real synths of one environment, differing only in what each test names.
      const synth = (dir: string, overrides: EnvironmentOverrides) => {
        synthToRoot({ environments: [], outRoot: path.join(work, dir), registry: { qa: overrides }, warn: () => undefined });
        return treeInFolder(path.join(work, dir));
      };
      const base = synth('base', {});
      const [upgrade] = diffManifests(base, synth('upgrade', { superset: { image: { tag: '6.1.1-k8s.1' } } }));
      expect(upgrade.migration?.reason).toMatch(/^the Superset image changes: \S+:6\.1\.0-k8s\.\d+ -> \S+:6\.1\.1-k8s\.1$/);
      expect(upgrade.migration?.job).toMatch(/^superset-migrate-6-1-1-k8s-1-[0-9a-f]{8}$/);
      const [scale] = diffManifests(base, synth('scale', { superset: { web: { maxReplicas: 7 } } }));
      expect(scale.change).toBe('changed');
      expect(scale.migration).toBeUndefined();
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
