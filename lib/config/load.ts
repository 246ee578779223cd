import { WORKER_QUEUE_TEMPLATE } from '../superset/defaults';
import { ConfigError } from './errors';
import { deepMerge } from './merge';
import { DEFAULTS } from './platform-defaults';
import { crossFieldProblems, warnings } from './platform-rules';
import { EnvironmentOverrides, PlatformConfig, platformSchema } from './platform-schema';
import { toProblems } from './schema-problems';

/** A validated environment: its name, the full config (defaults merged in) and soft warnings. */
export interface Environment {
  readonly name: string;
  readonly namespace: string;
  readonly config: PlatformConfig;
  readonly warnings: readonly string[];
}

/** New entries of these open maps start from a template, so an override may be partial. */
const MAP_TEMPLATES = { 'superset.workers': WORKER_QUEUE_TEMPLATE };

/** An environment's overrides merged onto the defaults, not validated yet. */
export function withDefaults(overrides: EnvironmentOverrides): unknown {
  return deepMerge(DEFAULTS, overrides, MAP_TEMPLATES);
}

/** Merges an environment's overrides onto the defaults and validates the result. */
export function resolveEnvironment(name: string, overrides: EnvironmentOverrides): Environment {
  const merged = withDefaults(overrides);
  const parsed = platformSchema.safeParse(merged);
  if (!parsed.success) {
    throw new ConfigError(name, parsed.error.issues.flatMap((issue) => toProblems(platformSchema, issue, merged)));
  }
  const problems = crossFieldProblems(parsed.data);
  if (problems.length > 0) throw new ConfigError(name, problems);
  return {
    name,
    namespace: parsed.data.namespace ?? `superset-${name}`,
    config: parsed.data,
    warnings: warnings(parsed.data),
  };
}
