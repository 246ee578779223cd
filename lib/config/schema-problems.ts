import type { z } from 'zod';
import type { ConfigProblem } from './errors';
import { isPlainObject } from './merge';

// Turns zod's issues into problems a person can act on: the rule is the schema's own message (or
// one built from the bounds), the fix is always an instruction ("set …", "raise …", "remove …").

type Issue = z.core.$ZodIssue;
/* eslint-disable @typescript-eslint/no-explicit-any */

export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (!isPlainObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

export function dotted(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(environment)' : path.map(String).join('.');
}

/** The schema that validates the value at a path, with optional/default wrappers removed. */
function schemaAt(root: z.ZodType, path: readonly PropertyKey[]): any {
  const unwrap = (s: any) => {
    while (s && ['optional', 'default', 'prefault', 'nullable'].includes(s._zod.def.type)) s = s._zod.def.innerType;
    return s;
  };
  let schema: any = unwrap(root);
  for (const key of path) {
    const def = schema?._zod.def;
    if (def?.type === 'object') schema = def.shape[key as string];
    else if (def?.type === 'record') schema = def.valueType;
    else if (def?.type === 'array') schema = def.element;
    else return undefined;
    schema = unwrap(schema);
  }
  return schema;
}

/** Keys the schema accepts at a path, to suggest a correction for a misspelt key. */
function knownKeysAt(root: z.ZodType, path: readonly PropertyKey[]): string[] {
  const def = schemaAt(root, path)?._zod.def;
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

/**
 * A schema message ("must be a DNS label: …", "must list at least one port") as an instruction
 * about `subject`, so no fix ever reads "set … to a value that must …".
 */
export function instruction(subject: string, message: string): string {
  const m = /^must (not )?(be )?(.*)$/s.exec(message);
  if (!m) return `correct ${subject} (${message})`;
  const [, not, be, rest] = m;
  if (not && be && rest === 'empty') return `set ${subject} to a non-empty value`;
  if (not) return `change ${subject} so that it does not ${be ?? ''}${rest}`;
  if (be) return `set ${subject} to ${rest}`;
  return `make ${subject} ${rest}`;
}

/** A bound the schema really sets (an int schema reports the safe-integer limits when it sets none). */
const bounded = (n: unknown): n is number => typeof n === 'number' && Math.abs(n) < Number.MAX_SAFE_INTEGER;

/** Zod's built-in messages ("Too big: expected number to be <=100000") are replaced by ours. */
const isZodDefault = (message: string) => /^(Too (big|small)|Invalid (input|key))/.test(message);

function numberRange(schema: any, field: string, issue: Extract<Issue, { code: 'too_small' | 'too_big' }>): Pick<ConfigProblem, 'rule' | 'fix'> {
  const bound = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
  const min = issue.code === 'too_small' ? bound : schema?.minValue;
  const max = issue.code === 'too_big' ? bound : schema?.maxValue;
  const whole = schema?.isInt ? 'a whole number' : 'a number';
  const exact = issue.inclusive !== false;
  const rule = isZodDefault(issue.message)
    ? issue.code === 'too_small' ? `must be ${exact ? 'at least' : 'more than'} ${bound}` : `must be ${exact ? 'at most' : 'less than'} ${bound}`
    : issue.message;
  if (exact && bounded(min) && bounded(max)) return { rule, fix: `set ${field} to ${whole} from ${min} to ${max}` };
  if (issue.code === 'too_small') return { rule, fix: exact ? `raise ${field} to ${bound} or more` : `raise ${field} above ${bound}` };
  return { rule, fix: exact ? `lower ${field} to ${bound} or less` : `lower ${field} below ${bound}` };
}

function sizeRange(field: string, issue: Extract<Issue, { code: 'too_small' | 'too_big' }>): Pick<ConfigProblem, 'rule' | 'fix'> {
  const n = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
  const list = issue.origin === 'array' || issue.origin === 'set';
  const unit = list ? (n === 1 ? 'entry' : 'entries') : n === 1 ? 'character' : 'characters';
  const rule = !isZodDefault(issue.message) ? issue.message
    : issue.code === 'too_small' ? (n === 1 ? 'must not be empty' : `must have at least ${n} ${unit}`) : `must have at most ${n} ${unit}`;
  if (issue.code === 'too_big') return { rule, fix: list ? `remove entries from ${field} until it has at most ${n}` : `shorten ${field} to at most ${n} ${unit}` };
  if (list) return { rule, fix: `add ${n === 1 ? 'at least one entry' : `at least ${n} entries`} to ${field}` };
  return { rule, fix: n === 1 ? `set ${field} to a non-empty value` : `lengthen ${field} to at least ${n} ${unit}` };
}

/** What a custom check (refine) says to do: its `params.fix`, with {field} and {parent} filled in. */
function customFix(issue: Issue, field: string): string {
  const fix = (issue as { params?: { fix?: unknown } }).params?.fix;
  if (typeof fix !== 'string') return instruction(field, issue.message);
  return fix.replaceAll('{field}', field).replaceAll('{parent}', dotted(issue.path.slice(0, -1)));
}

/** One zod issue of `root` (parsing `merged`) as the problems it stands for (an unknown-keys issue lists several keys). */
export function toProblems(root: z.ZodType, issue: Issue, merged: unknown): ConfigProblem[] {
  const field = dotted(issue.path);
  const value = valueAt(merged, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(root, issue.path);
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
    case 'invalid_type': {
      // z.number().int() reports a fraction as a type issue; its message is the rule.
      if (issue.expected === 'int' && typeof value === 'number') return [{ field, value, rule: issue.message, fix: `set ${field} to a whole number` }];
      if (issue.expected === 'number' && typeof value === 'number') {
        const schema = schemaAt(root, issue.path);
        const range = bounded(schema?.minValue) && bounded(schema?.maxValue) ? ` from ${schema.minValue} to ${schema.maxValue}` : '';
        return [{ field, value, rule: 'must be a finite number', fix: `set ${field} to ${schema?.isInt ? 'a whole number' : 'a number'}${range}` }];
      }
      if (value === undefined) return [{ field, value, rule: `is required (${issue.expected})`, fix: `add ${field} (${issue.expected})` }];
      return [{ field, value, rule: `must be of type ${issue.expected}`, fix: `write ${field} as a ${issue.expected}` }];
    }
    case 'invalid_value': {
      const options = issue.values.map((v) => JSON.stringify(v)).join(', ');
      return [{ field, value, rule: `must be one of ${options}`, fix: `set ${field} to one of ${options}` }];
    }
    case 'too_small':
    case 'too_big':
      return [{ field, value, ...(issue.origin === 'number' || issue.origin === 'bigint' ? numberRange(schemaAt(root, issue.path), field, issue) : sizeRange(field, issue)) }];
    case 'invalid_key': {
      const key = String(issue.path[issue.path.length - 1]);
      const parent = dotted(issue.path.slice(0, -1));
      const messages = issue.issues.map((i) => i.message).join('; ');
      const fix = /^must be /.test(messages) ? `rename "${key}" in ${parent} to ${messages.replace(/^must be /, '')}` : `rename "${key}" in ${parent}: ${messages}`;
      return [{ field, value, rule: `is not a valid key of ${parent}: ${messages}`, fix }];
    }
    case 'invalid_union': {
      const expected = [...new Set(issue.errors.flatMap((e) => e.map((i) => (i.code === 'invalid_type' ? i.expected : i.message))))];
      return [{ field, value, rule: `must be ${expected.map((e) => `a ${e}`).join(' or ')}`, fix: `write ${field} as ${expected.map((e) => `a ${e}`).join(' or ')}` }];
    }
    case 'custom':
      return [{ field, value, rule: issue.message, fix: customFix(issue, field) }];
    default:
      return [{ field, value, rule: issue.message, fix: instruction(field, issue.message) }];
  }
}
