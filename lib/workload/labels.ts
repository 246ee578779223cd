/** The identity of one component, from which every label is derived. */
export interface ComponentIdentity {
  /** app.kubernetes.io/name: the application, e.g. "superset", "pgbouncer". */
  readonly name: string;
  /** app.kubernetes.io/instance: the installation, from config. */
  readonly instance: string;
  /** app.kubernetes.io/component, e.g. "web", "worker-reports". */
  readonly component: string;
  /**
   * app.kubernetes.io/version: the version of the software the component runs. Omitted for
   * objects of the platform as a whole (name PART_OF: Namespace, NetworkPolicies, ExternalSecrets),
   * which run no software: a version there would change on every upgrade for nothing.
   */
  readonly version?: string;
}

export const PART_OF = 'superset-platform';
export const MANAGED_BY = 'superset-k8s';

/**
 * Pod-template annotation carrying the hash of the configuration a pod mounts (superset_config.py,
 * redis.conf and scripts), so the pods roll when it changes.
 */
export const CONFIG_HASH_ANNOTATION = 'superset-k8s.io/config-sha256';

/** A label value must be <= 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric. */
export function toLabelValue(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 63);
  return cleaned.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** Immutable selector labels: never the version, so upgrades never touch a selector. */
export function selectorLabels(id: ComponentIdentity): Record<string, string> {
  return {
    'app.kubernetes.io/name': id.name,
    'app.kubernetes.io/instance': id.instance,
    'app.kubernetes.io/component': id.component,
  };
}

/**
 * Label keys by which GitOps tools decide that an object belongs to an application: Argo CD's
 * label tracking (`application.instanceLabelKey`, default app.kubernetes.io/instance; the
 * documented alternative argocd.argoproj.io/instance) and the labels Flux's kustomize- and
 * helm-controller put on what they apply. An object that a workload creates at run time (Patroni's
 * ConfigMaps) must carry none of them: the tool would see an object of its application that is
 * not in Git, and prune it.
 */
export const GITOPS_TRACKING_LABEL = /^(app\.kubernetes\.io\/instance|argocd\.argoproj\.io\/instance|(kustomize|helm)\.toolkit\.fluxcd\.io\/.+)$/;

/** `labels` without the keys a GitOps tool tracks (for labels that a workload copies onto objects it creates). */
export function withoutTrackingLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([key]) => !GITOPS_TRACKING_LABEL.test(key)));
}

/** The recommended app.kubernetes.io labels, on every object and pod template (version only when the identity has one). */
export function recommendedLabels(id: ComponentIdentity): Record<string, string> {
  return {
    ...selectorLabels(id),
    'app.kubernetes.io/part-of': PART_OF,
    ...(id.version === undefined ? {} : { 'app.kubernetes.io/version': toLabelValue(id.version) }),
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}
