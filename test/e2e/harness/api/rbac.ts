// RBAC decisions from the Role, RoleBinding, ClusterRole and ClusterRoleBinding objects in the
// store, evaluated as the Kubernetes RBAC authorizer does: ClusterRoleBindings apply everywhere,
// RoleBindings only to requests in their own namespace (to a Role there or to a ClusterRole);
// a rule allows a request when its verbs, apiGroups, resources (with subresources and `*`) and
// resourceNames all match. Nothing is allowed by default. Aggregated ClusterRoles are used with
// the rules they list (the aggregation controller is not emulated).

import type { KubeObject } from '../store';
import type { RequestAttributes } from './request-info';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface UserInfo {
  /** `system:serviceaccount:<namespace>:<name>` for ServiceAccounts. */
  readonly name: string;
  readonly groups: readonly string[];
}

/** What the authorizer reads: the store, or anything with the same two calls (tests). */
export interface RbacObjectSource {
  list(kind: string, namespace?: string): KubeObject[];
  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined;
}

export interface Decision {
  readonly allowed: boolean;
  /**
   * Allowed: which binding and role allowed it. Denied: '' or, as the real authorizer reports,
   * the bindings that point at roles which do not exist (`RBAC: role.rbac... "x" not found`).
   */
  readonly reason: string;
}

export interface PolicyRule {
  readonly verbs?: readonly string[];
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
}

export function serviceAccountUser(namespace: string, name: string): UserInfo {
  return {
    name: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
  };
}

const has = (list: readonly string[] | undefined, value: string) => (list ?? []).includes(value);

function resourceMatches(rule: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    // `*/status` allows the status subresource of every resource.
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

function nonResourceUrlMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

/** Does one rule allow the request? (resourceNames never match a request without a name, e.g. create.) */
export function ruleAllows(rule: PolicyRule, a: RequestAttributes): boolean {
  const verbOk = has(rule.verbs, '*') || has(rule.verbs, a.verb);
  if (!verbOk) return false;
  if (!a.isResourceRequest) return nonResourceUrlMatches(rule, a.path);
  const groupOk = has(rule.apiGroups, '*') || has(rule.apiGroups, a.apiGroup);
  const namesOk = !rule.resourceNames?.length || has(rule.resourceNames, a.name);
  return groupOk && resourceMatches(rule, a.resource, a.subresource) && namesOk;
}

function subjectApplies(subject: any, user: UserInfo, bindingNamespace: string): boolean {
  switch (subject?.kind) {
    case 'User':
      return user.name === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      // A RoleBinding's ServiceAccount subject without a namespace means its own namespace.
      const ns = subject.namespace || bindingNamespace;
      return ns !== '' && user.name === `system:serviceaccount:${ns}:${subject.name}`;
    }
    default:
      return false;
  }
}

function describeSubject(subject: any, bindingNamespace: string): string {
  if (subject.kind === 'ServiceAccount') return `ServiceAccount "${subject.name}/${subject.namespace || bindingNamespace}"`;
  return `${subject.kind} "${subject.name}"`;
}

interface BindingVisit {
  readonly binding: KubeObject;
  readonly rules?: readonly PolicyRule[];
  readonly missing?: string;
}

function rolesOf(source: RbacObjectSource, binding: KubeObject): BindingVisit {
  const ref = binding.roleRef ?? {};
  const bindingNamespace = binding.metadata.namespace;
  if (binding.kind === 'RoleBinding' && ref.kind === 'Role') {
    const role = source.get('Role', bindingNamespace, ref.name);
    return role ? { binding, rules: role.rules ?? [] } : { binding, missing: `role.rbac.authorization.k8s.io "${ref.name}" not found` };
  }
  if (ref.kind === 'ClusterRole') {
    const role = source.get('ClusterRole', undefined, ref.name);
    return role ? { binding, rules: role.rules ?? [] } : { binding, missing: `clusterrole.rbac.authorization.k8s.io "${ref.name}" not found` };
  }
  return { binding, missing: `${binding.kind} "${binding.metadata.name}" has an unsupported roleRef.kind "${ref.kind}"` };
}

/** The RBAC authorizer's decision for `user` doing `attributes`. */
export function authorize(source: RbacObjectSource, user: UserInfo, attributes: RequestAttributes): Decision {
  const problems: string[] = [];
  const bindings: Array<{ binding: KubeObject; namespace: string }> = source.list('ClusterRoleBinding').map((b) => ({ binding: b, namespace: '' }));
  if (attributes.namespace) {
    for (const b of source.list('RoleBinding', attributes.namespace)) bindings.push({ binding: b, namespace: attributes.namespace });
  }
  for (const { binding, namespace } of bindings) {
    const subject = (binding.subjects ?? []).find((s: any) => subjectApplies(s, user, namespace));
    if (!subject) continue;
    const visit = rolesOf(source, binding);
    if (visit.missing) {
      problems.push(visit.missing);
      continue;
    }
    if ((visit.rules ?? []).some((rule) => ruleAllows(rule, attributes))) {
      const where = binding.kind === 'RoleBinding' ? `RoleBinding "${binding.metadata.name}/${namespace}"` : `ClusterRoleBinding "${binding.metadata.name}"`;
      return { allowed: true, reason: `RBAC: allowed by ${where} of ${binding.roleRef.kind} "${binding.roleRef.name}" to ${describeSubject(subject, namespace)}` };
    }
  }
  return { allowed: false, reason: problems.length === 0 ? '' : `RBAC: ${problems.length === 1 ? problems[0] : `[${problems.join(', ')}]`}` };
}

/** The message of the 403 the API returns for a denied request (the Status wraps it). */
export function forbiddenMessage(user: UserInfo, a: RequestAttributes): string {
  if (!a.isResourceRequest) return `User "${user.name}" cannot ${a.verb} path "${a.path}"`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `User "${user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${scope}`;
}
