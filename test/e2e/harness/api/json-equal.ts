// Equality of JSON values (objects compared key by key in any order). Not util.isDeepStrictEqual:
// that also compares prototypes, and objects copied with structuredClone under jest come from
// another realm.

/* eslint-disable @typescript-eslint/no-explicit-any */

export function jsonEqual(a: any, b: any): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  const keys = Object.keys(a).filter((k) => a[k] !== undefined);
  const otherKeys = Object.keys(b).filter((k) => b[k] !== undefined);
  return keys.length === otherKeys.length && keys.every((k) => jsonEqual(a[k], b[k]));
}
