import { randomBytes } from 'node:crypto';
import { edgeSecretRefs } from '../edge/secrets';
import { opsSecretRefs } from '../ops/secrets';
import { databaseSecretRefs } from '../postgres/secrets';
import { redisSecretRefs } from '../redis/secrets';
import { supersetAdminRefs, supersetFlowerRefs, supersetSecretRefs } from '../superset/secrets';
import { KeyPairKind, keyPairText, KeyPairText, rawKeyPair, RawKeyPair } from './key-pairs';
import type { PlatformConfig } from './platform-schema';
import type { SecretRef } from './secret-ref';

// The Secrets contract: every Secret key the platform reads, assembled from each component's
// secrets.ts, and what is built from it (the ExternalSecrets, `npm run secrets`, the generated
// Secrets reference).

/**
 * Every Secret key the platform reads, whatever component reads it. Each component lists its own
 * in its secrets.ts and is added here, so the Secrets reference, the secrets script and the
 * ExternalSecrets cover everything.
 */
export function allSecretRefs(config: PlatformConfig, options: { readonly allOptional?: boolean } = {}): SecretRef[] {
  return [...supersetSecretRefs(config), ...supersetAdminRefs(config), ...supersetFlowerRefs(config), ...databaseSecretRefs(config, options), ...redisSecretRefs(config), ...opsSecretRefs(config), ...edgeSecretRefs(config)];
}

/**
 * The keys of each Secret, in a stable order. A key read by several containers appears in the
 * contract once per env var; here it appears once, as first listed (the entry that says how to
 * generate it).
 */
export function secretsByName(config: PlatformConfig): Map<string, SecretRef[]> {
  const out = new Map<string, SecretRef[]>();
  for (const ref of allSecretRefs(config)) {
    const keys = out.get(ref.secretName) ?? [];
    if (!keys.some((k) => k.key === ref.key)) out.set(ref.secretName, [...keys, ref]);
  }
  return out;
}

export interface GeneratedSecrets {
  /** Secret manifests with fresh random values, for `kubectl create -f -`. Never write them to the repo. */
  readonly manifests: Array<Record<string, unknown>>;
  /** Keys that cannot be generated (e.g. OAuth client credentials) and must be added by hand. */
  readonly manual: SecretRef[];
}

/**
 * New Secrets with strong random values for a fresh cluster (the bytes come from `random`, the
 * system CSPRNG unless a test injects one).
 */
export function generateSecrets(
  config: PlatformConfig,
  namespace: string,
  random: (bytes: number) => Buffer = randomBytes,
  keyPair: (kind: KeyPairKind) => RawKeyPair = rawKeyPair,
): GeneratedSecrets {
  const manifests: Array<Record<string, unknown>> = [];
  const manual: SecretRef[] = [];
  // One pair per id, whichever Secrets its halves go to.
  const pairs = new Map<string, KeyPairText>();
  const pairOf = (p: NonNullable<SecretRef['keyPair']>): KeyPairText => {
    if (!pairs.has(p.id)) pairs.set(p.id, keyPairText(p.kind, keyPair(p.kind), p.comment));
    return pairs.get(p.id)!;
  };
  for (const [name, refs] of secretsByName(config)) {
    const stringData: Record<string, string> = {};
    for (const ref of refs) {
      if (ref.keyPair) stringData[ref.key] = pairOf(ref.keyPair)[ref.keyPair.part];
      else if (ref.random) stringData[ref.key] = random(ref.random.bytes).toString(ref.random.encoding);
      else if (ref.value !== undefined) stringData[ref.key] = ref.value;
      else manual.push(ref);
    }
    if (Object.keys(stringData).length === 0) continue;
    manifests.push({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: { name, namespace, labels: { 'app.kubernetes.io/part-of': 'superset-platform', 'app.kubernetes.io/managed-by': 'superset-k8s-secrets' } },
      stringData,
    });
  }
  return { manifests, manual };
}

/**
 * What the operator must create by hand, one line each: a `kubectl create secret tls` command per
 * TLS Secret (its key comes from your CA, never from this repository), otherwise one line per key.
 */
export function manualSecretInstructions(manual: readonly SecretRef[], namespace: string): string[] {
  const lines: string[] = [];
  const tls = new Set<string>();
  for (const ref of manual) {
    if (ref.secretType === 'kubernetes.io/tls') {
      if (tls.has(ref.secretName)) continue;
      tls.add(ref.secretName);
      const keys = manual.filter((r) => r.secretName === ref.secretName);
      if (ref.dnsNames) {
        // A certificate of an in-cluster server (and the CA its clients check it against, when the contract has it).
        const names = ref.dnsNames.map((n) => n.replace(/<namespace>/g, namespace)).join(',');
        const ca = keys.some((r) => r.key === 'ca.crt') ? ' --from-file=ca.crt=<the CA that signed it, PEM>' : '';
        lines.push(`create by hand: kubectl -n ${namespace} create secret generic ${ref.secretName} --type=kubernetes.io/tls --from-file=tls.crt=<certificate for DNS:${names}, PEM> --from-file=tls.key=<its private key, PEM>${ca} (or set postgres.tls.certManagerIssuer and let cert-manager issue it)`);
        continue;
      }
      const host = /edge\.host "([^"]+)"/.exec(manual.find((r) => r.secretName === ref.secretName && r.key === 'tls.crt')?.description ?? '')?.[1] ?? 'edge.host';
      lines.push(`create by hand: kubectl -n ${namespace} create secret tls ${ref.secretName} --cert=<certificate chain of ${host}, PEM> --key=<its private key, PEM> (or set edge.tls.certManagerClusterIssuer and let cert-manager issue it)`);
    } else {
      lines.push(`add by hand: Secret ${ref.secretName} key ${ref.key} (${ref.description})`);
    }
  }
  return lines;
}
