// Label and field selectors of list, watch and deletecollection requests. Label selectors use the
// store's parser; field selectors (`metadata.name=x,status.phase!=Failed`) are parsed here, with
// the API's backslash escapes, and only on the fields each resource supports (as the API does).

import { parseLabelSelector } from '../store';
import { errors } from './status';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface FieldRequirement {
  readonly field: string;
  readonly operator: '=' | '!=';
  readonly value: string;
}

export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  /** The value a `field=value` (or `==`) term requires, if there is one. */
  requiredEqual(field: string): string | undefined;
  matches(fields: Readonly<Record<string, string>>): boolean;
}

/** Splits on an unescaped separator, keeping escapes for the next step. */
function splitUnescaped(text: string, separator: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[++i];
    } else if (c === separator) {
      out.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  out.push(current);
  return out;
}

function unescape(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') {
      const next = text[i + 1];
      if (next === '\\' || next === ',' || next === '=') {
        out += next;
        i++;
        continue;
      }
      throw new Error(`invalid field selector: invalid escape sequence "\\${next ?? ''}"`);
    }
    out += text[i];
  }
  return out;
}

/** Parses `a=b,c==d,e!=f`. Throws an Error whose message the API would return with a 400. */
export function parseFieldSelector(text: string): FieldSelector {
  const requirements: FieldRequirement[] = [];
  for (const term of splitUnescaped(text, ',')) {
    if (term.trim() === '') continue;
    // Find the first unescaped operator.
    let index = -1;
    let operator: '=' | '!=' = '=';
    let width = 1;
    for (let i = 0; i < term.length; i++) {
      if (term[i] === '\\') { i++; continue; }
      if (term.startsWith('!=', i)) { index = i; operator = '!='; width = 2; break; }
      if (term.startsWith('==', i)) { index = i; width = 2; break; }
      if (term[i] === '=') { index = i; break; }
    }
    if (index <= 0) throw new Error(`invalid selector: '${text}'; can't understand '${term}'`);
    requirements.push({ field: unescape(term.slice(0, index).trim()), operator, value: unescape(term.slice(index + width).trim()) });
  }
  return {
    requirements,
    requiredEqual(field: string): string | undefined {
      return requirements.find((r) => r.field === field && r.operator === '=')?.value;
    },
    matches(fields: Readonly<Record<string, string>>): boolean {
      return requirements.every((r) => (r.operator === '=' ? fields[r.field] === r.value : fields[r.field] !== r.value));
    },
  };
}

/** Filters of one list, watch or deletecollection request. */
export interface ObjectFilter {
  readonly labels: (labels: Readonly<Record<string, string>> | undefined) => boolean;
  readonly fields?: FieldSelector;
}

/**
 * Builds the filter for a request's `labelSelector` and `fieldSelector` on a resource whose
 * selectable fields are `supported`; a selector that does not parse, or names a field the resource
 * cannot select on, is a 400 as in the API.
 */
export function requestFilter(query: URLSearchParams, supported: readonly string[]): ObjectFilter {
  let labels: ObjectFilter['labels'] = () => true;
  const labelText = query.get('labelSelector');
  if (labelText) {
    try {
      labels = parseLabelSelector(labelText);
    } catch (e) {
      throw errors.badRequest(`unable to parse requirement: ${(e as Error).message}`);
    }
  }
  const fieldText = query.get('fieldSelector');
  if (!fieldText) return { labels };
  let fields: FieldSelector;
  try {
    fields = parseFieldSelector(fieldText);
  } catch (e) {
    throw errors.badRequest((e as Error).message);
  }
  for (const r of fields.requirements) {
    if (!supported.includes(r.field)) throw errors.badRequest(`field label not supported: ${r.field}`);
  }
  return { labels, fields };
}

export function filterMatches(filter: ObjectFilter, object: any, fieldsOf: (o: any) => Record<string, string>): boolean {
  if (!filter.labels(object.metadata?.labels)) return false;
  return !filter.fields || filter.fields.matches(fieldsOf(object));
}
