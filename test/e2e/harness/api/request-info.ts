// What a request asks for, in the terms the authorizer and the handlers use: the verb
// (get/list/watch/create/update/patch/delete/deletecollection), API group and version, namespace,
// resource, subresource and name. Parsed the way the real API server's request-info step does it,
// so RBAC sees the same attributes it would see in a cluster.

import { parseFieldSelector } from './selectors';

export interface RequestAttributes {
  /** A Kubernetes verb for resource requests; the lower-cased HTTP method for other paths. */
  readonly verb: string;
  readonly isResourceRequest: boolean;
  /** The URL path without the query. */
  readonly path: string;
  readonly apiGroup: string;
  readonly apiVersion: string;
  /** '' for cluster-scoped resources and for lists across all namespaces. */
  readonly namespace: string;
  readonly resource: string;
  readonly subresource: string;
  /**
   * The object's name: from the path, or for list and watch from a `fieldSelector` that requires
   * `metadata.name=<name>` (so a Role's resourceNames can allow such a list, as in a cluster).
   */
  readonly name: string;
  /** True when `name` came from the path (a request on one object, not on a collection). */
  readonly namedInPath: boolean;
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** The API's reading of a boolean query parameter: anything but "0" and "false" is true. */
export function queryFlag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  if (value === null) return false;
  return !(value === '0' || value.toLowerCase() === 'false');
}

function methodVerb(method: string): string {
  switch (method) {
    case 'POST': return 'create';
    case 'GET': case 'HEAD': return 'get';
    case 'PUT': return 'update';
    case 'PATCH': return 'patch';
    case 'DELETE': return 'delete';
    default: return '';
  }
}

function isValidPathSegmentName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('%');
}

export function requestAttributes(method: string, url: URL): RequestAttributes {
  const path = url.pathname;
  const nonResource: RequestAttributes = {
    verb: method.toLowerCase(), isResourceRequest: false, path, apiGroup: '', apiVersion: '', namespace: '', resource: '', subresource: '', name: '', namedInPath: false,
  };
  let parts = path.split('/').filter((p) => p !== '');
  let apiGroup = '';
  let apiVersion: string;
  if (parts[0] === 'api') {
    if (parts.length < 3) return nonResource;
    apiVersion = parts[1];
    parts = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length < 4) return nonResource;
    apiGroup = parts[1];
    apiVersion = parts[2];
    parts = parts.slice(3);
  } else {
    return nonResource;
  }

  let verb = methodVerb(method);
  // The deprecated /watch/ prefix: GET /api/v1/watch/namespaces/ns/configmaps.
  if (parts[0] === 'watch' && verb === 'get') {
    verb = 'watch';
    parts = parts.slice(1);
  }

  let namespace = '';
  if (parts[0] === 'namespaces' && parts.length > 1) {
    namespace = parts[1];
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) parts = parts.slice(2);
  }
  const resource = parts[0] ?? '';
  const name = parts[1] ?? '';
  const subresource = parts[2] ?? '';

  let effectiveName = name;
  if (!name && verb === 'get') {
    verb = queryFlag(url.searchParams, 'watch') ? 'watch' : 'list';
  }
  if (!name && (verb === 'list' || verb === 'watch')) {
    const selector = url.searchParams.get('fieldSelector');
    if (selector) {
      try {
        const required = parseFieldSelector(selector).requiredEqual('metadata.name') ?? '';
        if (isValidPathSegmentName(required)) effectiveName = required;
      } catch {
        // A selector that does not parse is rejected later with a 400; it grants no name here.
      }
    }
  }
  if (!name && verb === 'delete') verb = 'deletecollection';

  return { verb, isResourceRequest: true, path, apiGroup, apiVersion, namespace, resource, subresource, name: effectiveName, namedInPath: name !== '' };
}
