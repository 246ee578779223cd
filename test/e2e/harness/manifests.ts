import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import type { KubeObject } from './store';

/**
 * The objects of `dir` as `kubectl apply -f dir` reads them: every .yaml, .yml and .json file in
 * lexical order, every document in file order. (The `Kustomization` file is not one of them.)
 */
export function loadManifests(dir: string): KubeObject[] {
  if (!fs.existsSync(dir)) throw new Error(`${dir} does not exist: synthesize it first (npm run synth)`);
  const files = fs.readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
  if (files.length === 0) throw new Error(`${dir} has no manifest files`);
  return files.flatMap((f) => loadManifestFile(path.join(dir, f)));
}

/** The objects of one manifest file, in document order. */
export function loadManifestFile(file: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of yaml.loadAll(fs.readFileSync(file, 'utf8'))) {
    if (doc === null || doc === undefined) continue;
    const o = doc as KubeObject;
    if (!o.apiVersion || !o.kind || !o.metadata?.name) throw new Error(`${file}: a document without apiVersion, kind or metadata.name`);
    out.push(o);
  }
  return out;
}

/** `namespace/kind/name` of an object, for messages. */
export function describe(o: KubeObject): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}
