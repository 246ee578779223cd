// The three patch formats of PATCH requests, applied to a stored object:
//
// - JSON merge patch (RFC 7386, application/merge-patch+json): maps merge, null deletes, lists replace.
// - Strategic merge patch (application/strategic-merge-patch+json, what Patroni sends): like a
//   merge patch, except that the lists Kubernetes declares with a merge key (containers by name,
//   ownerReferences by uid, conditions by type, ...) merge element by element, and primitive
//   lists declared "merge" (finalizers) take the union; with the directives `$patch`
//   (replace/delete/merge), `$retainKeys`, `$setElementOrder/<list>` and
//   `$deleteFromPrimitiveList/<list>`. Lists not in the table replace, as fields without a patch
//   strategy do.
// - JSON patch (RFC 6902, application/json-patch+json), with fast-json-patch.
//
// Server-side apply (application/apply-patch+yaml) is not implemented: it needs field ownership.

import { applyPatch as applyJsonPatch, JsonPatchError, type Operation } from 'fast-json-patch';
import { errors } from './status';

/* eslint-disable @typescript-eslint/no-explicit-any */

export type PatchType = 'strategic' | 'merge' | 'json';

export const PATCH_CONTENT_TYPES: Readonly<Record<string, PatchType>> = {
  'application/strategic-merge-patch+json': 'strategic',
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
};

const APPLY_PATCH_CONTENT_TYPE = 'application/apply-patch+yaml';

/** The strategic-merge lists of ConfigMaps and Pods (field path without list indices). */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  'metadata.ownerReferences': 'uid',
  'metadata.managedFields': 'manager',
  'spec.containers': 'name',
  'spec.initContainers': 'name',
  'spec.ephemeralContainers': 'name',
  'spec.volumes': 'name',
  'spec.imagePullSecrets': 'name',
  'spec.hostAliases': 'ip',
  'spec.schedulingGates': 'name',
  'spec.resourceClaims': 'name',
  'spec.topologySpreadConstraints': 'topologyKey',
  'spec.containers.env': 'name',
  'spec.containers.ports': 'containerPort',
  'spec.containers.volumeMounts': 'mountPath',
  'spec.containers.volumeDevices': 'devicePath',
  'spec.containers.resizePolicy': 'resourceName',
  'spec.initContainers.env': 'name',
  'spec.initContainers.ports': 'containerPort',
  'spec.initContainers.volumeMounts': 'mountPath',
  'spec.initContainers.volumeDevices': 'devicePath',
  'spec.initContainers.resizePolicy': 'resourceName',
  'status.conditions': 'type',
  'status.podIPs': 'ip',
  'status.hostIPs': 'ip',
};

/** Primitive lists whose patch strategy is "merge" (set union). */
const MERGE_PRIMITIVE_LISTS = new Set(['metadata.finalizers']);

const isMap = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

