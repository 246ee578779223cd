import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { EnvironmentOverrides } from './config/platform-schema';
import { resolveEnvironment } from './config/load';
import { UnknownEnvironmentError } from './config/errors';
import { buildPlatform } from './platform';
import { annotateSyncWaves, writeKustomization } from './kustomization';
import { checkPolicies, KubeObject, PolicyError } from './policy';
import { toYamlDocuments } from './yaml';

export interface SynthesisResult {
  readonly environment: string;
  readonly warnings: readonly string[];
  readonly objects: readonly KubeObject[];
}

/** Looks an environment up by name in a registry, with a clear error for an unknown name. */
export function overridesFor(name: string, registry: Readonly<Record<string, EnvironmentOverrides>>): EnvironmentOverrides {
  if (!Object.prototype.hasOwnProperty.call(registry, name)) throw new UnknownEnvironmentError(name, Object.keys(registry));
  return registry[name];
}

/**
 * Builds one environment, checks every object against the policy rules and writes one YAML file
 * per chart (plus a `Kustomization`) into `outdir`. Throws (before writing anything) on invalid config or a policy violation.
 */
export function synthesizeEnvironment(name: string, overrides: EnvironmentOverrides, outdir: string): SynthesisResult {
  const env = resolveEnvironment(name, overrides);
  const app = new App({ outdir, recordConstructMetadata: false });
  buildPlatform(app, env);
  annotateSyncWaves(app.charts);
  // Each chart serialized once: its objects are both checked and written (app.synth() would
  // serialize them again and write with a slower YAML emitter).
  const charts = app.charts.map((chart) => ({ id: chart.node.id, objects: chart.toJson() as KubeObject[] }));
  const objects = charts.flatMap((c) => c.objects);
  const violations = checkPolicies(objects);
  if (violations.length > 0) throw new PolicyError(name, violations);
  fs.mkdirSync(outdir, { recursive: true });
  for (const chart of charts) fs.writeFileSync(path.join(outdir, `${chart.id}.yaml`), toYamlDocuments(chart.objects));
  writeKustomization(outdir);
  return { environment: name, warnings: env.warnings, objects };
}
