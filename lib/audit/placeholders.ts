import type { KubeObject } from '../policy';
import { describeObject } from '../policy/rule';

/* eslint-disable @typescript-eslint/no-explicit-any */

// Placeholders: values that name a domain reserved for examples (RFC 2606, RFC 6761:
// example.com/.net/.org and the .example, .invalid and .test top-level domains). No registry,
// host, bucket endpoint or Git server can be there, so evidence that names one proves nothing.
// An e-mail address there (a commit author) names no endpoint and is not one.

const RESERVED_HOST = /(?:^|[^a-z0-9.-])((?:[a-z0-9-]+\.)*(?:example\.(?:com|net|org)|[a-z0-9-]+\.(?:example|invalid|test)))(?![a-z0-9-]|\.[a-z0-9])/i;
const EMAIL = /^[^\s@:/]+@[^\s@:/]+$/;

/** The reserved host a value names, or undefined. */
export function placeholderHost(value: string): string | undefined {
  if (EMAIL.test(value)) return undefined;
  return RESERVED_HOST.exec(value)?.[1];
}

/** One value the audit looked at, and where it is. */
export interface EvidenceValue {
  readonly at: string;
  readonly value: string;
}

/**
 * The placeholders among `values`, one line per distinct value: "value (at <where>)", or
 * "value (at <where> and N more)" when several places name it.
 */
export function placeholdersIn(values: readonly EvidenceValue[]): string[] {
  const where = new Map<string, string[]>();
  for (const v of values) if (placeholderHost(v.value) !== undefined) where.set(v.value, [...(where.get(v.value) ?? []), v.at]);
  return [...where.entries()].map(([value, at]) => `${value} (at ${at[0]}${at.length > 1 ? ` and ${at.length - 1} more` : ''})`);
}

/** Every string in an object, with its path (for the scan of a whole environment). */
function stringsOf(value: any, at: string, out: EvidenceValue[]): EvidenceValue[] {
  if (typeof value === 'string') out.push({ at, value });
  else if (Array.isArray(value)) value.forEach((v, i) => stringsOf(v, `${at}[${v?.name ?? i}]`, out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) stringsOf(v, at ? `${at}.${k}` : k, out);
  return out;
}

/** Every placeholder anywhere in the objects of an environment. */
export function placeholdersOf(objects: readonly KubeObject[]): string[] {
  return placeholdersIn(objects.flatMap((o) => stringsOf(o, '', []).map((v) => ({ at: `${describeObject(o)} ${v.at}`, value: v.value }))));
}
