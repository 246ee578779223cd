// Validation of what clients write, as the API validates ConfigMaps and object metadata: names,
// label and annotation keys and values, the 256 KiB annotation and 1 MiB ConfigMap limits, and the
// fields an update may not change. Type errors (a label that is not a string) are 400s, as the
// API's decoder reports them; rule violations are 422s with the field named.

import type { KubeObject } from '../store';
import { jsonEqual } from './json-equal';
import { errors } from './status';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
  readonly reason?: string;
}

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;

/** Annotations: keys plus values, in bytes. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
/** ConfigMap data plus binaryData, in bytes. */
export const CONFIG_MAP_SIZE_LIMIT = 1024 * 1024;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

export function isDns1123Subdomain(name: string): boolean {
  return name.length <= 253 && DNS1123_SUBDOMAIN.test(name);
}

function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'a qualified name must consist of alphanumeric characters, \'-\', \'_\' or \'.\', with an optional DNS subdomain prefix and \'/\' (e.g. \'example.com/MyName\')';
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) return 'prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\'';
  if (name.length === 0) return 'name part must be non-empty';
  if (name.length > 63) return 'name part must be no more than 63 characters';
  if (!QUALIFIED_NAME_PART.test(name)) return 'name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character';
  return undefined;
}

/** 400 for maps whose values are not strings, as the API's decoder rejects them. */
function requireStringMap(value: unknown, field: string, kind: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw errors.badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: ${field}: expected a map of strings`);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw errors.badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: ${field}[${JSON.stringify(k)}]: expected a string, got ${typeof v}`);
  }
  return value as Record<string, string>;
}

/** Problems with metadata.name, labels and annotations of an object to be stored. */
export function metadataProblems(object: KubeObject): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const meta = object.metadata ?? ({} as any);
  if (!meta.name) problems.push({ field: 'metadata.name', message: 'Required value: name or generateName is required', reason: 'FieldValueRequired' });
  else if (!isDns1123Subdomain(meta.name)) {
    problems.push({ field: 'metadata.name', message: `Invalid value: "${meta.name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character` });
  }
  for (const [k, v] of Object.entries(requireStringMap(meta.labels, 'metadata.labels', object.kind))) {
    const keyProblem = qualifiedNameProblem(k);
    if (keyProblem) problems.push({ field: 'metadata.labels', message: `Invalid value: "${k}": ${keyProblem}` });
    if (v.length > 63) problems.push({ field: 'metadata.labels', message: `Invalid value: "${v}": must be no more than 63 characters` });
    else if (!LABEL_VALUE.test(v)) problems.push({ field: 'metadata.labels', message: `Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character` });
  }
  let annotationBytes = 0;
  for (const [k, v] of Object.entries(requireStringMap(meta.annotations, 'metadata.annotations', object.kind))) {
    const keyProblem = qualifiedNameProblem(k.toLowerCase());
    if (keyProblem) problems.push({ field: 'metadata.annotations', message: `Invalid value: "${k}": ${keyProblem}` });
    annotationBytes += bytes(k) + bytes(v);
  }
  if (annotationBytes > TOTAL_ANNOTATION_SIZE_LIMIT) {
    problems.push({ field: 'metadata.annotations', message: `Too long: may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`, reason: 'FieldValueTooLong' });
  }
  return problems;
}

/** Problems with a ConfigMap's data and binaryData. */
export function configMapProblems(object: KubeObject): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const data = requireStringMap(object.data, 'data', 'ConfigMap');
  const binary = requireStringMap(object.binaryData, 'binaryData', 'ConfigMap');
  let size = 0;
  for (const [field, map] of [['data', data], ['binaryData', binary]] as const) {
    for (const [k, v] of Object.entries(map)) {
      if (k.length > 253 || !CONFIG_MAP_KEY.test(k)) {
        problems.push({ field: `${field}[${k}]`, message: `Invalid value: "${k}": a valid config key must consist of alphanumeric characters, '-', '_' or '.'` });
      }
      if (field === 'data' && k in binary) problems.push({ field: `${field}[${k}]`, message: `Invalid value: "${k}": duplicate of key present in binaryData` });
      size += field === 'binaryData' ? Buffer.from(v, 'base64').length : bytes(v);
    }
  }
  if (size > CONFIG_MAP_SIZE_LIMIT) problems.push({ field: '[]', message: `Too long: must have at most ${CONFIG_MAP_SIZE_LIMIT} bytes`, reason: 'FieldValueTooLong' });
  return problems;
}

/** An update may not change an immutable ConfigMap's data, nor make it mutable again. */
export function configMapUpdateProblems(old: KubeObject, updated: KubeObject): FieldProblem[] {
  if (old.immutable !== true) return [];
  const problems: FieldProblem[] = [];
  const same = (a: unknown, b: unknown) => jsonEqual(a ?? {}, b ?? {});
  if (updated.immutable !== true) problems.push({ field: 'immutable', message: 'Forbidden: field is immutable when `immutable` is set', reason: 'FieldValueForbidden' });
  if (!same(old.data, updated.data)) problems.push({ field: 'data', message: 'Forbidden: field is immutable when `immutable` is set', reason: 'FieldValueForbidden' });
  if (!same(old.binaryData, updated.binaryData)) problems.push({ field: 'binaryData', message: 'Forbidden: field is immutable when `immutable` is set', reason: 'FieldValueForbidden' });
  return problems;
}

/** Server-owned metadata a client may not change with an update. */
export function metadataUpdateProblems(old: KubeObject, updated: KubeObject): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (updated.metadata.uid !== undefined && updated.metadata.uid !== old.metadata.uid) {
    problems.push({ field: 'metadata.uid', message: `Invalid value: "${updated.metadata.uid}": field is immutable` });
  }
  return problems;
}
