import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import Ajv from 'ajv';
import { SYNC_WAVE_ANNOTATION } from '../lib/kustomization';
import * as k8s from '../imports/k8s';
import { checkPolicies, KubeObject } from '../lib/policy';
import { synthToRoot } from '../scripts/synth';
import { ENVIRONMENTS } from '../environments';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-require-imports */

const DIST = path.join(__dirname, '..', 'dist');

function readTree(root: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const env of fs.readdirSync(root).sort()) {
    for (const file of fs.readdirSync(path.join(root, env)).sort()) {
      files.set(`${env}/${file}`, fs.readFileSync(path.join(root, env, file), 'utf8'));
    }
  }
  return files;
}

function objectsOf(text: string): KubeObject[] {
  return parseAllDocuments(text).map((d) => d.toJS()).filter(Boolean);
}

const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'dist-fresh-'));
afterAll(() => fs.rmSync(fresh, { recursive: true, force: true }));

describe('dist/', () => {
  const committed = readTree(DIST);

  test('is up to date: a fresh synth equals what is committed, byte for byte', () => {
    synthToRoot({ environments: [], outRoot: path.join(fresh, 'a'), warn: () => undefined });
    expect([...readTree(path.join(fresh, 'a')).entries()]).toEqual([...committed.entries()]);
  });

  test('is deterministic: two synths are byte-identical', () => {
    synthToRoot({ environments: [], outRoot: path.join(fresh, 'b'), warn: () => undefined });
    synthToRoot({ environments: [], outRoot: path.join(fresh, 'c'), warn: () => undefined });
    expect(readTree(path.join(fresh, 'b'))).toEqual(readTree(path.join(fresh, 'c')));
  });

  test('has one folder per environment and nothing else', () => {
    expect(fs.readdirSync(DIST).sort()).toEqual(Object.keys(ENVIRONMENTS).sort());
    for (const file of committed.keys()) expect(file).toMatch(/^[a-z0-9-]+\/(\d{2}-[a-z0-9-]+\.yaml|Kustomization)$/);
  });

  const perEnv = Object.keys(ENVIRONMENTS).map((env) => {
    const files = [...committed.entries()].filter(([f]) => f.startsWith(`${env}/`) && f.endsWith('.yaml'));
    return [env, files.flatMap(([, text]) => objectsOf(text))] as const;
  });

  test.each(perEnv)('%s: the namespace is applied first and every object lives in it', (_env, objects) => {
    expect(objects[0].kind).toBe('Namespace');
    expect(objects[0].metadata.namespace).toBeUndefined();
    const ns = objects[0].metadata.name;
    for (const o of objects.slice(1)) expect(o.metadata.namespace).toBe(ns);
  });

  test.each(perEnv)('%s: object names are unique and carry no hash suffix', (_env, objects) => {
    const keys = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const o of objects) expect(o.metadata.name).not.toMatch(/-c8[0-9a-f]{6}$/);
  });

  // Custom resources we emit (optional per environment): not in Kubernetes 1.28 or kubernetes-models.
  // Those with a CRD file in crds/ are validated against its schema below.
  const CUSTOM_KINDS = new Set([
    'gateway.networking.k8s.io/v1/HTTPRoute',
    'gateway.nginx.org/v1alpha1/UpstreamSettingsPolicy',
    'gateway.nginx.org/v1alpha1/ClientSettingsPolicy',
    'external-secrets.io/v1/ExternalSecret',
    'cert-manager.io/v1/Certificate',
    'monitoring.coreos.com/v1/ServiceMonitor',
    'monitoring.coreos.com/v1/PodMonitor',
    'monitoring.coreos.com/v1/PrometheusRule',
  ]);
  const isCustom = (o: KubeObject) => CUSTOM_KINDS.has(`${o.apiVersion}/${o.kind}`);
  const served = new Set(Object.values(k8s).filter((c: any) => c?.GVK).map((c: any) => `${c.GVK.apiVersion}/${c.GVK.kind}`));

  test('the served set is Kubernetes 1.28\'s: current versions in, removed ones out', () => {
    expect(served.has('policy/v1/PodDisruptionBudget')).toBe(true);
    expect(served.has('autoscaling/v2/HorizontalPodAutoscaler')).toBe(true);
    expect(served.has('policy/v1beta1/PodDisruptionBudget')).toBe(false);
    expect(served.has('autoscaling/v2beta2/HorizontalPodAutoscaler')).toBe(false);
  });

  test.each(perEnv)('%s: uses only API versions served by Kubernetes 1.28', (_env, objects) => {
    expect(objects.filter((o) => !isCustom(o)).map((o) => `${o.apiVersion}/${o.kind}`).filter((gvk) => !served.has(gvk))).toEqual([]);
  });

  test.each(perEnv)('%s: every object validates against the Kubernetes schema', (_env, objects) => {
    for (const o of objects.filter((x) => !isCustom(x))) {
      const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
      const mod = require(`kubernetes-models/${group ? `${group}/` : ''}${version}/${o.kind}`);
      const Model = mod[o.kind];
      expect(() => new Model(o).validate()).not.toThrow();
    }
  });

  test.each(perEnv)('%s: passes every policy rule', (_env, objects) => {
    expect(checkPolicies(objects)).toEqual([]);
  });

  test.each(perEnv)('%s: `kubectl kustomize` renders every object exactly once, in sync-wave order', (env, objects) => {
    const rendered = objectsOf(execFileSync('kubectl', ['kustomize', path.join(DIST, env)], { encoding: 'utf8' }));
    const key = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    expect(rendered.map(key).sort()).toEqual(objects.map(key).sort());
    const waves = objects.map((o) => Number(o.metadata.annotations?.[SYNC_WAVE_ANNOTATION]));
    expect(waves.every((w) => Number.isInteger(w))).toBe(true);
    expect([...waves].sort((a, b) => a - b)).toEqual(waves); // file order agrees with the waves
    expect(waves[0]).toBe(0);
  });

  const crdSchemas = new Map<string, any>();
  for (const file of fs.readdirSync(path.join(__dirname, '..', 'crds'))) {
    for (const crd of objectsOf(fs.readFileSync(path.join(__dirname, '..', 'crds', file), 'utf8')) as any[]) {
      for (const v of crd.spec.versions) crdSchemas.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, v.schema.openAPIV3Schema);
    }
  }
  const ajv = new Ajv({ strict: false, allErrors: true });

  test.each(perEnv)('%s: custom resources validate against the CRD schemas in crds/', (_env, objects) => {
    for (const o of objects.filter(isCustom)) {
      const schema = crdSchemas.get(`${o.apiVersion}/${o.kind}`);
      if (!schema) continue;
      const validate = ajv.compile(schema);
      expect([o.kind, o.metadata.name, validate(o) ? 'valid' : ajv.errorsText(validate.errors)]).toEqual([o.kind, o.metadata.name, 'valid']);
    }
  });

  test('the schema validator does catch a broken object', () => {
    const { Deployment } = require('kubernetes-models/apps/v1/Deployment');
    expect(() => new Deployment({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 'two', selector: {}, template: {} } }).validate()).toThrow();
  });
});

describe('repository text', () => {
  test('no merge-conflict markers were committed', () => {
    const files = execFileSync('git', ['ls-files', '--', '*.md', '*.ts', '*.sh', '*.yaml', '*.json', '*.py', '.ci/run'], { cwd: path.join(__dirname, '..'), encoding: 'utf8' }).split('\n').filter(Boolean);
    const marked = files.filter((f) => /^(<{7}|>{7}) |^={7}$/m.test(fs.readFileSync(path.join(__dirname, '..', f), 'utf8')));
    expect(marked).toEqual([]);
  });
});

describe('generated docs', () => {
  const { GENERATED_SECTIONS, renderGenerated } = require('../scripts/docs');
  test.each([...new Set<string>(GENERATED_SECTIONS.map((g: { file: string }) => g.file))])('the generated sections of %s (config reference, Secrets table, connection budgets) are up to date', (file) => {
    const text = fs.readFileSync(path.join(__dirname, '..', file), 'utf8');
    expect(renderGenerated(file, text)).toBe(text);
  });
});