/** RFC 7386. */
export function mergePatch(target: any, patch: any): any {
  if (!isMap(patch)) return clone(patch);
  const out: Record<string, any> = isMap(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function listKeyOf(path: string): string | undefined {
  return MERGE_KEYS[path];
}

function strategicList(path: string, original: any, patch: any[]): any[] {
  const key = listKeyOf(path);
  if (MERGE_PRIMITIVE_LISTS.has(path)) {
    const out = Array.isArray(original) ? [...original] : [];
    for (const v of patch) if (!out.includes(v)) out.push(v);
    return out;
  }
  if (!key) {
    // No patch strategy: the patch's list replaces the stored one (directives inside are stripped).
    return patch.map((e) => (isMap(e) ? strategicMap(`${path}`, {}, e) : e)).filter((e) => e !== undefined);
  }
  if (patch.some((e) => isMap(e) && e.$patch === 'replace')) {
    return patch.filter((e) => !(isMap(e) && e.$patch === 'replace')).map((e) => strategicMap(path, {}, e));
  }
  const out: any[] = Array.isArray(original) ? clone(original) : [];
  for (const element of patch) {
    if (!isMap(element) || !(key in element)) {
      throw errors.badRequest(`strategic merge patch: an element of ${path} does not contain its merge key "${key}"`);
    }
    const index = out.findIndex((o) => isMap(o) && o[key] === element[key]);
    if (element.$patch === 'delete') {
      if (index >= 0) out.splice(index, 1);
      continue;
    }
    if (index >= 0) out[index] = strategicMap(path, out[index], element);
    else out.push(strategicMap(path, {}, element));
  }
  return out;
}

function reorder(list: any[], order: any[], key: string | undefined): any[] {
  const position = (e: any) => order.findIndex((o) => (key && isMap(o) && isMap(e) ? o[key] === e[key] : o === e));
  const inOrder = list.filter((e) => position(e) >= 0).sort((a, b) => position(a) - position(b));
  return [...inOrder, ...list.filter((e) => position(e) < 0)];
}

function strategicMap(path: string, original: any, patch: Record<string, any>): any {
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  if (directive === 'replace') {
    const { $patch: _ignored, ...rest } = patch;
    return strategicMap(path, {}, rest);
  }
  if (directive !== undefined && directive !== 'merge') throw errors.badRequest(`strategic merge patch: unknown $patch directive "${directive}" at ${path || '<root>'}`);

  const out: Record<string, any> = isMap(original) ? clone(original) : {};
  const orders: Array<[string, any[]]> = [];
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch') continue;
    if (k === '$retainKeys') continue;
    if (k.startsWith('$setElementOrder/')) {
      orders.push([k.slice('$setElementOrder/'.length), v]);
      continue;
    }
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[field])) out[field] = out[field].filter((e: any) => !(v as any[]).includes(e));
      continue;
    }
    if (k.startsWith('$')) throw errors.badRequest(`strategic merge patch: unknown directive "${k}" at ${path || '<root>'}`);
    const childPath = path ? `${path}.${k}` : k;
    if (v === null) {
      delete out[k];
    } else if (isMap(v)) {
      const merged = strategicMap(childPath, out[k], v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else if (Array.isArray(v)) {
      out[k] = strategicList(childPath, out[k], v);
    } else {
      out[k] = v;
    }
  }
  for (const [field, order] of orders) {
    if (Array.isArray(out[field])) out[field] = reorder(out[field], order, listKeyOf(path ? `${path}.${field}` : field));
  }
  if (Array.isArray(patch.$retainKeys)) {
    for (const k of Object.keys(out)) if (!patch.$retainKeys.includes(k)) delete out[k];
  }
  return out;
}

export function strategicMergePatch(original: any, patch: any): any {
  if (!isMap(patch)) throw errors.badRequest('strategic merge patch: the patch must be a JSON object');
  return strategicMap('', original, patch) ?? {};
}

/** The patch type of a Content-Type header, or the 415/501 the API answers. */
export function patchTypeOf(contentType: string | undefined): PatchType {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const type = PATCH_CONTENT_TYPES[mediaType];
  if (type) return type;
  if (mediaType === APPLY_PATCH_CONTENT_TYPE) throw errors.notImplemented('server-side apply (PATCH with application/apply-patch+yaml)');
  throw errors.unsupportedMediaType(mediaType, [...Object.keys(PATCH_CONTENT_TYPES), APPLY_PATCH_CONTENT_TYPE]);
}

/** Applies `body` (the parsed request body) to `original`; returns the patched copy. */
export function applyPatch(type: PatchType, original: any, body: any): any {
  switch (type) {
    case 'merge':
      if (!isMap(body)) throw errors.badRequest('merge patch: the patch must be a JSON object');
      return mergePatch(original, body);
    case 'strategic':
      return strategicMergePatch(original, body);
    case 'json': {
      if (!Array.isArray(body)) throw errors.badRequest('json patch: the patch must be a JSON array of operations');
      try {
        return applyJsonPatch(clone(original), body as Operation[], true, true).newDocument;
      } catch (e) {
        if (!(e instanceof JsonPatchError)) throw errors.badRequest(`json patch: ${(e as Error).message}`);
        const message = `${e.name}: ${e.message.split('\n')[0]} (operation ${e.index ?? '?'})`;
        // A malformed operation is a bad request; one that does not apply (a failed `test`, a
        // missing path) is the 422 the API answers with the patch library's error as the cause.
        if (e.name.endsWith('_INVALID') || e.name === 'SEQUENCE_NOT_AN_ARRAY') throw errors.badRequest(`json patch: ${message}`);
        throw errors.unprocessable(message);
      }
    }
    default:
      throw errors.internal(`unknown patch type ${String(type)}`);
  }
}
