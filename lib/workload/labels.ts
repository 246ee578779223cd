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

/** The recommended app.kubernetes.io labels, on every object and pod template (version only when the identity has one). */
export function recommendedLabels(id: ComponentIdentity): Record<string, string> {
  return {
    ...selectorLabels(id),
    'app.kubernetes.io/part-of': PART_OF,
    ...(id.version === undefined ? {} : { 'app.kubernetes.io/version': toLabelValue(id.version) }),
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}
