import type { z } from 'zod';
import { WORKER_QUEUE_TEMPLATE } from '../superset/defaults';
import { ConfigError, ConfigProblem } from './errors';
import { deepMerge, isPlainObject } from './merge';
import { DEFAULTS } from './platform-defaults';
import { crossFieldProblems, warnings } from './platform-rules';
import { EnvironmentOverrides, PlatformConfig, platformSchema } from './platform-schema';

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
    throw new ConfigError(name, parsed.error.issues.flatMap((issue) => toProblems(issue, merged)));
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

type Issue = z.core.$ZodIssue;

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (!isPlainObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** Keys the schema accepts at a path, to suggest a correction for a misspelt key. */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let def: any = (platformSchema as any)._zod.def;
  const unwrap = () => {
    while (def && ['optional', 'default', 'prefault', 'nullable'].includes(def.type)) def = def.innerType._zod.def;
  };
  unwrap();
  for (const _key of path) {
    if (def?.type === 'object') def = def.shape[_key as string]?._zod.def;
    else if (def?.type === 'record') def = def.valueType._zod.def;
    else return [];
    unwrap();
  }
  return def?.type === 'object' ? Object.keys(def.shape) : [];
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

function dotted(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(environment)' : path.map(String).join('.');
}

function toProblems(issue: Issue, merged: unknown): ConfigProblem[] {
  const field = dotted(issue.path);
  const value = valueAt(merged, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(issue.path);
      return issue.keys.map((key) => {
        const closest = known
          .map((k) => ({ k, d: editDistance(key, k) }))
          .sort((a, b) => a.d - b.d)[0];
        const suggestion = closest && closest.d <= Math.max(2, Math.floor(Math.max(key.length, closest.k.length) / 2.5)) ? ` (did you mean "${closest.k}"?)` : '';
        return {
          field: issue.path.length ? `${field}.${key}` : key,
          value: valueAt(merged, [...issue.path, key]),
          rule: `is not a known setting${issue.path.length ? ` of ${field}` : ''}`,
          fix: `remove "${key}" or correct its spelling${suggestion}; known keys: ${known.join(', ')}`,
        };
      });
    }
    case 'invalid_type':
      // z.number().int() reports a fraction as a type issue; its message is the rule.
      if (issue.expected === 'int' && typeof value === 'number') return [{ field, value, rule: issue.message, fix: `set ${field} to a whole number` }];
      return [{
        field,
        value,
        rule: value === undefined ? `is required (${issue.expected})` : `must be of type ${issue.expected}`,
        fix: value === undefined ? `set ${field}` : `write ${field} as a ${issue.expected}`,
      }];
    case 'invalid_value':
      return [{
        field,
        value,
        rule: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
        fix: `set ${field} to one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
      }];
    case 'too_small':
    case 'too_big':
      return [{ field, value, rule: issue.message, fix: `set ${field} to a value that ${issue.message}` }];
    case 'invalid_key':
      return [{ field, value, rule: `has an invalid key: ${issue.issues.map((i) => i.message).join('; ')}`, fix: `rename the key in ${field}` }];
    default:
      return [{ field, value, rule: issue.message, fix: `set ${field} to a value that ${issue.message}` }];
  }
}
