import type { KubeObject, PolicyRule, PolicyViolation } from './rule';
import { explicitRegistry } from './rules/explicit-registry';
import { namedEndpointsAllowed } from './rules/named-endpoints-allowed';
import { networkPolicyCoverage } from './rules/network-policy-coverage';
import { noSecretLiterals } from './rules/no-secret-literals';
import { pdbCoverage } from './rules/pdb-coverage';
import { pinnedImages } from './rules/pinned-images';
import { podReferences } from './rules/pod-references';
import { probes } from './rules/probes';
import { readOnlyRootFilesystem } from './rules/read-only-root-filesystem';
import { recommendedLabels } from './rules/recommended-labels';
import { resourcesSet } from './rules/resources-set';
import { restrictedPodSecurity } from './rules/restricted-pod-security';
import { serviceAccountToken } from './rules/service-account-token';
import { stableSelectors } from './rules/stable-selectors';

/** Every rule, run over each environment at synth time and in the tests. */
export const POLICY_RULES: readonly PolicyRule[] = [
  restrictedPodSecurity,
  readOnlyRootFilesystem,
  serviceAccountToken,
  resourcesSet,
  probes,
  pinnedImages,
  explicitRegistry,
  noSecretLiterals,
  pdbCoverage,
  recommendedLabels,
  stableSelectors,
  networkPolicyCoverage,
  namedEndpointsAllowed,
  podReferences,
];

export function checkPolicies(objects: readonly KubeObject[], rules: readonly PolicyRule[] = POLICY_RULES): PolicyViolation[] {
  return rules.flatMap((rule) => rule.check(objects));
}

/** Thrown by synth when an environment's objects break a rule. */
export class PolicyError extends Error {
  constructor(environment: string, violations: readonly PolicyViolation[], rules: readonly PolicyRule[] = POLICY_RULES) {
    const fixes = new Map(rules.map((r) => [r.id, r.fix]));
    super([
      `Environment "${environment}" breaks ${violations.length} policy rule(s):`,
      ...violations.map((v) => `  - [${v.rule}] ${v.object}: ${v.message}\n      fix: ${fixes.get(v.rule) ?? ''}`),
    ].join('\n'));
    this.name = 'PolicyError';
  }
}

export type { KubeObject, PolicyRule, PolicyViolation };
