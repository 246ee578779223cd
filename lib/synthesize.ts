import { App, YamlOutputType } from 'cdk8s';
import { EnvironmentOverrides } from './config/schema';
import { resolveEnvironment } from './config/load';
import { UnknownEnvironmentError } from './config/errors';
import { buildPlatform } from './platform';
import { annotateSyncWaves, writeKustomization } from './kustomization';
import { checkPolicies, KubeObject, PolicyError } from './policy';

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
  const app = new App({ outdir, outputFileExtension: '.yaml', yamlOutputType: YamlOutputType.FILE_PER_CHART, recordConstructMetadata: false });
  buildPlatform(app, env);
  annotateSyncWaves(app.charts);
  const objects = app.charts.flatMap((chart) => chart.toJson()) as KubeObject[];
  const violations = checkPolicies(objects);
  if (violations.length > 0) throw new PolicyError(name, violations);
  app.synth();
  writeKustomization(outdir);
  return { environment: name, warnings: env.warnings, objects };
}
