/** A synthesized Kubernetes object, as plain JSON. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [key: string]: unknown;
}

/** One object breaking one rule. */
export interface PolicyViolation {
  readonly rule: string;
  /** `Kind namespace/name`. */
  readonly object: string;
  /** What exactly is wrong, e.g. which container and field. */
  readonly message: string;
}

/** A production rule every synthesized object must pass (one rule per file in ./rules). */
export interface PolicyRule {
  /** Stable id, used in messages and tests. */
  readonly id: string;
  /** The rule in one sentence. */
  readonly statement: string;
  /** How to fix a violation. */
  readonly fix: string;
  /** Checks every object of an environment (rules may relate objects to each other). */
  check(objects: readonly KubeObject[]): PolicyViolation[];
}

export function describeObject(o: KubeObject): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}
