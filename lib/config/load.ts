import { WORKER_QUEUE_TEMPLATE } from '../superset/defaults';
import type { z } from 'zod';
import { ConfigError, ConfigProblem } from './errors';
import { deepMerge, isPlainObject } from './merge';
import { DEFAULTS } from './platform-defaults';
import { crossFieldProblems, warnings } from './platform-rules';
import { EnvironmentOverrides, PlatformConfig, platformSchema } from './platform-schema';
import { dotted, toProblems } from './schema-problems';

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
    const schemaProblems = parsed.error.issues.flatMap((issue) => toProblems(platformSchema, issue, merged));
    throw new ConfigError(name, [...schemaProblems, ...rulesDespite(overrides, parsed.error.issues, name)]);
  }
  const namespace = namespaceOf(name, parsed.data);
  const problems = crossFieldProblems(parsed.data, namespace);
  if (problems.length > 0) throw new ConfigError(name, problems);
  return {
    name,
    namespace,
    config: parsed.data,
    warnings: warnings(parsed.data),
  };
}

/** The namespace of an environment: the configured one, else "superset-<environment>". */
function namespaceOf(name: string, config: Pick<PlatformConfig, 'namespace'>): string {
  return config.namespace ?? `superset-${name}`;
}

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

/**
 * The cross-field problems of an environment the schema rejected, so one run reports both kinds:
 * each invalid value is taken out of the overrides (its default takes its place) until the schema
 * accepts the result. Problems on a field that was taken out are dropped: its value is not the
 * user's, and the schema problem already names it.
 */
function rulesDespite(overrides: EnvironmentOverrides, issues: readonly Issue[], name: string): ConfigProblem[] {
  const repaired = copyTree(overrides) as Record<string, unknown>;
  const removed: string[] = [];
  let pending = issues;
  while (pending.length > 0) {
    const paths = pending.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys.map((k) => [...i.path, k]) : [i.path]));
    const taken = paths.map((p) => removeFrom(repaired, p)).filter((p): p is string => p !== undefined);
    if (taken.length === 0) return []; // an invalid default: the defaults test catches it
    removed.push(...taken);
    const parsed = platformSchema.safeParse(withDefaults(repaired as EnvironmentOverrides));
    if (parsed.success) {
      const related = (field: string) => removed.some((r) => field === r || field.startsWith(`${r}.`) || r.startsWith(`${field}.`));
      return crossFieldProblems(parsed.data, namespaceOf(name, parsed.data)).filter((p) => !related(p.field));
    }
    pending = parsed.error.issues;
  }
  return [];
}

/** Copies the objects and lists of a tree (only keys are deleted from it); leaves are shared, so any value copies. */
function copyTree(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyTree);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyTree(v)]));
  return value;
}

/**
 * Deletes the override at `path`, or the list that holds it (a list replaces its default as a
 * whole), or the nearest written object when the value at `path` came from the defaults.
 * Returns the dotted path removed; undefined when nothing along `path` was written.
 */
function removeFrom(root: Record<PropertyKey, unknown>, path: Path): string | undefined {
  const chain = [root];
  for (const key of path.slice(0, -1)) {
    const child = chain[chain.length - 1][key];
    if (!isPlainObject(child)) break;
    chain.push(child);
  }
  const depth = chain.length - 1; // chain[depth] holds path[depth]
  if (path.length > 0 && chain[depth][path[depth]] !== undefined) {
    delete chain[depth][path[depth]];
    return dotted(path.slice(0, depth + 1));
  }
  if (depth === 0) return undefined;
  delete chain[depth - 1][path[depth - 1]];
  return dotted(path.slice(0, depth));
}
