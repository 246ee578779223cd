import { diffLines } from 'diff';
import { parseAllDocuments } from 'yaml';
import { migrationChange, MigrationChange } from './migration';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** The YAML files of each environment: env -> file name -> content. */
export type ManifestTree = ReadonlyMap<string, ReadonlyMap<string, string>>;

export interface FieldChange {
  /** Readable path, list items keyed by their `name` where they have one: `spec.template.spec.containers[web].image`. */
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
  /** For multi-line strings (config files inside ConfigMaps): the changed lines. */
  readonly lines?: ReadonlyArray<{ readonly op: '+' | '-'; readonly text: string }>;
}

export interface ObjectChange {
  /** `Kind namespace/name`. */
  readonly object: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly fields: readonly FieldChange[];
}

export interface EnvironmentDiff {
  readonly environment: string;
  readonly change: 'added' | 'removed' | 'changed' | 'unchanged';
  readonly objects: readonly ObjectChange[];
  /** Set when the change runs a schema migration, which must be applied and finish first. */
  readonly migration?: MigrationChange;
}

function objectKey(o: any): string {
  return `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;
}

/** Every object of one environment, by key, in a stable order. */
function objectsOf(files: ReadonlyMap<string, string>): Map<string, any> {
  const out = new Map<string, any>();
  for (const file of [...files.keys()].filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(files.get(file)!)) {
      const o = doc.toJS();
      if (o) out.set(objectKey(o), o);
    }
  }
  return out;
}

/** Flattens an object to path -> leaf; items of lists of named objects are keyed by name. */
export function flatten(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (Array.isArray(value)) {
    const named = value.length > 0 && value.every((v) => v && typeof v === 'object' && typeof (v as any).name === 'string');
    if (value.length === 0) out.set(prefix, []);
    value.forEach((v, i) => flatten(v, `${prefix}[${named ? (v as any).name : i}]`, out));
  } else if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) out.set(prefix, {});
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

function lineChanges(before: string, after: string): FieldChange['lines'] {
  return diffLines(before, after).flatMap((part) => {
    if (!part.added && !part.removed) return [];
    const op = part.added ? '+' as const : '-' as const;
    return part.value.replace(/\n$/, '').split('\n').map((text) => ({ op, text }));
  });
}

function fieldChanges(before: any, after: any): FieldChange[] {
  const a = flatten(before);
  const b = flatten(after);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  const out: FieldChange[] = [];
  for (const path of paths) {
    const x = a.get(path);
    const y = b.get(path);
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    if (typeof x === 'string' && typeof y === 'string' && (x.includes('\n') || y.includes('\n'))) {
      out.push({ path, lines: lineChanges(x, y) });
    } else {
      out.push({ path, before: x, after: y });
    }
  }
  return out;
}

/** Compares two manifest trees environment by environment, object by object, field by field. */
export function diffManifests(before: ManifestTree, after: ManifestTree): EnvironmentDiff[] {
  const environments = [...new Set([...before.keys(), ...after.keys()])].sort();
  return environments.map((environment) => {
    const old = objectsOf(before.get(environment) ?? new Map());
    const now = objectsOf(after.get(environment) ?? new Map());
    const objects: ObjectChange[] = [];
    for (const key of [...new Set([...old.keys(), ...now.keys()])].sort()) {
      if (!old.has(key)) objects.push({ object: key, change: 'added', fields: [] });
      else if (!now.has(key)) objects.push({ object: key, change: 'removed', fields: [] });
      else {
        const fields = fieldChanges(old.get(key), now.get(key));
        if (fields.length) objects.push({ object: key, change: 'changed', fields });
      }
    }
    const change = !before.has(environment) ? 'added' : !after.has(environment) ? 'removed' : objects.length ? 'changed' : 'unchanged';
    const migration = migrationChange(old.values(), now.values());
    return { environment, change, objects, ...(migration ? { migration } : {}) };
  });
}
